"""A newcomer in a real browser: searching «питон» from the home page shows a Python course on the first
screen of the catalogue, and a mistyped address shows the portal's 404 page with its header."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalogue():
    from content.services import site_structure_ensure
    from demo.courses import seed_courses

    site_structure_ensure()
    seed_courses()


def test_home_search_finds_python_on_first_screen_and_404_has_header(
    live_server, browser_page, demo_catalogue
):
    """The home page's search box leads to the catalogue with a Python course visible without
    scrolling; an unknown address answers with the portal's header and a link to the catalogue."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    page.locator("#home-search").fill("питон")
    page.locator("#home-search").press("Enter")
    page.wait_for_load_state()
    link = page.locator("#courses article a", has_text="Python").first
    link.wait_for()
    box = link.bounding_box()
    assert box is not None
    assert box["y"] < page.viewport_size["height"]

    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    assert page.locator("header nav.navbar").is_visible()
    assert page.get_by_role("link", name="Browse the courses").is_visible()
