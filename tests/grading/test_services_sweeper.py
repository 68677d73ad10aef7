"""The stuck-submission sweeper re-queues only submissions whose grading is really lost: a message the
broker never accepted, one the queue has moved past, a worker that died mid-run. A backlog waiting its
turn is left alone, a submission is re-queued at most once per period, re-queues count against the
per-submission run cap, and a graded or failed submission is never run again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import Submission
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db

LIMIT = 600


@pytest.fixture
def queued(monkeypatch, settings):
    """The grading messages handed to the broker (by submission id)."""
    settings.GRADING_STUCK_AFTER_SECONDS = LIMIT
    settings.GRADING_MAX_RUNS_PER_SUBMISSION = 3
    calls: list[int] = []
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: calls.append(pk))
    return calls


@pytest.fixture
def exercise():
    return ExerciseFactory()


def _submit(exercise) -> Submission:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.submission_create(
            student=UserFactory(), exercise=exercise, notebook_bytes=notebooks.solved(), filename="s.ipynb"
        )


def _age(submission: Submission, seconds: int, **fields) -> None:
    """Move the submission's timestamps *seconds* into the past (keeping which ones are empty)."""
    when = timezone.now() - timedelta(seconds=seconds)
    submission.refresh_from_db()
    values = {"submitted_at": when, "queued_at": when}
    if submission.enqueued_at is not None:
        values["enqueued_at"] = when
    Submission.objects.filter(pk=submission.pk).update(**{**values, **fields})


def _sweep() -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.requeue_stuck_submissions()


def test_a_backlog_younger_than_the_limit_is_not_requeued(queued, exercise):
    """Submissions queued and handed to the broker within the limit are waiting their turn: no new
    message is sent for any of them."""
    backlog = [_submit(exercise) for _ in range(5)]
    for submission in backlog:
        _age(submission, LIMIT - 60)
    queued.clear()
    assert _sweep() == 0
    assert queued == []
    assert all(s.requeues == 0 for s in Submission.objects.filter(pk__in=[s.pk for s in backlog]))


def test_a_backlog_older_than_the_limit_is_not_multiplied(queued, exercise):
    """Messages the broker accepted longer ago than the limit are still pending while the queue has not
    moved past them (nothing handed over after them has been picked up): a deadline backlog is not
    queued a second time."""
    backlog = [_submit(exercise) for _ in range(5)]
    for submission in backlog:
        _age(submission, LIMIT * 3)
    queued.clear()
    assert _sweep() == 0
    assert _sweep() == 0
    assert queued == []


def test_a_message_the_queue_moved_past_is_requeued(queued, exercise):
    """A submission handed over past the limit is re-queued once a submission handed over after it has
    been picked up by a worker: its own message was lost."""
    lost, later = _submit(exercise), _submit(exercise)
    _age(lost, LIMIT * 2)
    services._claim(later.pk)
    queued.clear()
    assert _sweep() == 1
    assert queued == [lost.pk]


def test_a_lost_submission_is_requeued_once_however_often_the_sweeper_runs(queued, exercise, monkeypatch):
    """A submission the broker never accepted is re-queued when it is older than the limit; sweeping
    again (or two sweeps working from the same list) does not queue it a second time: the re-queue is
    recorded on the submission."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: (_ for _ in ()).throw(OSError))
    lost = _submit(exercise)  # the broker is down: the hand-off fails
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: queued.append(pk))
    lost.refresh_from_db()
    assert (lost.state, lost.enqueued_at) == (Submission.State.QUEUED, None)
    _age(lost, LIMIT + 60)
    now = timezone.now()
    cutoff = now - timedelta(seconds=LIMIT)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services._sweep_one(submission_id=lost.pk, now=now, cutoff=cutoff) is True
        assert services._sweep_one(submission_id=lost.pk, now=now, cutoff=cutoff) is False
    assert _sweep() == 0
    assert queued == [lost.pk]
    lost.refresh_from_db()
    assert lost.requeues == 1
    assert lost.requeued_at is not None
    assert lost.enqueued_at is not None


def test_failed_and_graded_submissions_are_never_requeued_or_run_again(queued, exercise, monkeypatch):
    """However old, a failed or graded submission is not re-queued, and a duplicate delivery of its
    message does not run the notebook again."""
    failed, graded = _submit(exercise), _submit(exercise)
    services._claim(failed.pk)
    services.submission_store_result(
        submission_id=failed.pk, result=GradeResult(status="error", error="boom")
    )
    services._claim(graded.pk)
    services.submission_store_result(
        submission_id=graded.pk,
        result=GradeResult(status="graded", score=5, max_score=5, cells=[CellResult("test_link", 5, 5)]),
    )
    for submission in (failed, graded):
        _age(submission, LIMIT * 10, enqueued_at=None)
    queued.clear()
    assert _sweep() == 0
    assert queued == []

    def engine_must_not_run(*args):
        raise AssertionError("a finished submission was run again")

    monkeypatch.setattr(services, "get_engine", engine_must_not_run)
    assert services.submission_grade(submission_id=failed.pk) is None
    assert services.submission_grade(submission_id=graded.pk) is None
    assert Submission.objects.get(pk=failed.pk).state == Submission.State.FAILED


def test_requeues_count_against_the_run_cap(queued, exercise):
    """Runs and sweeper re-queues together are capped by GRADING_MAX_RUNS_PER_SUBMISSION: a lost
    submission that reached the cap fails with a message for the teacher instead of being queued
    again."""
    submission = _submit(exercise)
    _age(submission, LIMIT + 60, enqueued_at=None, grading_runs=1, requeues=1)
    queued.clear()
    assert _sweep() == 1
    submission.refresh_from_db()
    assert (submission.state, submission.requeues) == (Submission.State.QUEUED, 2)
    _age(submission, LIMIT + 60, enqueued_at=None, requeued_at=timezone.now() - timedelta(seconds=LIMIT + 60))
    assert _sweep() == 1
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert "3 runs and re-queues" in submission.error
    assert queued == [submission.pk]


def test_a_worker_lost_mid_run_is_requeued(queued, exercise):
    """A submission left `grading` under an expired lease (its worker died) is queued again."""
    submission = _submit(exercise)
    services._claim(submission.pk)
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    queued.clear()
    assert _sweep() == 1
    assert queued == [submission.pk]
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.QUEUED
