"""A learner's first session in a real browser: register, confirm the address, enrol, study a lesson,
pass its quiz and see the progress — with an accessibility check of every page on the way."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from tests.e2e.axe import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COURSE_URL = "/catalog/web-development/intro-web-development/"
PASSWORD = "Kazan-lyceum-2026"


def assert_accessible(page, name: str) -> None:
    """axe-core finds no serious or critical violation in the page's main content."""
    serious = serious_violations(page, "main")
    assert not serious, f"{name}: " + " | ".join(serious)


@pytest.fixture
def demo_catalogue():
    from content.services import site_structure_ensure
    from demo.courses import seed_courses

    site_structure_ensure()
    seed_courses()


def test_register_enrol_study_and_see_progress(live_server, browser_page, demo_catalogue):
    """A visitor registers, confirms the e-mail address from the link, enrols in a course, opens a
    lesson, passes its quiz and finds the progress on My learning."""
    page = browser_page
    base = live_server.url

    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "home page")

    page.get_by_role("link", name="Register").first.click()
    page.locator("#id_email").fill("Aigul.Mingazova@example.org")
    page.get_by_label("Full name").fill("Айгуль Мингазова")
    page.get_by_label("Birth date").fill("2008-05-17")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Confirm your e-mail address").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    page.goto(base + urlparse(link).path)
    page.get_by_role("button", name="Confirm").click()
    if page.get_by_role("button", name="Log in").count():
        page.locator("#id_login").fill("aigul.mingazova@example.org")
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()

    page.goto(base + "/catalog/")
    assert_accessible(page, "catalogue")
    page.goto(base + COURSE_URL)
    assert_accessible(page, "course page")
    page.get_by_role("button", name="Enrol").click()
    page.get_by_text("You are enrolled in this course.").wait_for()

    page.get_by_role("link", name="HTML: структура страницы").first.click()
    page.get_by_role("heading", level=1, name="HTML: структура страницы").wait_for()

    quiz = page.locator("section.quiz")
    questions = quiz.locator("fieldset")
    questions.nth(0).get_by_label("<a>", exact=True).check()
    questions.nth(1).get_by_label("Задаёт текстовую альтернативу для программ экранного доступа").check()
    questions.nth(2).get_by_label("<main>", exact=True).check()
    questions.nth(2).get_by_label("<nav>", exact=True).check()
    quiz.get_by_role("button", name="Check answers").click()
    page.get_by_text("Quiz passed.").wait_for()
    assert page.locator("section.quiz").get_by_text("Your answer was wrong.").count() == 0

    page.goto(base + "/learning/")
    course = page.locator("li.card", has_text="Введение в веб-разработку")
    course.wait_for()
    progress = course.get_by_role("progressbar")
    assert int(progress.get_attribute("aria-valuenow")) > 0
    assert re.search(r"[1-9]\d* of 5 required lessons done", course.inner_text())
    assert_accessible(page, "My learning")
