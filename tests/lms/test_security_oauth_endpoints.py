"""The OpenID Connect provider exposes only what JupyterHub logs in with, and the REST API takes an OAuth
token only when it carries the `read` scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from lyceums.models import Region, StaffAssignment
from tests.factories import StaffAssignmentFactory, UserFactory
from tests.services import ensure_reference_regions

pytestmark = pytest.mark.django_db

# django-oauth-toolkit's self-service, device-flow, registration and token-management endpoints.
CLOSED = [
    ("get", "/oauth/applications/"),
    ("get", "/oauth/applications/register/"),
    ("post", "/oauth/applications/register/"),
    ("get", "/oauth/applications/1/"),
    ("get", "/oauth/authorized_tokens/"),
    ("post", "/oauth/device-authorization/"),
    ("get", "/oauth/device/"),
    ("post", "/oauth/register/"),
    ("post", "/oauth/revoke_token/"),
    ("post", "/oauth/introspect/"),
    ("get", "/oauth/logout/"),
]


@pytest.fixture
def administrator():
    ensure_reference_regions()
    user = UserFactory(email="admin@example.org")
    region = Region.objects.get(code="kazan")
    StaffAssignmentFactory(user=user, role=StaffAssignment.Role.REPUBLIC_ADMIN, subject=region.subject)
    return user


def _token(user, scope: str) -> str:
    Application = get_application_model()
    application = Application.objects.create(
        name="Statistics client",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example/callback",
    )
    value = f"token-{scope.replace(' ', '-')}-{user.pk}"
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=value,
        scope=scope,
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    return value


@pytest.mark.parametrize(("method", "url"), CLOSED)
def test_oauth_management_endpoints_do_not_exist(client, method, url):
    """A logged-in person finds no application registration, token management, device flow, dynamic
    client registration, revocation, introspection or RP-initiated logout: all 404."""
    client.force_login(UserFactory())
    response = getattr(client, method)(url)
    assert response.status_code == 404, (method, url, response.status_code)


def test_logged_in_person_cannot_register_an_application(client):
    """Posting the registration form creates no OAuth application."""
    client.force_login(UserFactory())
    client.post(
        "/oauth/applications/register/",
        {
            "name": "mine",
            "client_type": "public",
            "authorization_grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "redirect_uris": "",
        },
    )
    assert not get_application_model().objects.exists()


def test_hub_endpoints_remain(client):
    """What the hub uses answers: discovery and keys (200), authorize (log-in redirect for anonymous),
    token (an OAuth error, not 404) and userinfo (401 without a token); discovery names only them."""
    discovery = client.get("/oauth/.well-known/openid-configuration")
    assert discovery.status_code == 200
    document = discovery.json()
    assert document["token_endpoint"].endswith("/oauth/token/")
    assert document["userinfo_endpoint"].endswith("/oauth/userinfo/")
    assert "revocation_endpoint" not in document
    assert "end_session_endpoint" not in document
    assert client.get("/oauth/.well-known/jwks.json").status_code == 200
    authorize = client.get("/oauth/authorize/?client_id=jupyterhub&response_type=code")
    assert authorize.status_code == 302
    assert authorize.url.startswith("/accounts/login/")
    assert client.post("/oauth/token/", {"grant_type": "authorization_code"}).status_code in (400, 401)
    assert client.get("/oauth/userinfo/").status_code == 401
    metadata = client.get("/oauth/.well-known/oauth-authorization-server").json()
    assert "revocation_endpoint" not in metadata
    assert "introspection_endpoint" not in metadata


def test_api_refuses_tokens_without_the_read_scope(client, administrator):
    """A token JupyterHub would hold (openid profile email groups) cannot read the statistics API."""
    token = _token(administrator, "openid profile email groups")
    response = client.get("/api/v1/stats/regions/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_api_accepts_tokens_with_the_read_scope(client, administrator):
    """A token granted the `read` scope reads the API, as its user."""
    token = _token(administrator, "read")
    response = client.get("/api/v1/stats/regions/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_read_scope_does_not_allow_writes(client, administrator):
    """The `read` scope never authorises an unsafe method."""
    token = _token(administrator, "read")
    response = client.post("/api/v1/stats/regions/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_api_accepts_the_session(client, administrator):
    """A logged-in browser session reads the API without any token."""
    client.force_login(administrator)
    assert client.get("/api/v1/stats/regions/").status_code == 200


def test_read_scope_is_never_granted_by_default():
    """An authorization request that names no scope gets `openid` only, never `read`."""
    from oauth2_provider.scopes import get_scopes_backend

    assert get_scopes_backend().get_default_scopes() == ["openid"]
    assert "read" in get_scopes_backend().get_available_scopes()
