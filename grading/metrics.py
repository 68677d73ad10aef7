"""Prometheus metrics of grading (served by lms.observability.metrics): outcomes, how long a run and a
whole turnaround take, and sandbox refusals.

Outcomes are counted from the submission's audit trail (a `SubmissionEvent` into a final state),
once the transaction that stored the result commits, so a rolled-back result is never counted."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from prometheus_client import Counter, Histogram

FINAL_STATES = ("graded", "failed")

GRADING_OUTCOMES = Counter(
    "lms_grading_outcomes_total", "Submissions that reached a final state, by state.", ["outcome"]
)
GRADING_RUN_SECONDS = Histogram(
    "lms_grading_run_seconds",
    "From a worker claiming a submission to its result being stored.",
    ["outcome"],
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
GRADING_TURNAROUND_SECONDS = Histogram(
    "lms_grading_turnaround_seconds",
    "From submitting to the result (queueing included), as the learner waits for it.",
    ["outcome"],
    buckets=(5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
)
SANDBOX_REFUSALS = Counter(
    "lms_grading_sandbox_refusals_total",
    "Times the grading sandbox refused to run student code (it could not isolate it).",
    ["stage"],
)


def sandbox_refused(*, stage: str) -> None:
    """Count a refusal: *stage* is "self_test" (a worker declining the grading queue at start) or
    "run" (a notebook not run)."""
    SANDBOX_REFUSALS.labels(stage=stage).inc()


def _record_outcome(sender, instance, created: bool, **kwargs) -> None:
    if not created or instance.to_state not in FINAL_STATES:
        return
    outcome = instance.to_state
    claimed_at = (
        type(instance)
        .objects.filter(submission_id=instance.submission_id, to_state="grading", pk__lt=instance.pk)
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    submitted_at = instance.submission.submitted_at

    def observe() -> None:
        GRADING_OUTCOMES.labels(outcome=outcome).inc()
        if claimed_at is not None:
            GRADING_RUN_SECONDS.labels(outcome=outcome).observe(
                (instance.created_at - claimed_at).total_seconds()
            )
        GRADING_TURNAROUND_SECONDS.labels(outcome=outcome).observe(
            (instance.created_at - submitted_at).total_seconds()
        )

    transaction.on_commit(observe)


post_save.connect(_record_outcome, sender="grading.SubmissionEvent", dispatch_uid="grading-metrics-outcome")
