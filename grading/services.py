"""Writes for exercises, submissions, grading, overrides and regrades."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import psutil
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.services import activity_result_record

from . import hidden_tests
from .engines import GradeResult, NotebookError, get_engine
from .engines.nbgrader_engine import read_notebook
from .models import CellGrade, Exercise, ExerciseDataFile, GradeOverride, Submission, SubmissionEvent
from .selectors import exercise_lessons
from .tamper import graded_with_flags
from .tasks import grade_submission

logger = logging.getLogger(__name__)
TWO_PLACES = Decimal("0.01")


def _dec(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------
# Exercises


def exercise_prepare_notebook(
    *, source: bytes, language: str | None = None
) -> tuple[bytes, list[dict], Decimal]:
    """Validate an instructor notebook and generate its release version with nbgrader, the solutions
    replaced by the stubs of *language* (the exercise's).

    Returns (release notebook bytes, graded cells, maximum score); raises `ValidationError` with a
    message an editor can act on."""
    if len(source) > settings.GRADING_MAX_NOTEBOOK_BYTES:
        raise ValidationError(
            _("The notebook is larger than %(limit)d MB.")
            % {"limit": settings.GRADING_MAX_NOTEBOOK_BYTES // (1024 * 1024)}
        )
    try:
        release, cells, max_score = get_engine().release(source=source, language=language)
    except NotebookError as exc:
        raise ValidationError(str(exc)) from None
    return release, cells, _dec(max_score)


@transaction.atomic
def exercise_set_notebook(*, exercise: Exercise, source: bytes) -> Exercise:
    """Store the instructor notebook of *exercise* with its release notebook (made for the exercise's
    language) and points."""
    release, cells, max_score = exercise_prepare_notebook(source=source, language=exercise.language)
    if exercise.pk is None:
        exercise.full_clean(exclude=["source_notebook", "release_notebook"])
        exercise.save()
    exercise.source_notebook.save("source.ipynb", ContentFile(source), save=False)
    exercise.release_notebook.save("release.ipynb", ContentFile(release), save=False)
    exercise.cells = cells
    exercise.max_score = max_score
    exercise.full_clean()
    exercise.save()
    return exercise


@transaction.atomic
def exercise_create(
    *, title: str, slug: str, source: bytes, data_files: dict[str, bytes] | None = None, **fields
) -> Exercise:
    """A new exercise from an instructor notebook and the data files its tests read (used by the demo
    data and tests)."""
    exercise = exercise_set_notebook(exercise=Exercise(title=title, slug=slug, **fields), source=source)
    for name, data in (data_files or {}).items():
        exercise_data_file_set(exercise=exercise, name=name, data=data)
    return exercise


@transaction.atomic
def exercise_data_file_set(*, exercise: Exercise, name: str, data: bytes) -> ExerciseDataFile:
    """Add a data file to an exercise, or replace the one of that name."""
    data_file = ExerciseDataFile.objects.filter(exercise=exercise, name=name).first()
    if data_file is None:
        data_file = ExerciseDataFile(exercise=exercise, name=name)
    elif data_file.file:
        data_file.file.delete(save=False)
    data_file.file = ContentFile(data, name=name)
    data_file.full_clean()
    data_file.save()
    return data_file


# ---------------------------------------------------------------------------------------------------
# Submissions


def _validate_submission(*, exercise: Exercise, notebook_bytes: bytes, filename: str) -> None:
    limit = settings.GRADING_MAX_NOTEBOOK_BYTES
    if not filename.lower().endswith(".ipynb"):
        raise ValidationError(_("Upload a Jupyter notebook (a file ending in .ipynb)."))
    if len(notebook_bytes) > limit:
        raise ValidationError(
            _("The notebook is %(size).1f MB; the limit is %(limit)d MB. Clear large outputs and try again.")
            % {"size": len(notebook_bytes) / (1024 * 1024), "limit": limit // (1024 * 1024)}
        )
    if not notebook_bytes.strip():
        raise ValidationError(_("The file is empty."))
    try:
        nb = read_notebook(notebook_bytes)
    except NotebookError as exc:
        raise ValidationError(str(exc)) from None
    expected = {cell["grade_id"] for cell in exercise.cells}
    found = {
        cell.metadata.get("nbgrader", {}).get("grade_id")
        for cell in nb.cells
        if isinstance(cell.metadata.get("nbgrader"), dict)
    }
    found.discard(None)
    if not found:
        raise ValidationError(
            _("This notebook has no nbgrader cells: download the exercise's notebook and solve it there.")
        )
    if expected and not (found & expected):
        raise ValidationError(
            _("This notebook belongs to another exercise: none of its cells match this one.")
        )


def _record(submission: Submission, from_state: str, to_state: str, detail: str = "") -> None:
    SubmissionEvent.objects.create(
        submission=submission, from_state=from_state, to_state=to_state, detail=detail[:2000]
    )


def submission_create(
    *,
    student,
    exercise: Exercise,
    notebook_bytes: bytes,
    filename: str,
    source: str = Submission.Source.UPLOAD,
    lesson=None,
) -> Submission:
    """Validate a submitted notebook, persist it with a `Submission` in state `received` in one
    transaction, and queue its grading once that transaction commits.

    Raises `ValidationError` (nothing written) for a file that is too big, not a notebook, not in
    nbgrader format, made for another exercise, past the attempt limit, or an exercise not ready."""
    if not exercise.is_ready:
        raise ValidationError(_("This exercise is not ready for submissions yet."))
    _validate_submission(exercise=exercise, notebook_bytes=notebook_bytes, filename=filename)
    for _try in range(3):
        try:
            submission = _submission_insert(
                student=student,
                exercise=exercise,
                notebook_bytes=notebook_bytes,
                filename=filename,
                source=source,
                lesson=lesson,
            )
        except IntegrityError:
            continue  # two uploads raced for the same attempt number: take the next one
        return submission
    raise ValidationError(_("Too many submissions at once; please try again."))


@transaction.atomic
def _submission_insert(*, student, exercise, notebook_bytes, filename, source, lesson) -> Submission:
    # Lock the learner's row so concurrent uploads count attempts one after another.
    get_user_model().objects.select_for_update().filter(pk=student.pk).first()
    last = Submission.objects.filter(exercise=exercise, student=student).aggregate(n=Max("attempt"))["n"] or 0
    if exercise.max_attempts and last >= exercise.max_attempts:
        raise ValidationError(
            _("You have used all attempts of this exercise (%(count)d).") % {"count": exercise.max_attempts}
        )
    now = timezone.now()
    submission = Submission(
        exercise=exercise,
        student=student,
        lesson=lesson,
        attempt=last + 1,
        source=source,
        filename=os.path.basename(filename)[:255],
        sha256=hashlib.sha256(notebook_bytes).hexdigest(),
        submitted_at=now,
        is_late=bool(exercise.deadline and now > exercise.deadline),
        max_score=exercise.max_score,
        language=translation.get_language() or "",
    )
    submission.notebook.save("submission.ipynb", ContentFile(notebook_bytes), save=False)
    try:
        submission.full_clean()
        submission.save()
        _record(submission, "", Submission.State.RECEIVED)
    except BaseException:
        # The row never commits: do not leave its file behind.
        submission.notebook.storage.delete(submission.notebook.name)
        raise
    transaction.on_commit(lambda: _enqueue(submission.pk))
    return submission


def _enqueue(submission_id: int) -> None:
    """Mark the submission queued and hand it to the grading queue (runs after commit)."""
    updated = Submission.objects.filter(pk=submission_id, state=Submission.State.RECEIVED).update(
        state=Submission.State.QUEUED, queued_at=timezone.now()
    )
    if updated:
        SubmissionEvent.objects.create(
            submission_id=submission_id,
            from_state=Submission.State.RECEIVED,
            to_state=Submission.State.QUEUED,
        )
    _hand_to_broker(submission_id)


def _hand_to_broker(submission_id: int) -> None:
    """Send the grading message; record `enqueued_at` once the broker has accepted it. A submission
    left without it (the broker was down) is re-queued by the sweeper."""
    try:
        grade_submission.delay(submission_id)
    except Exception:  # noqa: BLE001 - the broker is down: the sweeper re-queues it later
        logger.exception("could not queue submission %s; the sweeper will retry", submission_id)
        return
    Submission.objects.filter(pk=submission_id).update(enqueued_at=timezone.now())


@transaction.atomic
def submission_requeue(*, submission: Submission) -> None:
    """Queue grading again (the sweeper picking up a lost submission): counted on the submission
    (`requeues`, which counts against `GRADING_MAX_RUNS_PER_SUBMISSION`, and `requeued_at`)."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    previous = locked.state
    now = timezone.now()
    locked.state = Submission.State.QUEUED
    locked.queued_at = now
    locked.enqueued_at = None
    locked.requeued_at = now
    locked.requeues += 1
    locked.lease_owner = ""
    locked.lease_expires_at = None
    locked.lease_token = ""
    locked.save(
        update_fields=[
            "state",
            "queued_at",
            "enqueued_at",
            "requeued_at",
            "requeues",
            "lease_owner",
            "lease_expires_at",
            "lease_token",
        ]
    )
    _record(locked, previous, Submission.State.QUEUED, f"requeued ({locked.requeues})")
    transaction.on_commit(lambda: _grade_later(locked.pk))


def _grade_later(submission_id: int) -> None:
    _hand_to_broker(submission_id)


# ---------------------------------------------------------------------------------------------------
# Grading


def _lease_owner() -> str:
    me = psutil.Process()
    return f"{socket.gethostname()}:{me.pid}:{me.create_time():.0f}"


def _lease_is_dead(owner: str) -> bool:
    """True when the lease holder is a process on this machine that no longer exists."""
    try:
        host, pid, started = owner.rsplit(":", 2)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False
    try:
        return f"{psutil.Process(int(pid)).create_time():.0f}" != started
    except (psutil.NoSuchProcess, ValueError):
        return True


class LeaseHeld(Exception):
    """Another live worker is grading this submission right now."""

    def __init__(self, seconds_left: float) -> None:
        super().__init__(seconds_left)
        self.seconds_left = seconds_left


def _lease_seconds() -> float:
    return float(settings.GRADING_SANDBOX_LIMITS.get("notebook_seconds", 120)) * 2 + 60


@transaction.atomic
def _claim(submission_id: int) -> Submission | None:
    # The exercise comes along (grading reads it next), only the submission's row is locked.
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("exercise")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.state in Submission.TERMINAL_STATES:
        # Graded or failed is final: a duplicate or late delivery (a sweeper re-queue racing the broker's
        # own redelivery, say) must not run the notebook again. A teacher's regrade re-queues it first.
        return None
    now = timezone.now()
    if (
        submission.state == Submission.State.GRADING
        and submission.lease_expires_at
        and submission.lease_expires_at > now
        and not _lease_is_dead(submission.lease_owner)
    ):
        raise LeaseHeld((submission.lease_expires_at - now).total_seconds())
    if submission.grading_runs >= settings.GRADING_MAX_RUNS_PER_SUBMISSION:
        # The runs so far ended without a result (a worker lost mid-run, say): stop rather than let this
        # notebook take down worker after worker.
        error = _(
            "Grading was stopped after %(runs)d runs that ended without a result (a grading worker lost "
            "while running this notebook, for example). A teacher can grade the submission again."
        ) % {"runs": submission.grading_runs}
        submission_store_result(submission_id=submission_id, result=GradeResult(status="error", error=error))
        return None
    previous = submission.state
    submission.state = Submission.State.GRADING
    submission.lease_owner = _lease_owner()
    submission.lease_expires_at = now + timedelta(seconds=_lease_seconds())
    submission.lease_token = secrets.token_hex(
        16
    )  # this run's: a late result of an earlier run is not stored
    submission.grading_runs += 1
    submission.save(update_fields=["state", "lease_owner", "lease_expires_at", "lease_token", "grading_runs"])
    _record(submission, previous, Submission.State.GRADING, f"run {submission.grading_runs}")
    return submission


def submission_grade(*, submission_id: int) -> Submission | None:
    """Grade one submission: claim it, run the engine (outside any transaction), then store the cell
    grades and score in one transaction. Idempotent: a graded submission is left alone, a second
    delivery while a live worker holds the lease raises `LeaseHeld`, and the cell grades are keyed by
    (submission, cell) so a re-run replaces rather than duplicates them."""
    submission = _claim(submission_id)
    if submission is None:
        return None
    # What the run says to the learner (a failed run's sentence) is written in the learner's language.
    with translation.override(_submission_language(submission)):
        return _grade_claimed(submission)


def _submission_language(submission: Submission) -> str:
    return submission.language if submission.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _grade_claimed(submission: Submission) -> Submission | None:
    submission_id = submission.pk
    exercise = submission.exercise
    try:
        with exercise.source_notebook.open("rb") as fh:
            source = fh.read()
        with submission.notebook.open("rb") as fh:
            notebook = fh.read()
        files = {data.name: data.read() for data in exercise.data_files.all()}
    except OSError as exc:
        logger.error("submission %s: a file of the exercise or submission is missing: %s", submission_id, exc)
        result = GradeResult(
            status="error",
            error=_("A file of this exercise is missing on the server. Please tell your teacher."),
        )
    else:
        # Feedback pages are rendered from the graded notebook when someone opens them, for that reader
        # (learners never see hidden tests): nothing is rendered at grading time.
        result = graded_with_flags(
            get_engine(),
            source=source,
            submission=notebook,
            files=files,
            feedback=False,
            language=exercise.language,
        )
        if result.error:
            # An engine's error may quote the cell it was running (nbclient's timeout message previews
            # it); the learner reads the error, so hidden tests must not show in it.
            result.error = hidden_tests.redact(
                result.error, hidden_tests.hidden_lines(_json_or_empty(source))
            )
    return submission_store_result(
        submission_id=submission_id, result=result, lease_token=submission.lease_token
    )


def _json_or_empty(data: bytes) -> dict:
    try:
        loaded = json.loads(data)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


@transaction.atomic
def submission_store_result(
    *, submission_id: int, result: GradeResult, lease_token: str | None = None
) -> Submission | None:
    """Record an engine result on a submission being graded (once: a graded one is left alone).

    A worker's result carries the *lease_token* of its claim and is stored only while the submission is
    still `grading` under that claim: the result of a run whose lease ran out, after the submission was
    handed to another worker or failed by the sweeper, is discarded (and logged), returning None. Without
    a token (the sweeper, the run cap) the result is stored as before."""
    # Only the submission's row is locked: locking the exercise's too would make every result of an
    # exercise wait for the others (a deadline burst grades one exercise).
    submission = (
        Submission.objects.select_for_update(of=("self",)).select_related("exercise").get(pk=submission_id)
    )
    if submission.state == Submission.State.GRADED:
        return submission
    if lease_token is not None and (
        submission.state != Submission.State.GRADING or submission.lease_token != lease_token
    ):
        logger.warning(
            "late grading result for submission %s discarded: it is %s under another run",
            submission_id,
            submission.state,
        )
        return None
    previous = submission.state
    submission.engine = result.engine[:32]
    submission.lease_owner = ""
    submission.lease_expires_at = None
    submission.lease_token = ""
    submission.graded_at = timezone.now()
    submission.completion_synced_at = None  # set once this result has reached course completion
    submission.completion_sync_attempts = 0
    submission.completion_sync_tried_at = None
    submission.review = _review_after_grading(submission, result)
    if result.flags or submission.review != Submission.Review.NEEDED:
        submission.tamper_flags = [dict(flag) for flag in result.flags]
    if result.status != "graded":
        submission.state = Submission.State.FAILED
        submission.error = (result.error or _("Grading failed."))[:4000]
        submission.auto_score = Decimal(0)
        submission.score = Decimal(0)
        submission.max_score = _dec(result.max_score) if result.max_score else submission.exercise.max_score
        submission.graded_notebook = None
        _store_cells(submission, result)
        submission.save()
        _record(submission, previous, submission.state, submission.error)
    else:
        submission.state = Submission.State.GRADED
        submission.error = ""
        submission.auto_score = _dec(result.score)
        submission.max_score = _dec(result.max_score)
        penalty = Decimal(submission.exercise.late_penalty_percent) / 100 if submission.is_late else 0
        submission.score = _dec(submission.auto_score * (1 - Decimal(penalty)))
        override = submission.override
        if override is not None:
            submission.score = override.score
        submission.graded_notebook = result.graded_notebook
        _store_cells(submission, result)
        submission.save()
        _record(submission, previous, submission.state, f"{submission.score}/{submission.max_score}")
    transaction.on_commit(lambda: submission_completion_sync(submission_id=submission.pk))
    return submission


def _review_after_grading(submission: Submission, result: GradeResult) -> str:
    """A graded result with tamper flags waits for a teacher, unless a teacher has already decided on
    this submission (a regrade runs the same notebook); one already waiting keeps waiting (with the flags
    that put it there) even if a regrade raises none; a result without flags, or a failure (it scores
    nothing), needs no review."""
    Review = Submission.Review
    if submission.review in (Review.CONFIRMED, Review.ZEROED):
        return submission.review
    if submission.review == Review.NEEDED and result.status == "graded":
        return Review.NEEDED  # a regrade that happens to raise no flag does not clear a pending review
    return Review.NEEDED if result.status == "graded" and result.flags else Review.NONE


CELL_GRADE_FIELDS = ["kind", "score", "max_score", "needs_manual_grade", "position"]


def _store_cells(submission: Submission, result: GradeResult) -> None:
    """The result's cell grades replace the submission's: two statements whatever the number of cells
    (an upsert on the (submission, cell) constraint, and the removal of cells the result no longer has)."""
    grades: dict[str, CellGrade] = {}
    for position, cell in enumerate(result.cells):
        grades[cell.grade_id] = CellGrade(
            submission=submission,
            grade_id=cell.grade_id,
            kind=cell.kind,
            score=_dec(cell.score),
            max_score=_dec(cell.max_score),
            needs_manual_grade=cell.needs_manual_grade,
            position=position,
        )
    submission.cell_grades.exclude(grade_id__in=list(grades)).delete()
    if grades:
        CellGrade.objects.bulk_create(
            grades.values(),
            update_conflicts=True,
            unique_fields=["submission", "grade_id"],
            update_fields=CELL_GRADE_FIELDS,
        )


def counting_submission(*, exercise: Exercise, student) -> Submission | None:
    """The submission whose score counts for the learner: best or last graded, per the exercise. One
    waiting for a teacher's review (tamper flags) does not count until it is confirmed or set to zero,
    so it can neither complete the course nor earn the certificate."""
    graded = Submission.objects.filter(
        exercise=exercise, student=student, state=Submission.State.GRADED
    ).exclude(review=Submission.Review.NEEDED)
    if exercise.score_policy == Exercise.ScorePolicy.LAST:
        return graded.order_by("-attempt").first()
    return graded.order_by("-score", "-attempt").first()


def submission_report_result(*, submission_id: int) -> None:
    """Pass the counting score of the learner's exercise to course completion (`courses.services`)."""
    submission = Submission.objects.select_related("exercise", "lesson", "student").get(pk=submission_id)
    lesson = submission.lesson
    if lesson is None:
        earlier = (
            Submission.objects.filter(
                exercise=submission.exercise, student=submission.student, lesson__isnull=False
            )
            .select_related("lesson")
            .first()
        )
        lesson = earlier.lesson if earlier else None
    if lesson is None:
        lesson = exercise_lessons(exercise=submission.exercise).order_by("path").first()
    if lesson is None:
        return
    counting = counting_submission(exercise=submission.exercise, student=submission.student)
    if counting is None or counting.score is None:
        return
    activity_result_record(
        user=submission.student,
        lesson=lesson,
        activity_id=str(submission.exercise_id),
        kind="exercise",
        score=min(counting.score, counting.max_score or counting.score),
        max_score=counting.max_score or submission.exercise.max_score,
    )


def submission_completion_sync(*, submission_id: int) -> bool:
    """Report a finished submission's result to course completion and record that it got there
    (`completion_synced_at`). A concurrent write of the same activity result (IntegrityError) is retried
    once; any failure is logged and left for `completion_reconcile`, which tries again later. Returns
    whether the result reached course completion."""
    for attempt in (1, 2):
        try:
            submission_report_result(submission_id=submission_id)
        except IntegrityError:
            if attempt == 1:
                continue
            logger.warning("completion of submission %s not recorded; reconciliation retries", submission_id)
            return False
        except Exception:  # noqa: BLE001 - the grade stands; reconciliation retries the report
            logger.exception(
                "completion of submission %s not recorded; reconciliation retries", submission_id
            )
            return False
        break
    Submission.objects.filter(pk=submission_id).update(completion_synced_at=timezone.now())
    return True


def completion_reconcile(*, batch: int | None = None) -> int:
    """Report graded submissions whose result has not reached course completion yet (the report after
    grading failed), at most *batch* (`GRADING_COMPLETION_SYNC_BATCH`) per call: the least tried first
    (never tried, then tried longest ago; oldest first among equals), so results that keep failing do
    not hold up newer ones. Each failure is counted on the submission; after
    `GRADING_COMPLETION_SYNC_MAX_ATTEMPTS` the result is left out and logged as an error (a new result,
    a regrade say, starts the count again). Returns how many got through."""
    batch = batch or settings.GRADING_COMPLETION_SYNC_BATCH
    limit = settings.GRADING_COMPLETION_SYNC_MAX_ATTEMPTS
    pending = (
        Submission.objects.filter(
            state=Submission.State.GRADED,
            completion_synced_at__isnull=True,
            completion_sync_attempts__lt=limit,
        )
        .order_by(
            "completion_sync_attempts", F("completion_sync_tried_at").asc(nulls_first=True), "graded_at", "pk"
        )
        .values_list("pk", flat=True)[:batch]
    )
    synced = 0
    for pk in list(pending):
        if submission_completion_sync(submission_id=pk):
            synced += 1
            continue
        Submission.objects.filter(pk=pk).update(
            completion_sync_attempts=F("completion_sync_attempts") + 1,
            completion_sync_tried_at=timezone.now(),
        )
        attempts = Submission.objects.filter(pk=pk).values_list("completion_sync_attempts", flat=True).first()
        if attempts is not None and attempts >= limit:
            logger.error(
                "completion of submission %s not recorded after %s tries; reconciliation gives up on it",
                pk,
                attempts,
            )
    return synced


# ---------------------------------------------------------------------------------------------------
# Teachers


@transaction.atomic
def grade_override_create(*, submission: Submission, author, score: Decimal, reason: str) -> GradeOverride:
    """Change a submission's score with a mandatory reason; the change is kept in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for changing the grade.")})
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != Submission.State.GRADED:
        raise ValidationError(_("Only a graded submission can be overridden."))
    score = _dec(score)
    if score < 0 or (locked.max_score is not None and score > locked.max_score):
        raise ValidationError({"score": _("The score must be between 0 and the maximum score.")})
    override = GradeOverride(
        submission=locked, author=author, previous_score=locked.score, score=score, reason=reason
    )
    override.full_clean()
    override.save()
    locked.score = score
    locked.completion_synced_at = None
    locked.save(update_fields=["score", "completion_synced_at"])
    _record(
        locked, locked.state, locked.state, f"override by {author.pk}: {override.previous_score} → {score}"
    )
    transaction.on_commit(lambda: submission_completion_sync(submission_id=locked.pk))
    return override


REVIEW_DECISIONS = ("confirm", "zero")


@transaction.atomic
def submission_review(*, submission: Submission, reviewer, decision: str, reason: str) -> Submission:
    """A teacher's decision on a submission waiting for review (tamper flags): "confirm" lets its score
    count, "zero" sets it to 0 (as a grade override). The reason is mandatory; the decision is kept on
    the submission and in its audit trail (events, and the override for a zero), and the result is
    reported to course completion, which may complete the course and issue the certificate."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for your decision.")})
    if decision not in REVIEW_DECISIONS:
        raise ValidationError(_("Choose to confirm the score or to set it to zero."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.awaits_review:
        raise ValidationError(_("This submission is not waiting for a review."))
    now = timezone.now()
    if decision == "zero":
        override = GradeOverride(
            submission=locked, author=reviewer, previous_score=locked.score, score=Decimal(0), reason=reason
        )
        override.full_clean()
        override.save()
        locked.score = Decimal(0)
    locked.review = Submission.Review.ZEROED if decision == "zero" else Submission.Review.CONFIRMED
    locked.reviewed_by = reviewer
    locked.review_reason = reason
    locked.reviewed_at = now
    locked.completion_synced_at = None
    locked.save(
        update_fields=[
            "score",
            "review",
            "reviewed_by",
            "review_reason",
            "reviewed_at",
            "completion_synced_at",
        ]
    )
    _record(locked, locked.state, locked.state, f"review: {decision} by {reviewer.pk}: {reason}")
    transaction.on_commit(lambda: submission_completion_sync(submission_id=locked.pk))
    return locked


def exercise_regrade(*, exercise: Exercise, student_ids: list[int] | None = None) -> int:
    """Queue every finished submission of *exercise* (optionally of some learners) for grading again.
    Returns how many were queued."""
    submissions = Submission.objects.filter(exercise=exercise, state__in=Submission.TERMINAL_STATES).exclude(
        notebook=""
    )
    if student_ids is not None:
        submissions = submissions.filter(student_id__in=student_ids)
    count = 0
    for submission in submissions.only("pk"):
        submission_regrade(submission=submission)
        count += 1
    return count


@transaction.atomic
def submission_regrade(*, submission: Submission) -> Submission:
    """Grade a finished submission again (after the exercise's tests changed, say). A submission whose
    notebook was removed (its author's personal data deleted) keeps its score: there is nothing to run."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_terminal or not locked.notebook:
        return locked
    previous = locked.state
    locked.state = Submission.State.QUEUED
    locked.queued_at = timezone.now()
    locked.enqueued_at = None
    locked.grading_runs = 0  # a teacher's regrade starts a new count of runs (and of re-queues)
    locked.requeues = 0
    locked.requeued_at = None
    locked.save(
        update_fields=["state", "queued_at", "enqueued_at", "grading_runs", "requeues", "requeued_at"]
    )
    _record(locked, previous, Submission.State.QUEUED, "regrade")
    transaction.on_commit(lambda: _grade_later(locked.pk))
    return locked


def _lost(*, now, cutoff) -> Q:
    """Submissions before a final state whose grading message is lost, not merely waiting in a backlog:
    never handed to the broker (`received` past the limit, or `queued` without `enqueued_at`), handed
    over past the limit while a worker has since picked up a submission handed over after it (the
    queue has moved past it), or `grading` under a lease that has run out (its worker died mid-run).
    None re-queued by the sweeper within the limit: at most one re-queue per period."""
    state = Submission.State
    overtaken = Exists(
        Submission.objects.filter(
            enqueued_at__gt=OuterRef("enqueued_at"),
            state__in=[state.GRADING, state.GRADED, state.FAILED],
        )
    )
    never_handed_over = Q(state=state.RECEIVED, submitted_at__lt=cutoff) | Q(
        state=state.QUEUED, queued_at__lt=cutoff, enqueued_at__isnull=True
    )
    passed_over = Q(state=state.QUEUED, queued_at__lt=cutoff, enqueued_at__lt=cutoff) & Q(overtaken)
    worker_died = Q(state=state.GRADING, lease_expires_at__lt=now)
    not_just_requeued = Q(requeued_at__isnull=True) | Q(requeued_at__lt=cutoff)
    return (never_handed_over | passed_over | worker_died) & not_just_requeued


@transaction.atomic
def _sweep_one(*, submission_id: int, now, cutoff) -> bool:
    """Re-queue one lost submission, re-checked under its row lock (two sweeps never both re-queue
    it); one whose runs and re-queues reached `GRADING_MAX_RUNS_PER_SUBMISSION` fails instead."""
    locked = (
        Submission.objects.select_for_update()
        .filter(pk=submission_id)
        .filter(_lost(now=now, cutoff=cutoff))
        .first()
    )
    if locked is None:
        return False
    attempts = locked.grading_runs + locked.requeues
    if attempts >= settings.GRADING_MAX_RUNS_PER_SUBMISSION:
        error = _(
            "Grading was stopped after %(runs)d runs and re-queues that ended without a result (a "
            "grading worker lost while running this notebook, for example). A teacher can grade the "
            "submission again."
        ) % {"runs": attempts}
        submission_store_result(submission_id=locked.pk, result=GradeResult(status="error", error=error))
        return True
    submission_requeue(submission=locked)
    return True


def requeue_stuck_submissions(*, older_than_seconds: int | None = None) -> int:
    """Re-queue submissions whose grading is lost (see `_lost`: a broker that refused or lost the
    message, a worker killed mid-run), never a graded or failed one nor one merely waiting in a
    backlog. Runs from beat on the default queue. Returns how many were re-queued or failed."""
    older_than_seconds = older_than_seconds or settings.GRADING_STUCK_AFTER_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    lost = list(
        Submission.objects.filter(_lost(now=now, cutoff=cutoff))
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(_sweep_one(submission_id=pk, now=now, cutoff=cutoff) for pk in lost)


def grade_files(
    *, source: bytes, submission: bytes, engine: str | None = None, language: str | None = None
) -> dict:
    """Grade a pair of notebook files (the release made for *language*), tamper flags included: the
    contract's JSON object."""
    result = graded_with_flags(
        get_engine(engine), source=source, submission=submission, feedback=False, language=language
    )
    return result.as_contract()


__all__ = [
    "completion_reconcile",
    "counting_submission",
    "exercise_create",
    "exercise_data_file_set",
    "exercise_prepare_notebook",
    "exercise_regrade",
    "exercise_set_notebook",
    "grade_files",
    "grade_override_create",
    "requeue_stuck_submissions",
    "submission_completion_sync",
    "submission_create",
    "submission_grade",
    "submission_regrade",
    "submission_report_result",
    "submission_review",
    "submission_store_result",
]
