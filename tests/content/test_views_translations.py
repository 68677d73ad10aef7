"""Pages in Tatar: the language decides which page tree an address is served from (a `/tt/` prefix, or
the visitor's chosen language at an unprefixed address), the switcher returns to the same page in the
new language, an untranslated page is shown in Russian with a notice in the reader's language, and the
anonymous page cache keeps the languages apart."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from content.models import HomePage, StandardPage
from lms.i18n import language_url
from tests.factories import CoursePageFactory, TrackPageFactory, catalog_page, page_translation

pytestmark = pytest.mark.django_db

NOTICES = {
    "tt": "Бу бит әлегә сезнең телгә тәрҗемә ителмәгән",
    "ru": "Эта страница ещё не переведена на ваш язык",
    "en": "This page has not been translated into your language yet",
}
# The pages' own language is the default one (Russian on a real site, English under the test settings);
# the third interface language has no pages of its own.
DEFAULT = settings.LANGUAGE_CODE
WITHOUT_PAGES = next(code for code, _name in settings.LANGUAGES if code not in (DEFAULT, "tt"))


@pytest.fixture
def pages():
    """Home, catalogue, a track and a course in Russian and Tatar, and an About page left
    untranslated (an alias in the Tatar tree, as the demo and the admin's tree sync make it)."""
    home = HomePage.objects.order_by("path").first()
    home.hero_title = "Учитесь в IT-лицее"
    home.save_revision().publish()
    track = TrackPageFactory(title="Веб-разработка", slug="web", code="web")
    course = CoursePageFactory(parent=track, title="Основы HTML", slug="html")
    about = StandardPage.objects.child_of(home).get(slug="about")
    return {
        "home": (home, page_translation(home, hero_title="IT-лицейда укыгыз", title="Баш бит")),
        "catalog": (catalog_page(), page_translation(catalog_page(), title="Курслар каталогы")),
        "track": (track, page_translation(track, title="Веб-эшләнмә")),
        "course": (course, page_translation(course, title="HTML нигезләре")),
        "about": (about, page_translation(about, alias=True)),
    }


@pytest.mark.parametrize(
    ("name", "russian", "tatar"),
    [
        ("home", "Учитесь в IT-лицее", "IT-лицейда укыгыз"),
        ("catalog", "Каталог курсов", "Курслар каталогы"),
        ("track", "Веб-разработка", "Веб-эшләнмә"),
        ("course", "Основы HTML", "HTML нигезләре"),
    ],
)
def test_tatar_prefix_serves_the_tatar_page(client, pages, name, russian, tatar):
    """`/tt/…` serves the Tatar page (the Tatar interface with it); the unprefixed address still serves
    the Russian page."""
    page_ru, page_tt = pages[name]
    assert page_tt.url == "/tt" + page_ru.url
    html = client.get(page_tt.url, HTTP_ACCEPT_LANGUAGE=DEFAULT).content.decode()
    assert tatar in html
    assert russian not in html
    assert '<html lang="tt"' in html
    html = client.get(page_ru.url, HTTP_ACCEPT_LANGUAGE=DEFAULT).content.decode()
    assert russian in html
    assert tatar not in html


def test_switching_to_tatar_changes_the_content_at_the_same_page(client, pages):
    """The language switcher sends a visitor reading the Russian course to the Tatar course; the
    unprefixed address also serves the Tatar page once Tatar is chosen; switching back returns to the
    Russian page."""
    course_ru, course_tt = pages["course"]
    response = client.post(reverse("set_language"), {"language": "tt", "next": course_ru.url})
    assert response["Location"] == course_tt.url
    assert "HTML нигезләре" in client.get(response["Location"]).content.decode()
    assert "HTML нигезләре" in client.get(course_ru.url).content.decode()
    response = client.post(reverse("set_language"), {"language": DEFAULT, "next": course_tt.url})
    assert response["Location"] == course_ru.url
    assert "Основы HTML" in client.get(response["Location"]).content.decode()


def test_switcher_keeps_other_addresses_and_refuses_other_sites(client, pages):
    """Addresses outside the page tree are the same in every language (no prefix), a query string
    survives, and a `next` pointing at another site goes home instead."""
    assert language_url("/learning/?tab=done", "tt") == "/learning/?tab=done"
    assert language_url("/tt/catalogue/?q=web", DEFAULT) == "/catalogue/?q=web"
    assert language_url("/catalogue/", "tt") == "/tt/catalogue/"
    response = client.post(reverse("set_language"), {"language": "tt", "next": "https://evil.example/"})
    assert response["Location"] == "/tt/"  # the home page, in the chosen language
    assert client.cookies["django_language"].value == "tt"


def test_service_addresses_carry_no_language_prefix(pages):
    """The OpenID Connect provider, the API, the hub's and the learning addresses are never prefixed,
    whatever the active language."""
    with translation.override("tt"):
        assert reverse("oauth2_provider:authorize") == "/oauth/authorize/"
        assert reverse("healthz") == "/healthz"
        assert reverse("courses:my_learning") == "/learning/"
        assert reverse("wagtail_serve", args=["catalogue/"]) == "/tt/catalogue/"
    assert Client().get("/tt/learning/").status_code == 404


def test_untranslated_page_is_shown_in_russian_with_a_notice(client, pages):
    """The Tatar address of a page nobody has translated shows the Russian text, with a notice in
    Tatar saying so; the Russian page itself carries no notice."""
    about_ru, about_tt = pages["about"]
    html = client.get(about_tt.url).content.decode()
    assert about_ru.title in html
    assert NOTICES["tt"] in html
    assert f'data-content-fallback="{DEFAULT}"' in html
    assert "content-fallback" not in client.get(about_ru.url, HTTP_ACCEPT_LANGUAGE=DEFAULT).content.decode()
    assert "content-fallback" not in client.get(pages["course"][1].url).content.decode()


def test_a_language_without_pages_shows_russian_with_a_notice(client, pages):
    """A language without pages of its own (English on a real site): its reader gets the page in the
    default language, with the notice in their language."""
    html = client.get(pages["course"][0].url, HTTP_ACCEPT_LANGUAGE=WITHOUT_PAGES).content.decode()
    assert f'<html lang="{WITHOUT_PAGES}"' in html
    assert "Основы HTML" in html
    assert NOTICES[WITHOUT_PAGES] in html


def test_page_cache_keeps_languages_apart(settings, pages):
    """Anonymous pages are cached per language: at the same unprefixed address a Russian and a Tatar
    visitor each get their own page, from the cache the second time."""
    settings.PAGE_CACHE_SECONDS = 300
    course_ru = pages["course"][0]
    russian, tatar = Client(), Client()
    tatar.cookies["django_language"] = "tt"
    for _ in range(2):
        html_ru = russian.get(course_ru.url, HTTP_ACCEPT_LANGUAGE=DEFAULT)
        html_tt = tatar.get(course_ru.url)
    assert html_ru["X-Page-Cache"] == html_tt["X-Page-Cache"] == "hit"
    assert "Основы HTML" in html_ru.content.decode()
    assert "HTML нигезләре" in html_tt.content.decode()


def test_publishing_a_translation_empties_the_page_cache(settings, django_capture_on_commit_callbacks, pages):
    """Publishing the Tatar page (a translation, not the original) forgets the cached Tatar page."""
    settings.PAGE_CACHE_SECONDS = 300
    course_tt = pages["course"][1]
    visitor = Client()
    visitor.get(course_tt.url)
    assert visitor.get(course_tt.url)["X-Page-Cache"] == "hit"
    course_tt.title = "HTML: беренче адымнар"
    with django_capture_on_commit_callbacks(execute=True):
        course_tt.save_revision().publish()
    response = visitor.get(course_tt.url)
    assert "X-Page-Cache" not in response
    assert "HTML: беренче адымнар" in response.content.decode()
