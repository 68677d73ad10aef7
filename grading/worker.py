"""A grading worker's start-up: before it consumes the grading queue, it checks that the sandbox
isolates student code here (`grading.sandbox.self_test`).

When the check fails and isolation is required (`GRADING_SANDBOX_REQUIRE_ISOLATION`, always in
production), the worker leaves the grading queue alone — submissions wait for a worker whose sandbox
works — and logs why; other queues are consumed as usual. What each worker found is kept in the cache
for `/readyz` (`grading_isolation`). Connected by `GradingConfig.ready`.
"""

from __future__ import annotations

import logging
import time

from celery.signals import celeryd_after_setup, worker_shutdown
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from lms.health import GRADING_ISOLATION_CACHE_KEY

from . import sandbox

logger = logging.getLogger(__name__)
LOCK_KEY = f"{GRADING_ISOLATION_CACHE_KEY}:lock"


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
        workers = cache.get(GRADING_ISOLATION_CACHE_KEY) or {}
        change(workers)
        cache.set(GRADING_ISOLATION_CACHE_KEY, workers, timeout=None)
    finally:
        if locked:
            cache.delete(LOCK_KEY)


def record(hostname: str, *, status: str, reason: str) -> None:
    """Keep what the self-test of worker *hostname* found, for `/readyz`."""
    entry = {"status": status, "reason": reason, "checked_at": timezone.now().isoformat()}
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
    report = sandbox.self_test()
    if report.ok:
        status, reason = "ok", ""
        logger.info("grading sandbox self-test passed: %s consumes %r", hostname, queue)
    elif settings.GRADING_SANDBOX_REQUIRE_ISOLATION:
        queues.deselect([queue])
        status, reason = "refused", report.reason
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
    record(hostname, status=status, reason=reason)
    return status


@celeryd_after_setup.connect
def _on_worker_setup(sender, instance, **kwargs) -> None:
    # Sent after -Q is applied and before the consumer starts: nothing is taken off the queue yet.
    check_isolation(str(sender), instance.app.amqp.queues)


@worker_shutdown.connect
def _on_worker_shutdown(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None)
    if not hostname:
        return
    try:
        _update(lambda workers: workers.pop(hostname, None))
    except Exception:  # noqa: BLE001
        logger.exception("could not remove the grading sandbox self-test of %s", hostname)
