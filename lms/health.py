"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Grading workers record here, by worker name, what their start-up sandbox self-test found:
# {"status": "ok" | "refused" | "unconfined", "reason": str, "checked_at": ISO time, "seen_at": ISO time}.
# A running worker refreshes its entry (`seen_at`) every GRADING_ISOLATION_HEARTBEAT seconds; an entry
# not refreshed for GRADING_ISOLATION_TTL (a worker killed without shutting down) no longer counts.
GRADING_ISOLATION_CACHE_KEY = "health:grading-isolation"
GRADING_ISOLATION_TTL = 600
GRADING_ISOLATION_HEARTBEAT = 120


def grading_isolation_live(workers: dict, *, now=None) -> dict:
    """The entries of *workers* refreshed within `GRADING_ISOLATION_TTL`."""
    now = now or timezone.now()
    live = {}
    for name, entry in workers.items():
        seen = parse_datetime(str(entry.get("seen_at") or entry.get("checked_at") or ""))
        if seen is not None and (now - seen).total_seconds() < GRADING_ISOLATION_TTL:
            live[name] = entry
    return live


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


def _grading_workers() -> dict:
    """The live grading workers' self-test entries, by worker name."""
    try:
        workers = cache.get(GRADING_ISOLATION_CACHE_KEY) or {}
    except Exception:  # noqa: BLE001 - the cache is not what this probe checks
        workers = {}
    return grading_isolation_live(workers)


def _isolation_status(workers: dict) -> str:
    """ "refused" when a worker does not consume the grading queue because its sandbox is not isolated,
    "unconfined" when one grades without isolation (development only), "ok", or "unknown" when no
    grading worker has reported."""
    statuses = {entry.get("status") for entry in workers.values()}
    return next((s for s in ("refused", "unconfined", "ok") if s in statuses), "unknown")


def _may_see_details(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return settings.DEBUG or bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the Celery broker answer; 503 with the failing part named otherwise. Also says
    whether the grading workers' sandboxes are isolated (`grading_isolation`, with the number of workers
    by status in `grading_workers`; not part of readiness: the portal serves pages either way). Worker
    names and the self-tests' reasons are shown only to staff or under DEBUG; the checks' errors only
    under DEBUG."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(error is None for error in checks.values())
    workers = _grading_workers()
    counts: dict[str, int] = {}
    for entry in workers.values():
        counts[entry.get("status", "unknown")] = counts.get(entry.get("status", "unknown"), 0) + 1
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if error is None else "error") for name, error in checks.items()},
        "grading_isolation": _isolation_status(workers),
        "grading_workers": counts,
    }
    if _may_see_details(request):
        body["grading_workers_detail"] = workers
    if settings.DEBUG:
        body["errors"] = {name: error for name, error in checks.items() if error}
    return JsonResponse(body, status=200 if ready else 503)
