"""Access to the real services some tests need (PostgreSQL, Redis, RabbitMQ, Chromium, JupyterHub).

A test that needs a service calls `require(...)`. When the service is absent the test is skipped with
the reason; when the environment sets REQUIRE_SERVICES=1 (CI does) the absence fails the test instead,
so CI can never pass by skipping what it is meant to exercise.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(f"required service unavailable (REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def _tcp_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """The test's database must be PostgreSQL (set DATABASE_URL to a postgres:// URL)."""
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL: set DATABASE_URL=postgres://… (the suite is running on SQLite)")


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "") or "redis://127.0.0.1:6379/0"
    if not _tcp_open(url, 6379):
        unavailable(f"needs Redis at {url}")
    return url


def rabbitmq_url() -> str:
    url = os.environ.get("RABBITMQ_URL", "") or "amqp://guest:guest@127.0.0.1:5672//"
    if not _tcp_open(url, 5672):
        unavailable(f"needs RabbitMQ at {url}")
    return url


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        unavailable("needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH")
    return path


def database_is_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def ensure_reference_regions() -> None:
    """The 45 municipalities of the data migration. A transactional test elsewhere in the suite empties
    the tables, so a test that needs them reloads them (idempotently) when they are missing."""
    import importlib

    from django.apps import apps

    Region = apps.get_model("lyceums", "Region")
    if not Region.objects.filter(code="kazan").exists():
        importlib.import_module("lyceums.migrations.0002_tatarstan_municipalities").load(apps, None)


def free_port() -> int:
    """A loopback TCP port nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
