"""Prometheus metrics, served only to the metrics listener, never on the public site.

django-prometheus counts requests and their latency (its middleware); the grading app counts its
outcomes, durations and sandbox refusals (grading.metrics); the lengths of the Celery queues are read
from the broker at each scrape. Web nodes run several gunicorn workers and Celery several processes:
with PROMETHEUS_MULTIPROC_DIR set (see docs/configuration.md) every process writes its figures there
and a scrape adds them up, whichever process answers.

Where the metrics are served: gunicorn also listens on METRICS_PORT (docker/bin/start-web.sh), a port
the reverse proxy does not forward and the ingress does not expose. `MetricsEndpointMiddleware` answers
`/metrics` on requests that arrived on that listener only (gunicorn reports the listener's own port in
SERVER_PORT, whatever the Host header says), before host validation or the HTTPS redirect, which are for
the public side. A Celery worker with METRICS_PORT set serves the same text from its main process."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable

import prometheus_client
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)


def celery_queues() -> list[str]:
    """The queues the workers consume: the default one and every queue a route names."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route}
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *routed})


def _queue_length(connection, queue: str) -> int:
    """Messages waiting in *queue*; 0 for a queue no worker has declared yet (nothing can wait in it).
    Each queue gets its own channel: a broker may close the channel of a failed passive declaration."""
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except connection.channel_errors:
        return 0
    finally:
        with contextlib.suppress(Exception):
            channel.close()


class CeleryQueueCollector:
    """`lms_celery_queue_length{queue}`: messages waiting in each queue, read from the broker when
    Prometheus scrapes; `lms_celery_broker_up` is 0 when the broker cannot be asked."""

    def collect(self):
        from lms.celery import app  # here: lms.celery imports this module (its workers serve metrics)

        lengths = GaugeMetricFamily(
            "lms_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = 1
        try:
            with app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1)
                for queue in celery_queues():
                    lengths.add_metric([queue], _queue_length(connection, queue))
        except Exception:  # noqa: BLE001 - a broken broker is what this metric is there to show
            logger.warning("cannot read the Celery queue lengths from the broker", exc_info=True)
            up = 0
        yield lengths
        yield GaugeMetricFamily("lms_celery_broker_up", "Whether the Celery broker answered.", value=up)


def _registry() -> CollectorRegistry:
    """Every process's figures (the multiprocess directory) or this process's own."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return prometheus_client.REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition(*, with_queues: bool) -> bytes:
    """The metrics in Prometheus' text format."""
    text = prometheus_client.generate_latest(_registry())
    if with_queues:
        queues = CollectorRegistry()
        queues.register(CeleryQueueCollector())
        text += prometheus_client.generate_latest(queues)
    return text


class MetricsEndpointMiddleware:
    """Answers every request that arrived on the metrics listener: `/metrics`, or 404. Requests on
    any other port (the public site) go on to the portal, which has no `/metrics` page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.port = str(settings.METRICS_PORT) if settings.METRICS_PORT else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.port is None or request.META.get("SERVER_PORT") != self.port:
            return self.get_response(request)
        if request.path != "/metrics" or request.method != "GET":
            return HttpResponseNotFound()
        return HttpResponse(exposition(with_queues=True), content_type=prometheus_client.CONTENT_TYPE_LATEST)


def worker_metrics_serve(**_signal) -> None:
    """Celery `worker_init`: with METRICS_PORT set, serve the worker's metrics (all its processes')
    on that port from the worker's main process."""
    port = settings.METRICS_PORT
    if port:
        prometheus_client.start_http_server(port, registry=_registry())
        logger.info("serving the worker's metrics on port %s", port)
