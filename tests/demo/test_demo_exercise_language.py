"""The demo's exercises are Russian exercises: the starter notebooks learners get say «# ВАШ КОД ЗДЕСЬ»
where the code goes, and an exercise seeded before exercises had a language is released again."""

from __future__ import annotations

import json

import pytest

from demo.exercises import DEMO_EXERCISES, demo_notebook, seed_exercises
from grading.models import Exercise
from grading.services import exercise_create

pytestmark = pytest.mark.django_db


def _solutions(exercise: Exercise) -> list[str]:
    with exercise.release_notebook.open("rb") as handle:
        cells = json.loads(handle.read())["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["metadata"].get("nbgrader", {}).get("solution")]


def test_every_demo_starter_notebook_has_the_russian_stub():
    """Each demo exercise is Russian, and every solution of its starter notebook is replaced by
    «# ВАШ КОД ЗДЕСЬ» and `raise NotImplementedError()`, with no English stub left."""
    exercises = seed_exercises()
    assert {exercise.slug for exercise in exercises} == {slug for slug, *_rest in DEMO_EXERCISES.values()}
    for exercise in exercises:
        assert exercise.language == "ru"
        solutions = _solutions(exercise)
        assert solutions, exercise.slug
        for source in solutions:
            assert "# ВАШ КОД ЗДЕСЬ\n" in source, source
            assert "raise NotImplementedError()" in source
            assert "YOUR CODE HERE" not in source


def test_a_demo_exercise_released_in_english_is_released_again_in_russian():
    """A demo exercise stored before exercises had a language (English stubs, the same notebook) is
    switched to Russian and its starter notebook made again on the next seed."""
    slug, title, notebook, _intro = DEMO_EXERCISES["smm-basics"]
    exercise = exercise_create(title=title, slug=slug, source=demo_notebook(notebook), language="en")
    assert all("YOUR CODE HERE" in source for source in _solutions(exercise))
    seed_exercises()
    exercise.refresh_from_db()
    assert exercise.language == "ru"
    assert all("# ВАШ КОД ЗДЕСЬ" in source for source in _solutions(exercise))
