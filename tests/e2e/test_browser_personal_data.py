"""My data in a real browser: a learner downloads their data and asks for deletion; a republic
administrator carries the request out, after which the learner can no longer log in."""

import json
import re

import pytest

from tests.e2e.axe import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kazan-lyceum-2026"


def assert_accessible(page, name: str) -> None:
    """axe-core finds no serious or critical violation in the page's main content."""
    serious = serious_violations(page, "main")
    assert not serious, f"{name}: " + " | ".join(serious)


def _person(email: str, full_name: str, **extra):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email, PASSWORD, full_name=full_name, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


@pytest.fixture
def site():
    from content.services import site_structure_ensure

    site_structure_ensure()


def test_learner_downloads_data_and_admin_carries_out_deletion(live_server, browser_page, site):
    """The learner finds My data in the menu, downloads the JSON file (their account in it), asks for
    deletion after ticking the confirmation; the administrator opens the request from the menu's queue
    and carries it out; the learner's password no longer logs in."""
    from lyceums.models import StaffAssignment
    from privacy.models import DeletionRequest

    page = browser_page
    base = live_server.url
    _person("aigul@example.org", "Айгуль Мингазова")
    admin = _person("admin@example.org", "Admin")
    StaffAssignment.objects.create(user=admin, role=StaffAssignment.Role.REPUBLIC_ADMIN)

    _log_in(page, base, "aigul@example.org")
    page.get_by_role("link", name="My data").click()
    page.get_by_role("heading", name="My data").wait_for()
    assert_accessible(page, "My data")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON (with your notebooks)").click()
    with open(download_info.value.path(), encoding="utf-8") as fh:
        document = json.load(fh)
    assert document["data"]["account"][0]["full_name"] == "Айгуль Мингазова"

    page.get_by_role("link", name="Ask for deletion").click()
    assert_accessible(page, "deletion request")
    page.get_by_role("button", name="Send the deletion request").click()
    assert DeletionRequest.objects.count() == 0  # the browser refuses the form without the box ticked
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Send the deletion request").click()
    page.get_by_text("Your request is filed.").wait_for()
    page.context.clear_cookies()  # log out (the portal's log-out goes on to JupyterHub's, not running here)

    _log_in(page, base, "admin@example.org")
    page.get_by_role("link", name="Deletion requests").click()
    assert_accessible(page, "deletion queue")
    page.get_by_role("link", name="Айгуль Мингазова").click()
    assert_accessible(page, "deletion request detail")
    page.get_by_label("Carry out: anonymise the person").check()
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("The request is carried out: the person is anonymised.").wait_for()
    assert DeletionRequest.objects.get().status == "carried_out"
    page.get_by_role("link", name="Access log").click()
    page.get_by_role("cell", name=re.compile(r"^Deletion request #\d+$")).wait_for()
    assert_accessible(page, "access log")
    page.context.clear_cookies()  # log out (the portal's log-out goes on to JupyterHub's, not running here)

    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill("aigul@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("not correct").first.wait_for()
