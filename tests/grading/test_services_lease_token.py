"""Only the grading run that holds the submission stores its result: a worker whose lease ran out, after
the submission was handed to another worker or failed by the sweeper, has its late result discarded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import Submission
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    return services.submission_create(
        student=UserFactory(),
        exercise=ExerciseFactory(),
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
    )


def _result(score: float) -> GradeResult:
    return GradeResult(
        status="graded", score=score, max_score=5.0, cells=[CellResult("test_link", score, 5.0)]
    )


class _Engine:
    """Runs *meanwhile* while "grading" (what happens elsewhere during the run), then answers *score*."""

    def __init__(self, score: float, meanwhile) -> None:
        self.score, self.meanwhile = score, meanwhile

    def grade(self, **kwargs) -> GradeResult:
        self.meanwhile()
        return _result(self.score)


def _expire_lease(submission: Submission) -> None:
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_a_late_result_of_an_expired_lease_is_discarded(submission, monkeypatch, caplog):
    """Worker 1 claims, its lease runs out, worker 2 claims the submission again; worker 1 finishing
    first does not store its score (logged as discarded); worker 2's result is the one stored."""
    second = {}

    def taken_over() -> None:
        _expire_lease(submission)
        second["claim"] = services._claim(submission.pk)

    monkeypatch.setattr(services, "get_engine", lambda: _Engine(1.0, taken_over))
    assert services.submission_grade(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADING
    assert submission.score is None
    assert "discarded" in caplog.text

    stored = services.submission_store_result(
        submission_id=submission.pk, result=_result(5.0), lease_token=second["claim"].lease_token
    )
    assert stored.state == Submission.State.GRADED
    assert float(stored.score) == 5.0
    assert stored.lease_token == ""


def test_a_late_result_does_not_overwrite_a_failure_set_by_the_sweeper(submission, monkeypatch):
    """The sweeper fails a submission whose lease ran out; the worker's result arriving afterwards is
    discarded and the submission stays failed."""

    def swept() -> None:
        _expire_lease(submission)
        services.submission_store_result(
            submission_id=submission.pk, result=GradeResult(status="error", error="stopped by the sweeper")
        )

    monkeypatch.setattr(services, "get_engine", lambda: _Engine(5.0, swept))
    assert services.submission_grade(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert submission.error == "stopped by the sweeper"
    assert float(submission.score) == 0


def test_the_run_holding_the_lease_stores_its_result(submission, monkeypatch):
    """An undisturbed run stores its result under its own claim."""
    monkeypatch.setattr(services, "get_engine", lambda: _Engine(4.0, lambda: None))
    graded = services.submission_grade(submission_id=submission.pk)
    assert graded.state == Submission.State.GRADED
    assert float(graded.score) == 4.0
