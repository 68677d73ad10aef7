"""Phones and zoom (WCAG 1.4.10 Reflow): at 320 CSS pixels wide the coordinator's dashboard, a group
page and the gradebook never scroll the page sideways; wide tables scroll inside their own focusable
region and the monthly chart keeps a usable height."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import ExerciseFactory, GroupMembershipFactory
from tests.lyceums.conftest import network  # noqa: F401  (the shared network fixture)
from tests.services import ensure_reference_regions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reference_regions(db):
    """The municipalities the network fixture places its lyceums in."""
    ensure_reference_regions()


def _log_in(page, live_server, user) -> None:
    """Give the browser the session cookie of a force-logged-in test client."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def _page_fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_pages_reflow_at_320_px(live_server, browser_page, reference_regions, network):  # noqa: F811
    """The region dashboard, a group page and the gradebook fit a 320 px viewport (their tables scroll
    in a labelled, focusable region) and the dashboard's chart is at least 150 px high."""
    for _ in range(3):
        GroupMembershipFactory(group=network.group_a)
    exercise = ExerciseFactory(title="Functions in HTML templates")
    for n in range(5):  # a wide gradebook: copies of the exercise without running nbgrader again
        exercise.pk = None
        exercise.slug = f"functions-copy-{n}"
        exercise.title = f"Переподготовленные функции {n}"
        exercise.save()
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 720})
    _log_in(page, live_server, network.coord_a)

    page.goto(live_server.url + reverse("lyceums:region", kwargs={"code": network.kazan.code}))
    page.locator("canvas[data-chart][data-rendered]").wait_for()
    assert _page_fits(page), "dashboard scrolls sideways"
    height = page.evaluate("document.querySelector('canvas[data-chart]').getBoundingClientRect().height")
    assert height >= 150, height
    regions = page.locator(".table-scroll")
    assert regions.count() >= 2
    for i in range(regions.count()):
        region = regions.nth(i)
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-label")

    page.goto(live_server.url + reverse("lyceums:group", kwargs={"pk": network.group_a.pk}))
    assert page.locator("#enrol-course").is_visible()
    assert _page_fits(page), "group page scrolls sideways"

    page.goto(live_server.url + reverse("grading:gradebook"))
    page.get_by_role("region", name="Gradebook").wait_for()
    assert _page_fits(page), "gradebook scrolls sideways"
