"""The page tree (home → catalogue → track → course → lesson), enrolments and lesson bodies.

The page factories attach each new page under its parent with `add_child`, building the missing
ancestors on the way: a `LessonPageFactory()` alone creates a home page (made the default site's root),
the catalogue, a track and a course.
"""

from __future__ import annotations

import factory
from django.conf import settings
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from content.models import HomePage
from courses.blocks import new_quiz_id
from courses.models import CatalogPage, CoursePage, Enrolment, LessonPage, TrackPage

from .accounts import UserFactory


def home_page() -> Page:
    """The site's home page, created under the tree root and made the default site's root page when
    there is none."""
    home = HomePage.objects.order_by("path").first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:  # a transactional test flushed the tree Wagtail's migrations made
            Locale.objects.get_or_create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
            )
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        home = HomePage(title="IT-Lyceum", slug="it-lyceum")
        root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def catalog_page() -> CatalogPage:
    """The catalogue page under the home page, created when missing."""
    catalog = CatalogPage.objects.order_by("path").first()
    if catalog is None:
        catalog = CatalogPage(title="Catalogue", slug="catalogue")
        home_page().add_child(instance=catalog)
    return catalog


class PageFactory(factory.django.DjangoModelFactory):
    """Creates the page as a child of `parent` (a page), live."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page


class TrackPageFactory(PageFactory):
    class Meta:
        model = TrackPage

    parent = factory.LazyFunction(catalog_page)
    title = factory.Sequence(lambda n: f"Track {n}")
    slug = factory.Sequence(lambda n: f"track-{n}")
    code = factory.Sequence(lambda n: f"track-{n}")
    summary = factory.Faker("sentence")


class CoursePageFactory(PageFactory):
    class Meta:
        model = CoursePage

    parent = factory.SubFactory(TrackPageFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = factory.Faker("sentence")
    duration_hours = 36


class LessonPageFactory(PageFactory):
    class Meta:
        model = LessonPage

    parent = factory.SubFactory(CoursePageFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    body: list = []


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CoursePageFactory)
    created_at = factory.LazyFunction(timezone.now)


# --- Lesson body helpers: raw StreamField data, as the editor stores it.


def quiz_block(
    *, questions: list[dict] | None = None, quiz_id: str | None = None, pass_mark: int = 70
) -> dict:
    """A quiz block. `questions` items: {"question", "choices": [(text, correct)], "multiple",
    "explanation"}; by default one question whose second answer is right."""
    if questions is None:
        questions = [
            {
                "question": "2 + 2 = ?",
                "choices": [("3", False), ("4", True), ("5", False)],
                "explanation": "Two and two make four.",
            }
        ]
    return {
        "type": "quiz",
        "value": {
            "quiz_id": quiz_id or new_quiz_id(),
            "title": "Check yourself",
            "pass_mark": pass_mark,
            "questions": [
                {
                    "question": q["question"],
                    "multiple": q.get("multiple", False),
                    "explanation": q.get("explanation", ""),
                    "choices": [{"text": text, "correct": correct} for text, correct in q["choices"]],
                }
                for q in questions
            ],
        },
    }


def make_track(*, code: str, title: str | None = None) -> TrackPage:
    """The track with this code, created under the catalogue when missing."""
    found = TrackPage.objects.filter(code=code).first()
    if found:
        return found
    return TrackPageFactory(code=code, title=title or code, slug=f"track-{code}", summary=title or code)


def make_course(*, track: TrackPage, slug: str, audience: str = CoursePage.Audience.STUDENTS) -> CoursePage:
    """The course with this slug, created in the track when missing."""
    found = CoursePage.objects.filter(slug=slug).first()
    if found:
        return found
    return CoursePageFactory(parent=track, title=slug, slug=slug, summary=slug, audience=audience)


def exercise_block(*, exercise_id: int) -> dict:
    """A notebook-exercise block referring to a `grading.Exercise` by primary key."""
    return {"type": "notebook_exercise", "value": {"exercise": exercise_id, "intro": ""}}


def enrol_in_exercise(*, user, exercise_id: int, **enrolment) -> LessonPage:
    """A live lesson (in a new live course) carrying the exercise, with *user* enrolled in its course:
    what a learner needs to open, download and submit the exercise."""
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise_id)])
    EnrolmentFactory(user=user, course=lesson.get_parent().specific, **enrolment)
    return lesson


def paragraph_block(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def code_block(code: str, language: str = "python") -> dict:
    return {"type": "code", "value": {"language": language, "code": code, "caption": ""}}


def page_translation(page: Page, *, language: str = "tt", alias: bool = False, **values) -> Page:
    """The page's version in `language` (its locale created when missing), made by Wagtail's copy for
    translation with any missing ancestors as aliases: an alias of the page (shows the original, as an
    untranslated page does) when `alias`, else a published copy with `values` set."""
    locale, _created = Locale.objects.get_or_create(language_code=language)
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translated = page.specific.copy_for_translation(locale, copy_parents=True, alias=alias).specific
    if not alias:
        for name, value in values.items():
            setattr(translated, name, value)
        translated.save_revision().publish()
    return translated
