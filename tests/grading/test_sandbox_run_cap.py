"""A submission is run a limited number of times: each run is counted on the submission before it
starts, and once `GRADING_MAX_RUNS_PER_SUBMISSION` runs have ended without a result (a notebook that
takes its worker down, redelivered again and again) the submission fails with a message for the
teacher instead of running again; a teacher's regrade starts a new count."""

from __future__ import annotations

import socket

import pytest
from django.test import TestCase

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import Submission, SubmissionEvent
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


class RecordingEngine:
    """Stands in for the engine: records the run count stored on the submission when a run starts."""

    name = "recording"

    def __init__(self, submission_id: int) -> None:
        self.submission_id = submission_id
        self.runs_seen: list[int] = []

    def grade(self, **kwargs) -> GradeResult:
        self.runs_seen.append(Submission.objects.get(pk=self.submission_id).grading_runs)
        return GradeResult(
            status="graded", score=5, max_score=5, cells=[CellResult("test_link", 5, 5)], engine=self.name
        )


@pytest.fixture
def submission(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    return services.submission_create(
        student=UserFactory(),
        exercise=ExerciseFactory(),
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
    )


@pytest.fixture
def engine(monkeypatch, submission):
    engine = RecordingEngine(submission.pk)
    monkeypatch.setattr(services, "get_engine", lambda *args: engine)
    return engine


def _lose_the_worker(submission: Submission) -> None:
    """A run that started and never finished: the lease holder is a process that no longer exists."""
    services._claim(submission.pk)
    Submission.objects.filter(pk=submission.pk).update(lease_owner=f"{socket.gethostname()}:999999:1")


def test_the_run_count_is_stored_before_the_run(submission, engine):
    """The engine starts only after the submission records the run it is on."""
    services.submission_grade(submission_id=submission.pk)
    assert engine.runs_seen == [1]
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED
    assert submission.grading_runs == 1


def test_after_the_maximum_of_lost_runs_the_submission_fails_without_running(submission, engine, settings):
    """Three runs lost with their worker: the next delivery does not run the notebook a fourth time, it
    fails the submission with a message that says why and what a teacher can do."""
    settings.GRADING_MAX_RUNS_PER_SUBMISSION = 3
    for _ in range(3):
        _lose_the_worker(submission)
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert engine.runs_seen == []
    assert submission.grading_runs == 3
    assert submission.state == Submission.State.FAILED
    assert "stopped after 3 runs" in submission.error
    assert "A teacher can grade the submission again" in submission.error
    assert SubmissionEvent.objects.filter(submission=submission, to_state="failed").count() == 1


def test_a_late_duplicate_delivery_leaves_the_recorded_failure(submission, engine, settings):
    """A delivery arriving after the submission already failed at the cap changes nothing."""
    settings.GRADING_MAX_RUNS_PER_SUBMISSION = 1
    _lose_the_worker(submission)
    services.submission_grade(submission_id=submission.pk)
    Submission.objects.filter(pk=submission.pk).update(error="first failure")
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.error == "first failure"
    assert engine.runs_seen == []


def test_a_teachers_regrade_starts_a_new_count(submission, engine, settings):
    """After failing at the cap, a regrade runs the notebook again, as run 1."""
    settings.GRADING_MAX_RUNS_PER_SUBMISSION = 2
    for _ in range(2):
        _lose_the_worker(submission)
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    with TestCase.captureOnCommitCallbacks(execute=False):
        services.submission_regrade(submission=submission)
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert engine.runs_seen == [1]
    assert submission.state == Submission.State.GRADED
