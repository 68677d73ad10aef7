"""The grading pipeline's bookkeeping: idempotent results, leases, the sweeper, counting scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import CellGrade, Exercise, Submission, SubmissionEvent
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: calls.append(pk))
    return calls


def _submit(exercise=None, student=None) -> Submission:
    return services.submission_create(
        student=student or UserFactory(),
        exercise=exercise or ExerciseFactory(),
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
    )


def _result(score: float) -> GradeResult:
    return GradeResult(
        status="graded",
        score=score,
        max_score=5.0,
        cells=[CellResult("test_link", score, 5.0)],
        engine="nbgrader",
    )


def test_storing_a_result_twice_grades_once(queued):
    """A second result for an already graded submission changes nothing: one `graded` event, one cell
    grade, the first score."""
    submission = _submit()
    services._claim(submission.pk)
    services.submission_store_result(submission_id=submission.pk, result=_result(4))
    services.submission_store_result(submission_id=submission.pk, result=_result(1))
    submission.refresh_from_db()
    assert float(submission.score) == 4.0
    assert CellGrade.objects.filter(submission=submission).count() == 1
    assert SubmissionEvent.objects.filter(submission=submission, to_state="graded").count() == 1
    assert services.submission_grade(submission_id=submission.pk) is None  # nothing to do


def test_live_lease_makes_a_second_delivery_wait_and_a_dead_one_is_taken_over(queued):
    """While a live process holds the lease another delivery raises LeaseHeld; a lease whose owner
    process is gone is taken over at once."""
    submission = _submit()
    services._claim(submission.pk)
    with pytest.raises(services.LeaseHeld):
        services._claim(submission.pk)
    Submission.objects.filter(pk=submission.pk).update(
        lease_owner=f"{__import__('socket').gethostname()}:999999:1"
    )
    taken = services._claim(submission.pk)
    assert taken.grading_runs == 2


def test_sweeper_requeues_stuck_submissions(queued):
    """Submissions left `queued` or `grading` with an expired lease past the timeout are queued again;
    fresh ones are left alone."""
    stuck = _submit()
    fresh = _submit()
    old = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=stuck.pk).update(submitted_at=old, queued_at=old, state="queued")
    grading = _submit()
    Submission.objects.filter(pk=grading.pk).update(
        state="grading", lease_expires_at=timezone.now() - timedelta(minutes=1)
    )
    queued.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        count = services.requeue_stuck_submissions(older_than_seconds=600)
    assert count == 2
    assert sorted(queued) == sorted([stuck.pk, grading.pk])
    assert Submission.objects.get(pk=fresh.pk).state == Submission.State.RECEIVED


def test_late_penalty_and_best_or_last_policy(queued):
    """A late submission loses the exercise's penalty; the counting submission is the best or the last
    graded one, per the exercise."""
    exercise = ExerciseFactory(late_penalty_percent=20, deadline=timezone.now() - timedelta(days=1))
    student = UserFactory()
    first, second = _submit(exercise, student), _submit(exercise, student)
    for submission, score in ((first, 5), (second, 2.5)):
        services._claim(submission.pk)
        services.submission_store_result(submission_id=submission.pk, result=_result(score))
    first.refresh_from_db()
    assert first.is_late
    assert float(first.score) == 4.0
    assert services.counting_submission(exercise=exercise, student=student).pk == first.pk
    exercise.score_policy = Exercise.ScorePolicy.LAST
    exercise.save()
    assert services.counting_submission(exercise=exercise, student=student).pk == second.pk


def test_a_failed_engine_result_marks_the_submission_failed(queued):
    """An engine error ends in `failed` with the message and zero points."""
    submission = _submit()
    services._claim(submission.pk)
    services.submission_store_result(
        submission_id=submission.pk, result=GradeResult(status="error", error="the notebook ran too long")
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert "too long" in submission.error
    assert float(submission.score) == 0.0


def test_counting_score_reaches_course_completion(queued):
    """A graded submission records the counting score as the lesson's exercise activity result; a
    worse later attempt does not lower it under the best-attempt policy."""
    from django.test import TestCase

    from courses.models import ActivityResult
    from tests.factories import LessonPageFactory, exercise_block

    exercise = ExerciseFactory()
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk)])
    student = UserFactory()
    for score in (4, 1):
        submission = services.submission_create(
            student=student,
            exercise=exercise,
            notebook_bytes=notebooks.solved(),
            filename="s.ipynb",
            lesson=lesson,
        )
        services._claim(submission.pk)
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.submission_store_result(submission_id=submission.pk, result=_result(score))
    result = ActivityResult.objects.get(user=student, lesson=lesson, activity_id=str(exercise.pk))
    assert (float(result.score), float(result.max_score), result.kind) == (4.0, 5.0, "exercise")


def _cells_result(grade_ids: list[str], score: float) -> GradeResult:
    return GradeResult(
        status="graded",
        score=score * len(grade_ids),
        max_score=float(len(grade_ids)),
        cells=[CellResult(grade_id, score, 1.0) for grade_id in grade_ids],
        engine="fork",
    )


def _store_queries(grade_ids: list[str]) -> int:
    submission = _submit()
    services._claim(submission.pk)
    with CaptureQueriesContext(connection) as captured:
        services.submission_store_result(submission_id=submission.pk, result=_cells_result(grade_ids, 1))
    assert CellGrade.objects.filter(submission=submission).count() == len(grade_ids)
    return len(captured)


def test_storing_cell_grades_takes_the_same_queries_for_any_number_of_cells(queued):
    """A result's cell grades are written in one statement (an upsert), not a few queries per cell: a
    notebook of twelve graded cells is stored with as many queries as one of two."""
    few = _store_queries(["a", "b"])
    many = _store_queries([f"cell_{n}" for n in range(12)])
    assert many == few


def test_a_regrade_replaces_the_cell_grades(queued):
    """Stored again after a regrade, a result updates the cells it still has (score and position), adds
    new ones and removes those it no longer has."""
    submission = _submit()
    services._claim(submission.pk)
    services.submission_store_result(submission_id=submission.pk, result=_cells_result(["a", "b", "c"], 0))
    services.submission_regrade(submission=submission)
    services._claim(submission.pk)
    services.submission_store_result(submission_id=submission.pk, result=_cells_result(["c", "a", "d"], 1))
    stored = list(
        CellGrade.objects.filter(submission=submission).values_list("grade_id", "score", "position")
    )
    assert stored == [("c", 1, 0), ("a", 1, 1), ("d", 1, 2)]
