"""An anonymised person's JupyterHub user (and with it their server and home directory) is deleted through
the hub REST API, by a task queued once the anonymisation commits."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from hub.client import HubClient, HubError
from hub.oidc import hub_username
from hub.services import hub_user_delete
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


def test_anonymisation_deletes_the_hub_user_once_it_commits(fake_hub, django_capture_on_commit_callbacks):
    """Anonymising a person deletes their hub user with the portal's service token, after the commit:
    the hub stops their server and their files go with the user."""
    learner, name = learner_on_the_hub(fake_hub)
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
        assert deletes(fake_hub) == []  # nothing leaves the portal before the anonymisation commits
    (delete,) = deletes(fake_hub)
    assert delete.path == f"/hub/api/users/{name}"
    assert name not in fake_hub.servers
    assert not [key for key in fake_hub.files if key[0] == name]


def test_a_rolled_back_anonymisation_deletes_nothing(fake_hub, django_capture_on_commit_callbacks):
    """The deletion is queued on commit: an anonymisation that does not commit leaves the hub alone."""
    learner, name = learner_on_the_hub(fake_hub)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person_anonymise(user=learner, reason=Anonymisation.Reason.REQUEST)
    assert len(callbacks) == 2  # the uploaded notebooks' files, and the hub user
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


def test_a_hub_user_already_gone_counts_as_deleted(fake_hub):
    """The hub answers 404 for a user it does not have (never opened JupyterLab, or deleted before): the
    task is done, not retried."""
    learner = UserFactory(is_active=False)
    assert hub_user_delete_task.delay(learner.pk).get() is False
    assert len(deletes(fake_hub)) == 1


def test_the_task_retries_while_the_hub_cannot_delete_yet(fake_hub):
    """While the hub refuses (the server is still stopping), the task is scheduled again; the next run
    deletes the user."""
    learner, name = learner_on_the_hub(fake_hub)
    learner.is_active = False
    learner.save()
    fake_hub.busy_deletes = 1
    with pytest.raises(Retry):
        hub_user_delete_task.delay(learner.pk)
    assert fake_hub.servers[name] == "ready"
    assert hub_user_delete_task.delay(learner.pk).get() is True
    assert len(deletes(fake_hub)) == 2
    assert name not in fake_hub.servers


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
    """The task deletes only the hub user of a closed (anonymised) account: a wrong id deletes nothing."""
    learner, name = learner_on_the_hub(fake_hub)
    assert hub_user_delete(user_id=learner.pk) is False
    assert deletes(fake_hub) == []
    assert fake_hub.servers[name] == "ready"


def test_without_a_hub_nothing_is_sent(fake_hub, settings):
    """A portal without JupyterHub (no service token) anonymises without calling any hub."""
    settings.JUPYTERHUB_API_TOKEN = ""
    learner = UserFactory(is_active=False)
    assert hub_user_delete(user_id=learner.pk) is False
    assert fake_hub.seen == []
