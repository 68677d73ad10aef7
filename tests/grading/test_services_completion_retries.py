"""Reconciliation of results that did not reach course completion tries the least tried first, so a
result that keeps failing does not starve newer ones, and gives up on it after a bounded number of
tries (logged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading import services
from grading.models import Submission
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(monkeypatch):
    """Two graded submissions not yet reported to course completion: an older one whose report always
    fails and a newer one."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory()
    now = timezone.now()
    made = []
    for age in (2, 1):
        submission = services.submission_create(
            student=UserFactory(), exercise=exercise, notebook_bytes=notebooks.solved(), filename="s.ipynb"
        )
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.GRADED, score=5, max_score=5, graded_at=now - timedelta(hours=age)
        )
        made.append(submission)
    return made


@pytest.fixture
def reports(monkeypatch, graded):
    """Reporting fails for the older submission; returns the ids reported, in order."""
    calls: list[int] = []

    def report(*, submission_id: int) -> None:
        calls.append(submission_id)
        if submission_id == graded[0].pk:
            raise RuntimeError("course completion refuses this one")

    monkeypatch.setattr(services, "submission_report_result", report)
    return calls


def test_a_failing_result_does_not_starve_newer_ones(graded, reports):
    """With room for one per run, the run after the old result failed tries the newer one, which gets
    through; the failure is counted on the old one with the time of the try."""
    old, new = graded
    assert services.completion_reconcile(batch=1) == 0
    assert services.completion_reconcile(batch=1) == 1
    assert reports == [old.pk, new.pk]
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.completion_synced_at is not None
    assert old.completion_sync_attempts == 1
    assert old.completion_sync_tried_at is not None


def test_a_result_that_keeps_failing_is_given_up_after_the_limit(graded, reports, settings, caplog):
    """After `GRADING_COMPLETION_SYNC_MAX_ATTEMPTS` failed tries the result is no longer tried and the
    give-up is logged as an error; a new result (a regrade) would start the count again."""
    settings.GRADING_COMPLETION_SYNC_MAX_ATTEMPTS = 2
    old, _new = graded
    for _ in range(4):
        services.completion_reconcile()
    assert reports.count(old.pk) == 2
    assert "gives up" in caplog.text
    old.refresh_from_db()
    assert old.completion_sync_attempts == 2
    assert old.completion_synced_at is None
