"""The portal as JupyterHub's OpenID Connect provider: the claims in ID tokens and userinfo, and the
discovery document the hub logs in with."""

import pytest
from django.test import RequestFactory

from hub.oidc import PortalOAuth2Validator, hub_username
from lms.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def student():
    return User.objects.create_user(email="student@example.org", password="x" * 20, full_name="Ada Student")


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


def test_email_is_claimed_verified_only_when_the_portal_verified_it(student):
    """`email_verified` says what the portal knows: false for an address nobody confirmed (an imported
    person who has not used their invitation, an address changed and not yet confirmed), true once
    confirmed — a relying party may link accounts by a verified address."""
    from allauth.account.models import EmailAddress

    request = RequestFactory().get("/")
    request.user = student
    request.scopes = ["openid", "email"]
    assert PortalOAuth2Validator().get_oidc_claims(None, None, request)["email_verified"] is False
    EmailAddress.objects.create(user=student, email="other@example.org", verified=True, primary=False)
    assert PortalOAuth2Validator().get_oidc_claims(None, None, request)["email_verified"] is False
    EmailAddress.objects.create(user=student, email="Student@Example.org", verified=True, primary=True)
    assert PortalOAuth2Validator().get_oidc_claims(None, None, request)["email_verified"] is True
