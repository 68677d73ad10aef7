"""An exercise's language: its starter notebook is released with that language's stubs, every grading
of it uses the same stubs, and an editor who changes the language gets a new starter notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbgrader
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading import services
from grading.models import Exercise, Submission
from tests.factories import ExerciseFactory, UserFactory, demo_notebook

pytestmark = pytest.mark.django_db

PROBLEM1 = Path(nbgrader.__file__).parent / "docs/source/user_guide/source/ps1/problem1.ipynb"
ANSWER_CELLS = {"sum_of_squares_equation", "sum_of_squares_application"}


def _release(exercise: Exercise) -> str:
    with exercise.release_notebook.open("rb") as handle:
        return handle.read().decode()


def _stubbed_solutions(release: str, comment: str) -> int:
    """How many solution cells of a release hold the stub whose comment is *comment*."""
    return sum(
        f"{comment}\n" in "".join(cell["source"]).replace("    ", "")
        for cell in json.loads(release)["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
    )


def _graded(exercise: Exercise, notebook: bytes) -> Submission:
    submission = services.submission_create(
        student=UserFactory(), exercise=exercise, notebook_bytes=notebook, filename="mine.ipynb"
    )
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def test_a_new_exercise_takes_the_site_language(settings):
    """An exercise created without a language is written in the site's default language."""
    settings.LANGUAGE_CODE = "ru"
    assert Exercise(title="x", slug="x").language == "ru"


def test_a_russian_exercise_releases_a_russian_starter_and_a_solved_notebook_earns_full_marks():
    """The starter notebook of a Russian exercise has «# ВАШ КОД ЗДЕСЬ» where each solution was (no
    English stub); the solved notebook, graded through the pipeline, earns every point, and the
    starter none."""
    exercise = ExerciseFactory(language="ru")
    release = _release(exercise)
    assert _stubbed_solutions(release, "# ВАШ КОД ЗДЕСЬ") == 3
    assert "YOUR CODE HERE" not in release
    solved = _graded(exercise, demo_notebook())
    assert solved.state == Submission.State.GRADED, solved.error
    assert (float(solved.score), float(solved.max_score)) == (5.0, 5.0)
    untouched = _graded(exercise, release.encode())
    assert untouched.state == Submission.State.GRADED, untouched.error
    assert float(untouched.score) == 0.0


def test_grading_uses_the_exercise_s_language():
    """A learner who leaves the hand-graded answers of a Russian exercise as released («ВАШ ОТВЕТ
    ЗДЕСЬ») gave no answer: 0 points and nothing for a teacher to grade, because the grading run
    uses the stubs of the release."""
    exercise = services.exercise_create(
        title="Задача 1", slug="problem-1", source=PROBLEM1.read_bytes(), language="ru"
    )
    release = _release(exercise)
    assert "ВАШ ОТВЕТ ЗДЕСЬ" in release
    submission = _graded(exercise, release.encode())
    assert submission.state == Submission.State.GRADED, submission.error
    answers = {cell.grade_id: cell for cell in submission.cell_grades.filter(grade_id__in=ANSWER_CELLS)}
    assert set(answers) == ANSWER_CELLS
    assert not any(cell.needs_manual_grade for cell in answers.values())
    assert all(cell.score == 0 for cell in answers.values())


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _form(**fields) -> dict:
    return {
        "title": "HTML",
        "slug": "html",
        "description": "",
        "late_penalty_percent": "0",
        "score_policy": "best",
        "test_visibility": "always",
        "test_visibility_overrides": "{}",
        "data_files-TOTAL_FORMS": "0",
        "data_files-INITIAL_FORMS": "0",
        "data_files-MIN_NUM_FORMS": "0",
        "data_files-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_the_admin_form_releases_in_the_chosen_language(admin_client):
    """An exercise created in the admin in Tatar gets a Tatar starter notebook."""
    response = admin_client.post(
        reverse("wagtailsnippets_grading_exercise:add"),
        _form(language="tt", instructor_notebook=SimpleUploadedFile("source.ipynb", demo_notebook())),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    exercise = Exercise.objects.get(slug="html")
    assert exercise.language == "tt"
    assert _stubbed_solutions(_release(exercise), "# СЕЗНЕҢ КОДЫГЫЗ МОНДА") == 3


def test_changing_the_language_in_the_admin_releases_the_starter_again(admin_client):
    """Switching an English exercise to Russian, without uploading the notebook again, replaces its
    starter notebook with one in Russian; the instructor notebook and the points stay."""
    exercise = ExerciseFactory(title="HTML", slug="html", language="en")
    assert "# YOUR CODE HERE" in _release(exercise)
    with exercise.source_notebook.open("rb") as handle:
        source = handle.read()
    response = admin_client.post(
        reverse("wagtailsnippets_grading_exercise:edit", args=[exercise.pk]), _form(language="ru")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    exercise.refresh_from_db()
    assert exercise.language == "ru"
    release = _release(exercise)
    assert _stubbed_solutions(release, "# ВАШ КОД ЗДЕСЬ") == 3
    assert "YOUR CODE HERE" not in release
    with exercise.source_notebook.open("rb") as handle:
        assert handle.read() == source
    assert float(exercise.max_score) == 5.0
    assert json.loads(release)["cells"]


def test_the_language_cannot_change_once_learners_have_submitted(admin_client):
    """Learners' starter notebooks carry the old language's stubs: an exercise with submissions keeps
    its language (the form says why) and its starter notebook."""
    exercise = ExerciseFactory(title="HTML", slug="html", language="en")
    _graded(exercise, demo_notebook())
    release = _release(exercise)
    response = admin_client.post(
        reverse("wagtailsnippets_grading_exercise:edit", args=[exercise.pk]), _form(language="ru")
    )
    assert response.status_code == 200
    assert "can no longer change" in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.language == "en"
    assert _release(exercise) == release
