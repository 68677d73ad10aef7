"""The sweeper queues again the owed hub user deletions that stand idle (their message never reached the
broker, or the task's retries ran out), and only those: not a deletion done, queued, re-queued or tried
within the limit. It claims at most a batch a run, the longest idle first, and publishes how many
deletions are still owed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError
from prometheus_client import REGISTRY

from hub import services
from hub.models import HubUserDeletion
from hub.oidc import hub_username
from hub.services import hub_user_deletion_create, hub_user_deletions_requeue
from hub.tasks import RETRY_BACKOFF_MAX, hub_user_delete_task, hub_user_deletions_requeue_task
from lms.celery import app
from privacy.models import Anonymisation
from privacy.services import person_anonymise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = services.DELETION_RETRY_AFTER


@pytest.fixture
def queued(monkeypatch, fake_hub) -> list[int]:
    """The people whose hub user deletion is handed to the broker (with a hub configured)."""
    calls: list[int] = []
    monkeypatch.setattr(hub_user_delete_task, "delay", calls.append)
    return calls


def owed(**fields) -> HubUserDeletion:
    """An owed deletion of a closed account's hub user, its timestamps moved into the past as asked
    (`requested_at` included: `auto_now_add` sets it on creation)."""
    deletion = hub_user_deletion_create(user=UserFactory(is_active=False))
    if fields:
        HubUserDeletion.objects.filter(pk=deletion.pk).update(**fields)
        deletion.refresh_from_db()
    return deletion


def ago(delta: timedelta):
    return timezone.now() - delta


def test_only_idle_undone_deletions_are_queued_again(queued):
    """Owed deletions idle past the limit are queued again; one just requested, just tried, just
    re-queued, or done is left alone."""
    old = ago(LIMIT + timedelta(minutes=1))
    recent = ago(LIMIT - timedelta(minutes=5))
    never_queued = owed(requested_at=old)
    retries_ran_out = owed(requested_at=old - timedelta(hours=2), tried_at=old, attempts=11, last_error="x")
    owed()  # just requested: its message is on its way
    owed(requested_at=old, tried_at=recent, attempts=1, last_error="x")  # its retries are still running
    owed(requested_at=old, requeued_at=recent)  # the sweeper queued it a moment ago
    owed(requested_at=old, tried_at=old, done_at=old, attempts=1)  # done

    assert hub_user_deletions_requeue_task.delay().get() == 2
    assert sorted(queued) == sorted([never_queued.user_id, retries_ran_out.user_id])
    never_queued.refresh_from_db()
    assert never_queued.requeued_at is not None


def test_a_deletion_is_queued_again_once_per_period(queued):
    """Sweeping again (before the message has run) does not queue the same deletion twice: the re-queue
    is recorded on it."""
    deletion = owed(requested_at=ago(LIMIT + timedelta(minutes=1)))
    assert hub_user_deletions_requeue_task.delay().get() == 1
    assert hub_user_deletions_requeue_task.delay().get() == 0
    assert queued == [deletion.user_id]
    HubUserDeletion.objects.filter(pk=deletion.pk).update(requeued_at=F("requeued_at") - LIMIT * 2)
    assert hub_user_deletions_requeue_task.delay().get() == 1
    assert queued == [deletion.user_id, deletion.user_id]


def test_a_run_claims_at_most_a_batch_the_longest_idle_first(queued):
    """Each run is bounded: with more idle deletions than the batch, the longest idle go first and the
    rest wait for the next run."""
    oldest = owed(requested_at=ago(LIMIT * 4))
    middle = owed(requested_at=ago(LIMIT * 3))
    owed(requested_at=ago(LIMIT * 2))
    assert hub_user_deletions_requeue(batch=2) == [oldest.user_id, middle.user_id]
    assert len(hub_user_deletions_requeue(batch=2)) == 1
    assert queued == []  # the service claims; the task hands them to the broker


def test_without_a_hub_nothing_is_queued(queued, settings):
    """A portal without JupyterHub has nothing to ask: the sweeper claims nothing."""
    settings.JUPYTERHUB_API_TOKEN = ""
    owed(requested_at=ago(LIMIT * 2))
    assert hub_user_deletions_requeue_task.delay().get() == 0
    assert queued == []


def test_a_deletion_owed_while_the_broker_was_down_is_done_by_the_sweeper(
    fake_hub, monkeypatch, django_capture_on_commit_callbacks
):
    """The broker refused the task when the person was anonymised; once the deletion has stood idle past
    the limit the sweeper queues it again, and the hub user is deleted."""
    learner = UserFactory()
    name = hub_username(learner)
    fake_hub.servers[name] = "ready"
    real_delay = hub_user_delete_task.delay

    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(hub_user_delete_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
    assert name in fake_hub.servers
    monkeypatch.setattr(hub_user_delete_task, "delay", real_delay)

    assert hub_user_deletions_requeue_task.delay().get() == 0  # not idle long enough yet
    HubUserDeletion.objects.filter(user=learner).update(requested_at=ago(LIMIT + timedelta(minutes=1)))
    assert hub_user_deletions_requeue_task.delay().get() == 1
    assert name not in fake_hub.servers
    deletion = HubUserDeletion.objects.get(user=learner)
    assert deletion.done_at is not None
    assert deletion.attempts == 1


def test_the_sweeper_publishes_the_owed_deletions(queued):
    """After each run, `lms_hub_user_deletions_owed{state}` counts the deletions not done: waiting for a
    first attempt, or failing."""
    owed()
    owed()
    owed(attempts=3, tried_at=ago(timedelta(minutes=1)), last_error="HTTP 400")
    owed(done_at=ago(timedelta(minutes=1)), attempts=1)
    hub_user_deletions_requeue_task.delay().get()
    sample = REGISTRY.get_sample_value
    assert sample("lms_hub_user_deletions_owed", {"state": "waiting"}) == 2
    assert sample("lms_hub_user_deletions_owed", {"state": "failing"}) == 1


def test_the_task_retries_pause_less_than_the_sweeper_waits():
    """The task's longest pause between retries is shorter than the idle time after which the sweeper
    queues a deletion again, so the sweeper never doubles a deletion whose retries are still running."""
    assert timedelta(seconds=RETRY_BACKOFF_MAX) < LIMIT


def test_beat_runs_the_sweeper_on_the_default_queue():
    """The schedule names the registered task, sent to `default`."""
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "hub.user_deletions_requeue"]
    assert len(entries) == 1
    assert entries[0]["options"]["queue"] == "default"
    app.loader.import_default_modules()  # the worker's autodiscovery of the apps' tasks modules
    assert "hub.user_deletions_requeue" in app.tasks
    assert app.amqp.router.route(entries[0].get("options", {}), "hub.user_deletions_requeue")[
        "queue"
    ].name == ("default")
