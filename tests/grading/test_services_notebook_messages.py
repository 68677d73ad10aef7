"""Messages about a file that is not a notebook are whole translated sentences, not English sentences
with translated words slotted in."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from grading import services
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"this is not json", "Загруженный файл не является блокнотом Jupyter: это не корректный JSON."),
        (b'{"nbformat": 4}', "Загруженный файл не является блокнотом Jupyter: в нём нет ячеек."),
    ],
    ids=["not-json", "no-cells"],
)
def test_not_a_notebook_reads_as_one_russian_sentence(payload, expected):
    """Under Russian, uploading something that is not a notebook is refused with one Russian sentence
    (no English words around the translated "uploaded file")."""
    with translation.override("ru"), pytest.raises(ValidationError) as excinfo:
        services.submission_create(
            student=UserFactory(),
            exercise=ExerciseFactory(),
            notebook_bytes=payload,
            filename="solution.ipynb",
        )
    (message,) = excinfo.value.messages
    assert message == expected
    assert not re.search(r"\b(The|is|not|a)\b", message.replace("Jupyter", "").replace("JSON", ""))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("tt", "Серверда бу биремнең бер файлы юк. Зинһар, укытучыгызга әйтегез."),
        ("ru", "На сервере нет одного из файлов этого задания. Сообщите, пожалуйста, учителю."),
    ],
)
def test_a_failed_run_speaks_the_language_the_learner_submitted_in(monkeypatch, language, expected):
    """The worker grades in the site's default language, but what a failed run tells the learner is
    written in the language they submitted in (kept with the submission)."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    with translation.override(language):
        submission = services.submission_create(
            student=UserFactory(),
            exercise=ExerciseFactory(),
            notebook_bytes=notebooks.solved(),
            filename="solution.ipynb",
        )
    assert submission.language == language
    submission.notebook.storage.delete(submission.notebook.name)  # the worker finds the file gone

    graded = services.submission_grade(submission_id=submission.pk)

    assert graded.state == graded.State.FAILED
    assert graded.error == expected
