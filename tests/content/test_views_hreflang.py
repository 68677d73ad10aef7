"""A translated page names its versions for search engines: `<link rel="alternate" hreflang=…>` for
each language it exists in, and `x-default` (the default language's unprefixed address, which serves
each reader their own language)."""

import re

import pytest
from django.conf import settings
from wagtail.models import Locale

from content.models import HomePage, StandardPage
from tests.factories import CoursePageFactory, TrackPageFactory, page_translation

pytestmark = pytest.mark.django_db

DEFAULT = settings.LANGUAGE_CODE  # the pages' own language (English under the test settings)
LINK = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def alternates(response) -> dict[str, str]:
    html = response.content.decode()
    head = html[: html.index("</head>")]
    return dict(LINK.findall(head))


@pytest.fixture
def course():
    track = TrackPageFactory(title="Веб-разработка", slug="web", code="web")
    page = CoursePageFactory(parent=track, title="Основы HTML", slug="html")
    page_translation(track, title="Веб-эшләнмә")
    page_translation(page, title="HTML нигезләре")
    return page


def test_a_translated_page_names_every_language_and_a_default(client, course):
    """The original and its Tatar translation both carry the same links: each language's absolute
    address, and x-default pointing at the default language's page."""
    original = client.get(course.url)
    assert original.status_code == 200
    links = alternates(original)
    assert links == {
        DEFAULT: f"http://testserver{course.url}",
        "tt": f"http://testserver/tt{course.url}",
        "x-default": f"http://testserver{course.url}",
    }
    translated = client.get(f"/tt{course.url}")
    assert translated.status_code == 200
    assert alternates(translated) == links


def test_untranslated_pages_and_aliases_carry_no_links(client, course):
    """A page with no translation, and the alias that stands in for it in the Tatar tree (it shows the
    original's text), name no alternates."""
    home = HomePage.objects.order_by("path").first()
    about = StandardPage.objects.child_of(home).get(slug="about")
    page_translation(about, alias=True)
    assert alternates(client.get(about.url)) == {}
    assert alternates(client.get(f"/tt{about.url}")) == {}


def test_a_draft_translation_is_not_named(client):
    """Only live translations are named: a Tatar copy not yet published is left out."""
    page = CoursePageFactory(parent=TrackPageFactory(slug="data", code="data"), slug="pandas")
    locale, _created = Locale.objects.get_or_create(language_code="tt")
    draft = page.copy_for_translation(locale, copy_parents=True)
    assert not draft.live
    assert alternates(client.get(page.url)) == {}
