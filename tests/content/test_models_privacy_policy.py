"""The personal-data policy page and the lookup `lms` asks for the policy in force."""

import datetime

import pytest

from lms.consent import policy_current
from tests.factories import PrivacyPolicyPageFactory, policy_version_publish

pytestmark = pytest.mark.django_db


def test_the_policy_in_force_follows_publishing(client):
    """No page → no policy; a published page is the policy (its version, address and date); a new
    version published by an editor replaces it at once (the cached answer is dropped); unpublished, it
    is gone."""
    assert policy_current() is None
    page = PrivacyPolicyPageFactory(version="1", effective_date=datetime.date(2026, 9, 1))
    assert (policy_current().version, policy_current().url) == ("1", page.url)

    page = policy_version_publish(page, "2")
    assert policy_current().version == "2"

    page.unpublish()
    assert policy_current() is None


def test_the_latest_effective_policy_is_in_force():
    """Of two live policy pages, the one in force since the later date is the current one."""
    PrivacyPolicyPageFactory(version="old", effective_date=datetime.date(2025, 1, 1))
    PrivacyPolicyPageFactory(version="new", effective_date=datetime.date(2026, 1, 1))
    assert policy_current().version == "new"


def test_the_page_shows_its_version_and_date(client):
    """The policy page says which version it is and since when it is in force."""
    page = PrivacyPolicyPageFactory(version="2026-1", effective_date=datetime.date(2026, 9, 1))
    html = client.get(page.url).content.decode()
    assert "Version 2026-1, in force since" in html
    assert "2026" in html
