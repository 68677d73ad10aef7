"""A student's server is the student's: the portal survives one that refuses every token (no new hub
token on every request) or answers the contents API with JSON that is not a notebook model."""

from __future__ import annotations

import pytest

from hub.client import HubClient, HubError

pytestmark = pytest.mark.django_db


def test_a_server_refusing_every_token_gets_at_most_one_new_token_per_half_lifetime(fake_hub):
    """A server that answers 403 to every token: the first refusal replaces the token once; further
    requests within half a token lifetime fail with HubError without asking the hub for more tokens."""
    fake_hub.servers["u1"] = "ready"
    fake_hub.files[("u1", "a.ipynb")] = {"type": "notebook", "content": {"cells": []}}
    client = HubClient()
    fake_hub.user_tokens = type("Refusing", (dict,), {"get": lambda self, key, default=None: None})()
    for _ in range(5):
        with pytest.raises(HubError):
            client.exists("u1", "a.ipynb")
    assert len(fake_hub.token_requests()) == 2  # the first token and one replacement


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2, 3]",
        b'"a string"',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type": "notebook", "content": [1]}',
        b'{"type": "notebook", "content": {"cells": {"a": 1}}}',
        b'{"type": "notebook", "content": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
    ],
    ids=["list", "string", "deep-list", "content-list", "cells-not-list", "deep-content"],
)
def test_get_notebook_turns_an_unexpected_answer_into_a_hub_error(fake_hub, body):
    """A list, a string, JSON nested deeper than Python parses, or a model whose notebook is not a
    notebook: `get_notebook` raises HubError (shown as a hub problem), not AttributeError or
    RecursionError (a 500)."""
    fake_hub.servers["u1"] = "ready"
    fake_hub.notebook_body = body
    client = HubClient()
    with pytest.raises(HubError):
        client.get_notebook("u1", "a.ipynb")
