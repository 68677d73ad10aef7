"""Prometheus metrics: served on the metrics listener only (a request through the public site is
refused), counting requests and their latency, the Celery queues, grading outcomes and durations, and
sandbox refusals."""

from __future__ import annotations

import pytest
from celery import Celery
from prometheus_client import REGISTRY

from grading import sandbox, services, worker
from grading.engines import CellResult, GradeResult
from grading.sandbox import IsolationReport
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db

METRICS_PORT = 9464


@pytest.fixture
def metrics_listener(settings):
    """The portal configured with a metrics listener (the middleware reads the port when it starts,
    which the test client does at its first request)."""
    settings.METRICS_PORT = METRICS_PORT


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_public_site_refuses_metrics(client, metrics_listener):
    """`/metrics` through the public site (the reverse proxy's port) is an unknown page."""
    for path in ("/metrics", "/metrics/"):
        response = client.get(path, follow=True)
        assert response.status_code == 404
        assert b"lms_celery_queue_length" not in response.content


def test_metrics_listener_serves_requests_queues_and_grading(client, metrics_listener):
    """On the metrics listener `/metrics` answers whatever the Host header (Prometheus asks by address,
    which ALLOWED_HOSTS does not list) with request counts and latency, the queue lengths and the
    grading series; nothing else is served there."""
    client.get("/")
    response = client.get("/metrics", SERVER_PORT=str(METRICS_PORT), HTTP_HOST="10.1.2.3:9464")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'lms_celery_queue_length{queue="default"}' in text
    assert 'lms_celery_queue_length{queue="grading"}' in text
    assert "lms_celery_broker_up 1.0" in text
    assert "lms_grading_outcomes_total" in text
    assert "lms_grading_sandbox_refusals_total" in text
    assert client.get("/", SERVER_PORT=str(METRICS_PORT)).status_code == 404
    assert client.get("/admin/", SERVER_PORT=str(METRICS_PORT)).status_code == 404


def test_no_listener_configured_serves_no_metrics(client, settings):
    """Without METRICS_PORT no request gets the metrics, whatever port it names."""
    settings.METRICS_PORT = 0
    assert client.get("/metrics", SERVER_PORT=str(METRICS_PORT), follow=True).status_code == 404


class _Engine:
    def __init__(self, result: GradeResult) -> None:
        self.result = result

    def grade(self, **kwargs) -> GradeResult:
        return self.result


@pytest.fixture
def submission(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    return services.submission_create(
        student=UserFactory(),
        exercise=ExerciseFactory(),
        notebook_bytes=notebooks.solved(),
        filename="s.ipynb",
    )


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (
            GradeResult(status="graded", score=5.0, max_score=5.0, cells=[CellResult("test_link", 5.0, 5.0)]),
            "graded",
        ),
        (GradeResult(status="error", error="The notebook cannot be graded."), "failed"),
    ],
)
def test_grading_outcome_and_durations_counted_once_committed(
    submission, monkeypatch, django_capture_on_commit_callbacks, result, outcome
):
    """A stored result counts one outcome of its kind and one run and turnaround duration, when its
    transaction commits (not before)."""
    outcomes = _value("lms_grading_outcomes_total", outcome=outcome)
    runs = _value("lms_grading_run_seconds_count", outcome=outcome)
    turnarounds = _value("lms_grading_turnaround_seconds_count", outcome=outcome)
    monkeypatch.setattr(services, "get_engine", lambda: _Engine(result))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submission_grade(submission_id=submission.pk)
    assert _value("lms_grading_outcomes_total", outcome=outcome) == outcomes
    for callback in callbacks:
        callback()
    assert _value("lms_grading_outcomes_total", outcome=outcome) == outcomes + 1
    assert _value("lms_grading_run_seconds_count", outcome=outcome) == runs + 1
    assert _value("lms_grading_turnaround_seconds_count", outcome=outcome) == turnarounds + 1


def test_sandbox_refusal_counted(settings, monkeypatch):
    """A grading worker whose sandbox cannot isolate student code counts a refusal."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    broken = IsolationReport(ok=False, problems=["no isolation: unshare cannot create the namespaces"])
    monkeypatch.setattr(sandbox, "self_test", lambda **_: broken)
    app = Celery("metrics-test", set_as_current=False)
    app.conf.task_default_queue = "default"
    queues = app.amqp.queues
    queues.select(["default", "grading"])
    before = _value("lms_grading_sandbox_refusals_total", stage="self_test")
    assert worker.check_isolation("grading@metrics-test", queues) == "refused"
    assert _value("lms_grading_sandbox_refusals_total", stage="self_test") == before + 1
