"""The grading periodic tasks run on the `default` queue, not behind the grading backlog they watch;
grading itself stays on the `grading` queue; beat schedules both periodic tasks."""

from __future__ import annotations

import pytest
from django.conf import settings

from lms.celery import app


def _queue(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    queue = route["queue"]
    return getattr(queue, "name", queue)


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("grading.tasks.requeue_stuck_submissions", "default"),
        ("grading.tasks.reconcile_completions", "default"),
        ("grading.tasks.grade_submission", "grading"),
    ],
)
def test_task_queues(task_name, queue):
    """Each grading task is routed to its queue."""
    assert _queue(task_name) == queue


def test_beat_schedules_the_sweeper_and_the_reconciliation_on_default():
    """Beat sends the sweeper and the completion reconciliation, both to the `default` queue."""
    tasks = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("grading.tasks.requeue_stuck_submissions", "grading.tasks.reconcile_completions"):
        assert tasks[name]["options"]["queue"] == "default"
