"""Notebook exercises graded automatically, and the submissions made to them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .storage import private_storage


class TestVisibility(models.TextChoices):
    ALWAYS = "always", _("Always")
    AFTER_DEADLINE = "after_deadline", _("After the deadline")
    NEVER = "never", _("Never")


def exercise_default_language() -> str:
    """A new exercise is written in the site's default language."""
    return settings.LANGUAGE_CODE


def _source_path(instance: Exercise, filename: str) -> str:
    return f"exercises/{instance.slug}/source.ipynb"


def _release_path(instance: Exercise, filename: str) -> str:
    return f"exercises/{instance.slug}/release.ipynb"


def _data_file_path(instance: ExerciseDataFile, filename: str) -> str:
    return f"exercises/{instance.exercise.slug}/data/{instance.name or filename}"


def _submission_path(instance: Submission, filename: str) -> str:
    return f"submissions/{instance.exercise_id}/{instance.student_id}/{instance.attempt}.ipynb"


class Exercise(ClusterableModel):
    """A Jupyter notebook exercise in nbgrader format.

    The instructor notebook (solutions, hidden tests) stays in private storage; learners download the
    release notebook nbgrader generates from it. `cells` keeps the graded cells (id, points, kind) so
    pages can list them without reading notebooks."""

    class ScorePolicy(models.TextChoices):
        BEST = "best", _("Best attempt")
        LAST = "last", _("Last attempt")

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    # The release notebook is made for it and every grading uses it too (`grading.engines.stubs`).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=exercise_default_language,
        help_text=_(
            "The language the notebook is written in: the starter notebook says where the learner's "
            "code goes in it (for Russian, «# ВАШ КОД ЗДЕСЬ»)."
        ),
    )
    source_notebook = models.FileField(
        _("instructor notebook"),
        storage=private_storage,
        upload_to=_source_path,
        blank=True,
        max_length=300,
        help_text=_("The nbgrader source notebook with solutions and tests. Learners never see it."),
    )
    release_notebook = models.FileField(
        _("release notebook"), storage=private_storage, upload_to=_release_path, blank=True, max_length=300
    )
    cells = models.JSONField(_("graded cells"), default=list, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2, default=Decimal(0))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    late_penalty_percent = models.PositiveSmallIntegerField(
        _("late penalty, %"),
        default=0,
        help_text=_("Share of the score taken off a submission made after the deadline."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    score_policy = models.CharField(
        _("score that counts"), max_length=8, choices=ScorePolicy.choices, default=ScorePolicy.BEST
    )
    test_visibility = models.CharField(
        _("test results visible"),
        max_length=16,
        choices=TestVisibility.choices,
        default=TestVisibility.ALWAYS,
        help_text=_("When learners see the source and output of the test cells in their feedback."),
    )
    test_visibility_overrides = models.JSONField(
        _("per-test visibility"),
        default=dict,
        blank=True,
        help_text=_('Test cell id → "always", "after_deadline" or "never", overriding the default.'),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return bool(self.release_notebook) and bool(self.source_notebook)

    def visibility_of(self, grade_id: str) -> str:
        return self.test_visibility_overrides.get(grade_id, self.test_visibility)

    def test_is_visible(self, grade_id: str, *, now=None) -> bool:
        visibility = self.visibility_of(grade_id)
        if visibility == TestVisibility.ALWAYS:
            return True
        if visibility == TestVisibility.AFTER_DEADLINE:
            return self.deadline is not None and (now or timezone.now()) >= self.deadline
        return False


class ExerciseDataFile(Orderable):
    """A file the exercise's notebook reads (a CSV, an image, a text): placed next to the notebook in
    the learner's JupyterLab, offered for download beside the notebook, and next to the submission when
    it is graded."""

    exercise = ParentalKey(Exercise, on_delete=models.CASCADE, related_name="data_files")
    name = models.CharField(
        _("file name"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                _("Use Latin letters, digits, dots, dashes and underscores, e.g. sales-2025.csv."),
            )
        ],
        help_text=_("The name the notebook opens it by; empty: the uploaded file's name."),
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to=_data_file_path, max_length=300)

    class Meta(Orderable.Meta):
        verbose_name = _("data file")
        verbose_name_plural = _("data files")
        constraints = [
            models.UniqueConstraint(fields=["exercise", "name"], name="grading_exercisedatafile_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.name and self.file:
            self.name = self.file.name.replace("\\", "/").rsplit("/", 1)[-1][:100]
        errors = {}
        if self.name.lower().endswith(".ipynb"):
            errors["name"] = _("A data file cannot be a notebook.")
        else:
            try:
                self._meta.get_field("name").run_validators(self.name)
            except ValidationError as error:
                errors["name"] = error.messages
        limit = settings.GRADING_MAX_DATA_FILE_BYTES
        if self.file and self.file.size > limit:
            errors["file"] = _("The file is %(size).1f MB; the limit is %(limit)d MB.") % {
                "size": self.file.size / (1024 * 1024),
                "limit": limit // (1024 * 1024),
            }
        if errors:
            raise ValidationError(errors)

    def read(self) -> bytes:
        with self.file.open("rb") as fh:
            return fh.read()


class Submission(models.Model):
    """One attempt of a learner at an exercise. Persisted (file stored, state `received`) before anything
    is queued; only the grading service moves it along its states."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        GRADING = "grading", _("Grading")
        GRADED = "graded", _("Graded")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        HUB = "hub", _("JupyterHub")

    class Review(models.TextChoices):
        """A submission whose code uses the grader's machinery (`grading.tamper`) waits for a teacher:
        its score counts toward completion only once confirmed (or set to zero)."""

        NONE = "none", _("Not needed")
        NEEDED = "needed", _("Under review")
        CONFIRMED = "confirmed", _("Confirmed by a teacher")
        ZEROED = "zeroed", _("Set to zero by a teacher")

    TERMINAL_STATES = (State.GRADED, State.FAILED)

    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.UPLOAD)
    filename = models.CharField(_("file name"), max_length=255)
    notebook = models.FileField(
        _("notebook"), storage=private_storage, upload_to=_submission_path, max_length=300
    )
    sha256 = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    is_late = models.BooleanField(_("late"), default=False)
    auto_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2, null=True, blank=True)
    graded_notebook = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    # The language the learner submitted in: the grading run writes its messages (`error`) in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    engine = models.CharField(max_length=32, blank=True)
    grading_runs = models.PositiveIntegerField(default=0, help_text=_("How many grading runs have started."))
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(
        max_length=32, blank=True, help_text=_("Names the current grading run: only its result is stored.")
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the broker last accepted this submission's grading message.")
    )
    requeues = models.PositiveIntegerField(
        default=0, help_text=_("How many times the stuck-submission sweeper has queued it again.")
    )
    requeued_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    completion_synced_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the current result last reached course completion.")
    )
    completion_sync_attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many times reconciliation has failed to report the current result.")
    )
    completion_sync_tried_at = models.DateTimeField(null=True, blank=True)
    tamper_flags = models.JSONField(
        _("tamper flags"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("Uses of the grader's machinery found in the submitted code: cell, line, reason."),
    )
    review = models.CharField(_("review"), max_length=16, choices=Review.choices, default=Review.NONE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_submissions",
        verbose_name=_("reviewed by"),
    )
    review_reason = models.TextField(_("reason of the review"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "student", "attempt"], name="grading_submission_attempt_unique"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["received", "queued", "grading", "graded", "failed"]),
                name="grading_submission_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(review__in=["none", "needed", "confirmed", "zeroed"]),
                name="grading_submission_review_valid",
            ),
            # A teacher's decision names the teacher and the reason.
            models.CheckConstraint(
                condition=Q(review__in=["none", "needed"])
                | (Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False) & ~Q(review_reason="")),
                name="grading_submission_review_decided",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "queued_at"]),
            models.Index(fields=["exercise", "student"]),
            models.Index(
                fields=["exercise", "submitted_at"],
                condition=Q(review="needed"),
                name="grading_sub_review_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} — {self.student} #{self.attempt}"

    def get_absolute_url(self) -> str:
        return reverse("grading:submission_detail", kwargs={"pk": self.pk})

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL_STATES

    @property
    def override(self) -> GradeOverride | None:
        return self.overrides.order_by("-created_at", "-pk").first()

    @property
    def awaits_review(self) -> bool:
        """Graded, but its score does not count until a teacher has reviewed its tamper flags."""
        return self.state == self.State.GRADED and self.review == self.Review.NEEDED

    @property
    def feedback_open_to_learner(self) -> bool:
        """Learners see the feedback of a graded notebook unless it carries unreviewed or confirmed
        tampering (waiting for review, or set to zero): code that reached for the grader may have put
        the hidden tests into its own output, in a form no redaction recognises."""
        return self.review not in (self.Review.NEEDED, self.Review.ZEROED)

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return float(self.score) / float(self.max_score) * 100


class SubmissionEvent(models.Model):
    """A state change of a submission: the audit trail of its grading."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.from_state} → {self.to_state}"


class CellGrade(models.Model):
    """The automatic grade of one graded cell of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="cell_grades")
    grade_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, default="test")
    score = models.DecimalField(max_digits=8, decimal_places=2)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    needs_manual_grade = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "grade_id"], name="grading_cellgrade_unique")
        ]

    def __str__(self) -> str:
        return f"{self.grade_id}: {self.score}/{self.max_score}"

    @property
    def passed(self) -> bool:
        return not self.needs_manual_grade and self.score >= self.max_score


class GradeOverride(models.Model):
    """A teacher's change of a submission's score, with the reason: never edited, only added."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="overrides")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grade_overrides"
    )
    previous_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="grading_override_reason_required"),
            models.CheckConstraint(condition=Q(score__gte=0), name="grading_override_score_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.previous_score} → {self.score}"
