import datetime

import pytest

from content.models import HomePage, NewsIndexPage, NewsPage
from demo.courses import TRACKS, seed_courses

pytestmark = pytest.mark.django_db


def test_home_page_shows_hero_and_every_track(client, django_assert_max_num_queries):
    """The home page renders its hero, a link to the catalogue and one card per live track, with a
    number of queries that does not grow with the tracks."""
    seed_courses()
    with django_assert_max_num_queries(20):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    home = HomePage.objects.get()
    assert home.hero_title in html
    assert 'href="/catalog/"' in html
    for track in TRACKS:
        assert track.title in html
        assert f'href="/catalog/{track.code}/"' in html


def test_home_page_without_tracks(client):
    """With no tracks published yet the home page still renders and says so."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No training areas have been published yet." in response.content.decode()


def test_news_index_lists_live_news_newest_first(client):
    """The news index lists published news, newest first, and each news item renders."""
    home = HomePage.objects.get()
    index = home.add_child(instance=NewsIndexPage(title="Новости", slug="news"))
    index.add_child(instance=NewsPage(title="Старт набора", slug="start", date=datetime.date(2026, 9, 1)))
    index.add_child(
        instance=NewsPage(title="Хакатон лицеев", slug="hackathon", date=datetime.date(2026, 11, 2))
    )
    index.add_child(
        instance=NewsPage(title="Черновик", slug="draft", date=datetime.date(2026, 11, 20), live=False)
    )
    html = client.get("/news/").content.decode()
    assert html.index("Хакатон лицеев") < html.index("Старт набора")
    assert "Черновик" not in html
    item = client.get("/news/hackathon/")
    assert item.status_code == 200
    assert "Хакатон лицеев" in item.content.decode()
    assert 'datetime="2026-11-02"' in item.content.decode()
