"""Translated courses: learning records are kept on the default language's pages, so a learner's
enrolment, progress and quiz results are the same whichever language version of a course or lesson they
open; catalogue listings show one language's pages, without duplicates."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import ActivityResult, Enrolment, LessonProgress, QuizAttempt, TrackPage
from courses.selectors import catalog_courses, featured_tracks
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    TrackPageFactory,
    UserFactory,
    catalog_page,
    page_translation,
    quiz_block,
)

pytestmark = pytest.mark.django_db

TATAR = {"HTTP_ACCEPT_LANGUAGE": "tt"}


@pytest.fixture
def course():
    """A Russian course of two lessons (the second with a quiz), translated into Tatar."""
    course = CoursePageFactory(title="Основы веба", slug="web-basics")
    first = LessonPageFactory(parent=course, title="Введение", slug="intro")
    second = LessonPageFactory(
        parent=course, title="Проверка", slug="check", body=[quiz_block(quiz_id="web-check")]
    )
    course_tt = page_translation(course, title="Веб нигезләре")
    first_tt = page_translation(first, title="Кереш")
    tatar_quiz = quiz_block(
        quiz_id="web-check",
        questions=[
            {"question": "2 + 2 = ?", "choices": [("3", False), ("4", True), ("5", False)]},
        ],
    )
    second_tt = page_translation(second, title="Тикшерү", body=[tatar_quiz])
    return {"ru": (course, first, second), "tt": (course_tt, first_tt, second_tt)}


@pytest.fixture
def learner(client, course):
    user = UserFactory()
    EnrolmentFactory(user=user, course=course["ru"][0])
    client.force_login(user)
    return user


def test_translations_are_other_pages_with_the_same_translation_key(course):
    """The premise of the rest: a translation is a page of its own (another id) that shares its
    original's translation key."""
    ru, tt = course["ru"][1], course["tt"][1]
    assert ru.pk != tt.pk
    assert ru.translation_key == tt.translation_key
    assert tt.locale.language_code == "tt"


def test_opening_the_tatar_lesson_records_progress_on_the_course(client, course, learner):
    """A learner enrolled in the course opens the Tatar lesson: the progress is recorded on the Russian
    lesson (the one the course's completion counts) and the Russian course page shows it done."""
    _course_ru, first_ru, _second_ru = course["ru"]
    response = client.get(course["tt"][1].url, **TATAR)
    assert response.status_code == 200
    assert "Кереш" in response.content.decode()
    progress = LessonProgress.objects.get(user=learner)
    assert progress.lesson_id == first_ru.pk
    assert progress.completed_at is not None
    assert client.get(course["ru"][0].url).context["progress"].done == 1


def test_progress_made_in_russian_shows_on_the_tatar_pages(client, course, learner):
    """Done in Russian is done in Tatar: the Tatar course page marks the lesson read in Russian."""
    client.get(course["ru"][1].url)
    response = client.get(course["tt"][0].url, **TATAR)
    assert response.context["progress"].done == 1
    lessons = {lesson.pk: lesson for lesson in response.context["lessons"]}
    assert lessons[course["tt"][1].pk].is_done
    assert not lessons[course["tt"][2].pk].is_done


def test_completing_every_lesson_in_tatar_completes_the_course(client, course, learner):
    """Reading the Tatar lesson and passing the Tatar quiz completes the (Russian) enrolment; the quiz
    is recorded on the Russian lesson."""
    _course_tt, first_tt, second_tt = course["tt"]
    client.get(first_tt.url, **TATAR)
    client.get(second_tt.url, **TATAR)
    response = client.post(
        reverse("courses:quiz_submit", args=[second_tt.pk, "web-check"]), {"q0": ["1"]}, **TATAR
    )
    assert response.status_code == 302
    assert response["Location"].startswith(second_tt.url)
    attempt = QuizAttempt.objects.get(user=learner)
    assert attempt.lesson_id == course["ru"][2].pk
    assert attempt.passed
    assert ActivityResult.objects.get(user=learner).lesson_id == course["ru"][2].pk
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_enrolling_from_the_tatar_course_page_enrols_in_the_course(client, course):
    """The enrol button of the Tatar course page enrols in the Russian course (one enrolment, the one
    statistics count); leaving from the Tatar page withdraws it."""
    user = UserFactory()
    client.force_login(user)
    course_tt = course["tt"][0]
    response = client.post(reverse("courses:enrol", args=[course_tt.pk]), **TATAR)
    assert response["Location"] == course_tt.url
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.course_id == course["ru"][0].pk
    html = client.get(course_tt.url, **TATAR).content.decode()
    assert f'href="{course["tt"][1].url}"' in html  # the lessons are open, in Tatar
    client.post(reverse("courses:withdraw", args=[course_tt.pk]), **TATAR)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN


def test_catalogue_lists_one_language_without_duplicates(course):
    """The catalogue's tracks and courses are those of its own language: the Russian catalogue lists
    the Russian course once, the Tatar catalogue the Tatar course once."""
    TrackPageFactory(title="Без перевода")
    catalog_ru = catalog_page()
    catalog_tt = catalog_ru.get_translation(course["tt"][0].locale)
    assert [c.pk for c in catalog_courses(catalog=catalog_ru)] == [course["ru"][0].pk]
    assert [c.pk for c in catalog_courses(catalog=catalog_tt)] == [course["tt"][0].pk]
    assert {t.locale_id for t in featured_tracks(locale=catalog_tt.locale_id)} == {catalog_tt.locale_id}
    assert featured_tracks(locale=catalog_ru.locale_id).count() == 2


def test_catalogue_search_finds_pages_of_the_readers_language(client, course):
    """Searching the Tatar catalogue for a Tatar word finds the Tatar course, and only it."""
    catalog_tt = catalog_page().get_translation(course["tt"][0].locale)
    response = client.get(catalog_tt.url, {"q": "нигезләре"}, **TATAR)
    assert [c.pk for c in response.context["courses"]] == [course["tt"][0].pk]
    response = client.get(catalog_page().url, {"q": "нигезләре"})
    assert response.context["courses"] == []


def test_a_track_code_may_repeat_across_languages_but_not_within_one(course):
    """A track's translation keeps its code; two tracks of one language may not share one."""
    track_ru = course["ru"][0].get_parent().specific
    track_tt = track_ru.get_translation(course["tt"][0].locale).specific
    assert track_tt.code == track_ru.code
    clash = TrackPage(title="Дубль", slug="double", code=track_ru.code, summary="-", locale=track_ru.locale)
    with pytest.raises(ValidationError):
        clash.clean()
