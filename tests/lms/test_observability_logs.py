"""Structured logs: JSON lines carrying the request's id, into the Celery tasks it queues; Sentry only
when SENTRY_DSN is set."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sentry_sdk
import structlog
from kombu import Connection

from lms.celery import app as celery_app
from lms.observability.logs import logging_config
from lms.observability.sentry import sentry_init


@pytest.fixture
def json_lines():
    """What the root logger writes through the portal's JSON formatter, as parsed lines."""
    config = dict(logging_config(level="INFO", json=True)["formatters"]["structured"])
    formatter = config.pop("()")(**config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_request_lines_are_json_with_the_proxy_request_id(client, json_lines):
    """Every line a request writes is a JSON object with its request id (the reverse proxy's
    X-Request-ID), level, logger and time."""
    client.get("/", HTTP_X_REQUEST_ID="req-7f3a")
    lines = [line for line in json_lines() if line.get("request_id") == "req-7f3a"]
    assert {line["event"] for line in lines} >= {"request_started", "request_finished"}
    assert all({"timestamp", "level", "logger"} <= line.keys() for line in lines)


@pytest.mark.django_db
def test_request_lines_leave_out_reset_keys_and_oauth_codes(client, json_lines):
    """The key of a password-reset link (an invitation) and an OAuth code never reach the logs."""
    client.get("/accounts/password/reset/key/1a-secret-reset-key/", HTTP_X_REQUEST_ID="req-k")
    client.get("/?code=secret-oauth-code&state=secret-state&page=2", HTTP_X_REQUEST_ID="req-k")
    text = json.dumps([line for line in json_lines() if line.get("request_id") == "req-k"])
    assert "request_started" in text
    assert "/accounts/password/reset/key/" in text
    assert "page=2" in text
    assert "secret" not in text


def test_plain_loggers_carry_the_bound_request_id(json_lines):
    """The project's own `logging` loggers write JSON with the request id bound at that moment, and
    their exceptions as text inside the object."""
    with structlog.contextvars.bound_contextvars(request_id="req-1"):
        try:
            raise ValueError("broken notebook")
        except ValueError:
            logging.getLogger("grading.services").exception("grading %s failed", 42)
    (line,) = [line for line in json_lines() if line["logger"] == "grading.services"]
    assert line["event"] == "grading 42 failed"
    assert line["request_id"] == "req-1"
    assert line["level"] == "error"
    assert "ValueError: broken notebook" in line["exception"]


def test_queued_task_carries_the_request_id():
    """A task queued while a request is handled carries its request id in the message, for the worker
    to bind to the task's log lines."""
    with Connection("memory://") as connection, structlog.contextvars.bound_contextvars(request_id="req-9"):
        celery_app.send_task("lms.example", connection=connection, queue="observability-test")
        message = connection.SimpleQueue("observability-test").get(timeout=2)
    assert message.headers["__django_structlog__"]["request_id"] == "req-9"


def test_sentry_is_off_without_a_dsn():
    """With SENTRY_DSN unset (as in the test settings) nothing reports to Sentry."""
    assert sentry_init(dsn="", environment="test", traces_sample_rate=0.0) is False
    assert not sentry_sdk.get_client().is_active()


def test_sentry_reports_django_and_celery_errors_with_a_dsn():
    """With a DSN, Sentry is started with its Django and Celery integrations and no personal data."""
    try:
        assert sentry_init(dsn="https://key@sentry.invalid/1", environment="test", traces_sample_rate=0.0)
        client = sentry_sdk.get_client()
        assert client.is_active()
        assert {"django", "celery"} <= set(client.integrations)
        assert client.options["send_default_pii"] is False
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
