"""Celery tasks of the JupyterHub integration: thin wrappers around one service each."""

from __future__ import annotations

from celery import shared_task

from .client import HubError
from .services import hub_user_delete, hub_user_deletions_requeue

# The hub may be restarting or the person's server stopping: try again with growing pauses (30 s doubling
# up to 10 minutes, each drawn at random below that), about an hour in all. Every attempt is recorded on
# the owed deletion; after the last one the sweeper below queues it again. The longest pause stays below
# `services.DELETION_RETRY_AFTER`, so the sweeper never queues a deletion whose retries are still running.
RETRY_BACKOFF_MAX = 600
MAX_RETRIES = 10


@shared_task(
    name="hub.user_delete",
    autoretry_for=(HubError,),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def hub_user_delete_task(user_id: int) -> bool:
    """Carry out the owed deletion of an anonymised person's JupyterHub user and home directory
    (idempotent; refused when no deletion is owed)."""
    return hub_user_delete(user_id=user_id)


@shared_task(name="hub.user_deletions_requeue")
def hub_user_deletions_requeue_task() -> int:
    """Periodic (beat, on the `default` queue): queue again the owed hub user deletions that have stood
    idle (see `services.hub_user_deletions_requeue`), so a broker that was down when a person was
    anonymised, or retries that ran out, heal by themselves. Returns how many were queued."""
    user_ids = hub_user_deletions_requeue()
    for user_id in user_ids:
        hub_user_delete_task.delay(user_id)
    return len(user_ids)
