"""The demo's exercises."""

from __future__ import annotations

import pytest

from courses.models import CoursePage, LessonPage
from demo.courses import EXERCISE_LESSONS, seed_courses
from demo.exercises import seed_exercises
from grading.models import Exercise

pytestmark = pytest.mark.django_db


def test_seed_exercises_places_one_exercise_per_demo_course_and_is_idempotent():
    """Each demo course's practice lesson gets a published notebook-exercise block; running the seed
    again adds nothing."""
    seed_courses()
    seed_exercises()
    seed_exercises()
    assert Exercise.objects.count() >= 3
    for course_slug, lesson_slug in EXERCISE_LESSONS.items():
        course = CoursePage.objects.get(slug=course_slug)
        lesson = LessonPage.objects.child_of(course).get(slug=lesson_slug)
        blocks = [b for b in lesson.body if b.block_type == "notebook_exercise"]
        assert len(blocks) == 1, course_slug
        assert blocks[0].value["exercise"].is_ready
        assert not lesson.has_unpublished_changes
