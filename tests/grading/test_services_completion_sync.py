"""A grade that fails to reach course completion is not lost: the grading path retries a conflicting
write once, and a periodic reconciliation reports graded submissions whose completion is not synced."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.test import TestCase

from courses.models import ActivityResult, LessonProgress
from courses.services import activity_result_record
from grading import services, tasks
from grading.engines import CellResult, GradeResult
from grading.models import Submission
from tests.factories import ExerciseFactory, LessonPageFactory, UserFactory, exercise_block
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory()
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk)])
    return services.submission_create(
        student=UserFactory(),
        exercise=exercise,
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
        lesson=lesson,
    )


def _failing(monkeypatch, times: int) -> list[int]:
    """Make `activity_result_record` raise IntegrityError (a concurrent insert) *times* times."""
    calls: list[int] = []

    def record(**kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise IntegrityError("duplicate key value violates unique constraint")
        return activity_result_record(**kwargs)

    monkeypatch.setattr(services, "activity_result_record", record)
    return calls


def _grade(submission: Submission) -> None:
    services._claim(submission.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submission_store_result(
            submission_id=submission.pk,
            result=GradeResult(status="graded", score=5, max_score=5, cells=[CellResult("test_link", 5, 5)]),
        )


def _recorded(submission: Submission) -> bool:
    return ActivityResult.objects.filter(
        user=submission.student, lesson=submission.lesson, activity_id=str(submission.exercise_id)
    ).exists()


def test_a_conflict_while_reporting_is_retried_once(submission, monkeypatch):
    """One IntegrityError from course completion is retried at once: the result is recorded and the
    submission marked synced."""
    calls = _failing(monkeypatch, times=1)
    _grade(submission)
    assert len(calls) == 2
    assert _recorded(submission)
    assert Submission.objects.get(pk=submission.pk).completion_synced_at is not None


def test_a_result_that_did_not_reach_completion_is_reconciled(submission, monkeypatch):
    """When reporting fails during grading the grade stands but stays unsynced; the reconciliation task
    reports it later: the activity result and the lesson's progress are recorded, and it is synced
    once."""
    _failing(monkeypatch, times=2)
    _grade(submission)
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED
    assert submission.completion_synced_at is None
    assert not _recorded(submission)

    assert tasks.reconcile_completions() == 1
    assert _recorded(submission)
    progress = LessonProgress.objects.get(user=submission.student, lesson=submission.lesson)
    assert progress.completed_at is not None
    assert Submission.objects.get(pk=submission.pk).completion_synced_at is not None
    assert tasks.reconcile_completions() == 0
