"""The catalogue page: track cards, filters, Wagtail search, a fixed number of queries; the page tree
rules."""

import pytest
from django.urls import reverse

from courses.models import CatalogPage, CoursePage, LessonPage, TrackPage
from tests.factories import CoursePageFactory, TrackPageFactory, catalog_page, home_page
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    web = TrackPageFactory(title="Веб-разработка", code="web", sort_order=1)
    games = TrackPageFactory(title="Компьютерные игры", code="games", sort_order=2)
    CoursePageFactory(
        parent=web, title="HTML and CSS basics", summary="Markup and style sheets", audience="students"
    )
    CoursePageFactory(
        parent=web,
        title="Teaching web design",
        summary="Methods for teachers",
        audience="teachers",
        level="intermediate",
    )
    CoursePageFactory(
        parent=games, title="Game design", summary="Levels, mechanics and Unity", format="blended"
    )
    return catalog_page()


def _titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


def test_catalogue_lists_tracks_and_courses(client, catalogue):
    """Every track is shown as a card and every live course is listed."""
    response = client.get(catalogue.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Веб-разработка" in html
    assert "Компьютерные игры" in html
    assert sorted(_titles(response)) == ["Game design", "HTML and CSS basics", "Teaching web design"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"track": "games"}, ["Game design"]),
        ({"audience": "teachers"}, ["Teaching web design"]),
        ({"level": "intermediate"}, ["Teaching web design"]),
        ({"format": "blended"}, ["Game design"]),
        ({"track": "web", "audience": "students"}, ["HTML and CSS basics"]),
        ({"q": "Unity"}, ["Game design"]),
        ({"q": "teachers", "track": "web"}, ["Teaching web design"]),
    ],
)
def test_catalogue_filters(client, catalogue, params, expected):
    """Courses are filtered by track, audience, level and format, and searched with Wagtail search."""
    response = client.get(catalogue.url, params)
    assert sorted(_titles(response)) == expected


def test_catalogue_ignores_invalid_filter(client, catalogue):
    """An unknown filter value shows the form error and all courses, not a server error."""
    response = client.get(catalogue.url, {"level": "guru"})
    assert response.status_code == 200
    assert len(_titles(response)) == 3
    assert response.context["form"].errors


def test_catalogue_hides_unpublished_courses(client, catalogue):
    """A course taken offline disappears from the catalogue."""
    CoursePage.objects.get(title="Game design").unpublish()
    response = client.get(catalogue.url)
    assert "Game design" not in _titles(response)


def test_catalogue_query_count_is_constant(client, django_assert_max_num_queries):
    """Listing thirty courses costs no more queries than listing three."""
    catalog = catalog_page()
    track = TrackPageFactory()
    for _ in range(3):
        CoursePageFactory(parent=track)
    client.get(catalog.url)  # warm the site-root cache
    with django_assert_max_num_queries(12) as few:
        client.get(catalog.url)
    budget = len(few.captured_queries)  # read before the next request empties Django's query log
    for _ in range(27):
        CoursePageFactory(parent=track)
    client.get(catalog.url)  # new pages: the remembered facts about the tree are read afresh once
    with django_assert_max_num_queries(budget):
        response = client.get(catalog.url)
    assert len(response.context["courses"]) == 30


def test_catalogue_menu_entry_redirects_to_catalogue_page(client):
    """The menu's Catalogue entry leads to the live catalogue page; 404 while none is live."""
    catalog = catalog_page()
    catalog.unpublish()
    assert client.get(reverse("courses:catalogue")).status_code == 404
    catalog.save_revision().publish()
    response = client.get(reverse("courses:catalogue"))
    assert response.status_code == 302
    assert response["Location"] == catalog.url


def test_catalogue_menu_entry_keeps_the_search_and_filters(client):
    """A bookmarked /learning/catalogue/?q=… arrives at the catalogue page with its query intact."""
    catalog = catalog_page()
    response = client.get(reverse("courses:catalogue"), {"q": "питон", "audience": "students"})
    assert response.status_code == 302
    assert response["Location"] == f"{catalog.url}?q=%D0%BF%D0%B8%D1%82%D0%BE%D0%BD&audience=students"


def test_track_page_lists_its_courses(client):
    """A track page shows its own courses only."""
    track = TrackPageFactory(title="SMM")
    CoursePageFactory(parent=track, title="Stories that sell")
    CoursePageFactory(title="Elsewhere")
    response = client.get(track.url)
    assert response.status_code == 200
    assert [c.title for c in response.context["courses"]] == ["Stories that sell"]


def test_page_tree_rules():
    """Catalogue under home, tracks under the catalogue, courses under tracks, lessons under courses,
    and nowhere else."""
    home = home_page()
    catalog = catalog_page()
    track = TrackPageFactory()
    course = CoursePageFactory(parent=track)
    assert not CatalogPage.can_create_at(home)  # max_count: the one catalogue exists
    assert CatalogPage.can_exist_under(home)
    assert not CatalogPage.can_exist_under(track)
    assert TrackPage.can_create_at(catalog)
    assert not TrackPage.can_create_at(home)
    assert CoursePage.can_create_at(track)
    assert not CoursePage.can_create_at(catalog)
    assert not CoursePage.can_create_at(home)
    assert LessonPage.can_create_at(course)
    assert not LessonPage.can_create_at(track)
    assert LessonPage.subpage_types == []


def test_search_stems_russian_on_postgres(client):
    """On PostgreSQL, a search for one form of a Russian word finds a course that uses another form."""
    require_postgres()
    track = TrackPageFactory()
    CoursePageFactory(parent=track, title="Преподавание программирования", summary="Для учителей лицеев")
    CoursePageFactory(parent=track, title="Основы SMM", summary="Продвижение в социальных сетях")
    response = client.get(catalog_page().url, {"q": "программирование"})
    assert _titles(response) == ["Преподавание программирования"]
