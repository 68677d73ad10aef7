"""Authoring an exercise in the Wagtail admin: the instructor notebook is validated and released."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading.models import Exercise
from tests.factories import UserFactory, demo_notebook

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = UserFactory(email="editor@example.org", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _post(client, upload: SimpleUploadedFile):
    return client.post(
        reverse("wagtailsnippets_grading_exercise:add"),
        {
            "title": "HTML",
            "slug": "html",
            "description": "",
            "instructor_notebook": upload,
            "late_penalty_percent": "10",
            "score_policy": "best",
            "test_visibility": "after_deadline",
            "test_visibility_overrides": "{}",
            **_no_data_files(),
        },
    )


def _no_data_files(total: int = 0) -> dict:
    """The management form of the data files inline."""
    return {
        "data_files-TOTAL_FORMS": str(total),
        "data_files-INITIAL_FORMS": "0",
        "data_files-MIN_NUM_FORMS": "0",
        "data_files-MAX_NUM_FORMS": "1000",
    }


def test_uploading_an_instructor_notebook_generates_the_release(editor):
    """A valid nbgrader notebook creates the exercise with its points and a release notebook without
    solutions or hidden tests."""
    response = _post(editor, SimpleUploadedFile("source.ipynb", demo_notebook()))
    assert response.status_code == 302, response.content.decode()[:2000]
    exercise = Exercise.objects.get(slug="html")
    assert float(exercise.max_score) == 5.0
    assert [c["grade_id"] for c in exercise.cells] == ["test_link", "test_bullet_list", "test_slugify"]
    release = exercise.release_notebook.read().decode()
    assert "BEGIN SOLUTION" not in release
    assert "HIDDEN TESTS" not in release
    assert "html.escape(url" not in release
    edit = editor.get(reverse("wagtailsnippets_grading_exercise:edit", args=[exercise.pk]))
    assert edit.status_code == 200


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<html>", "not valid JSON"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "no nbgrader metadata"),
    ],
)
def test_broken_notebooks_are_refused_with_a_clear_error(editor, payload, message):
    """A notebook that is not JSON or has no nbgrader cells is refused with the reason; no exercise."""
    response = _post(editor, SimpleUploadedFile("source.ipynb", payload))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["instructor_notebook"])
    assert not Exercise.objects.exists()
