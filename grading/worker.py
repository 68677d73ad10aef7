"""A grading worker's start-up: before it consumes the grading queue, it checks that the sandbox
isolates student code here (`grading.sandbox.self_test`); then each of its pool processes makes the
engine ready as it starts (`warm_engine`: the fork engine's zygote), not when the first submission
arrives.

When the check fails and isolation is required (`GRADING_SANDBOX_REQUIRE_ISOLATION`, always in
production), the worker leaves the grading queue alone — submissions wait for a worker whose sandbox
works — and logs why; other queues are consumed as usual. What each worker found is kept in the cache
for `/readyz` (`grading_isolation`), refreshed by a heartbeat while the worker runs and expiring when it
stops being refreshed (a worker killed without shutting down). Connected by `GradingConfig.ready`.
"""

from __future__ import annotations

import logging
import threading
import time

from celery.signals import celeryd_after_setup, worker_process_init, worker_shutdown
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from lms.health import (
    GRADING_ISOLATION_CACHE_KEY,
    GRADING_ISOLATION_HEARTBEAT,
    GRADING_ISOLATION_TTL,
    grading_isolation_live,
)

from . import metrics, sandbox
from .engines import get_engine

logger = logging.getLogger(__name__)
LOCK_KEY = f"{GRADING_ISOLATION_CACHE_KEY}:lock"
# What this process's workers recorded (re-sent by the heartbeat) and the heartbeats' stop signals.
_recorded: dict[str, dict] = {}
_heartbeats: dict[str, threading.Event] = {}
# Whether this worker grades (its self-test let it consume the grading queue): set in the worker's main
# process before the pool starts, so its pool processes inherit it.
_grades = False


def grading_queue() -> str:
    """The queue grading tasks are routed to."""
    route = settings.CELERY_TASK_ROUTES.get("grading.tasks.*", {})
    return route.get("queue", "grading")


def _update(change) -> None:
    """Apply *change* to the workers' entries under a short cache lock (workers start together)."""
    locked = False
    for _ in range(50):
        locked = cache.add(LOCK_KEY, 1, timeout=10)
        if locked:
            break
        time.sleep(0.1)
    try:
        workers = grading_isolation_live(cache.get(GRADING_ISOLATION_CACHE_KEY) or {})
        change(workers)
        # Each entry expires on its own (`seen_at`); the whole record when no worker refreshes it.
        cache.set(GRADING_ISOLATION_CACHE_KEY, workers, timeout=GRADING_ISOLATION_TTL)
    finally:
        if locked:
            cache.delete(LOCK_KEY)


def record(hostname: str, *, status: str, reason: str) -> None:
    """Keep what the self-test of worker *hostname* found, for `/readyz`."""
    now = timezone.now().isoformat()
    entry = {"status": status, "reason": reason, "checked_at": now, "seen_at": now}
    _recorded[hostname] = entry
    try:
        _update(lambda workers: workers.__setitem__(hostname, entry))
    except Exception:  # noqa: BLE001 - the check's outcome stands even if it cannot be shown
        logger.exception("could not record the grading sandbox self-test of %s", hostname)


def check_isolation(hostname: str, queues) -> str:
    """Self-test the sandbox of a worker consuming *queues* (a Celery `Queues`) and, when isolation
    is required and missing, stop it from consuming the grading queue. Returns the status recorded:
    "ok", "refused" or "unconfined"; "" when the worker does not consume grading."""
    queue = grading_queue()
    if queue not in queues.consume_from:
        return ""
    report = sandbox.self_test(run=get_engine().run_cells)
    if report.ok:
        status, reason = "ok", ""
        logger.info("grading sandbox self-test passed: %s consumes %r", hostname, queue)
    elif settings.GRADING_SANDBOX_REQUIRE_ISOLATION:
        queues.deselect([queue])
        status, reason = "refused", report.reason
        metrics.sandbox_refused(stage="self_test")
        logger.error(
            "grading sandbox self-test FAILED on %s: %s. This worker will not consume the %r queue.",
            hostname,
            reason,
            queue,
        )
    else:
        status, reason = "unconfined", report.reason
        logger.warning(
            "grading sandbox self-test failed on %s: %s. Grading runs without isolation "
            "(GRADING_SANDBOX_REQUIRE_ISOLATION is off: development only).",
            hostname,
            reason,
        )
    global _grades
    _grades = status != "refused"
    record(hostname, status=status, reason=reason)
    return status


def warm_engine() -> bool:
    """In a pool process of a worker that grades: start what the engine would otherwise start for the
    first submission this process grades (`Engine.warm`; the fork engine's zygote, seconds of imports),
    so no learner waits for it after the worker starts or replaces a pool process
    (`--max-tasks-per-child`). Returns whether it did."""
    if not _grades:
        return False
    try:
        get_engine().warm()
    except Exception:  # noqa: BLE001 - the first grading starts it instead (and reports what fails)
        logger.exception("could not warm the grading engine up in this pool process")
        return False
    return True


def heartbeat(hostname: str) -> None:
    """Refresh the entry worker *hostname* recorded (`seen_at`), re-creating it if the cache lost it."""
    entry = _recorded.get(hostname)
    if entry is None:
        return
    entry = {**entry, "seen_at": timezone.now().isoformat()}
    _recorded[hostname] = entry
    try:
        _update(lambda workers: workers.__setitem__(hostname, entry))
    except Exception:  # noqa: BLE001 - tried again at the next beat
        logger.exception("could not refresh the grading sandbox self-test of %s", hostname)


def _beat(hostname: str, stop: threading.Event) -> None:
    while not stop.wait(GRADING_ISOLATION_HEARTBEAT):
        heartbeat(hostname)


def _heartbeat_start(hostname: str) -> None:
    if hostname not in _recorded or hostname in _heartbeats:
        return
    stop = _heartbeats[hostname] = threading.Event()
    threading.Thread(
        target=_beat, args=(hostname, stop), name="grading-isolation-heartbeat", daemon=True
    ).start()


@celeryd_after_setup.connect
def _on_worker_setup(sender, instance, **kwargs) -> None:
    # Sent after -Q is applied and before the consumer starts: nothing is taken off the queue yet.
    hostname = str(sender)
    if check_isolation(hostname, instance.app.amqp.queues):
        _heartbeat_start(hostname)


@worker_process_init.connect
def _on_pool_process_start(**kwargs) -> None:
    warm_engine()


@worker_shutdown.connect
def _on_worker_shutdown(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None)
    if not hostname:
        return
    stop = _heartbeats.pop(hostname, None)
    if stop is not None:
        stop.set()
    _recorded.pop(hostname, None)
    try:
        _update(lambda workers: workers.pop(hostname, None))
    except Exception:  # noqa: BLE001
        logger.exception("could not remove the grading sandbox self-test of %s", hostname)
