"""Tracks, courses and lessons (Wagtail pages), and the learning records kept about them (plain models).

Pages are presentation: they ask `courses.selectors` for what to show and change nothing themselves
(opening a lesson is recorded by `courses.wagtail_hooks`). They import the selectors when called: the
selectors read these models, so a module-level import would be circular.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from common.pages import parent_page
from lms.consent import study_refusal
from lms.page_cache import page_cache_query_vouch
from lms.page_memo import RememberedViewRestrictionsMixin

from .blocks import LessonStreamBlock


class CatalogPage(RememberedViewRestrictionsMixin, Page):
    """The course catalogue: lists every track and lets visitors filter and search courses."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["courses.TrackPage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from .selectors import catalog_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalog_context(catalog=self, params=request.GET))
        form = context["form"]
        page_cache_query_vouch(request, valid=form.is_bound and form.is_valid())
        return context


class TrackPage(RememberedViewRestrictionsMixin, Page):
    """One of the digital-economy training areas, e.g. "Web design and web development"."""

    # Unique within a language (checked in `clean`): a track's translations share its code.
    code = models.SlugField(_("code"), max_length=64)
    summary = models.CharField(_("summary"), max_length=300)
    description = RichTextField(_("description"), blank=True)
    icon = models.CharField(
        _("icon"), max_length=8, blank=True, help_text=_("An emoji shown on the track card.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("code"), FieldPanel("icon"), FieldPanel("sort_order")]),
        FieldPanel("summary"),
        FieldPanel("description"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("description")]
    parent_page_types = ["courses.CatalogPage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def clean(self):
        super().clean()
        others = TrackPage.objects.filter(code=self.code).exclude(pk=self.pk)
        if self.locale_id is not None:
            others = others.filter(locale_id=self.locale_id)
        if others.exists():
            raise ValidationError({"code": _("Another track in this language already has this code.")})

    def get_context(self, request, *args, **kwargs):
        from .selectors import track_courses

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = track_courses(track=self)
        return context


class CoursePage(RememberedViewRestrictionsMixin, Page):
    """A course of a track for students or for teachers, made of lessons."""

    class Audience(models.TextChoices):
        STUDENTS = "students", _("Students")
        TEACHERS = "teachers", _("Teachers")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    class Format(models.TextChoices):
        DISTANCE = "distance", _("Distance")
        BLENDED = "blended", _("Blended")
        IN_PERSON = "in_person", _("In person")

    summary = models.CharField(_("summary"), max_length=300)
    description = RichTextField(_("description"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.STUDENTS
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices, default=Format.DISTANCE)
    duration_hours = models.PositiveSmallIntegerField(_("duration, academic hours"), default=36)
    expected_weeks = models.PositiveSmallIntegerField(
        _("expected length, weeks"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How long a learner should take from enrolment to completion. Learners still working on "
            "the course after this are shown as behind schedule."
        ),
    )
    enrolment_opens = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Maximum number of active learners; empty for no limit."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark, %"),
        default=60,
        help_text=_("Quizzes and exercises count as passed at or above this share of the points."),
    )
    issues_certificate = models.BooleanField(_("issues a certificate"), default=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("audience"), FieldPanel("level"), FieldPanel("format")]),
        FieldRowPanel(
            [
                FieldPanel("duration_hours"),
                FieldPanel("expected_weeks"),
                FieldPanel("pass_mark"),
                FieldPanel("issues_certificate"),
            ]
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("enrolment_opens"), FieldPanel("enrolment_closes")]),
                FieldPanel("capacity"),
            ],
            heading=_("Enrolment"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("audience"),
        index.FilterField("level"),
        index.FilterField("format"),
    ]
    parent_page_types = ["courses.TrackPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @property
    def track(self) -> TrackPage:
        """The track the course belongs to (its parent page), in one query."""
        return parent_page(self, TrackPage)

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_context(course=self, user=request.user))
        return context


class LessonPage(RememberedViewRestrictionsMixin, Page):
    """A lesson: rich content, quizzes and notebook exercises."""

    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), default=45)
    required = models.BooleanField(
        _("required for completion"),
        default=True,
        help_text=_("The course is complete once every required lesson is."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("duration_minutes"), FieldPanel("required")]),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def course(self) -> CoursePage:
        """The course the lesson belongs to (its parent page): the one Wagtail's routing passed through
        to reach the lesson, else one query (then kept on the lesson)."""
        parent = self.__dict__.get("_cached_parent_obj")
        if not isinstance(parent, CoursePage):
            parent = self._cached_parent_obj = parent_page(self, CoursePage)
        return parent

    def serve(self, request, *args, **kwargs):
        """Only the course's learners and staff see a lesson; anyone else is sent to the course page,
        which invites them to enrol."""
        from .selectors import can_view_lessons

        if refusal := study_refusal(request):
            return refusal
        course = self.course
        if not can_view_lessons(user=request.user, course=course):
            messages.info(request, _("Enrol in the course to open its lessons."))
            return redirect(course.get_url(request) or "/")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(lesson=self, user=request.user, request=request))
        return context


# ---------------------------------------------------------------------------------------------------
# Learning records


class Enrolment(models.Model):
    """A learner taking a course. Keeps the learner's lyceum and municipality as they were at enrolment
    time, so statistics stay true when the learner later moves."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolment")
        GROUP = "group", _("Group enrolment by a teacher")
        IMPORT = "import", _("Bulk import")
        ADMIN = "admin", _("Administrator")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrolments")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.SELF)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    lyceum = models.ForeignKey(
        "lyceums.Lyceum", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    region = models.ForeignKey(
        "lyceums.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    created_at = models.DateTimeField(_("enrolled"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, db_index=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="courses_enrolment_unique")]
        indexes = [models.Index(fields=["course", "status"]), models.Index(fields=["region", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"

    @property
    def expected_by(self):
        """When the learner should have finished: enrolment plus the course's expected length."""
        return self.created_at + dt.timedelta(weeks=self.course.expected_weeks)

    def is_behind_schedule(self, now=None) -> bool:
        """Still active after the course's expected length."""
        return self.status == self.Status.ACTIVE and (now or timezone.now()) > self.expected_by


class LessonProgress(models.Model):
    """A learner's progress through one lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    first_visited_at = models.DateTimeField(default=timezone.now)
    last_visited_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="courses_progress_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.lesson}"


class ActivityResult(models.Model):
    """The best result a learner has in one graded activity of a lesson (a quiz block, or a notebook
    exercise block whose grade comes from `grading`). Completion reads only this table."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Quiz")
        EXERCISE = "exercise", _("Notebook exercise")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_results"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="activity_results")
    activity_id = models.CharField(max_length=64, help_text=_("The quiz id, or the exercise's id."))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    score = models.DecimalField(max_digits=8, decimal_places=2)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    passed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity result")
        verbose_name_plural = _("activity results")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "activity_id"], name="courses_activity_result_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=models.F("max_score")),
                name="courses_activity_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.lesson} — {self.activity_id}: {self.score}/{self.max_score}"


class QuizAttempt(models.Model):
    """One submission of a quiz: the answers given and how they scored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz_id = models.CharField(max_length=64)
    answers = models.JSONField(help_text=_("Question index → list of chosen answer indices."))
    choice_order = models.JSONField(
        default=list,
        blank=True,
        help_text=_("For each question, its answer indices in the order the learner was shown them."),
    )
    score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "lesson", "quiz_id"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz_id}: {self.score}/{self.max_score}"


def _verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Certificate(models.Model):
    """Proof of completion. The number is sequential per year; the verification code is random, so the
    public verification page cannot be walked to list learners."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("number"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    verification_code = models.CharField(max_length=16, unique=True, default=_verification_code)
    learner_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=255)
    # The course's title in each language it was translated into when the certificate was issued
    # ({"tt": "…"}): later edits of the course change no certificate.
    course_titles = models.JSONField(default=dict, blank=True)
    hours = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="courses_certificate_serial_unique")
        ]

    def __str__(self) -> str:
        return self.number

    def title_in(self, language: str) -> str:
        """The course's title in *language* as it was at issue, else in the course's own language."""
        return self.course_titles.get(language) or self.course_title
