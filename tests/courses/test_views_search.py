"""Searching the catalogue as a newcomer does: results before the track cards, a search box on the home
page, colloquial names of technologies («питон») and parts of words still find the courses."""

import pytest

from tests.factories import CoursePageFactory, TrackPageFactory, catalog_page, home_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    track = TrackPageFactory(title="Программирование", code="programming")
    CoursePageFactory(parent=track, title="Python basics", summary="Variables, loops and functions")
    CoursePageFactory(parent=track, title="Java for beginners", summary="Classes and objects")
    return catalog_page()


def _titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


def test_search_results_come_before_the_tracks(client, catalogue):
    """With a query the matching courses are shown first and the track cards after them; without one
    the tracks come first."""
    html = client.get(catalogue.url, {"q": "Python"}).content.decode()
    assert html.index('id="courses-heading"') < html.index('id="tracks-heading"')
    html = client.get(catalogue.url).content.decode()
    assert html.index('id="tracks-heading"') < html.index('id="courses-heading"')


@pytest.mark.parametrize(
    ("query", "expected"),
    [("питон", ["Python basics"]), ("Пайтон", ["Python basics"]), ("джава", ["Java for beginners"])],
)
def test_search_understands_colloquial_names(client, catalogue, query, expected):
    """Russian transliterations of technology names find the courses named in English."""
    assert _titles(client.get(catalogue.url, {"q": query})) == expected


def test_search_falls_back_to_part_of_a_word(client, catalogue):
    """When full-text search finds nothing, a part of a word in a title or summary still matches."""
    assert _titles(client.get(catalogue.url, {"q": "pyth"})) == ["Python basics"]
    assert _titles(client.get(catalogue.url, {"q": "zzzz"})) == []


def test_home_page_has_a_search_box_sending_to_the_catalogue(client, catalogue):
    """The home page has a search field named `q` in a form whose target is the catalogue page."""
    html = client.get(home_page().url).content.decode()
    assert f'action="{catalogue.url}"' in html
    assert 'name="q"' in html
