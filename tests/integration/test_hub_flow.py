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

from grading.models import Submission
from hub.client import HubClient, HubUnavailable, hub_username
from lms.models import User
from tests.factories import ExerciseFactory, demo_notebook, enrol_in_exercise
from tests.integration.celery_worker import celery_app_routed_to, running_worker
from tests.services import redis_url, unavailable

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

    # A plain file goes next to it the same way, and is not replaced either.
    assert client.put_file(name, "python-basics/prices.csv", b"item,price\ntea,30\n") is True
    assert client.put_file(name, "python-basics/prices.csv", b"replaced") is False
    assert client.get_contents(name, "python-basics/prices.csv")["content"] == "item,price\ntea,30\n"

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


def test_a_students_server_sees_only_a_short_lived_token_for_that_server(hub, live_server):
    """What the portal sends to a student's server (which the student controls and could log) is never the
    portal's service token but a token of that student, issued by the hub: it names only their own server,
    another student's server refuses it, it reaches none of the hub's admin API, and it stops working once
    it expires."""
    alice, bob = make_student("token-alice@example.org"), make_student("token-bob@example.org")
    client = hub.client()
    alice_name, bob_name = hub_username(alice), hub_username(bob)
    for name in (alice_name, bob_name):
        client.ensure_user(name)
        assert client.wait_until_ready(name, timeout=60).ready

    # Capture the Authorization header of every request the client makes.
    sent: list[tuple[str, str]] = []
    send = client.session.request

    def recording(method, url, **kwargs):
        sent.append((url, (kwargs.get("headers") or {}).get("Authorization", "")))
        return send(method, url, **kwargs)

    client.session.request = recording
    assert client.put_notebook(alice_name, "token-check/seen.ipynb", NOTEBOOK) is True
    to_server = {auth for url, auth in sent if url.startswith(f"{hub.url}/user/")}
    to_api = {auth for url, auth in sent if url.startswith(f"{hub.url}/hub/api/")}
    assert to_api == {f"token {hub.token}"}
    assert len(to_server) == 1
    assert f"token {hub.token}" not in to_server
    seen = to_server.pop()

    # The hub says whose token it is and what it may do: only Alice's server.
    me = requests.get(f"{hub.url}/hub/api/user", headers={"Authorization": seen}, timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["name"] == alice_name
    assert f"access:servers!user={alice_name}" in me.json()["scopes"]
    assert all(f"={alice_name}" in scope for scope in me.json()["scopes"]), me.json()["scopes"]
    # Bob's running server refuses it, and the hub's user admin API does too.
    other = requests.get(
        f"{hub.url}/user/{bob_name}/api/contents", headers={"Authorization": seen}, timeout=30
    )
    assert other.status_code in (403, 404), other.status_code
    assert "content" not in other.text
    assert requests.get(
        f"{hub.url}/hub/api/users/{bob_name}", headers={"Authorization": seen}, timeout=30
    ).status_code in (403, 404)
    # Alice's own server takes it.
    own = requests.get(
        f"{hub.url}/user/{alice_name}/api/contents/token-check", headers={"Authorization": seen}, timeout=30
    )
    assert own.status_code == 200

    # A token made to expire at once is refused once its time is up. (It is not shown to the server before
    # then: the server remembers tokens it has already checked for a few minutes.)
    brief = f"token {client.create_user_token(alice_name, expires_in=2)}"
    assert requests.get(f"{hub.url}/hub/api/user", headers={"Authorization": brief}, timeout=30).ok
    time.sleep(3)
    expired = requests.get(
        f"{hub.url}/user/{alice_name}/api/contents/token-check", headers={"Authorization": brief}, timeout=30
    )
    assert expired.status_code == 403
    whose = requests.get(f"{hub.url}/hub/api/user", headers={"Authorization": brief}, timeout=30)
    assert whose.status_code == 403


def test_unreachable_hub_is_a_clear_error():
    """A hub that does not answer raises HubUnavailable with a message meant for the user."""
    client = HubClient(f"http://127.0.0.1:{free_port()}", "token", timeout=2, retries=0)
    with pytest.raises(HubUnavailable, match="not reachable"):
        client.ensure_user("u1")


@pytest.fixture
def celery_worker_process(tmp_path, settings):
    """A real Celery worker (separate process, Redis broker) on the test database and private storage."""
    broker = redis_url()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    queue = f"grading-{secrets.token_hex(4)}"  # private to this test: no other worker takes its tasks
    log = tmp_path / "worker.log"
    with (
        running_worker(
            broker=broker,
            queue=queue,
            log=log,
            media_root=tmp_path / "media",
            private_media_root=Path(settings.PRIVATE_MEDIA_ROOT),
            pool_args=["-P", "solo"],
        ),
        celery_app_routed_to(broker, queue),
    ):
        yield log


def text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def solved(release: dict, source: dict) -> dict:
    """The release notebook with every solution cell replaced by the instructor's solution."""
    answers = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
        for cell in source["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for cell in release["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return release


def test_open_in_jupyterlab_edit_submit_and_get_graded(hub, live_server, celery_worker_process):
    """The whole student loop through the portal: "Open in JupyterLab" starts the server behind a progress
    page and places the starter notebook, the student solves it in JupyterLab, a second "open" keeps the
    work, "Submit from JupyterLab" creates a hub submission and a real worker grades it at full marks."""
    import json

    from grading.services import exercise_data_file_set

    student = make_student("loop@example.org")
    exercise = ExerciseFactory(title="HTML functions", slug="html-functions")
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    exercise_data_file_set(exercise=exercise, name="pages.csv", data=b"title,slug\nHome,home\n")
    browser = oidc_login(hub, live_server.url, student.email)  # logged in on the portal and the hub
    portal = live_server.url
    csrf = {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}

    opened = browser.post(f"{portal}/hub/exercises/{exercise.pk}/open/", data=csrf, allow_redirects=False)
    assert opened.status_code == 302, opened.text[-2000:]
    progress_page = browser.get(urljoin(portal, opened.headers["Location"]))
    assert progress_page.status_code == 200
    deadline = time.monotonic() + 60
    while True:
        fragment = browser.get(f"{portal}/hub/exercises/{exercise.pk}/status/", timeout=30)
        assert fragment.status_code == 200
        if "HX-Redirect" in fragment.headers:
            break
        assert time.monotonic() < deadline, fragment.text
        time.sleep(0.5)
    launch = browser.get(urljoin(portal, fragment.headers["HX-Redirect"]), allow_redirects=False, timeout=30)
    name = hub_username(student)
    path = f"exercises/{exercise.slug}.ipynb"
    assert launch.headers["Location"] == f"{hub.url}/user/{name}/lab/tree/{path}"
    assert browser.get(launch.headers["Location"], timeout=30).status_code == 200

    # The exercise's data file sits next to the notebook.
    placed = browser.get(f"{hub.url}/user/{name}/api/contents/exercises/pages.csv", timeout=30).json()
    assert placed["type"] == "file"
    assert placed["content"].startswith("title,slug")

    api = f"{hub.url}/user/{name}/api/contents/{path}"
    model = browser.get(api, timeout=30).json()
    first = model["content"]["cells"][0]
    assert first["cell_type"] == "markdown"
    assert f"/exercises/{exercise.slug}/" in text(first["source"])  # the link back to the portal
    content = solved(model["content"], json.loads(demo_notebook()))
    xsrf = browser.cookies.get("_xsrf", path=f"/user/{name}/") or browser.cookies.get("_xsrf")
    saved = browser.put(
        api,
        json={"type": "notebook", "format": "json", "content": content},
        headers={"X-XSRFToken": xsrf},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text

    # A second "Open in JupyterLab" goes straight to the notebook and keeps the solution.
    again = browser.post(f"{portal}/hub/exercises/{exercise.pk}/open/", data=csrf, timeout=30)
    assert again.url.startswith(f"{hub.url}/user/{name}/lab")
    kept = browser.get(api, timeout=30).json()["content"]["cells"]
    assert [text(c["source"]) for c in kept] == [text(c["source"]) for c in content["cells"]]

    submitted = browser.post(
        f"{portal}/hub/exercises/{exercise.pk}/submit/", data={**csrf, "next": "/"}, allow_redirects=False
    )
    assert submitted.status_code == 302
    submission = Submission.objects.get(exercise=exercise, student=student)
    assert submission.source == Submission.Source.HUB
    deadline = time.monotonic() + 90
    while submission.state not in Submission.TERMINAL_STATES:
        assert time.monotonic() < deadline, celery_worker_process.read_text()[-3000:]
        time.sleep(0.5)
        submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED, submission.error
    assert submission.score == submission.max_score > 0


def test_anonymisation_deletes_the_hub_user_and_their_home_directory(hub, live_server):
    """Anonymising a person (a deletion request carried out) deletes their JupyterHub user once it commits:
    the hub stops their running server, and the spawner removes their home directory with the notebooks
    in it."""
    from hub.models import HubUserDeletion
    from privacy.models import Anonymisation
    from privacy.services import person_anonymise

    student = make_student("leaving@example.org")
    client = hub.client()
    name = hub_username(student)
    client.ensure_user(name)
    assert client.wait_until_ready(name, timeout=60).ready
    assert client.put_notebook(name, "python-basics/mine.ipynb", NOTEBOOK) is True
    home = hub.log.parent / "users" / name
    assert (home / "python-basics" / "mine.ipynb").exists()

    person_anonymise(user=student, reason=Anonymisation.Reason.REQUEST)  # commits; the task runs eagerly

    assert client.get_user(name) is None, hub.log.read_text()[-3000:]
    assert not home.exists()
    assert HubUserDeletion.objects.get(user=student).done_at is not None  # the owed deletion is recorded done
