"""A learner goes from the portal into JupyterLab with no hub page in between, and their JupyterLab has
none of nbgrader's instructor tools: a real JupyterHub (the fixtures of test_hub_flow) against the live
portal, driven through HTTP like a browser; and the Kubernetes values carry the same learners' Jupyter
configuration as the local spawner."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests
import yaml
from django.conf import settings

from hub.client import hub_username
from tests.factories import ExerciseFactory, enrol_in_exercise
from tests.integration import test_hub_flow as flow
from tests.integration.test_hub_deploy import load_hub_config

ROOT = Path(settings.BASE_DIR)
SINGLEUSER = ROOT / "docker" / "jupyterhub" / "singleuser"
INSTRUCTOR_PLUGINS = {
    "@jupyter/nbgrader:menu",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
}

# The real hub and the portal registered as its OpenID Connect provider, shared with test_hub_flow.
hub_portal = flow.hub_portal
hub = flow.hub


def portal_login(portal_url: str, email: str) -> requests.Session:
    """A browser that has logged in on the portal's own form, and nowhere else."""
    browser = requests.Session()
    page = browser.get(f"{portal_url}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "login": email, "password": flow.PASSWORD},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert done.status_code == 200, done.text[-2000:]
    assert browser.cookies.get(settings.SESSION_COOKIE_NAME), "not logged in on the portal"
    return browser


def chain(response: requests.Response) -> list[requests.Response]:
    return [*response.history, response]


def assert_no_hub_login_page(response: requests.Response) -> None:
    """No step of the redirect chain is the hub's login page or offers its sign-in button."""
    for step in chain(response):
        assert "Sign in with" not in step.text, f"hub login page at {step.url}"
        assert not (urlparse(step.url).path == "/hub/login" and step.status_code == 200), step.url


def server_ready(hub: flow.Hub, name: str) -> None:
    client = hub.client()
    client.ensure_user(name)
    client.start_server(name)
    assert client.wait_until_ready(name, timeout=60).ready


def page_config(html: str) -> dict:
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no page config in the JupyterLab page"
    return json.loads(found.group(1))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_portal_link_opens_jupyterlab_without_a_hub_login_page(hub, live_server):
    """A learner logged in on the portal only: "Open in JupyterLab", the progress page, and its link to
    /user/<name>/lab/tree/<notebook> end in JupyterLab; on the way the hub logs them in through the
    portal's authorize endpoint by itself (auto_login, consent-free client), and no response is the
    hub's login page or carries its "Sign in with" button."""
    student = flow.make_student("straight-in@example.org")
    exercise = ExerciseFactory(title="Straight in", slug="straight-in")
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    portal = live_server.url
    browser = portal_login(portal, student.email)
    csrf = {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}

    opened = browser.post(f"{portal}/hub/exercises/{exercise.pk}/open/", data=csrf, allow_redirects=False)
    assert opened.status_code == 302, opened.text[-2000:]
    deadline = time.monotonic() + 60
    while True:
        fragment = browser.get(f"{portal}/hub/exercises/{exercise.pk}/status/", timeout=30)
        assert fragment.status_code == 200
        if "HX-Redirect" in fragment.headers:
            break
        assert time.monotonic() < deadline, fragment.text
        time.sleep(0.5)

    lab = browser.get(urljoin(portal, fragment.headers["HX-Redirect"]), timeout=30)
    name = hub_username(student)
    assert lab.status_code == 200, lab.url
    assert lab.url == f"{hub.url}/user/{name}/lab/tree/exercises/{exercise.slug}.ipynb"
    assert_no_hub_login_page(lab)
    assert any(step.url.startswith(f"{portal}/oauth/authorize/") for step in lab.history)
    assert "jupyter-config-data" in lab.text  # the JupyterLab page itself


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_hub_link_for_a_learner_logged_out_everywhere_goes_to_the_portal_login(hub, live_server):
    """Someone with no session anywhere who opens a hub address is sent to the portal's log-in form (not a
    hub page); after logging in there they land where they were going."""
    student = flow.make_student("from-the-hub@example.org")
    browser = requests.Session()
    page = browser.get(f"{hub.url}/hub/home", timeout=30)
    assert page.url.startswith(f"{live_server.url}/accounts/login/"), page.url
    assert_no_hub_login_page(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "login": student.email, "password": flow.PASSWORD},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert done.status_code == 200, done.text[-2000:]
    assert done.url == f"{hub.url}/hub/home", done.url
    assert_no_hub_login_page(done)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_logout_still_works_with_automatic_login(hub, live_server):
    """The hub's own logout lands on the portal's home page (not a hub page, not a fresh log-in loop);
    the portal's logout also ends the hub session, after which a hub address asks for the portal's
    log-in form again instead of opening the hub."""
    student = flow.make_student("signing-out@example.org")
    portal = live_server.url
    browser = portal_login(portal, student.email)
    home = browser.get(f"{hub.url}/hub/home", timeout=30)
    assert home.url == f"{hub.url}/hub/home"
    assert home.status_code == 200
    assert_no_hub_login_page(home)

    hub_logout = browser.get(f"{hub.url}/hub/logout", timeout=30)
    assert hub_logout.url == f"{portal}/", hub_logout.url
    assert hub_logout.history[0].status_code == 302
    assert_no_hub_login_page(hub_logout)

    # Still logged in on the portal: the hub logs them in again by itself.
    again = browser.get(f"{hub.url}/hub/home", timeout=30)
    assert again.url == f"{hub.url}/hub/home"
    assert_no_hub_login_page(again)

    logout_page = browser.get(f"{portal}/accounts/logout/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout_page.text).group(1)
    signed_out = browser.post(
        f"{portal}/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": logout_page.url},
        timeout=30,
    )
    assert signed_out.url == f"{portal}/", signed_out.url
    assert any(step.url.startswith(f"{hub.url}/hub/logout") for step in signed_out.history)
    assert_no_hub_login_page(signed_out)

    after = browser.get(f"{hub.url}/hub/home", timeout=30)
    assert after.url.startswith(f"{portal}/accounts/login/"), after.url
    assert_no_hub_login_page(after)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_learner_jupyterlab_has_no_nbgrader_instructor_tools(hub, live_server):
    """In a learner's JupyterLab nbgrader's instructor plugins (menu, Create Assignment, Formgrader, Course
    List, Assignment List) are disabled and locked in the page config, and its formgrader, assignment and
    course server endpoints are not served (404); the Validate plugin stays and its endpoint answers."""
    student = flow.make_student("no-formgrader@example.org")
    browser = flow.oidc_login(hub, live_server.url, student.email)
    name = hub_username(student)
    server_ready(hub, name)

    lab = browser.get(f"{hub.url}/user/{name}/lab", timeout=30)
    assert lab.status_code == 200, lab.url
    config = page_config(lab.text)
    assert not INSTRUCTOR_PLUGINS - set(config["disabledExtensions"])
    assert not INSTRUCTOR_PLUGINS - set(config["lockedExtensions"])
    assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
    assert "@jupyter/nbgrader" in {ext["name"] for ext in config["federated_extensions"]}

    for path in ("formgrader", "formgrader/api/assignments", "assignments", "courses", "formgraders"):
        response = browser.get(f"{hub.url}/user/{name}/{path}", timeout=30, allow_redirects=False)
        assert response.status_code == 404, (path, response.status_code)

    assert hub.client().put_notebook(name, "check.ipynb", flow.NOTEBOOK) is True
    xsrf = browser.cookies.get("_xsrf", path=f"/user/{name}/") or browser.cookies.get("_xsrf")
    validated = browser.post(
        f"{hub.url}/user/{name}/assignments/validate",
        data={"path": "check.ipynb"},
        headers={"X-XSRFToken": xsrf},
        timeout=60,
    )
    assert validated.status_code == 200, validated.text[-2000:]
    assert validated.json()["success"] is True, validated.text[-2000:]


def test_kubernetes_learners_get_the_same_jupyter_configuration():
    """The Zero to JupyterHub values mount exactly the files of docker/jupyterhub/singleuser/ into the
    learners' pods and put their directory first on JUPYTER_CONFIG_PATH, as the local spawner does."""
    values = yaml.safe_load((ROOT / "docker" / "k8s" / "z2jh-values.yaml").read_text())
    singleuser = values["singleuser"]
    config_dir = singleuser["extraEnv"]["JUPYTER_CONFIG_PATH"]
    mounted = {f["mountPath"]: f["data"] for f in singleuser["extraFiles"].values()}
    expected = {
        f"{config_dir}/{path.relative_to(SINGLEUSER).as_posix()}": json.loads(path.read_text())
        for path in SINGLEUSER.rglob("*.json")
    }
    assert len(expected) == 2
    assert {k: v for k, v in mounted.items() if k.startswith(f"{config_dir}/")} == expected
    disabled = expected[f"{config_dir}/labconfig/page_config.json"]["disabledExtensions"]
    assert not INSTRUCTOR_PLUGINS - set(disabled)


@pytest.mark.parametrize("spawner", ["local", "docker", "kubernetes"])
def test_hub_config_logs_in_through_the_portal_by_itself(monkeypatch, tmp_path, spawner):
    """Every runtime skips the hub's login page (auto_login) and still sends the hub's logout to the
    portal; local single-user servers read the learners' Jupyter configuration directory first."""
    c = load_hub_config(monkeypatch, tmp_path, JUPYTERHUB_SPAWNER=spawner)
    assert c.Authenticator.auto_login is True
    assert c.GenericOAuthenticator.logout_redirect_url == "https://portal.example/"
    if spawner == "local":
        first = c.Spawner.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0]
        assert Path(first) == SINGLEUSER
