"""The Celery application. Workers start with `celery -A lms worker -Q default,grading`."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, worker_init
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

from lms.observability.metrics import worker_metrics_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks log with the request id of the request that queued them (lms.observability.logs).
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def _logging_from_settings(**_signal) -> None:
    """Workers and beat log as the web does (JSON lines), not in Celery's own format."""
    logging.config.dictConfig(settings.LOGGING)


worker_init.connect(worker_metrics_serve)
