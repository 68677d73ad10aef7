"""The feedback page speaks the reader's language: nbgrader's labels (score, test cell, answer) are
translated, for learners and teachers alike."""

from __future__ import annotations

import json

import nbformat
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from grading import services
from grading.engines import CellResult, GradeResult
from grading.engines.nbgrader_engine import render_feedback
from tests.factories import (
    ExerciseFactory,
    GroupMembershipFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
    demo_notebook,
)

ENGLISH_LABELS = ("Score:", "Your answer", "Test cell", "back to top")


def _graded_notebook() -> dict:
    return json.loads(json.dumps(nbformat.reads(demo_notebook().decode(), as_version=4)))


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("ru", ("Ваш блокнот (Балл: 2.0 / 5.0)", "Ваш ответ", "Проверка", "(наверх)", 'lang="ru"')),
        ("tt", ("Сезнең блокнот (Балл: 2.0 / 5.0)", "Сезнең җавап", "Тикшерү", "(өскә)", 'lang="tt"')),
        ("en", ("Your notebook (Score: 2.0 / 5.0)", "Your answer", "(back to top)", 'lang="en"')),
    ],
)
def test_feedback_labels_are_in_the_active_language(language, labels):
    """nbgrader's feedback page is rendered with its labels in the active language; in Russian and
    Tatar no English label is left."""
    with translation.override(language):
        page = render_feedback(_graded_notebook(), scores={"test_link": 2.0}, score=2.0, max_score=5.0)
    for label in labels:
        assert label in page, label
    if language != "en":
        assert not [label for label in ENGLISH_LABELS if label in page]
        assert "Student's answer" not in page


@pytest.mark.django_db
def test_a_teacher_reads_the_feedback_in_each_language_he_asks_for(client, monkeypatch):
    """The cached feedback page of a teacher is kept per language: opened in English and then in
    Russian, the second page is Russian."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    group = StudyGroupFactory()
    learner = GroupMembershipFactory(group=group).student
    teacher = UserFactory()
    StaffAssignmentFactory(user=teacher, role="teacher", lyceum=group.lyceum)
    group.teachers.add(teacher)
    submission = services.submission_create(
        student=learner, exercise=ExerciseFactory(), notebook_bytes=demo_notebook(), filename="s.ipynb"
    )
    services.submission_store_result(
        submission_id=submission.pk,
        result=GradeResult(
            status="graded",
            score=2.0,
            max_score=5.0,
            cells=[CellResult("test_link", 2.0, 2.0)],
            engine="fork",
            graded_notebook=_graded_notebook(),
        ),
    )
    client.force_login(teacher)
    url = reverse("grading:submission_feedback", args=[submission.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert "Your notebook" in english.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Ваш блокнот" in russian.content.decode()
