"""The demo's pages in Tatar: the home page, the catalogue, every track and one whole course (the
teachers' course, with its lessons and quiz) are translated; every other page exists in the Tatar tree
as an alias of its Russian original, shown in Russian with a notice (see lms/i18n.py), until an editor
translates it.

Idempotent: pages already translated (by this or by an editor) are left as they are; a page added to
the Russian tree since the last run gets its Tatar alias.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.models import Locale, Page, Site

from courses.models import CatalogPage, CoursePage, LessonPage, TrackPage

from .courses.teachers_tt import COURSE_TT
from .courses.tracks_tt import TRACKS_TT

TATAR = "tt"

HOME_TT = {
    "title": "Баш бит",
    "hero_title": "IT-лицейда санлы һөнәрләргә өйрәнегез",
    "hero_text": (
        "<p>Республиканың IT-лицейлары укучылары һәм укытучылары өчен санлы икътисадның егерме биш "
        "юнәлеше буенча түләүсез дистанцион курслар.</p>"
    ),
}
CATALOG_TT = {
    "title": "Курслар каталогы",
    "intro": "<p>IT-лицейлар челтәренең барлык әзерлек юнәлешләре һәм курслары.</p>",
}


@dataclass
class TranslationResult:
    aliases: int = 0
    translated: int = 0


def _mirror(home: Page, locale: Locale) -> int:
    """Give every page of the home page's tree without a version in `locale` an alias there (parents
    first), as Wagtail's simple translation does for pages created in the admin."""
    present = set(Page.objects.filter(locale=locale).values_list("translation_key", flat=True))
    created = 0
    for page in home.get_descendants(inclusive=True).filter(locale=home.locale_id).order_by("path"):
        if page.translation_key in present:
            continue
        page.specific.copy_for_translation(locale, copy_parents=True, alias=True)
        present.add(page.translation_key)
        created += 1
    return created


def _translate(source: Page, locale: Locale, values: dict) -> int:
    """Turn the alias of `source` in `locale` into a page of its own with `values`, and publish it. A
    page already translated is left alone."""
    page = source.get_translation_or_none(locale)
    if page is None or page.alias_of_id is None:
        return 0
    page = page.specific
    ConvertAliasPageAction(page).execute(skip_permission_checks=True)
    for name, value in values.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return 1


@transaction.atomic
def seed_translations() -> TranslationResult:
    """The Tatar locale, the Tatar page tree (aliases of the Russian pages) and the Tatar texts of the
    home page, the catalogue, the tracks and the teachers' course."""
    result = TranslationResult()
    locale, _created = Locale.objects.get_or_create(language_code=TATAR)
    home = Site.objects.get(is_default_site=True).root_page.specific
    result.aliases = _mirror(home, locale)

    result.translated += _translate(home, locale, HOME_TT)
    catalog = CatalogPage.objects.child_of(home).first()
    if catalog is None:
        return result
    result.translated += _translate(catalog, locale, CATALOG_TT)
    for track in TrackPage.objects.child_of(catalog).filter(code__in=TRACKS_TT):
        title, summary, description = TRACKS_TT[track.code]
        values = {"title": title, "summary": summary, "description": f"<p>{description}</p>"}
        result.translated += _translate(track, locale, values)

    course = CoursePage.objects.descendant_of(catalog).filter(slug=COURSE_TT.slug).first()
    if course is None:
        return result
    values = {"title": COURSE_TT.title, "summary": COURSE_TT.summary, "description": COURSE_TT.description}
    result.translated += _translate(course, locale, values)
    lessons = {lesson.slug: lesson for lesson in LessonPage.objects.child_of(course)}
    for lesson in COURSE_TT.lessons:
        if lesson.slug in lessons:
            values = {"title": lesson.title, "summary": lesson.summary, "body": lesson.body}
            result.translated += _translate(lessons[lesson.slug], locale, values)
    return result
