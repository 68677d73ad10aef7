"""What the portal reads from a student's server is capped in size (GRADING_MAX_NOTEBOOK_BYTES, plus room
for the contents model around the notebook) and in time (the client's budget), whatever the server sends."""

from __future__ import annotations

import json

import pytest

from hub.client import HubClient, HubUnavailable, NotebookTooLarge

LIMIT = 10_000


@pytest.fixture
def oversized(fake_hub, settings):
    """A ready server whose notebook is far past the limit (3 MB of valid-looking JSON)."""
    settings.GRADING_MAX_NOTEBOOK_BYTES = LIMIT
    fake_hub.servers["u1"] = "ready"
    cells = [{"cell_type": "code", "source": "x" * 1000, "metadata": {}, "outputs": []}] * 3000
    fake_hub.notebook_body = json.dumps({"type": "notebook", "content": {"cells": cells}}).encode()
    return fake_hub


def test_a_notebook_past_the_limit_is_refused_while_streaming(oversized):
    """A body without a length is read only up to the limit: the client stops and raises NotebookTooLarge
    with a message naming the limit, instead of reading 3 MB."""
    oversized.announce_length = False
    with pytest.raises(NotebookTooLarge, match="larger than the 9.8") as caught:
        HubClient().get_notebook("u1", "big.ipynb")
    assert "over" in caught.value.detail


def test_a_notebook_announced_past_the_limit_is_refused_before_reading(oversized):
    """A Content-Length past the limit is refused at once."""
    with pytest.raises(NotebookTooLarge) as caught:
        HubClient().get_notebook("u1", "big.ipynb")
    assert "announced" in caught.value.detail


def test_a_notebook_within_the_limit_is_read(fake_hub, settings):
    """A notebook under the limit comes back whole, as .ipynb bytes."""
    settings.GRADING_MAX_NOTEBOOK_BYTES = LIMIT
    fake_hub.servers["u1"] = "ready"
    fake_hub.files[("u1", "ok.ipynb")] = {"type": "notebook", "content": {"cells": [], "nbformat": 4}}
    assert json.loads(HubClient().get_notebook("u1", "ok.ipynb")) == {"cells": [], "nbformat": 4}


@pytest.mark.timeout(60)
def test_a_server_dribbling_its_answer_is_cut_off_at_the_budget(fake_hub):
    """A server that sends 1 KiB at a time, never slow enough for a read timeout, is not waited for past
    the client's budget: HubUnavailable, instead of the minute the whole answer would take."""
    fake_hub.servers["u1"] = "ready"
    padding = b"x" * 600_000
    fake_hub.notebook_body = b'{"type": "notebook", "content": {"cells": []}, "pad": "' + padding + b'"}'
    fake_hub.dribble = 0.1
    with pytest.raises(HubUnavailable):
        HubClient(timeout=5, budget=1).get_notebook("u1", "slow.ipynb")
