"""Writes for enrolment, progress, quizzes, completion and certificates.

Completion is derived in one direction only: an activity result may complete its lesson, a lesson may
complete the enrolment, and a completed enrolment gets its certificate. Completion is never taken back
by a later, worse result: a certificate, once issued, stays (it can be revoked explicitly).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.pages import source_page

from .blocks import quiz_choice_order, quiz_marks, quiz_seed
from .models import (
    ActivityResult,
    Certificate,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
)
from .selectors import (
    active_enrolment_count,
    enrolment_is_open,
    is_lesson_learner,
    lesson_activity_ids,
    quiz_block_value,
    required_lesson_ids,
)
from .signals import enrolment_changed

# ---------------------------------------------------------------------------------------------------
# Enrolment


PlacementResolver = Callable[[object], tuple[int | None, int | None]]
_placement_resolver: PlacementResolver | None = None


def placement_resolver_register(resolver: PlacementResolver | None) -> PlacementResolver | None:
    """Name the callable `(user) -> (lyceum_id, region_id)` that places a learner when an enrolment is
    created; returns the one it replaces. The `lyceums` app, which owns the territory, registers its
    rule when it is ready (`courses` does not import `lyceums`)."""
    global _placement_resolver
    previous, _placement_resolver = _placement_resolver, resolver
    return previous


def _placement(user) -> tuple[int | None, int | None]:
    if _placement_resolver is None:
        return None, None
    return _placement_resolver(user)


@transaction.atomic
def enrolment_create(
    *,
    user,
    course: CoursePage,
    source: str = Enrolment.Source.SELF,
    lyceum_id: int | None = None,
    region_id: int | None = None,
) -> Enrolment:
    """Enrol the learner in the course, or return the enrolment they already have.

    Respects the course's enrolment window and capacity. The course row is locked for the duration of
    the transaction, so two learners racing for the last place cannot both get it. A withdrawn
    enrolment is re-activated (subject to the same rules). When the lyceum and municipality are not
    given they are snapshotted by the registered placement resolver
    (`placement_resolver_register`).

    A translation of a course enrols in the original (the default language's course): learning records
    are kept on the default language's pages, whichever language the learner reads.
    """
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Log in to enrol."))
    course = source_page(course)
    # Lock the course row: every enrolment into this course is serialised behind this lock.
    course = CoursePage.objects.select_for_update(of=("self",)).get(pk=course.pk)
    existing = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is not None and existing.status != Enrolment.Status.WITHDRAWN:
        return existing

    if not enrolment_is_open(course=course):
        raise ValidationError(_("Enrolment in this course is closed."), code="enrolment_closed")
    if course.capacity is not None and active_enrolment_count(course=course) >= course.capacity:
        raise ValidationError(_("This course is full."), code="course_full")

    if lyceum_id is None and region_id is None:
        lyceum_id, region_id = _placement(user)

    now = timezone.now()
    if existing is not None:
        existing.status = Enrolment.Status.ACTIVE
        existing.source = source
        existing.created_at = now
        existing.completed_at = None
        existing.lyceum_id, existing.region_id = lyceum_id, region_id
        existing.full_clean()
        existing.save()
        enrolment_changed.send(sender=Enrolment, enrolment=existing)
        return existing

    enrolment = Enrolment(
        user=user, course=course, source=source, lyceum_id=lyceum_id, region_id=region_id, created_at=now
    )
    enrolment.full_clean(validate_unique=False, validate_constraints=False)
    enrolment.save()
    # Lessons taken while not enrolled (e.g. by a teacher previewing the course) may already complete it.
    _course_completion_evaluate(user=user, course=course)
    enrolment.refresh_from_db()
    enrolment_changed.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """Withdraw from an active course. A completed course cannot be withdrawn from."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise ValidationError(_("You have completed this course: it cannot be withdrawn from."))
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.save(update_fields=["status"])
    enrolment_changed.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


# ---------------------------------------------------------------------------------------------------
# Progress and completion


# A learner re-reading a lesson within this many seconds of the last recorded visit leaves the records as
# they are: a lesson view then writes nothing (activity figures count days, not minutes).
LESSON_VISIT_RECORD_SECONDS = 60


def lesson_visit_record(*, user, lesson: LessonPage) -> None:
    """A learner of the course (active or completed) opened one of its lessons: record the visit, at
    most once per LESSON_VISIT_RECORD_SECONDS for a learner and a lesson page. A marker in the cache
    says a visit was recorded lately, so reading and re-reading a lesson costs no query for it (a
    lesson's completion by its activities is evaluated when they are answered, not here). Staff
    reading a lesson they are not enrolled in leave no trace."""
    if not getattr(user, "is_authenticated", False):
        return
    marker = f"courses:lesson-visit:{user.pk}:{lesson.pk}"
    if cache.get(marker):
        return
    if not is_lesson_learner(user=user, lesson=lesson):
        return
    lesson_visit(user=user, lesson=lesson)
    cache.set(marker, True, timeout=LESSON_VISIT_RECORD_SECONDS)


@transaction.atomic
def lesson_visit(*, user, lesson: LessonPage) -> LessonProgress:
    """Record that the learner opened the lesson (in any language: progress is kept on the default
    language's lesson); a lesson without activities is complete once seen."""
    lesson = source_page(lesson)
    now = timezone.now()
    progress, created = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"first_visited_at": now, "last_visited_at": now}
    )
    recent = now - timedelta(seconds=LESSON_VISIT_RECORD_SECONDS)
    if (
        not created
        and progress.completed_at is not None
        and progress.last_visited_at is not None
        and progress.last_visited_at > recent
    ):
        return progress
    if not created:
        progress.last_visited_at = now
        progress.save(update_fields=["last_visited_at"])
    Enrolment.objects.filter(user=user, course=lesson.course).update(last_activity_at=now)
    return _lesson_completion_evaluate(user=user, lesson=lesson, progress=progress)


def _lesson_completion_evaluate(
    *, user, lesson: LessonPage, progress: LessonProgress | None = None
) -> LessonProgress:
    if progress is None:
        progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if progress.completed_at is not None:
        return progress
    required = {activity_id for _kind, activity_id in lesson_activity_ids(lesson=lesson)}
    if required:
        passed = set(
            ActivityResult.objects.filter(
                user=user, lesson=lesson, activity_id__in=required, passed=True
            ).values_list("activity_id", flat=True)
        )
        if not required <= passed:
            return progress
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at"])
    _course_completion_evaluate(user=user, course=lesson.course)
    return progress


def _course_completion_evaluate(*, user, course: CoursePage) -> Enrolment | None:
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(user=user, course=course, status=Enrolment.Status.ACTIVE)
        .first()
    )
    if enrolment is None:
        return None
    required = set(required_lesson_ids(course=course))
    done = set(
        LessonProgress.objects.filter(
            user=user, lesson_id__in=required, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    if not required or not required <= done:
        return enrolment
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["status", "completed_at"])
    if course.issues_certificate:
        certificate_issue(enrolment=enrolment)
    enrolment_changed.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


@transaction.atomic
def activity_result_record(
    *,
    user,
    lesson: LessonPage,
    activity_id: str,
    kind: str,
    score,
    max_score,
    pass_mark: int | None = None,
) -> ActivityResult:
    """Store the learner's result for one activity (a quiz or a notebook exercise) of a lesson.

    Overwrites the previous result: the caller decides whether it records the best or the last one.
    `passed` is set when `score / max_score` reaches the pass mark (the course's `pass_mark` unless one
    is given, in percent). Then re-evaluates completion of the lesson and of the course (which may
    complete the enrolment and issue the certificate). A translation's result is kept on the default
    language's lesson.
    """
    lesson = source_page(lesson)
    score = Decimal(str(score))
    max_score = Decimal(str(max_score))
    if kind not in ActivityResult.Kind.values:
        raise ValidationError(_("Unknown activity kind: %(kind)s") % {"kind": kind})
    if max_score < 0 or score < 0 or score > max_score:
        raise ValidationError(_("The score must be between 0 and the maximum score."))
    if pass_mark is None:
        pass_mark = lesson.course.pass_mark
    passed = _reaches_pass_mark(score=score, max_score=max_score, pass_mark=pass_mark)

    result = ActivityResult.objects.select_for_update().filter(
        user=user, lesson=lesson, activity_id=activity_id
    ).first() or ActivityResult(user=user, lesson=lesson, activity_id=activity_id)
    result.kind = kind
    result.score = score
    result.max_score = max_score
    result.passed = passed
    result.full_clean(validate_unique=False, validate_constraints=False)
    result.save()
    _lesson_completion_evaluate(user=user, lesson=lesson)
    return result


def _reaches_pass_mark(*, score, max_score, pass_mark: int) -> bool:
    """Whether `score` out of `max_score` reaches `pass_mark` per cent (nothing to score: passed)."""
    return score * 100 >= max_score * pass_mark if max_score > 0 else True


# ---------------------------------------------------------------------------------------------------
# Quizzes


def _parse_answers(quiz: dict, data) -> dict[str, list[int]]:
    answers: dict[str, list[int]] = {}
    for index, question in enumerate(quiz["questions"]):
        raw = data.getlist(f"q{index}") if hasattr(data, "getlist") else data.get(f"q{index}", [])
        if isinstance(raw, str | int):
            raw = [raw]
        chosen = set()
        for item in raw:
            try:
                choice = int(item)
            except (TypeError, ValueError):
                raise ValidationError(_("The answers sent are not valid.")) from None
            if not 0 <= choice < len(question["choices"]):
                raise ValidationError(_("The answers sent are not valid."))
            chosen.add(choice)
        if len(chosen) > 1 and not question["multiple"]:
            raise ValidationError(_("Choose only one answer to question %(n)s.") % {"n": index + 1})
        if not chosen:
            message = _("Answer every question (question %(n)s has no answer).")
            raise ValidationError(message % {"n": index + 1})
        answers[str(index)] = sorted(chosen)
    return answers


@transaction.atomic
def quiz_attempt_submit(*, user, lesson: LessonPage, quiz_id: str, data) -> QuizAttempt:
    """Check a learner's answers to a quiz of the lesson against the lesson's live content.

    `data` maps `q<index>` to the chosen answer indices (a QueryDict or a dict of lists). A question
    scores a point when exactly the correct answers are chosen (`blocks.quiz_marks`). The attempt is
    stored with the order its answers were shown in (the learner's seed for this attempt), and the best
    attempt so far is recorded as the activity result. Answers identify choices by their index in the
    quiz, never by their position on the page. A translation's quiz is checked against, and recorded
    on, the default language's lesson (a translation keeps the quizzes' ids and answers' order).
    """
    lesson = source_page(lesson)
    quiz = quiz_block_value(lesson=lesson, quiz_id=quiz_id)
    if quiz is None:
        raise ValidationError(_("This quiz no longer exists."))
    answers = _parse_answers(quiz, data)
    attempt_number = QuizAttempt.objects.filter(user=user, lesson=lesson, quiz_id=quiz_id).count()
    order = quiz_choice_order(
        quiz, seed=quiz_seed(user_id=user.pk, quiz_id=quiz_id, attempt_number=attempt_number)
    )
    score = sum(quiz_marks(quiz, answers))
    max_score = len(quiz["questions"])
    pass_mark = quiz["pass_mark"]
    passed = _reaches_pass_mark(score=score, max_score=max_score, pass_mark=pass_mark)
    attempt = QuizAttempt(
        user=user,
        lesson=lesson,
        quiz_id=quiz_id,
        answers=answers,
        choice_order=order,
        score=score,
        max_score=max_score,
        passed=passed,
    )
    attempt.full_clean()
    attempt.save()

    previous = ActivityResult.objects.filter(user=user, lesson=lesson, activity_id=quiz_id).first()
    if previous is None or previous.max_score != max_score or score >= previous.score:
        activity_result_record(
            user=user,
            lesson=lesson,
            activity_id=quiz_id,
            kind=ActivityResult.Kind.QUIZ,
            score=score,
            max_score=max_score,
            pass_mark=pass_mark,
        )
    return attempt


# ---------------------------------------------------------------------------------------------------
# Certificates


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment) -> Certificate:
    """Issue the certificate of a completed enrolment (or return the one it has).

    The number is `ITL-<year>-<serial>`, the serial sequential within the year. Two issues racing for
    the same serial are resolved by the database's unique constraint: the loser retries with the next.
    The learner's name and the course's title in each of its languages are copied as they are now.
    """
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise ValidationError(_("Only a completed course earns a certificate."))
    course = enrolment.course
    user = enrolment.user
    issued_at = enrolment.completed_at or timezone.now()
    # The title in every language the course is translated into (an alias is no translation): a learner
    # who studied in Tatar reads the Tatar title on their certificate.
    course_titles = dict(
        course.get_translations()
        .live()
        .filter(alias_of__isnull=True)
        .values_list("locale__language_code", "title")
    )
    year = timezone.localtime(issued_at).year
    for _attempt in range(20):
        last = Certificate.objects.filter(year=year).order_by("-serial").values_list("serial", flat=True)
        serial = (last.first() or 0) + 1
        certificate = Certificate(
            enrolment=enrolment,
            number=f"ITL-{year}-{serial:06d}",
            year=year,
            serial=serial,
            learner_name=user.get_full_name(),
            course_title=course.title,
            course_titles=course_titles,
            hours=course.duration_hours,
            issued_at=issued_at,
        )
        certificate.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            existing = Certificate.objects.filter(enrolment=enrolment).first()
            if existing is not None:
                return existing
            continue
        return certificate
    raise RuntimeError("could not allocate a certificate number")


@transaction.atomic
def certificate_revoke(*, certificate: Certificate) -> Certificate:
    """Mark a certificate revoked; the verification page then says so."""
    Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    certificate.refresh_from_db()
    return certificate
