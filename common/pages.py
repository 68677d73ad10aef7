"""Lookups in the Wagtail page tree.

Parents by materialised path: a page's parent has the page's path minus its last step, so "the course a
lesson belongs to" or "the track of a course" is one query (or none, when the candidate parents are
already loaded) instead of `get_parent()` and `.specific`.

Translations: a translated page is another page of the same model with the same translation key in
another locale (one page tree per language); `source_page` finds the version in the default language.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db.models import QuerySet
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

P = TypeVar("P", bound=Page)


def parent_path(path: str) -> str:
    """The tree path of the parent of the page at `path`."""
    return path[: -Page.steplen]


def parent_page(page: Page, model: type[P]) -> P:
    """The parent of `page` as an instance of `model`, in one query; raises `model.DoesNotExist` when
    the parent is not one."""
    return model.objects.get(path=parent_path(page.path))


def default_language() -> str:
    """The language code of the default locale (the site's own pages are written in it)."""
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def source_page(page: P) -> P:
    """The page's version in the default language: the page itself when it is in that language, or
    when (unusually) it has no such version. One query."""
    if page.locale_id is None:
        return page
    source = (
        type(page)
        .objects.filter(translation_key=page.translation_key, locale__language_code=default_language())
        .first()
    )
    return source or page


def in_default_locale(pages: QuerySet[P]) -> QuerySet[P]:
    """Only the default language's pages: the records staff work with (enrolments, plans, statistics)
    are kept on them, whichever language a learner reads."""
    return pages.filter(locale__language_code=default_language())


def in_locale(pages: QuerySet[P], locale: Locale | int | None = None) -> QuerySet[P]:
    """Only the pages of `locale` (a Locale or its id; by default the reader's language's, which falls
    back to the default locale for a language without pages of its own)."""
    if locale is None:
        try:
            locale = Locale.get_active()
        except Locale.DoesNotExist:
            # No locale at all: a database whose pages were never set up (Wagtail's migration creates
            # the default one), so there is no language to narrow the pages to.
            return pages
    return pages.filter(locale=locale)
