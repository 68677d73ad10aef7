"""The demo's exercises."""

from __future__ import annotations

import json

import pytest

from courses.models import CoursePage, LessonPage
from demo.courses import EXERCISE_LESSONS, seed_courses
from demo.exercises import DEMO_EXERCISES, demo_notebook, seed_exercises
from grading.models import Exercise
from grading.services import exercise_create

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


def test_seed_exercises_brings_an_older_demo_notebook_up_to_date():
    """A demo exercise stored from an older version of its notebook (the English one, say) gets the
    current notebook on the next seed; its graded cells and points stay the same."""
    slug, title, notebook, _intro = DEMO_EXERCISES["python-game-development"]
    current = demo_notebook(notebook)
    older = json.loads(current)
    older["cells"][0]["source"] = ["# Game logic in Python\n"]
    exercise = exercise_create(title=title, slug=slug, source=json.dumps(older).encode())
    cells_before = exercise.cells
    seed_courses()
    seed_exercises()
    exercise.refresh_from_db()
    with exercise.source_notebook.open("rb") as handle:
        assert handle.read() == current
    assert exercise.cells == cells_before
