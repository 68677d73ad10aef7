"""Celery tasks of the JupyterHub integration: thin wrappers around one service each."""

from __future__ import annotations

from celery import shared_task

from .client import HubError
from .services import hub_user_delete

# The hub may be restarting or the person's server stopping: try again with growing pauses (30 s doubling
# up to an hour, each drawn at random below that), for up to about a day, then give up (logged by Celery;
# the operator then deletes the user on the hub by hand).
RETRY_BACKOFF_MAX = 3600
MAX_RETRIES = 30


@shared_task(
    name="hub.user_delete",
    autoretry_for=(HubError,),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def hub_user_delete_task(user_id: int) -> bool:
    """Delete an anonymised person's JupyterHub user and home directory (idempotent)."""
    return hub_user_delete(user_id=user_id)
