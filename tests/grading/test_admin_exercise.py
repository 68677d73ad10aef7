"""Authoring an exercise in the Wagtail admin: who may, what the form shows, and how the instructor
notebook is validated and released."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading.models import Exercise
from tests.factories import ExerciseFactory, UserFactory, demo_notebook

pytestmark = pytest.mark.django_db

editors_migration = importlib.import_module("grading.migrations.0005_editors_author_exercises")

EXERCISES_URL = reverse("wagtailsnippets_grading_exercise:list")
ADD_URL = reverse("wagtailsnippets_grading_exercise:add")


@pytest.fixture
def editors_group() -> Group:
    """The Editors group as the grading migration leaves it (granted again here: a transactional test
    flushes the database, migration data included)."""
    editors_migration.grant(apps, None)
    return Group.objects.get(name="Editors")


@pytest.fixture
def editor(client, editors_group):
    """A member of the Editors group, neither staff nor superuser."""
    user = UserFactory(email="editor@example.org")
    user.groups.add(editors_group)
    client.force_login(user)
    return client


def _menu_urls(response) -> list[str]:
    """The URLs of the top-level items of the Wagtail admin sidebar's main menu."""
    html = response.content.decode()
    props = json.loads(re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.DOTALL)[1])
    menu = next(module for module in props["modules"] if module["_type"] == "wagtail.sidebar.MainMenuModule")
    return [item["_args"][0].get("url") for item in menu["_args"][0]]


def _post(client, upload: SimpleUploadedFile, **fields):
    return client.post(
        ADD_URL,
        {
            "title": "HTML",
            "slug": "html",
            "language": "en",
            "description": "",
            "instructor_notebook": upload,
            "late_penalty_percent": "10",
            "score_policy": "best",
            "test_visibility": "after_deadline",
            "test_visibility_overrides": "{}",
            **_no_data_files(),
            **fields,
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


def test_the_editors_group_may_view_add_and_change_exercises(editors_group):
    """The Editors group every installation has is given the exercise permissions by a migration;
    deleting exercises stays with administrators."""
    codenames = set(
        editors_group.permissions.filter(content_type__app_label="grading").values_list("codename", flat=True)
    )
    assert codenames == {"add_exercise", "change_exercise", "view_exercise"}


def test_an_editor_sees_the_exercises_menu(editor):
    """The Exercises menu item is shown to anyone with a permission on exercises."""
    assert EXERCISES_URL in _menu_urls(editor.get(reverse("wagtailadmin_home")))
    assert editor.get(EXERCISES_URL).status_code == 200


def test_without_exercise_permissions_there_is_no_menu_and_no_form(client):
    """A Wagtail admin user without permissions on exercises sees no Exercises menu and cannot open
    the form."""
    user = UserFactory(email="writer@example.org")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert EXERCISES_URL not in _menu_urls(client.get(reverse("wagtailadmin_home")))
    response = client.get(ADD_URL)
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_the_form_shows_every_authoring_field(editor):
    """The create form renders all its panels: the notebook upload with its summary, the data files
    inline (with the template the admin's script copies) and the rules."""
    html = editor.get(ADD_URL).content.decode()
    for element in (
        'id="id_title"',
        'id="id_instructor_notebook"',
        "No notebook yet: upload the instructor notebook.",
        'id="id_data_files-EMPTY_FORM_TEMPLATE"',
        'id="id_deadline"',
        'id="id_max_attempts"',
        'id="id_score_policy"',
        'id="id_test_visibility"',
        'id="id_test_visibility_overrides"',
    ):
        assert element in html, element


def test_the_edit_form_summarises_the_graded_cells(editor):
    """Editing an exercise shows its graded cells, points and a link to the release notebook."""
    exercise = ExerciseFactory(title="HTML", slug="html")
    response = editor.get(reverse("wagtailsnippets_grading_exercise:edit", args=[exercise.pk]))
    html = response.content.decode()
    assert "<code>test_slugify</code>" in html
    assert reverse("grading:starter", args=["html"]) in html
    assert 'id="id_data_files-EMPTY_FORM_TEMPLATE"' in html


def test_uploading_an_instructor_notebook_generates_the_release(editor):
    """A valid nbgrader notebook creates the exercise with its points, rules and a release notebook
    without solutions or hidden tests."""
    response = _post(
        editor,
        SimpleUploadedFile("source.ipynb", demo_notebook()),
        deadline="2026-12-01 18:00",
        max_attempts="3",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    exercise = Exercise.objects.get(slug="html")
    assert float(exercise.max_score) == 5.0
    assert exercise.max_attempts == 3
    assert exercise.deadline is not None
    assert exercise.test_visibility == "after_deadline"
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
