"""Where an exercise's notebook lives in a student's JupyterLab tree, who may read a copy of it, and what
of it the portal shows."""

import pytest

from grading.models import Exercise
from hub.selectors import can_read_student_notebook, lesson_live, notebook_path, readable_cells
from tests.factories import LessonPageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notebook_lives_in_the_course_folder_of_the_lesson_or_in_exercises():
    """Opened from a lesson, the notebook is `<course-slug>/<exercise-slug>.ipynb`; opened on its own, it
    is under `exercises/`."""
    exercise = Exercise.objects.create(title="First steps", slug="first-steps")
    lesson = LessonPageFactory()
    assert notebook_path(exercise=exercise, lesson=lesson) == f"{lesson.course.slug}/first-steps.ipynb"
    assert notebook_path(exercise=exercise) == "exercises/first-steps.ipynb"


def test_lesson_is_found_only_from_a_live_lessons_number():
    """`lesson` from a form or query names a live lesson by number; anything else is no lesson."""
    lesson = LessonPageFactory()
    assert lesson_live(lesson_id=str(lesson.pk)) == lesson
    assert lesson_live(lesson_id="x1") is None
    assert lesson_live(lesson_id=None) is None
    lesson.unpublish()
    assert lesson_live(lesson_id=lesson.pk) is None


def test_only_the_student_reads_their_own_notebook_among_learners():
    """A student may read their own notebook copy; another learner may not."""
    student, other = UserFactory(), UserFactory()
    assert can_read_student_notebook(user=student, student=student)
    assert not can_read_student_notebook(user=other, student=student)


def test_readable_cells_keep_text_and_png_and_never_html_or_javascript():
    """Source, streams, errors, PNG images and plain text are kept; HTML and JavaScript outputs are shown
    only through their plain-text form."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["print(1)\n", "x"],
                "outputs": [
                    {"output_type": "stream", "text": ["1\n"]},
                    {"output_type": "error", "ename": "NameError", "evalue": "x"},
                    {"output_type": "display_data", "data": {"image/png": "iVBO\nRw=="}},
                    {
                        "output_type": "execute_result",
                        "data": {"text/html": "<script>alert(1)</script>", "text/plain": "<Obj>"},
                    },
                    {"output_type": "display_data", "data": {"application/javascript": "alert(1)"}},
                ],
            },
            {"cell_type": "markdown", "source": "# Title"},
        ]
    }
    assert readable_cells(notebook=notebook) == [
        {
            "type": "code",
            "source": "print(1)\nx",
            "outputs": [
                {"text": "1\n"},
                {"text": "NameError: x", "error": True},
                {"png": "iVBORw=="},
                {"text": "<Obj>"},
            ],
        },
        {"type": "markdown", "source": "# Title", "outputs": []},
    ]
