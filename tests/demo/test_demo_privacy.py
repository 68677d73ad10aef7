"""The demo's personal-data policy: published in Russian, and the demo accounts count as having consented
to it, so they sign in straight to their pages."""

import pytest
from allauth.account.models import EmailAddress

from demo.accounts import ensure_demo_accounts
from demo.privacy import POLICY_VERSION, seed_privacy_policy
from lms.consent import policy_current
from lms.models import Consent

pytestmark = pytest.mark.django_db


def test_the_policy_is_published_and_demo_accounts_have_consented(client):
    """After the demo's policy step the policy is the one in force, its page describes what is processed
    and why, every demo account has consented to its version, and the demo student reaches My learning
    without being sent to the consent page. Running it twice changes nothing."""
    accounts = ensure_demo_accounts()
    seed_privacy_policy(accounts)
    seed_privacy_policy(accounts)

    policy = policy_current()
    assert policy is not None
    assert policy.version == POLICY_VERSION
    html = client.get(policy.url).content.decode()
    assert "Какие данные мы обрабатываем" in html
    assert "152-ФЗ" in html
    assert Consent.objects.filter(policy_version=POLICY_VERSION).count() == len(accounts)

    student = accounts["student"]
    assert EmailAddress.objects.filter(user=student, verified=True).exists()
    client.force_login(student)
    assert client.get("/learning/").status_code == 200
