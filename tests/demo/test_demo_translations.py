"""The demo in Tatar: the home page, the catalogue, every track and the teachers' course (its lessons
and quiz) are translated; every other page has a Tatar alias showing the Russian text; a second run
translates nothing again and keeps editors' work."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Locale, Page

from common.pages import in_default_locale
from content.models import HomePage, StandardPage
from courses.models import CatalogPage, CoursePage, LessonPage, TrackPage
from demo.courses.teachers_tt import COURSE_TT
from demo.courses.tracks_tt import TRACKS_TT
from demo.translations import seed_translations

pytestmark = pytest.mark.django_db


def _tatar(page: Page) -> Page:
    return page.get_translation(Locale.objects.get(language_code="tt")).specific


def test_every_page_has_a_tatar_version(seeded_demo):
    """The Tatar tree mirrors the Russian one: one Tatar page per Russian page."""
    tatar = Locale.objects.get(language_code="tt")
    russian = in_default_locale(Page.objects.filter(depth__gte=2))
    assert Page.objects.filter(locale=tatar).count() == russian.count()
    assert "Tatar pages…" in seeded_demo


def test_home_catalogue_and_tracks_are_in_tatar(seeded_demo):
    """The home page, the catalogue and every track are pages of their own in Tatar, not aliases."""
    home = _tatar(in_default_locale(HomePage.objects).get())
    assert home.alias_of_id is None
    assert home.hero_title == "IT-лицейда санлы һөнәрләргә өйрәнегез"
    catalog = _tatar(in_default_locale(CatalogPage.objects).get())
    assert catalog.alias_of_id is None
    assert catalog.title == "Курслар каталогы"
    for track in in_default_locale(TrackPage.objects):
        translated = _tatar(track)
        assert translated.alias_of_id is None, track.code
        assert translated.title == TRACKS_TT[track.code][0]
        assert translated.code == track.code


def test_teachers_course_is_in_tatar_lesson_for_lesson(seeded_demo):
    """The teachers' course and all its lessons are in Tatar; the quiz keeps its id and the position of
    the right answers, so attempts are checked the same in both languages."""
    course = in_default_locale(CoursePage.objects).get(slug=COURSE_TT.slug)
    assert _tatar(course).title == COURSE_TT.title
    lessons = LessonPage.objects.child_of(course)
    assert lessons.count() == len(COURSE_TT.lessons)
    for lesson in lessons:
        translated = _tatar(lesson)
        assert translated.alias_of_id is None, lesson.slug
        assert translated.live, lesson.slug
        for original, block in zip(lesson.body, translated.body, strict=True):
            assert original.block_type == block.block_type
            if block.block_type == "quiz":
                assert block.value["quiz_id"] == original.value["quiz_id"]
                marks = [[c["correct"] for c in q["choices"]] for q in block.value["questions"]]
                assert marks == [[c["correct"] for c in q["choices"]] for q in original.value["questions"]]
                assert "Формирующее" not in str(block.value)


def test_other_pages_are_aliases_of_the_russian_ones(seeded_demo):
    """Pages nobody translated (the About page, the other courses) are aliases of their originals in
    the Tatar tree: they show the Russian text, with the notice."""
    about = in_default_locale(StandardPage.objects).get(slug="about")
    assert _tatar(about).alias_of_id == about.pk
    course = in_default_locale(CoursePage.objects).get(slug="intro-web-development")
    assert _tatar(course).alias_of_id == course.pk


def test_second_run_translates_nothing_and_keeps_editors_work(seeded_demo):
    """Running the seed again creates and translates nothing, and a title an editor changed stays."""
    catalog = _tatar(in_default_locale(CatalogPage.objects).get())
    catalog.title = "Каталог (редактор)"
    catalog.save_revision().publish()
    result = seed_translations()
    assert (result.aliases, result.translated) == (0, 0)
    catalog.refresh_from_db()
    assert catalog.title == "Каталог (редактор)"
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Page.find_problems() == ([], [], [], [], [])
