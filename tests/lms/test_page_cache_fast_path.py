"""The anonymous page cache's fast path (lms.page_cache): a cached page is answered before the session,
language, CSRF and authentication middleware in one cache round trip, still with the visitor's own CSRF
token and cookie, the reader's language and every security header; only known query parameters are
part of a key, so made-up query strings are rendered and never stored; a lost generation never
revives pages stored before it."""

import re
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from lms import page_cache
from tests.factories import catalog_page

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()


def _stored_pages() -> int:
    return sum(1 for key in cache._cache if ":page-cache:page:" in key)


def test_cached_page_skips_the_session_and_authentication_middleware():
    """A page from the cache is answered before the session and authentication middleware run (the
    request never gets a session or a user), yet with the security headers, the content security
    policy, the clickjacking header and the page's language and Vary headers."""
    first = Client().get("/")
    response = Client().get("/")
    assert response["X-Page-Cache"] == "hit"
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Content-Language",
    ):
        assert response[header] == first[header], header
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    assert int(response["Content-Length"]) == len(response.content)
    middleware = settings.MIDDLEWARE
    assert middleware.index("lms.page_cache.AnonymousPageCacheMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


def test_cached_page_costs_one_cache_round_trip():
    """Serving a cached page reads the cache once (the generation and the page together)."""
    Client().get("/")
    calls = []

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(cache, name)

    with mock.patch.object(page_cache, "cache", Counting()):
        response = Client().get("/")
    assert response["X-Page-Cache"] == "hit"
    assert calls == ["get_many"]


def test_visitor_keeps_their_csrf_cookie_on_a_cached_page():
    """A visitor who already has a CSRF cookie keeps its secret (the cookie is only renewed) and the
    token in the cached page goes with it: the form posts."""
    Client().get("/")
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/")
    cookie = visitor.cookies[settings.CSRF_COOKIE_NAME].value
    response = visitor.get("/")
    assert response["X-Page-Cache"] == "hit"
    renewed = response.cookies.get(settings.CSRF_COOKIE_NAME)
    assert renewed is None or renewed.value == cookie
    token = TOKEN.search(response.content.decode()).group(1)
    assert visitor.cookies[settings.CSRF_COOKIE_NAME].value == cookie
    answer = visitor.post("/i18n/setlang/", {"language": "tt", "next": "/", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302


def test_language_cookie_picks_the_cached_copy():
    """The language cookie decides which language's copy a visitor is served, as for a rendered page."""
    for _ in range(2):
        english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/")
        visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
        visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
        russian = visitor.get("/")
    assert english["X-Page-Cache"] == russian["X-Page-Cache"] == "hit"
    assert english["Content-Language"] == "en"
    assert russian["Content-Language"] == "ru"
    assert 'lang="ru"' in russian.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=newsletter",  # not a parameter of any page
        "q=python",  # free text
        "level=beginner&level=advanced",  # a parameter twice
        "level=" + "x" * 60,  # not a short word
        "level=%3Cscript%3E",
    ],
)
def test_unknown_query_strings_are_rendered_and_never_stored(query):
    """An address whose query string is not made of known parameters with short values is rendered
    every time and adds nothing to the cache."""
    Client().get("/")
    stored = _stored_pages()
    for _ in range(2):
        response = Client().get(f"/?{query}")
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    assert _stored_pages() == stored


def test_known_query_parameters_are_cached_in_any_order():
    """The catalogue's filters are part of the key, whatever their order in the address."""
    catalogue = catalog_page()
    first = Client().get(f"{catalogue.url}?level=beginner&format=distance")
    assert "X-Page-Cache" not in first
    again = Client().get(f"{catalogue.url}?format=distance&level=beginner")
    assert again["X-Page-Cache"] == "hit"
    other = Client().get(f"{catalogue.url}?level=advanced")
    assert "X-Page-Cache" not in other


def _never_stored(address: str) -> None:
    stored = _stored_pages()
    for _ in range(2):
        response = Client().get(address)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    assert _stored_pages() == stored


@pytest.mark.parametrize("query", ["level=zzz", "level=a1", "track=nonexistent"])
def test_filter_values_the_catalogue_does_not_offer_are_never_stored(query):
    """Only values the catalogue's own filters offer make a key: invented ones are rendered every time,
    so they cannot fill the cache."""
    _never_stored(f"{catalog_page().url}?{query}")


def test_filter_parameters_on_a_page_without_filters_are_never_stored():
    _never_stored("/?level=beginner")


def test_lost_generation_never_revives_older_pages():
    """When the cache loses the generation (evicted, flushed), pages stored before are not served
    again: they may predate a purge."""
    Client().get("/")
    assert Client().get("/")["X-Page-Cache"] == "hit"
    cache.delete(page_cache.GENERATION_KEY)
    assert "X-Page-Cache" not in Client().get("/")
    assert Client().get("/")["X-Page-Cache"] == "hit"
