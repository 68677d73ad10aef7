"""Behind the production reverse proxy the log-in rate limits count per client (the address the proxy
appends to X-Forwarded-For), not per proxy; addresses a client writes into the header itself are
ignored."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from tests.lms.production import production_settings

pytestmark = pytest.mark.django_db

PASSWORD = "Kazan-lyceum-2026"
PROXY = "10.0.0.2"  # every request reaches the portal from the proxy
FAILED_LOGINS_PER_ADDRESS = 10  # ACCOUNT_RATE_LIMITS["login_failed"]: 10/m/ip


@pytest.fixture(scope="module")
def production_proxy_count() -> int:
    loaded = production_settings("ALLAUTH_TRUSTED_PROXY_COUNT")
    assert loaded.returncode == 0, loaded.stderr
    count = loaded.values["ALLAUTH_TRUSTED_PROXY_COUNT"]
    assert count, "production trusts the X-Forwarded-For of its reverse proxy"
    return count


@pytest.fixture
def behind_proxy(settings, production_proxy_count):
    """The portal configured as production configures it."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = production_proxy_count


@pytest.fixture
def learner():
    user = get_user_model().objects.create_user("learner@example.org", PASSWORD, full_name="Ученик")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client, forwarded_for: str, email: str, password: str) -> bool:
    client.logout()
    client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return "_auth_user_id" in client.session


def _exhaust(client, forwarded_for: str) -> None:
    """Use up the failed-log-in allowance of one client address (a different unknown account each time,
    so that only the per-address limit is reached)."""
    for n in range(FAILED_LOGINS_PER_ADDRESS):
        assert not _log_in(client, forwarded_for, f"nobody{n}@example.org", "wrong-password")


def test_proxy_trust_defaults():
    """Production trusts one proxy (TRUSTED_PROXY_COUNT, default 1) and takes another count from the
    environment; elsewhere (development, tests) X-Forwarded-For is not trusted at all."""
    from django.conf import settings

    assert production_settings("ALLAUTH_TRUSTED_PROXY_COUNT").values == {"ALLAUTH_TRUSTED_PROXY_COUNT": 1}
    two = production_settings("ALLAUTH_TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2")
    assert two.values == {"ALLAUTH_TRUSTED_PROXY_COUNT": 2}
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0


def test_clients_behind_the_proxy_have_their_own_buckets(client, behind_proxy, learner):
    """When one client has used up its failed log-ins, another client behind the same proxy still logs
    in; the first is refused even with the right password."""
    _exhaust(client, "203.0.113.10")
    assert not _log_in(client, "203.0.113.10", learner.email, PASSWORD)
    assert _log_in(client, "203.0.113.20", learner.email, PASSWORD)


def test_a_spoofed_forwarded_address_gives_no_fresh_bucket(client, behind_proxy, learner):
    """A client that writes another address into X-Forwarded-For (the proxy appends the real one) is
    still counted as itself."""
    _exhaust(client, "203.0.113.10")
    assert not _log_in(client, "198.51.100.7, 203.0.113.10", learner.email, PASSWORD)
    assert not _log_in(client, "198.51.100.8,203.0.113.10", learner.email, PASSWORD)
