"""The portal side of JupyterHub: the OAuth client registration, the OIDC claims, and the views when the
hub cannot be reached (a real closed port, no mock)."""

import socket

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from oauth2_provider.models import get_application_model

from grading.models import Exercise
from lms.models import User
from lms.oidc import PortalOAuth2Validator, hub_username

pytestmark = pytest.mark.django_db


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def student():
    return User.objects.create_user(email="student@example.org", password="x" * 20, full_name="Ada Student")


@pytest.fixture
def exercise():
    return Exercise.objects.create(title="First steps", slug="first-steps")


@pytest.fixture
def hub_down(settings):
    settings.JUPYTERHUB_URL = closed_port_url()
    settings.JUPYTERHUB_REQUEST_TIMEOUT = 2
    settings.JUPYTERHUB_START_TIMEOUT = 2


def test_ensure_hub_client_registers_a_confidential_pkce_client_and_updates_it(settings):
    """The command creates one confidential authorization-code client with the configured redirect URI and
    updates it in place when run again."""
    settings.JUPYTERHUB_OAUTH_CLIENT_SECRET = "first-secret"
    settings.JUPYTERHUB_OAUTH_REDIRECT_URI = "https://hub.example/hub/oauth_callback"
    call_command("ensure_hub_client", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.JUPYTERHUB_OAUTH_REDIRECT_URI = "https://hub2.example/hub/oauth_callback"
    call_command("ensure_hub_client", stdout=open("/dev/null", "w"))  # noqa: SIM115
    Application = get_application_model()
    app = Application.objects.get(client_id=settings.JUPYTERHUB_OAUTH_CLIENT_ID)
    assert Application.objects.count() == 1
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert app.redirect_uris == "https://hub2.example/hub/oauth_callback"
    assert app.algorithm == Application.RS256_ALGORITHM
    assert app.client_secret != "first-secret"  # stored hashed


def test_claims_carry_a_stable_username_and_roles(student):
    """`preferred_username` is u<id> and does not follow the e-mail address; groups hold portal roles."""
    request = RequestFactory().get("/")
    request.user = student
    request.scopes = ["openid", "profile", "email", "groups"]
    claims = PortalOAuth2Validator().get_oidc_claims(None, None, request)
    assert claims["sub"] == str(student.pk)
    assert claims["preferred_username"] == f"u{student.pk}" == hub_username(student)
    assert claims["email"] == "student@example.org"
    assert claims["groups"] == ["learners"]
    student.email = "renamed@example.org"
    assert (
        PortalOAuth2Validator().get_oidc_claims(None, None, request)["preferred_username"] == f"u{student.pk}"
    )


def test_claims_without_the_groups_scope_leave_groups_out(student):
    """A relying party that did not ask for `groups` does not get them."""
    request = RequestFactory().get("/")
    request.user = student
    request.scopes = ["openid"]
    assert set(PortalOAuth2Validator().get_oidc_claims(None, None, request)) == {"sub"}


def test_openid_discovery_document_is_served(client):
    """`/oauth/.well-known/openid-configuration` describes the provider JupyterHub logs in with."""
    response = client.get("/oauth/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["authorization_endpoint"].endswith("/oauth/authorize/")
    assert "S256" in document.get("code_challenge_methods_supported", ["S256"])


def test_open_when_the_hub_is_down_shows_a_clear_message(client, student, exercise, hub_down):
    """Hub unreachable → back to the exercise page with a message; nothing else happens."""
    client.force_login(student)
    response = client.post(
        reverse("hub:open", args=[exercise.pk]), {"next": "/learning/some-lesson/"}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/learning/some-lesson/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("not reachable" in m for m in messages)


def test_submit_when_the_hub_is_down_creates_no_submission(client, student, exercise, hub_down):
    """Submitting from JupyterLab with the hub down is refused with a message and writes nothing."""
    client.force_login(student)
    response = client.post(reverse("hub:submit", args=[exercise.pk]), {"next": "/x/"})
    assert response.status_code == 302
    assert not getattr(exercise, "submissions", None) or not exercise.submissions.exists()
    assert any("not reachable" in str(m) for m in response.wsgi_request._messages)


def test_open_refuses_get_and_anonymous(client, exercise):
    """Opening starts a server: POST only, and only for a logged-in user."""
    assert client.get(reverse("hub:open", args=[exercise.pk])).status_code in (302, 405)
    response = client.post(reverse("hub:open", args=[exercise.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_student_cannot_read_a_students_notebook(client, student, exercise, hub_down):
    """Only people who may see the student (lyceums.scoping) get the read-only copy: a fellow student gets 403
    before the hub is even asked."""
    other = User.objects.create_user(email="other@example.org", password="x" * 20)
    client.force_login(other)
    response = client.get(reverse("hub:student_notebook", args=[exercise.pk, student.pk]))
    assert response.status_code == 403


def test_reset_asks_for_confirmation_first(client, student, exercise, hub_down):
    """Resetting to the starter shows a confirmation form and does nothing without the ticked box."""
    client.force_login(student)
    page = client.get(reverse("hub:reset", args=[exercise.pk]))
    assert page.status_code == 200
    assert b'name="confirm"' in page.content
    response = client.post(reverse("hub:reset", args=[exercise.pk]))
    assert response.status_code == 200
    assert b"Tick the box" in response.content


def test_portal_logout_continues_to_the_hub_logout(client, student, settings):
    """Logging out of the portal ends at the hub's logout, which clears the hub session."""
    settings.JUPYTERHUB_PUBLIC_URL = "https://hub.example"
    client.force_login(student)
    response = client.post(reverse("account_logout"), follow=True)
    assert response.redirect_chain[-1][0] == "https://hub.example/hub/logout"
