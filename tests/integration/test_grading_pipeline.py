"""The grading pipeline with real services: PostgreSQL, Redis as the broker and a Celery worker started
as its own process. Data is committed (`transactional_db`/`live_server`) so the worker sees it."""

from __future__ import annotations

import re
import signal
import time
import uuid
from pathlib import Path

import psutil
import pytest
import requests
from django.conf import settings

from grading.models import CellGrade, Submission, SubmissionEvent
from tests.factories import ExerciseFactory, UserFactory, enrol_in_exercise
from tests.grading import notebooks
from tests.integration.celery_worker import celery_app_routed_to, running_worker
from tests.services import redis_url, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def broker():
    """Redis as the broker of this process and of the worker, on a queue of this test alone."""
    require_postgres()
    url = redis_url()
    queue = f"grading-test-{uuid.uuid4().hex[:8]}"
    with celery_app_routed_to(url, queue):
        yield url, queue


@pytest.fixture
def worker(broker, settings, tmp_path):
    """A Celery worker process (prefork, one pool process) consuming the test's queue, on the test
    database."""
    url, queue = broker
    with running_worker(
        broker=url,
        queue=queue,
        log=tmp_path / "worker.log",
        media_root=Path(settings.MEDIA_ROOT),
        private_media_root=Path(settings.PRIVATE_MEDIA_ROOT),
        pool_args=[
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
    ) as process:
        yield process


def _wait_for(predicate, timeout: float = 180, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def _http_session(live_server, client, user) -> requests.Session:
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return session


def test_upload_over_http_is_graded_by_the_worker(live_server, client, worker):
    """A notebook uploaded through the web form is stored, queued on Redis, graded by the worker
    process, and its score shows on the submission page."""
    exercise = ExerciseFactory()
    learner = UserFactory()
    enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    session = _http_session(live_server, client, learner)
    page = session.get(f"{live_server.url}/exercises/{exercise.slug}/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{live_server.url}/exercises/{exercise.slug}/submit/",
        data={"csrfmiddlewaretoken": token},
        files={"notebook": ("mine.ipynb", notebooks.solved(), "application/x-ipynb+json")},
        headers={"Referer": f"{live_server.url}/exercises/{exercise.slug}/"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    submission = Submission.objects.get()
    _wait_for(lambda: Submission.objects.get(pk=submission.pk).is_terminal, what="grading")
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED, submission.error
    assert float(submission.score) == 5.0
    html = session.get(f"{live_server.url}{submission.get_absolute_url()}", timeout=30).text
    assert "5 / 5" in html


def test_worker_killed_mid_grade_still_grades_exactly_once(worker):
    """SIGKILL of the worker's pool process while it grades: the message is redelivered
    (acks_late, reject on worker lost), the next run takes over the dead run's lease, and the
    submission ends graded once — one `graded` event, one set of cell grades."""
    from grading import services

    exercise = ExerciseFactory()
    slow = notebooks.with_solution(
        "import html, time\ntime.sleep(6)\n" + notebooks.load().cells[2].source.replace("import html", "")
    )
    submission = services.submission_create(
        student=UserFactory(), exercise=exercise, notebook_bytes=slow, filename="slow.ipynb"
    )
    _wait_for(
        lambda: Submission.objects.get(pk=submission.pk).state == Submission.State.GRADING,
        timeout=120,
        what="the worker to start grading",
    )
    time.sleep(1.5)
    children = psutil.Process(worker.pid).children()
    assert children, "the worker has no pool process"
    for child in children:
        child.send_signal(signal.SIGKILL)
    _wait_for(
        lambda: Submission.objects.get(pk=submission.pk).is_terminal,
        timeout=240,
        what="grading after the kill",
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED, submission.error
    assert float(submission.score) == 5.0
    assert submission.grading_runs >= 2
    assert SubmissionEvent.objects.filter(submission=submission, to_state="graded").count() == 1
    assert CellGrade.objects.filter(submission=submission).count() == 3
