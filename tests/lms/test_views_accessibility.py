"""The version for the visually impaired (lms.accessibility): the header's switch and settings bar post a
plain form, the choice is kept in a cookie the server reads, and every page is rendered with the
matching classes on <html> — anonymous visitors too, never from the anonymous page cache."""

import re

import pytest
from django.test import Client

from lms.accessibility import (
    COOKIE_NAME,
    VisionSettings,
    vision_settings_change,
    vision_settings_parse,
)

pytestmark = pytest.mark.django_db

HTML_TAG = re.compile(r"<html[^>]*>")


def _html_tag(response) -> str:
    return HTML_TAG.search(response.content.decode()).group(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.bw.0.1", VisionSettings()),
        ("3.wb.1.0", VisionSettings(size=3, scheme="wb", wide_spacing=True, images=False)),
        ("2.blue.0.1", VisionSettings(size=2, scheme="blue")),
        ("4.bw.0.1", None),
        ("1.red.0.1", None),
        ("1.bw..1", None),
        ("1.bw.0", None),
        ("", None),
        (None, None),
    ],
)
def test_cookie_value_is_parsed_strictly(value, expected):
    """Only a well-formed cookie switches the version on; anything else means the ordinary site."""
    assert vision_settings_parse(value) == expected
    if expected is not None:
        assert vision_settings_parse(expected.cookie_value) == expected


def test_buttons_change_one_setting_each():
    """Each button of the bar changes its own setting and keeps the others; unknown values change
    nothing; "Ordinary version" switches the version off."""
    settings = vision_settings_change(None, {"mode": "on"})
    assert settings == VisionSettings()
    settings = vision_settings_change(settings, {"size": "3"})
    settings = vision_settings_change(settings, {"scheme": "blue"})
    settings = vision_settings_change(settings, {"spacing": "wide"})
    settings = vision_settings_change(settings, {"images": "off"})
    assert settings == VisionSettings(size=3, scheme="blue", wide_spacing=True, images=False)
    assert vision_settings_change(settings, {"size": "9", "scheme": "pink", "images": "maybe"}) == settings
    assert settings.html_class == "vision vision-size-3 vision-scheme-blue vision-spacing vision-no-images"
    assert vision_settings_change(settings, {"mode": "off"}) is None


def test_switch_on_remembers_the_choice_and_returns_to_the_page(client):
    """The header's switch (a form post, no script) sets a long-lived cookie and goes back to the page
    the visitor was on, which is then drawn with the classes and the settings bar."""
    html = client.get("/accounts/login/").content.decode()
    assert "Version for the visually impaired" in html
    assert 'name="mode" value="on"' in html
    assert "vision" not in _html_tag(client.get("/accounts/login/"))

    response = client.post("/accessibility/", {"mode": "on", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == "1.bw.0.1"
    assert cookie["max-age"] >= 300 * 24 * 3600
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"

    page = client.get("/accounts/login/")
    assert 'class="vision vision-size-1 vision-scheme-bw"' in _html_tag(page)
    html = page.content.decode()
    assert "Settings of the version for the visually impaired" in html
    assert 'name="size" value="3" aria-pressed="false"' in html
    assert 'name="scheme" value="bw" aria-pressed="true"' in html
    assert 'name="mode" value="off"' in html

    client.post("/accessibility/", {"size": "3", "scheme": "wb", "images": "off", "next": "/accounts/login/"})
    assert 'class="vision vision-size-3 vision-scheme-wb vision-no-images"' in _html_tag(
        client.get("/accounts/signup/")
    )

    response = client.post("/accessibility/", {"mode": "off", "next": "/accounts/signup/"})
    assert response.cookies[COOKIE_NAME].value == ""  # deleted
    assert "vision" not in _html_tag(client.get("/accounts/signup/"))


@pytest.mark.parametrize("target", ["https://evil.example.org/", "//evil.example.org/x", ""])
def test_switch_never_redirects_off_the_site(client, target):
    response = client.post("/accessibility/", {"mode": "on", "next": target})
    assert response["Location"] == "/"


def test_switch_takes_posts_only(client):
    assert client.get("/accessibility/?mode=on").status_code == 405


def test_switch_is_protected_from_cross_site_posts():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accessibility/", {"mode": "on", "next": "/"}).status_code == 403


def test_cached_public_page_is_not_served_to_a_visitor_in_the_version(client, settings):
    """An anonymous visitor with the version on gets the page drawn for them, not the ordinary copy
    that the anonymous page cache keeps."""
    settings.PAGE_CACHE_SECONDS = 300
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    visitor = Client()
    visitor.cookies[COOKIE_NAME] = "2.blue.1.1"
    response = visitor.get("/")
    assert "X-Page-Cache" not in response
    assert 'class="vision vision-size-2 vision-scheme-blue vision-spacing"' in _html_tag(response)
    # ... and the ordinary copy stays ordinary for everyone else.
    assert "vision" not in _html_tag(client.get("/"))


@pytest.mark.parametrize(
    ("language", "switch", "ordinary"),
    [
        ("ru", "Версия для слабовидящих", "Обычная версия"),
        ("tt", "Начар күрүчеләр өчен версия", "Гадәти версия"),
    ],
)
def test_switch_and_bar_are_translated(client, language, switch, ordinary):
    client.cookies["django_language"] = language
    assert switch in client.get("/accounts/login/").content.decode()
    client.cookies[COOKIE_NAME] = "1.bw.0.1"
    assert ordinary in client.get("/accounts/login/").content.decode()
