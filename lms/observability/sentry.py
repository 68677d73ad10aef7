"""Error reports to Sentry, only when SENTRY_DSN is set: the web process (Django) and the Celery
workers and beat (Celery) report their unhandled errors with the request or task they happened in."""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> bool:
    """Start reporting to *dsn*; returns whether it did (not without a DSN). No personal data is sent
    (learners are minors): user ids only, no e-mail addresses, cookies or request bodies."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False)],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
    )
    return True
