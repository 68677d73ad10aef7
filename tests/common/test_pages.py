"""Page-tree lookups by language (common.pages)."""

import pytest
from wagtail.models import Locale, Page

from common.pages import in_locale

pytestmark = pytest.mark.django_db


def test_without_any_locale_pages_are_not_narrowed_to_a_language():
    """A database whose tables were emptied (no Wagtail locale at all, as in a flushed test database)
    answers the catalogue and My learning with the pages there are, not a server error."""
    Page.objects.filter(depth__gt=1).delete()
    Page.objects.all().delete()
    Locale.objects.all().delete()
    assert list(in_locale(Page.objects.all())) == []


def test_pages_are_narrowed_to_the_readers_language():
    """With locales, only the active language's pages are kept."""
    tatar = Locale.objects.create(language_code="tt")
    pages = Page.objects.all()
    assert in_locale(pages, tatar).count() == 0
    assert in_locale(pages).count() == pages.count()
