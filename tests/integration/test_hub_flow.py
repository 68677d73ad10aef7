"""A real JupyterHub (with configurable-http-proxy from node_modules and SimpleLocalProcessSpawner) logging
in through the live portal's OpenID Connect provider, driven through HTTP like a browser would."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command

from grading.hub import HubClient, HubUnavailable, hub_username
from lms.models import User
from tests.services import unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "a-long-test-password-42"
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "answer = None",
        }
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    def __init__(self, url: str, token: str, secret: str, process: subprocess.Popen, log: Path) -> None:
        self.url, self.token, self.secret, self.process, self.log = url, token, secret, process, log

    def client(self) -> HubClient:
        return HubClient(self.url, self.token, timeout=10)


@pytest.fixture(scope="module")
def hub_portal(tmp_path_factory, live_server):
    """A JupyterHub subprocess configured against the live portal."""
    if not CHP.exists():
        unavailable("needs configurable-http-proxy: run `npm ci`")
    if not shutil.which("jupyterhub-singleuser", path=str(Path(sys.executable).parent)):
        unavailable("needs jupyterhub-singleuser in the virtual environment")
    data = tmp_path_factory.mktemp("hub")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    token, secret = secrets.token_hex(32), secrets.token_hex(32)
    env = {
        **os.environ,
        "JUPYTERHUB_PUBLIC_URL": url,
        "JUPYTERHUB_HUB_BIND_URL": f"http://127.0.0.1:{free_port()}",
        "JUPYTERHUB_PROXY_API_URL": f"http://127.0.0.1:{free_port()}",
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(16),
        "JUPYTERHUB_DATA_DIR": str(data),
        "PORTAL_URL": live_server.url,
        "JUPYTERHUB_OAUTH_CLIENT_SECRET": secret,
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_LOG_LEVEL": "INFO",
        "PYTHON": sys.executable,
    }
    log = data / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / "docker" / "bin" / "start-hub.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"JupyterHub did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)
    yield Hub(url, token, secret, process, log)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def hub(hub_portal, settings):
    """The portal pointed at the hub, with the hub registered as its OAuth client."""
    settings.JUPYTERHUB_URL = hub_portal.url
    settings.JUPYTERHUB_PUBLIC_URL = hub_portal.url
    settings.JUPYTERHUB_API_TOKEN = hub_portal.token
    settings.JUPYTERHUB_OAUTH_CLIENT_SECRET = hub_portal.secret
    settings.JUPYTERHUB_OAUTH_REDIRECT_URI = f"{hub_portal.url}/hub/oauth_callback"
    settings.JUPYTERHUB_START_TIMEOUT = 60
    call_command("ensure_hub_client", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return hub_portal


def make_student(email: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name="Test Student")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def oidc_login(hub: Hub, portal_url: str, email: str) -> requests.Session:
    """Log in to the hub the way a browser does: hub → portal login form → consent-free authorize → hub."""
    browser = requests.Session()
    page = browser.get(f"{hub.url}/hub/oauth_login?next=/hub/home", timeout=30)
    assert page.url.startswith(portal_url), page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert done.status_code == 200, done.text[-2000:]
    assert done.url.startswith(f"{hub.url}/hub/home"), done.url
    return browser


def test_student_logs_in_through_the_portal_and_gets_claims(hub, live_server):
    """The OIDC login lands on the hub as `u<id>`, in the `learners` group, without a consent screen."""
    student = make_student("oidc-student@example.org")
    oidc_login(hub, live_server.url, student.email)
    model = hub.client().get_user(hub_username(student))
    assert model is not None
    assert model["name"] == f"u{student.pk}"
    assert "learners" in model["groups"]
    assert model["admin"] is False
    discovery = requests.get(f"{live_server.url}/oauth/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200
    assert discovery.json()["userinfo_endpoint"].endswith("/oauth/userinfo/")


def test_notebook_placed_edited_and_kept_and_not_reachable_by_another_student(hub, live_server):
    """The portal starts the student's server and places a notebook without ever overwriting it; the student
    edits it through the contents API with their own hub login; another student's login cannot read it."""
    alice = make_student("alice@example.org")
    bob = make_student("bob@example.org")
    alice_browser = oidc_login(hub, live_server.url, alice.email)
    client = hub.client()
    name = hub_username(alice)
    client.ensure_user(name)
    status = client.wait_until_ready(name, timeout=60)
    assert status.ready

    path = "python-basics/first-steps.ipynb"
    assert client.put_notebook(name, path, NOTEBOOK) is True

    # The student opens JupyterLab (the single-user server's own OAuth round trip) and saves an edit.
    lab = alice_browser.get(client.lab_url(name, path), timeout=30)
    assert lab.status_code == 200, lab.url
    xsrf = alice_browser.cookies.get("_xsrf", path=f"/user/{name}/") or alice_browser.cookies.get("_xsrf")
    api = urljoin(hub.url, f"/user/{name}/api/contents/{path}")
    model = alice_browser.get(api, timeout=30).json()
    model["content"]["cells"][0]["source"] = "answer = 42"
    saved = alice_browser.put(
        api,
        json={"type": "notebook", "format": "json", "content": model["content"]},
        headers={"X-XSRFToken": xsrf},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text

    # A second placement (a second "Open in JupyterLab") keeps the edit.
    assert client.put_notebook(name, path, NOTEBOOK) is False
    assert b"answer = 42" in client.get_notebook(name, path)

    # Bob, logged in to the hub as himself, is refused Alice's server and files.
    bob_browser = oidc_login(hub, live_server.url, bob.email)
    stolen = bob_browser.get(api, timeout=30)
    assert stolen.status_code == 403
    assert "answer = 42" not in stolen.text
    bob_api = bob_browser.get(f"{hub.url}/hub/api/users/{name}", timeout=30)
    assert bob_api.status_code in (403, 404)
    # Without any login the files are not served either.
    anonymous = requests.get(api, timeout=30, allow_redirects=False)
    assert anonymous.status_code in (302, 403)


def test_unreachable_hub_is_a_clear_error():
    """A hub that does not answer raises HubUnavailable with a message meant for the user."""
    client = HubClient(f"http://127.0.0.1:{free_port()}", "token", timeout=2, retries=0)
    with pytest.raises(HubUnavailable, match="not reachable"):
        client.ensure_user("u1")
