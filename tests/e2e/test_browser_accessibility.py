"""Accessibility of the key pages of every role in a real browser (GOST R 52872-2019 / WCAG 2.1):

- axe-core finds no serious or critical violation on the whole page, in Russian and in English, and in
  the version for the visually impaired;
- at 320 CSS px wide no page scrolls sideways (WCAG 1.4.10 Reflow);
- the version for the visually impaired is switched on, set up and off from the header, by keyboard,
  and remembered from page to page;
- a learner signs in, opens a course and a lesson and answers its quiz with the keyboard alone, and the
  focused element always shows its focus ring.

One browser serves the whole run (tests/e2e/conftest.py); each role is one test that goes through its
pages in every language and mode, so the data are created once per role. The whole document is checked:
the page shell (header, language switcher, footer) on every page, and the lesson with headings, code
listings, a callout, a video and a quiz as the learner sees it; the home page and that lesson also at a
desktop width, where the header's navigation and the lesson's side navigation are not folded away.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.e2e.axe import serious_violations
from tests.lyceums.conftest import network  # noqa: F401  (the shared network fixture)
from tests.services import ensure_reference_regions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kazan-lyceum-2026"
CATALOG = "/catalog/"
TRACK_URL = "/catalog/web-development/"
COURSE_URL = "/catalog/web-development/intro-web-development/"
LESSON_URL = COURSE_URL + "how-the-web-works/"
QUIZ_LESSON_URL = COURSE_URL + "html-structure/"
NARROW = {"width": 320, "height": 720}
WIDE = {"width": 1280, "height": 800}
# The pages of a role checked once more at a desktop width, in English.
WIDE_PAGES = {"anonymous": {"home"}, "student": {"quiz"}}
# The languages and modes every key page is checked in: (language, the version for the visually
# impaired's cookie or None). "3.wb.1.0": the largest type, white on black, wide spacing, images off
# (the other schemes differ only in two colours, which the version gives every element alike).
MODES = [("ru", None), ("en", None), ("ru", "3.wb.1.0")]


@pytest.fixture
def reference_regions(db):
    """The municipalities the network fixture places its lyceums in."""
    ensure_reference_regions()


@pytest.fixture
def demo_catalogue():
    from content.services import site_structure_ensure
    from demo.courses import seed_courses

    site_structure_ensure()
    seed_courses()


def _verified_user(email: str, **extra):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email, PASSWORD, full_name="Айгуль Мингазова", **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _session_cookie(live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _anonymous_pages(request) -> tuple[object, list[tuple[str, str]]]:
    request.getfixturevalue("demo_catalogue")
    return None, [
        ("home", "/"),
        ("catalogue", CATALOG),
        ("track", TRACK_URL),
        ("course", COURSE_URL),
        ("lesson", LESSON_URL),
        ("search", CATALOG + "?q=python"),
        ("log-in", reverse("account_login")),
        ("sign-up", reverse("account_signup")),
        ("not found", "/no-such-page/"),
    ]


def _student_setup(request) -> tuple[object, list[tuple[str, str]]]:
    from wagtail.rich_text import RichText

    from courses.models import CoursePage, Enrolment, LessonPage
    from courses.services import certificate_issue, enrolment_create, lesson_visit
    from tests.factories import ExerciseFactory

    request.getfixturevalue("demo_catalogue")
    student = _verified_user("student@example.org")
    course = CoursePage.objects.get(slug="intro-web-development")
    enrolment_create(user=student, course=course)
    lesson_visit(user=student, lesson=LessonPage.objects.child_of(course).first().specific)
    finished = enrolment_create(user=student, course=CoursePage.objects.get(slug="smm-basics"))
    Enrolment.objects.filter(pk=finished.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=timezone.now() - dt.timedelta(days=2)
    )
    finished.refresh_from_db()
    certificate = certificate_issue(enrolment=finished)
    exercise = ExerciseFactory(title="Функции в HTML-шаблонах")
    practice = LessonPage.objects.child_of(course).get(slug="practice").specific
    practice.body.append(("notebook_exercise", {"exercise": exercise, "intro": RichText("<p>Практикум</p>")}))
    practice.save_revision().publish()
    return student, [
        ("my learning", reverse("courses:my_learning")),
        ("course progress", COURSE_URL),
        ("lesson", LESSON_URL),
        ("quiz", QUIZ_LESSON_URL),
        ("exercise", reverse("grading:exercise_detail", kwargs={"slug": exercise.slug})),
        ("certificate", reverse("courses:certificate_verify", args=[certificate.verification_code])),
    ]


def _staff_setup(role: str):
    def setup(request) -> tuple[object, list[tuple[str, str]]]:
        request.getfixturevalue("reference_regions")
        net = request.getfixturevalue("network")
        if role == "teacher":
            return net.teacher, [
                ("group", reverse("lyceums:group", kwargs={"pk": net.group_a.pk})),
                ("gradebook", reverse("grading:gradebook")),
                ("groups", reverse("lyceums:groups")),
            ]
        if role == "coordinator":
            return net.coord_a, [
                ("dashboard", reverse("lyceums:region", kwargs={"code": net.kazan.code})),
                ("lyceum", reverse("lyceums:lyceum", kwargs={"pk": net.lyceum_a.pk})),
                ("learner", reverse("lyceums:learner", kwargs={"pk": net.student_a.pk})),
                ("import", reverse("lyceums:import_upload")),
            ]
        return net.admin, [
            ("republic dashboard", reverse("lyceums:republic")),
            ("region dashboard", reverse("lyceums:region", kwargs={"code": net.chelny.code})),
        ]

    return setup


def _overflowing(page) -> list[str]:
    """The innermost elements that reach past the viewport's right edge outside a scrolling box of their
    own (for the failure message)."""
    return page.evaluate(
        """() => {
          const past = (el) => el.getBoundingClientRect().right > innerWidth + 1;
          const clipped = (el) => {
            for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
              if (getComputedStyle(e).overflowX !== 'visible') return true;
            }
            return false;
          };
          return [...document.body.querySelectorAll('*')]
            .filter((el) => past(el) && !clipped(el))
            .filter((el) => ![...el.children].some((c) => past(c) && !clipped(c)))
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
                         + ` "${(el.innerText || '').slice(0, 30)}"`);
        }"""
    )


ROLES = {
    "anonymous": _anonymous_pages,
    "student": _student_setup,
    "teacher": _staff_setup("teacher"),
    "coordinator": _staff_setup("coordinator"),
    "republic admin": _staff_setup("admin"),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_key_pages_are_accessible_and_reflow(role, request, live_server, browser_page):
    """Every key page of the role, in Russian and English, ordinary and in the version for the visually
    impaired, at 320 CSS px: no serious or critical axe-core violation on the whole page and no sideways
    scrolling; the home page and the lesson with a quiz none at 1280 px either."""
    user, pages = ROLES[role](request)
    assert WIDE_PAGES.get(role, set()) <= {name for name, _url in pages}
    page = browser_page
    page.set_viewport_size(NARROW)
    problems = []
    for language, vision in MODES:
        page.context.clear_cookies()
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        if vision:
            cookies.append({"name": "vision", "value": vision, "url": live_server.url})
        if user is not None:
            cookies.append(_session_cookie(live_server, user))
        page.context.add_cookies(cookies)
        for name, url in pages:
            where = f"{role} · {name} · {language}{' · ' + vision if vision else ''}"
            page.goto(live_server.url + url)
            assert page.locator("html").get_attribute("lang") == language, where
            if vision:
                assert "vision-scheme" in (page.locator("html").get_attribute("class") or ""), where
            if user is not None:  # the page itself, not a redirect elsewhere (site pages may gain /en/)
                path = page.url.removeprefix(live_server.url).split("?")[0]
                assert re.sub(r"^/(en|tt)/", "/", path) == url.split("?")[0], f"{where}: {page.url}"
            problems += [f"{where}: {violation}" for violation in serious_violations(page)]
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > NARROW["width"]:
                problems.append(f"{where}: {width} px wide at 320 px, past the edge: {_overflowing(page)}")
    page.set_viewport_size(WIDE)
    page.context.clear_cookies()
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    page.context.add_cookies(cookies + ([_session_cookie(live_server, user)] if user is not None else []))
    for name, url in pages:
        if name in WIDE_PAGES.get(role, ()):
            page.goto(live_server.url + url)
            problems += [
                f"{role} · {name} · en · 1280 px: {violation}" for violation in serious_violations(page)
            ]
    assert not problems, "\n".join(problems)


def test_chart_table_has_the_chart_numbers(live_server, browser_page, reference_regions, network):  # noqa: F811
    """The dashboard's chart has a table alternative with the same numbers, in a disclosure that opens
    by keyboard."""
    page = browser_page
    page.context.add_cookies([_session_cookie(live_server, network.coord_a)])
    page.goto(live_server.url + reverse("lyceums:region", kwargs={"code": network.kazan.code}))
    page.locator("canvas[data-chart][data-rendered]").wait_for()
    chart = page.evaluate("JSON.parse(document.getElementById('trend-chart').textContent).data")
    summary = page.locator("details.chart-table summary")
    summary.focus()
    page.keyboard.press("Enter")
    table = page.locator("table[data-chart-table='trend-chart']")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    months = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
    assert months == chart["labels"]
    for column, dataset in enumerate(chart["datasets"]):
        numbers = [int(rows.nth(i).locator("td").nth(column).inner_text()) for i in range(rows.count())]
        assert numbers == dataset["data"], dataset["label"]
    assert sum(chart["datasets"][0]["data"]) >= 2  # the Kazan learners' enrolments are in it


def _focus_ring(page) -> dict:
    """The focused element and whether it shows a focus indicator (an outline or a box shadow)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
          const shadow = style.boxShadow && style.boxShadow !== 'none';
          return {tag: el.tagName, id: el.id, type: el.type || '', checked: Boolean(el.checked),
                  text: (el.innerText || '').trim().slice(0, 60), visible: outline || Boolean(shadow)};
        }"""
    )


def _tab_to(page, matches, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies `matches`; every element passed on the way shows
    its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focus_ring(page)
        assert focused["visible"], f"no visible focus on {focused}"
        if matches(focused):
            return focused
    raise AssertionError("not reached by Tab")


def _fill_by_keyboard(page, element_id: str, text: str) -> None:
    """Tab to the field and type into it."""
    _tab_to(page, lambda f: f["id"] == element_id)
    page.keyboard.type(text)


def test_keyboard_only_learner_journey(live_server, browser_page, demo_catalogue):
    """With Tab, Enter and Space alone a learner skips to the content, signs in, opens a course and a
    lesson, and answers the lesson's quiz; the focus is visible at every step."""
    from courses.models import CoursePage, QuizAttempt
    from courses.services import enrolment_create

    user = _verified_user("keyboard@example.org")
    enrolment_create(user=user, course=CoursePage.objects.get(slug="intro-web-development"))
    page = browser_page
    base = live_server.url

    page.goto(base + reverse("account_login"))
    _tab_to(page, lambda f: f["text"] == "Skip to content", limit=1)  # the first Tab stop of every page
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # Past the skip link the focus goes on in the content, not back through the header.
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    _fill_by_keyboard(page, "id_login", user.email)
    _fill_by_keyboard(page, "id_password", PASSWORD)
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Log in")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Log out").wait_for()

    page.goto(base + TRACK_URL)
    _tab_to(page, lambda f: f["tag"] == "A" and f["text"].startswith("Введение в веб-разработку"), limit=150)
    page.keyboard.press("Enter")
    page.wait_for_url(base + COURSE_URL)
    _tab_to(page, lambda f: f["tag"] == "A" and f["text"].startswith("HTML: структура страницы"), limit=150)
    page.keyboard.press("Enter")
    page.wait_for_url(base + QUIZ_LESSON_URL)

    # The quiz: Space picks the choice each Tab lands on (the first of a radio group, every box of a
    # multiple choice), until the focus reaches "Check answers", which Enter presses.
    focused = _tab_to(page, lambda f: f["tag"] == "INPUT" and f["type"] in ("radio", "checkbox"), limit=300)
    while not (focused["tag"] == "BUTTON" and focused["text"] == "Check answers"):
        if focused["tag"] == "INPUT" and not focused["checked"]:
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
        focused = _focus_ring(page)
        assert focused["visible"], f"no visible focus on {focused}"
    page.keyboard.press("Enter")
    page.get_by_text("Your last attempt").first.wait_for()
    attempt = QuizAttempt.objects.get(user=user)
    assert attempt.max_score > 0


def test_version_for_the_visually_impaired_by_keyboard(live_server, browser_page, demo_catalogue):
    """From any page the header's switch turns the version on with the keyboard; its bar sets the type
    size and the colours; the page is drawn by the server with the choice (no flash) and keeps it from
    page to page; "Ordinary version" turns it off."""
    page = browser_page
    base = live_server.url
    page.goto(base + COURSE_URL)
    ordinary_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.keyboard.press("Tab")  # the skip link
    _tab_to(page, lambda f: f["text"] == "Version for the visually impaired", limit=1)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + COURSE_URL
    assert "vision-scheme-bw" in page.locator("html").get_attribute("class")

    _tab_to(page, lambda f: f["text"].startswith("A++"), limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, lambda f: f["text"] == "White on black", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert "vision-scheme-wb" in page.locator("html").get_attribute("class")
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        >= 1.7 * ordinary_size
    )
    colours = page.evaluate(
        "[getComputedStyle(document.body).color,"
        " getComputedStyle(document.querySelector('main h1')).backgroundColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    assert page.get_by_role("button", name="White on black").get_attribute("aria-pressed") == "true"

    # Another page comes from the server already in the version (the markup carries the classes).
    html = page.request.get(base + CATALOG).text()
    assert '<html lang="en" class="vision vision-size-3 vision-scheme-wb">' in html
    page.goto(base + CATALOG)
    _tab_to(page, lambda f: f["text"] == "Ordinary version", limit=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + CATALOG
    assert page.locator("html").get_attribute("class") is None
    assert page.get_by_role("button", name="Version for the visually impaired").is_visible()
