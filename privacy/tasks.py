"""Celery tasks of the personal-data app: thin wrappers around one service each."""

from __future__ import annotations

from celery import shared_task

from .services import inactive_accounts_sweep


@shared_task(name="privacy.inactive_accounts_sweep")
def inactive_accounts_sweep_task() -> dict[str, int]:
    """Warn, then anonymise, long-inactive accounts (scheduled daily by Celery beat)."""
    return inactive_accounts_sweep()
