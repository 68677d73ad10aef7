"""An anonymised person's JupyterHub user (and with it their server and home directory) is deleted through
the hub REST API, by a task queued once the anonymisation commits. The deletion is owed from the
anonymisation on (a record written in its transaction) until the hub has done it; the task deletes
nothing that is not owed, and counts every attempt on the record."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.db import transaction
from kombu.exceptions import OperationalError

from hub.client import HubClient, HubError
from hub.models import HubUserDeletion
from hub.oidc import hub_username
from hub.services import hub_user_delete, hub_user_deletion_create
from hub.tasks import hub_user_delete_task
from privacy.models import Anonymisation
from privacy.services import person_anonymise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def deletes(fake_hub) -> list:
    return [seen for seen in fake_hub.seen if seen.method == "DELETE"]


def learner_on_the_hub(fake_hub):
    """A learner with a running server and a notebook in their home directory on the hub."""
    learner = UserFactory()
    name = hub_username(learner)
    fake_hub.servers[name] = "ready"
    fake_hub.files[(name, "exercises/links.ipynb")] = {"type": "notebook", "content": {"cells": []}}
    return learner, name


def anonymised_owing(user) -> HubUserDeletion:
    """*user*'s account closed and their hub user owed a deletion, as an anonymisation leaves them."""
    user.is_active = False
    user.save()
    return hub_user_deletion_create(user=user)


class Interrupted(Exception):
    pass


def test_anonymisation_deletes_the_hub_user_once_it_commits(fake_hub, django_capture_on_commit_callbacks):
    """Anonymising a person records the owed deletion in its transaction and deletes their hub user with
    the portal's service token after the commit: the hub stops their server and their files go with the
    user; the record says when it was done."""
    learner, name = learner_on_the_hub(fake_hub)
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
        owed = HubUserDeletion.objects.get(user=learner)
        assert (owed.done_at, owed.attempts) == (None, 0)
        assert deletes(fake_hub) == []  # nothing leaves the portal before the anonymisation commits
    (delete,) = deletes(fake_hub)
    assert delete.path == f"/hub/api/users/{name}"
    assert name not in fake_hub.servers
    assert not [key for key in fake_hub.files if key[0] == name]
    owed.refresh_from_db()
    assert owed.done_at is not None
    assert (owed.attempts, owed.last_error, owed.state) == (1, "", HubUserDeletion.State.DONE)


def test_a_rolled_back_anonymisation_leaves_no_owed_deletion_and_queues_nothing(
    fake_hub, django_capture_on_commit_callbacks
):
    """The owed deletion is written in the anonymisation's transaction and the task queued on its commit:
    an anonymisation that rolls back leaves neither a record nor a task, and the hub alone."""
    learner, name = learner_on_the_hub(fake_hub)

    def anonymise_then_fail() -> None:
        with transaction.atomic():
            person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
            assert HubUserDeletion.objects.filter(user=learner).exists()
            raise Interrupted

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Interrupted):
        anonymise_then_fail()
    assert callbacks == []
    assert not HubUserDeletion.objects.exists()
    assert deletes(fake_hub) == []
    assert fake_hub.servers[name] == "ready"


def test_with_the_broker_down_the_deletion_stays_owed(
    fake_hub, monkeypatch, django_capture_on_commit_callbacks
):
    """When the broker refuses the task the anonymisation still commits, and the deletion stays owed
    (pending, never tried) for the sweeper to queue again."""
    learner, name = learner_on_the_hub(fake_hub)

    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(hub_user_delete_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
    assert Anonymisation.objects.filter(user=learner).exists()
    owed = HubUserDeletion.objects.get(user=learner)
    assert (owed.done_at, owed.attempts, owed.state) == (None, 0, HubUserDeletion.State.WAITING)
    assert deletes(fake_hub) == []
    assert fake_hub.servers[name] == "ready"


def test_anonymising_again_queues_nothing(fake_hub, django_capture_on_commit_callbacks):
    """A second anonymisation of the same person is a no-op, on the hub too."""
    learner, _name = learner_on_the_hub(fake_hub)
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
    assert callbacks == []
    assert len(deletes(fake_hub)) == 1
    assert HubUserDeletion.objects.filter(user=learner).count() == 1


def test_a_hub_user_already_gone_counts_as_deleted(fake_hub):
    """The hub answers 404 for a user it does not have (never opened JupyterLab, or deleted before): the
    owed deletion is done, not retried."""
    owed = anonymised_owing(UserFactory())
    assert hub_user_delete_task.delay(owed.user_id).get() is False
    assert len(deletes(fake_hub)) == 1
    owed.refresh_from_db()
    assert owed.done_at is not None


def test_a_done_deletion_is_not_sent_again(fake_hub):
    """Once done, the deletion is not asked of the hub again: a duplicate message (the sweeper's, say)
    changes nothing, on the hub or on the record."""
    learner, _name = learner_on_the_hub(fake_hub)
    owed = anonymised_owing(learner)
    assert hub_user_delete_task.delay(learner.pk).get() is True
    owed.refresh_from_db()
    done_at = owed.done_at
    assert hub_user_delete_task.delay(learner.pk).get() is False
    assert len(deletes(fake_hub)) == 1
    owed.refresh_from_db()
    assert (owed.done_at, owed.attempts) == (done_at, 1)


def test_the_task_refuses_to_delete_what_is_not_owed(fake_hub):
    """A closed account whose deletion is not owed (no record: it was never anonymised) keeps its hub
    user: the task deletes nothing by a bare id."""
    learner, name = learner_on_the_hub(fake_hub)
    learner.is_active = False
    learner.save()
    assert hub_user_delete_task.delay(learner.pk).get() is False
    assert deletes(fake_hub) == []
    assert fake_hub.servers[name] == "ready"
    assert not HubUserDeletion.objects.exists()


def test_the_task_retries_while_the_hub_cannot_delete_yet(fake_hub):
    """While the hub refuses (the server is still stopping), the attempt and the hub's answer are recorded
    and the task is scheduled again; the next run deletes the user."""
    learner, name = learner_on_the_hub(fake_hub)
    owed = anonymised_owing(learner)
    fake_hub.busy_deletes = 1
    with pytest.raises(Retry):
        hub_user_delete_task.delay(learner.pk)
    assert fake_hub.servers[name] == "ready"
    owed.refresh_from_db()
    assert (owed.done_at, owed.attempts, owed.state) == (None, 1, HubUserDeletion.State.FAILING)
    assert "in the process of stopping" in owed.last_error
    assert owed.tried_at is not None
    assert hub_user_delete_task.delay(learner.pk).get() is True
    assert len(deletes(fake_hub)) == 2
    assert name not in fake_hub.servers
    owed.refresh_from_db()
    assert (owed.attempts, owed.state) == (2, HubUserDeletion.State.DONE)


def test_a_failure_is_recorded_and_raised_for_the_task_to_retry(fake_hub):
    """Each failed attempt counts on the owed deletion, which stays pending, and the `HubError` reaches
    the task (which retries it)."""
    learner, _name = learner_on_the_hub(fake_hub)
    owed = anonymised_owing(learner)
    fake_hub.busy_deletes = 2
    for _attempt in range(2):
        with pytest.raises(HubError):
            hub_user_delete(user_id=learner.pk)
    owed.refresh_from_db()
    assert (owed.done_at, owed.attempts) == (None, 2)
    assert owed.last_error


def test_the_client_reports_a_refusal_as_a_hub_error(fake_hub):
    """A refusal other than "no such user" is a `HubError`, which the task retries."""
    fake_hub.servers["u1"] = "ready"
    fake_hub.busy_deletes = 1
    client = HubClient(timeout=5)
    with pytest.raises(HubError):
        client.delete_user("u1")
    assert client.delete_user("u1") is True
    assert client.delete_user("u1") is False


def test_an_open_account_keeps_its_hub_user(fake_hub):
    """The task deletes only the hub user of a closed (anonymised) account: an account open again keeps
    it, though a deletion is owed; the refusal is recorded on the record, which stays pending."""
    learner, name = learner_on_the_hub(fake_hub)
    owed = anonymised_owing(learner)
    learner.is_active = True
    learner.save()
    assert hub_user_delete(user_id=learner.pk) is False
    assert deletes(fake_hub) == []
    assert fake_hub.servers[name] == "ready"
    owed.refresh_from_db()
    assert (owed.done_at, owed.attempts, owed.state) == (None, 1, HubUserDeletion.State.FAILING)


def test_without_a_hub_nothing_is_sent(fake_hub, settings):
    """A portal without JupyterHub (no service token) anonymises without calling any hub; the deletion
    stays owed, and is not counted as a failed attempt (nothing to alarm an operator about)."""
    settings.JUPYTERHUB_API_TOKEN = ""
    owed = anonymised_owing(UserFactory())
    assert hub_user_delete(user_id=owed.user_id) is False
    assert fake_hub.seen == []
    owed.refresh_from_db()
    assert owed.done_at is None
    assert (owed.attempts, owed.last_error) == (0, "")
