"""Celery tasks of the grading queue: thin, idempotent, taking ids.

Each task imports its service when it runs: `services` enqueues these tasks, so importing it here at
load time would be circular.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def grade_submission(self, submission_id: int) -> str:
    """Grade one submission (see `services.submission_grade`). A failure of the platform itself (the
    database, storage) is retried with exponential backoff up to a cap; a failure of the student's
    notebook is a result, recorded as `failed`, not retried."""
    from .services import LeaseHeld, submission_grade

    try:
        submission = submission_grade(submission_id=submission_id)
    except LeaseHeld as held:
        # Another live worker is on it; look again when its lease runs out.
        raise self.retry(countdown=max(5, int(held.seconds_left) + 1), max_retries=None) from None
    except Exception as exc:
        if self.request.retries >= settings.GRADING_TASK_MAX_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    return submission.state if submission is not None else "skipped"


@shared_task
def requeue_stuck_submissions() -> int:
    """Periodic sweeper (beat, on the `default` queue: it must not wait behind the backlog it watches):
    re-queue submissions whose grading is lost (see `services.requeue_stuck_submissions`)."""
    from .services import requeue_stuck_submissions as sweep

    return sweep()


@shared_task
def reconcile_completions() -> int:
    """Periodic (beat, on the `default` queue): report graded submissions whose result has not reached
    course completion yet (see `services.completion_reconcile`)."""
    from .services import completion_reconcile

    return completion_reconcile()
