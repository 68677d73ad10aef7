from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from lms.health import GRADING_ISOLATION_CACHE_KEY, GRADING_ISOLATION_TTL
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_process_alive(client):
    """/healthz answers 200 JSON without touching the database or the broker."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker_ready(client):
    """/readyz checks the database and the broker and names each check."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_broker_is_unreachable(client, settings):
    """An unreachable broker makes /readyz answer 503 with the broker check marked as failed."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == "error"
    assert body["checks"]["database"] == "ok"


def _workers(seen_at: str) -> dict:
    return {
        "grading@a": {"status": "ok", "reason": "", "checked_at": seen_at, "seen_at": seen_at},
        "grading@b": {
            "status": "refused",
            "reason": "the sandbox can see the worker's processes (no PID namespace)",
            "checked_at": seen_at,
            "seen_at": seen_at,
        },
    }


def test_readyz_says_whether_grading_workers_sandboxes_are_isolated(client):
    """/readyz reports the grading workers' overall sandbox status and how many workers are in each
    status, without making the portal itself unready; with no grading worker reporting, the status is
    unknown."""
    body = client.get("/readyz").json()
    assert (body["grading_isolation"], body["grading_workers"]) == ("unknown", {})
    cache.set(GRADING_ISOLATION_CACHE_KEY, _workers(timezone.now().isoformat()))
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["grading_isolation"] == "refused"
    assert body["grading_workers"] == {"ok": 1, "refused": 1}


def test_readyz_hides_worker_names_and_reasons_from_the_public(client, settings):
    """An anonymous visitor (or a logged-in non-staff user) sees no worker host names and no self-test
    reasons; staff, or anyone under DEBUG, see them."""
    settings.DEBUG = False
    workers = _workers(timezone.now().isoformat())
    cache.set(GRADING_ISOLATION_CACHE_KEY, workers)
    public = client.get("/readyz").content.decode()
    assert "grading@" not in public
    assert "PID namespace" not in public
    client.force_login(UserFactory())
    assert "grading@" not in client.get("/readyz").content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/readyz").json()["grading_workers_detail"] == workers
    client.logout()
    settings.DEBUG = True
    assert client.get("/readyz").json()["grading_workers_detail"] == workers


def test_readyz_forgets_workers_not_refreshed_within_the_ttl(client):
    """An entry whose worker stopped refreshing it (killed without shutting down) longer ago than
    `GRADING_ISOLATION_TTL` no longer counts."""
    stale = (timezone.now() - timedelta(seconds=GRADING_ISOLATION_TTL + 1)).isoformat()
    cache.set(GRADING_ISOLATION_CACHE_KEY, _workers(stale))
    body = client.get("/readyz").json()
    assert (body["grading_isolation"], body["grading_workers"]) == ("unknown", {})
