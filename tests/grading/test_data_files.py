"""Data files of an exercise: authored in the admin, offered for download, present when the notebook
is graded in the sandbox, refused when unsafe."""

from __future__ import annotations

import nbformat
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading import services
from grading.models import Exercise, ExerciseDataFile, Submission
from tests.factories import UserFactory, enrol_in_exercise

pytestmark = pytest.mark.django_db


def _meta(**fields) -> dict:
    return {"nbgrader": {"schema_version": 3, "task": False, "locked": False, **fields}}


def reading_notebook(data_name: str = "numbers.csv") -> bytes:
    """An instructor notebook whose test reads a data file next to it."""
    solution = (
        "def total(path):\n    ### BEGIN SOLUTION\n    with open(path) as f:\n"
        "        return sum(int(x) for x in f.read().split(','))\n    ### END SOLUTION"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Sum the numbers in the file."),
            nbformat.v4.new_code_cell(solution, metadata=_meta(grade=False, solution=True, grade_id="total")),
            nbformat.v4.new_code_cell(
                f"assert total({data_name!r}) == 6",
                metadata=_meta(grade=True, solution=False, locked=True, points=2, grade_id="test_total"),
            ),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb).encode()


def _grade(exercise: Exercise) -> Submission:
    submission = services.submission_create(
        student=UserFactory(), exercise=exercise, notebook_bytes=reading_notebook(), filename="mine.ipynb"
    )
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def test_the_tests_read_the_data_file_when_graded():
    """The same solved notebook scores full marks with the exercise's data file beside it, and none
    without it."""
    with_file = services.exercise_create(
        title="Sum", slug="sum-with-file", source=reading_notebook(), data_files={"numbers.csv": b"1,2,3"}
    )
    without = services.exercise_create(title="Sum", slug="sum-without-file", source=reading_notebook())
    graded = _grade(with_file)
    assert graded.state == Submission.State.GRADED, graded.error
    assert (float(graded.score), float(graded.max_score)) == (2.0, 2.0)
    assert float(_grade(without).score) == 0.0


def test_learners_download_data_files_next_to_the_notebook(client):
    exercise = services.exercise_create(
        title="Sum", slug="sum", source=reading_notebook(), data_files={"numbers.csv": b"1,2,3"}
    )
    url = reverse("grading:data_file", args=[exercise.slug, "numbers.csv"])
    assert client.get(url).status_code == 302  # log in first
    learner = UserFactory()
    enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"1,2,3"
    assert 'attachment; filename="numbers.csv"' in response["Content-Disposition"]
    assert client.get(reverse("grading:data_file", args=[exercise.slug, "other.csv"])).status_code == 404
    page = client.get(reverse("grading:exercise_detail", args=[exercise.slug])).content.decode()
    assert url in page


@pytest.mark.parametrize("name", ["../secret.csv", ".hidden", "a b.csv", "notes.ipynb", "data/x.csv"])
def test_unsafe_names_are_refused(name):
    exercise = services.exercise_create(title="Sum", slug="sum-bad", source=reading_notebook())
    with pytest.raises(ValidationError):
        services.exercise_data_file_set(exercise=exercise, name=name, data=b"x")
    assert not ExerciseDataFile.objects.exists()


def test_oversized_data_file_is_refused(settings):
    settings.GRADING_MAX_DATA_FILE_BYTES = 1024
    exercise = services.exercise_create(title="Sum", slug="sum-big", source=reading_notebook())
    with pytest.raises(ValidationError, match="limit"):
        services.exercise_data_file_set(exercise=exercise, name="big.csv", data=b"1" * 2048)


def test_editor_adds_a_data_file_in_the_admin(client):
    """The exercise form takes data files inline; an empty name takes the uploaded file's name."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("wagtailsnippets_grading_exercise:add"),
        {
            "title": "Sum",
            "slug": "sum-admin",
            "language": "en",
            "description": "",
            "instructor_notebook": SimpleUploadedFile("sum.ipynb", reading_notebook()),
            "late_penalty_percent": "0",
            "score_policy": "best",
            "test_visibility": "always",
            "test_visibility_overrides": "{}",
            "data_files-TOTAL_FORMS": "1",
            "data_files-INITIAL_FORMS": "0",
            "data_files-MIN_NUM_FORMS": "0",
            "data_files-MAX_NUM_FORMS": "1000",
            "data_files-0-name": "",
            "data_files-0-file": SimpleUploadedFile("numbers.csv", b"1,2,3"),
            "data_files-0-ORDER": "1",
            "data_files-0-DELETE": "",
            "data_files-0-id": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    data = Exercise.objects.get(slug="sum-admin").data_files.get()
    assert data.name == "numbers.csv"
    assert data.read() == b"1,2,3"
