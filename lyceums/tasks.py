"""Celery tasks of the lyceum network: thin wrappers around one function each.

Each task imports its function when it runs: the modules that enqueue these tasks (`stats`,
`services`) are the ones the tasks call, so importing them here at load time would be circular.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="lyceums.stats_refresh")
def stats_refresh_task() -> int:
    """Rebuild the dashboard summary tables (scheduled by Celery beat)."""
    from .stats import stats_refresh

    return stats_refresh()


@shared_task(name="lyceums.stats_refresh_lyceums")
def stats_refresh_lyceums_task(lyceum_ids: list[int]) -> int:
    """Refresh the summary rows of a few lyceums after their enrolments changed."""
    from .stats import stats_refresh_pending

    return stats_refresh_pending(lyceum_ids=lyceum_ids)


@shared_task(name="lyceums.weekly_reports")
def weekly_reports_task() -> int:
    """E-mail every coordinator the XLSX report of their municipalities."""
    from .services import weekly_reports_send

    return weekly_reports_send()


@shared_task(name="lyceums.import_job_run")
def import_job_run_task(job_id: int) -> str:
    """Import a confirmed roster (all rows or none), reporting progress in the job row."""
    from .services import import_job_run

    return import_job_run(job_id=job_id).status


@shared_task(
    name="lyceums.import_invitations_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def import_invitations_send_task(user_ids: list[int], language: str) -> int:
    """E-mail invitations to accounts an import created (after the import committed). A retry after a
    mail server error skips those who have set a password meanwhile."""
    from .invitations import invitations_send

    return invitations_send(user_ids=user_ids, language=language)
