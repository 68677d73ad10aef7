"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Grading workers record here, by worker name, what their start-up sandbox self-test found:
# {"status": "ok" | "refused" | "unconfined", "reason": str, "checked_at": ISO time}.
GRADING_ISOLATION_CACHE_KEY = "health:grading-isolation"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    from kombu import Connection

    try:
        with Connection(
            settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def _grading_isolation() -> dict:
    """What the grading workers' sandbox self-tests found: "refused" when a worker does not consume the
    grading queue because its sandbox is not isolated, "unconfined" when one grades without isolation
    (development only), "unknown" when no grading worker has reported."""
    try:
        workers = cache.get(GRADING_ISOLATION_CACHE_KEY) or {}
    except Exception:  # noqa: BLE001 - the cache is not what this probe checks
        workers = {}
    statuses = {entry.get("status") for entry in workers.values()}
    status = next((s for s in ("refused", "unconfined", "ok") if s in statuses), "unknown")
    return {"status": status, "workers": workers}


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the Celery broker answer; 503 with the failing part named otherwise. Also says
    whether the grading workers' sandboxes are isolated (`grading_isolation`, not part of readiness:
    the portal serves pages either way)."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if error is None else "error") for name, error in checks.items()},
        "grading_isolation": _grading_isolation(),
    }
    if settings.DEBUG:
        body["errors"] = {name: error for name, error in checks.items() if error}
    return JsonResponse(body, status=200 if ready else 503)
