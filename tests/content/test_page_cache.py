"""The anonymous page cache (lms.page_cache): a public page is rendered once per address and language for
anonymous visitors, never served to a signed-in user, each visitor gets a CSRF token of their own, and
publishing, unpublishing, moving or deleting a page empties it."""

import datetime
import re

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from content.models import HomePage, NewsIndexPage, NewsPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def news(django_capture_on_commit_callbacks):
    """Two news indexes, the first with one item; the page tree built before the test's first view."""
    home = HomePage.objects.get()
    first = home.add_child(instance=NewsIndexPage(title="Новости", slug="news"))
    second = home.add_child(instance=NewsIndexPage(title="Архив", slug="archive"))
    item = first.add_child(
        instance=NewsPage(title="Хакатон лицеев", slug="hackathon", date=datetime.date(2026, 11, 2))
    )
    return first, second, item


def test_second_anonymous_view_is_served_from_the_cache(client, django_assert_num_queries):
    """The second anonymous view of a page runs no query and says it came from the cache."""
    first = client.get("/")
    assert first.status_code == 200
    assert "X-Page-Cache" not in first
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert TOKEN.sub("", second.content.decode()) == TOKEN.sub("", first.content.decode())
    assert second["X-Frame-Options"] == first["X-Frame-Options"] == "DENY"


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works():
    """Two anonymous visitors of a cached page get different CSRF tokens, each with its cookie, and the
    language form on the cached page posts successfully."""
    Client().get("/")
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    responses = [visitor.get("/") for visitor in visitors]
    assert all(response["X-Page-Cache"] == "hit" for response in responses)
    tokens = [TOKEN.search(response.content.decode()).group(1) for response in responses]
    assert tokens[0] != tokens[1]
    assert all("csrftoken" in visitor.cookies for visitor in visitors)
    answer = visitors[0].post(
        "/i18n/setlang/", {"language": "tt", "next": "/", "csrfmiddlewaretoken": tokens[0]}
    )
    assert answer.status_code == 302


def test_signed_in_user_never_gets_a_cached_page(client, django_assert_max_num_queries):
    """A signed-in user's page is rendered for them (their name in it) even when an anonymous version is
    cached, and what they see is never stored for anonymous visitors."""
    Client().get("/")
    user = UserFactory(full_name="Алсу Гарипова")
    client.force_login(user)
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "Алсу Гарипова" in response.content.decode()

    page_of_anonymous = Client().get("/")
    assert page_of_anonymous["X-Page-Cache"] == "hit"
    assert "Алсу Гарипова" not in page_of_anonymous.content.decode()


def test_personal_cookies_bypass_the_cache():
    """A visitor carrying a session (say, a passed page password) or flash messages gets a fresh render."""
    Client().get("/")
    for cookie in ("sessionid", "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "something"
        assert "X-Page-Cache" not in visitor.get("/")


def test_cache_varies_by_language():
    """Each language has its own cached copy, in that language."""
    russian = [Client(HTTP_ACCEPT_LANGUAGE="ru").get("/") for _ in range(2)]
    english = [Client(HTTP_ACCEPT_LANGUAGE="en").get("/") for _ in range(2)]
    assert russian[1]["X-Page-Cache"] == english[1]["X-Page-Cache"] == "hit"
    assert russian[1]["Content-Language"] == "ru"
    assert english[1]["Content-Language"] == "en"
    assert 'lang="en"' in english[1].content.decode()
    assert 'lang="ru"' in russian[1].content.decode()


def test_restricted_page_is_not_cached(client, news):
    """A page behind a password is never stored (its form, or its content once passed)."""
    _, _, item = news
    PageViewRestriction.objects.create(page=item, restriction_type=PageViewRestriction.PASSWORD, password="x")
    client.get(item.url)
    assert "X-Page-Cache" not in client.get(item.url)


def test_restricting_a_cached_page_purges(client, news, django_capture_on_commit_callbacks):
    """A public page made private (which publishes nothing) stops being served from the cache at once."""
    _, _, item = news
    client.get(item.url)
    assert client.get(item.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=item, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    response = client.get(item.url)
    assert "X-Page-Cache" not in response
    assert "Хакатон лицеев" not in response.content.decode()


def test_publishing_purges(client, django_capture_on_commit_callbacks):
    """A published change shows at once, even on a cached page."""
    client.get("/")
    home = HomePage.objects.get()
    home.hero_title = "Цифровая экономика для всех"
    with django_capture_on_commit_callbacks(execute=True):
        home.save_revision().publish()
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "Цифровая экономика для всех" in response.content.decode()


def test_unpublishing_purges(client, news, django_capture_on_commit_callbacks):
    """An unpublished page and the index listing it stop showing it at once."""
    first, _, item = news
    assert client.get(item.url).status_code == 200
    assert "Хакатон лицеев" in client.get(first.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        item.unpublish()
    assert client.get(item.url).status_code == 404
    assert "Хакатон лицеев" not in client.get(first.url).content.decode()


def test_moving_purges(client, news, django_capture_on_commit_callbacks):
    """A page moved to another section leaves the first one's cached listing and appears in the other."""
    first, second, item = news
    client.get(first.url)
    client.get(second.url)
    with django_capture_on_commit_callbacks(execute=True):
        item.move(second, pos="last-child")
    assert "Хакатон лицеев" not in client.get(first.url).content.decode()
    assert "Хакатон лицеев" in client.get(second.url).content.decode()


def test_deleting_purges(client, news, django_capture_on_commit_callbacks):
    """A deleted page disappears from a cached listing at once."""
    first, _, item = news
    assert "Хакатон лицеев" in client.get(first.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        item.delete()
    assert "Хакатон лицеев" not in client.get(first.url).content.decode()
