import pytest
from django.core.cache import cache

from lms.health import GRADING_ISOLATION_CACHE_KEY

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


def test_readyz_says_whether_grading_workers_sandboxes_are_isolated(client):
    """/readyz reports each grading worker's sandbox self-test (a refusal with its reason) without
    making the portal itself unready; with no grading worker reporting, the status is unknown."""
    assert client.get("/readyz").json()["grading_isolation"] == {"status": "unknown", "workers": {}}
    workers = {
        "grading@a": {"status": "ok", "reason": "", "checked_at": "2026-01-01T00:00:00+00:00"},
        "grading@b": {
            "status": "refused",
            "reason": "the sandbox can see the worker's processes (no PID namespace)",
            "checked_at": "2026-01-01T00:00:00+00:00",
        },
    }
    cache.set(GRADING_ISOLATION_CACHE_KEY, workers)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["grading_isolation"] == {"status": "refused", "workers": workers}
