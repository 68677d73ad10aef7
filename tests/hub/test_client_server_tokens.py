"""The portal's hub service token stays on the hub REST API: a student's server (which the student
controls) only ever sees a short-lived token of that student, scoped to their own server, issued by the hub
and cached per user until shortly before it expires."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.base import ContentFile

from grading.models import Exercise
from grading.services import exercise_data_file_set
from hub import client as hub_client
from hub import services
from hub.client import HubClient, hub_username
from tests.factories import UserFactory
from tests.hub.conftest import SERVICE_TOKEN

pytestmark = pytest.mark.django_db

STARTER = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}], "nbformat": 4}


@pytest.fixture
def exercise():
    exercise = Exercise.objects.create(title="First steps", slug="first-steps")
    exercise.release_notebook.save("release.ipynb", ContentFile(json.dumps(STARTER)), save=True)
    exercise_data_file_set(exercise=exercise, name="prices.csv", data=b"item,price\ntea,30\n")
    return exercise


def test_service_token_is_never_sent_to_a_students_server(fake_hub, exercise, settings):
    """Through a whole open → place → read-a-copy round, every request to `/user/<name>/` carries a token
    the hub issued for that user (asked for with the scope `access:servers!user=<name>` and
    JUPYTERHUB_USER_TOKEN_LIFETIME seconds), never the service token; the service token goes only to
    `/hub/api/`; and one token serves every request of that round (cached across clients)."""
    student = UserFactory()
    name = hub_username(student)
    services.hub_server_start(user=student)
    fake_hub.servers[name] = "ready"  # the hub finished the start
    lab_url = services.exercise_notebook_place(user=student, exercise=exercise, back_url="http://portal/x/")
    assert lab_url.endswith(f"/user/{name}/lab/tree/exercises/first-steps.ipynb")
    copy = services.student_notebook_fetch(student=student, exercise=exercise)
    assert b"x = 1" in copy

    to_servers = fake_hub.requests_to("/user/")
    assert len(to_servers) >= 5  # exists, directory, notebook, data file, read
    assert all(seen.token != SERVICE_TOKEN for seen in to_servers)
    assert all(fake_hub.user_tokens.get(seen.token) == name for seen in to_servers)
    assert all(seen.token == SERVICE_TOKEN for seen in fake_hub.requests_to("/hub/api/"))
    [issued] = fake_hub.token_requests()
    assert issued.path == f"/hub/api/users/{name}/tokens"
    assert issued.body["scopes"] == [f"access:servers!user={name}"]
    assert issued.body["expires_in"] == settings.JUPYTERHUB_USER_TOKEN_LIFETIME == 300


def test_each_student_gets_a_token_for_their_own_server_only(fake_hub):
    """Two students' servers are reached with two different tokens, each issued for its own user."""
    client = HubClient()
    for name in ("u1", "u2"):
        fake_hub.servers[name] = "ready"
        fake_hub.files[(name, "a.ipynb")] = {"type": "notebook", "content": {"cells": []}}
        assert client.exists(name, "a.ipynb")
    tokens = {seen.token for seen in fake_hub.requests_to("/user/")}
    assert len(tokens) == 2
    assert {fake_hub.user_tokens[token] for token in tokens} == {"u1", "u2"}
    assert [seen.body["scopes"] for seen in fake_hub.token_requests()] == [
        ["access:servers!user=u1"],
        ["access:servers!user=u2"],
    ]


def test_server_token_is_renewed_shortly_before_it_expires(fake_hub):
    """A cached token is reused while it has more than a minute left; one closer to its expiry is not
    sent again: a new one is issued."""
    fake_hub.servers["u1"] = "ready"
    HubClient().exists("u1", "a.ipynb")
    HubClient().exists("u1", "a.ipynb")
    assert len(fake_hub.token_requests()) == 1
    key = (fake_hub.url, "u1")
    token, _expiry = hub_client._user_tokens[key]
    hub_client._user_tokens[key] = (token, time.monotonic() + 30)
    HubClient().exists("u1", "a.ipynb")
    assert len(fake_hub.token_requests()) == 2
    assert fake_hub.requests_to("/user/")[-1].token != token


def test_a_refused_server_token_is_replaced_once(fake_hub):
    """When the hub no longer accepts the cached token (revoked by the student, or the hub's database was
    reset), the request is made once more with a new token and succeeds."""
    fake_hub.servers["u1"] = "ready"
    fake_hub.files[("u1", "a.ipynb")] = {"type": "notebook", "content": {"cells": []}}
    client = HubClient()
    assert client.exists("u1", "a.ipynb")
    fake_hub.user_tokens.clear()
    assert client.exists("u1", "a.ipynb")
    assert len(fake_hub.token_requests()) == 2
