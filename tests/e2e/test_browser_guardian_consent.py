"""A learner under 14 in a real browser: registers with the consent and a parent's address, is told why
they cannot enrol yet, the parent confirms through the e-mailed link, and the learner enrols."""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from tests.e2e.axe import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COURSE_URL = "/catalog/web-development/intro-web-development/"
PASSWORD = "Kazan-lyceum-2026"


@pytest.fixture
def catalogue_with_policy():
    from content.services import site_structure_ensure
    from demo.courses import seed_courses
    from tests.factories import PrivacyPolicyPageFactory

    home = site_structure_ensure()
    seed_courses()
    PrivacyPolicyPageFactory(parent=home, version="2026-1", slug="personal-data")


def _path(message, fragment: str) -> str:
    match = re.search(rf"https?://\S+{fragment}\S*", message.body)
    assert match, message.body
    return urlparse(match.group(0)).path


def test_under_14_registration_waits_for_the_parent_then_enrols(
    live_server, browser_page, catalogue_with_policy
):
    """Register at 11 with a parent's address → confirm the own address and log in → enrolling shows the
    page saying a parent has to agree → the parent opens the e-mailed link and agrees → enrolling works."""
    page, base = browser_page, live_server.url
    today = timezone.localdate()
    born = today.replace(year=today.year - 11) - datetime.timedelta(days=40)

    page.goto(base + "/accounts/signup/")
    page.locator("#id_email").fill("timur.young@example.org")
    page.get_by_label("Full name").fill("Тимур Валиев")
    page.get_by_label("Birth date").fill(born.isoformat())
    page.get_by_label("Parent's or guardian's e-mail address").fill("mother.valieva@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    consent = page.get_by_label("I agree to the processing of my personal data")
    assert consent.locator("xpath=..").get_by_role("link", name="personal data policy").count() == 1
    consent.check()
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Confirm your e-mail address").wait_for()

    (own,) = [m for m in mail.outbox if m.to == ["timur.young@example.org"]]
    (to_parent,) = [m for m in mail.outbox if m.to == ["mother.valieva@example.org"]]
    page.goto(base + _path(own, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    if page.get_by_role("button", name="Log in").count():
        page.locator("#id_login").fill("timur.young@example.org")
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()

    page.goto(base + COURSE_URL)
    page.get_by_role("button", name="Enrol").click()
    page.get_by_role("heading", name="Waiting for your parent's consent").wait_for()
    assert page.get_by_role("button", name="Send the e-mail again").count() == 1
    assert serious_violations(page, "main") == []

    parent = page.context.browser.new_context(locale="en-GB").new_page()
    parent.goto(base + _path(to_parent, "/accounts/consent/guardian/"))
    parent.get_by_text("Тимур Валиев").first.wait_for()
    assert serious_violations(parent, "main") == []
    parent.get_by_role("button", name="I agree").click()
    parent.get_by_text("Your consent is recorded").wait_for()
    parent.context.close()

    page.goto(base + COURSE_URL)
    page.get_by_role("button", name="Enrol").click()
    page.get_by_text("You are enrolled in this course.").wait_for()
