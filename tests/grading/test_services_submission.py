"""Submitting a notebook: validation, persistence and queueing."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from grading import services
from grading.models import Submission, SubmissionEvent
from tests.factories import ExerciseFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT / "submissions"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("payload", "filename", "message"),
    [
        (b"this is not json", "solution.ipynb", "not valid JSON"),
        (
            notebooks.raw_json({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}),
            "solution.ipynb",
            "format 4 is required",
        ),
        (notebooks.plain(), "solution.ipynb", "no nbgrader cells"),
        (notebooks.solved("game_logic"), "solution.ipynb", "another exercise"),
        (notebooks.solved(), "solution.py", ".ipynb"),
        (b"", "solution.ipynb", "empty"),
    ],
    ids=["not-json", "nbformat-3", "no-nbgrader-metadata", "wrong-exercise", "not-ipynb", "empty"],
)
def test_bad_notebooks_are_refused_with_a_clear_error_and_nothing_written(
    settings, payload, filename, message
):
    """A file that cannot be graded for this exercise is refused with a message naming the problem, and
    neither a submission row nor a stored file remains."""
    exercise = ExerciseFactory()
    student = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.submission_create(
            student=student, exercise=exercise, notebook_bytes=payload, filename=filename
        )
    assert message in " ".join(excinfo.value.messages)
    assert Submission.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_50_mb_file_is_refused_before_parsing(settings):
    """A 50 MB upload is refused for its size; nothing is written."""
    exercise = ExerciseFactory()
    big = b'{"cells": [], "x": "' + b"a" * (50 * 1024 * 1024) + b'"}'
    with pytest.raises(ValidationError) as excinfo:
        services.submission_create(
            student=UserFactory(), exercise=exercise, notebook_bytes=big, filename="big.ipynb"
        )
    assert "limit is 5 MB" in excinfo.value.messages[0]
    assert Submission.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_valid_notebook_is_stored_received_then_queued_on_commit(
    settings, django_capture_on_commit_callbacks, monkeypatch
):
    """The submission row and its private file exist in state `received` before anything is queued;
    queueing happens only when the transaction commits, and moves it to `queued`."""
    queued = []
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: queued.append(pk))
    exercise = ExerciseFactory()
    student = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = services.submission_create(
            student=student, exercise=exercise, notebook_bytes=notebooks.solved(), filename="mine.ipynb"
        )
        submission.refresh_from_db()
        assert submission.state == Submission.State.RECEIVED
        assert queued == []
    assert len(callbacks) == 1
    callbacks[0]()
    submission.refresh_from_db()
    assert submission.state == Submission.State.QUEUED
    assert queued == [submission.pk]
    assert submission.attempt == 1
    stored = _stored_files(settings)
    assert len(stored) == 1
    assert oct(stored[0].stat().st_mode & 0o777) == "0o600"
    assert json.loads(stored[0].read_bytes())["nbformat"] == 4
    assert list(SubmissionEvent.objects.values_list("to_state", flat=True)) == ["received", "queued"]


def test_attempts_are_numbered_and_limited(monkeypatch):
    """Each submission takes the next attempt number; past `max_attempts` the upload is refused."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory(max_attempts=2)
    student = UserFactory()
    for expected in (1, 2):
        sub = services.submission_create(
            student=student, exercise=exercise, notebook_bytes=notebooks.solved(), filename="a.ipynb"
        )
        assert sub.attempt == expected
    with pytest.raises(ValidationError, match=r"all attempts of this exercise \(2\)"):
        services.submission_create(
            student=student, exercise=exercise, notebook_bytes=notebooks.solved(), filename="a.ipynb"
        )
    assert Submission.objects.count() == 2
