"""A real Celery worker for integration tests: its own process, on the test database and the test's own
queue, with this process's Celery app pointed at the same broker and queue."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from lms.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The URL of the database this test runs on, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def reset_celery_producer() -> None:
    """Make the in-process Celery app pick up a changed broker and routes (it caches both)."""
    celery_app.amqp.flush_routes()
    for cached in ("router", "queues", "default_queue"):
        celery_app.amqp.__dict__.pop(cached, None)
    # Drop, rather than close, the cached pools: a closed pool can still be reached from the producer
    # pool of an earlier test and fails with "Acquire on closed pool".
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_app_routed_to(broker: str, queue: str, tasks: str = "grading.tasks.*") -> Iterator[None]:
    """This process sends *tasks* (a name pattern), for real, to *queue* on *broker*; restored
    afterwards."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_routes")}
    celery_app.conf.update(broker_url=broker, task_always_eager=False, task_routes={tasks: {"queue": queue}})
    reset_celery_producer()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        reset_celery_producer()


@contextlib.contextmanager
def running_worker(
    *, broker: str, queue: str, log: Path, media_root: Path, private_media_root: Path, pool_args: list[str]
) -> Iterator[subprocess.Popen]:
    """Start `celery worker` on *queue*, wait until it is ready, and stop it (its whole process group)
    on exit. Fails the test with the worker's log if it does not start."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "PRIVATE_MEDIA_ROOT": str(private_media_root),
        "MEDIA_ROOT": str(media_root),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "0",
    }
    command = [str(Path(sys.executable).parent / "celery"), "-A", "lms", "worker", "-Q", queue, "-l", "INFO"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *pool_args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # A worker of the grading queue self-tests the sandbox before it is ready: allow for that.
        deadline = time.monotonic() + 180
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
