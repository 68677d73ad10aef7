"""Sign-in through an external OpenID Connect provider, end to end: a real provider (the npm package
oidc-provider, started here), the portal under a live server, and Debian's Chromium.

- A new person signs in through the provider and lands in the portal with a verified address.
- An existing account is linked only after its owner types the account's password; a wrong password
  links nothing; once linked, the provider signs the person straight in.
- A provider that does not vouch for the address cannot take over the account with that address.
"""

from __future__ import annotations

import json
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.services import free_port, unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROVIDER_SCRIPT = Path(__file__).resolve().parent.parent / "lms" / "external_oidc" / "provider.mjs"
ACCOUNTS = {
    "new-learner": {
        "email": "dinara.khasanova@example.org",
        "email_verified": True,
        "given_name": "Динара",
        "family_name": "Хасанова",
    },
    "owner": {"email": "teacher@example.org", "email_verified": True, "name": "Ильдар Сафин"},
    "impostor": {"email": "coordinator@example.org", "email_verified": False, "name": "Чужой"},
}


@pytest.fixture
def external_provider(live_server, settings, tmp_path):
    """The provider on a free loopback port, and the portal configured to sign in through it."""
    node = shutil.which("node")
    if node is None or not (settings.BASE_DIR / "node_modules" / "oidc-provider").is_dir():
        unavailable("Node.js with the npm package oidc-provider (npm ci) is needed")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    redirect_uri = f"{live_server.url}/accounts/oidc/external/login/callback/"
    log = tmp_path / "provider.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(port), redirect_uri, json.dumps(ACCOUNTS)],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        assert line.strip() == "ready", f"the provider did not start: {line}{log.read_text()}"
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "external",
                        "name": "Госуслуги",
                        "client_id": "lyceum-portal",
                        "secret": "external-oidc-test-secret",
                        "settings": {"server_url": issuer, "fetch_userinfo": True},
                    }
                ],
            }
        }
        policy = settings.CONTENT_SECURITY_POLICY
        directives = policy["DIRECTIVES"]
        # As EXTERNAL_OIDC_SERVER_URL makes the settings do (tests/lms/test_external_sign_in_settings.py).
        settings.CONTENT_SECURITY_POLICY = {
            **policy,
            "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], issuer]},
        }
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_through_provider(page, portal_url: str, login: str) -> None:
    """From the portal's log-in page through the provider's log-in and consent pages."""
    page.goto(f"{portal_url}/accounts/login/")
    page.locator('button[data-provider="external"]').click()
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any")
    page.locator('input[name="password"]').press("Enter")
    consent = page.locator('button:has-text("Continue")')
    if consent.count():
        consent.click()
    page.wait_for_load_state()


def test_new_person_signs_up_through_the_provider(live_server, browser_page, external_provider):
    from allauth.account.models import EmailAddress

    from lms.models import User

    sign_in_through_provider(browser_page, live_server.url, "new-learner")
    browser_page.wait_for_url(f"{live_server.url}/learning/**")
    user = User.objects.get(email="dinara.khasanova@example.org")
    assert user.full_name == "Хасанова Динара"
    assert EmailAddress.objects.get(user=user).verified


def test_existing_account_links_only_with_its_password(live_server, browser_page, external_provider):
    from allauth.socialaccount.models import SocialAccount

    owner = UserFactory(email="teacher@example.org", password="Correct-horse-9")
    page = browser_page
    sign_in_through_provider(page, live_server.url, "owner")
    page.wait_for_url(f"{live_server.url}/accounts/external/link/")
    assert "teacher@example.org" in page.locator("main").inner_text()

    page.locator('input[name="password"]').fill("wrong-password")
    page.get_by_role("button", name="Link and log in").click()
    assert page.locator(".invalid-feedback").is_visible()
    assert not SocialAccount.objects.exists()

    page.locator('input[name="password"]').fill("Correct-horse-9")
    page.get_by_role("button", name="Link and log in").click()
    page.wait_for_url(f"{live_server.url}/learning/**")
    assert SocialAccount.objects.get().user == owner

    # Signed out, the provider now signs the owner straight in, with no confirmation.
    page.context.clear_cookies()
    sign_in_through_provider(page, live_server.url, "owner")
    page.wait_for_url(f"{live_server.url}/learning/**")
    assert SocialAccount.objects.count() == 1


def test_unverified_address_cannot_take_over_an_account(live_server, browser_page, external_provider):
    from allauth.socialaccount.models import SocialAccount

    UserFactory(email="coordinator@example.org", password="Correct-horse-9")
    page = browser_page
    sign_in_through_provider(page, live_server.url, "impostor")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    assert "has not confirmed that the address is yours" in page.locator("main").inner_text()
    assert not SocialAccount.objects.exists()
    page.goto(f"{live_server.url}/learning/")
    assert "/accounts/login/" in page.url


def test_portal_still_serves_its_own_openid_connect(client, external_provider):
    """The external provider sits beside the portal's own provider (JupyterHub signs in through it)."""
    response = client.get("/oauth/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.json()["issuer"].endswith("/oauth")
    assert settings.ROOT_URLCONF == "lms.urls"
