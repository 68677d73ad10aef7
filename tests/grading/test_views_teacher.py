"""The teachers' gradebook: scoping, overrides with a reason, exports, regrades."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grading import services
from grading.engines import CellResult, GradeResult
from grading.models import GradeOverride, Submission
from tests.factories import ExerciseFactory, GroupMembershipFactory, StudyGroupFactory, UserFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


def _graded(student, exercise, score: float) -> Submission:
    submission = services.submission_create(
        student=student, exercise=exercise, notebook_bytes=notebooks.solved(), filename="s.ipynb"
    )
    services._claim(submission.pk)
    result = GradeResult(
        status="graded",
        score=score,
        max_score=5.0,
        cells=[CellResult("test_link", min(score, 2.0), 2.0), CellResult("test_bullet_list", 0, 2.0)],
        engine="nbgrader",
    )
    return services.submission_store_result(submission_id=submission.pk, result=result)


@pytest.fixture
def classroom(monkeypatch):
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    group = StudyGroupFactory()
    teacher = UserFactory(email="teacher@example.org")
    group.teachers.add(teacher)
    student = UserFactory(full_name='=HYPERLINK("http://evil")')
    GroupMembershipFactory(group=group, student=student)
    exercise = ExerciseFactory()
    return group, teacher, student, exercise


def test_teacher_sees_own_group_and_not_others(client, classroom, django_assert_max_num_queries):
    """The gradebook of a taught group lists its learners with their counting score; another group's
    gradebook is 404 for this teacher."""
    group, teacher, student, exercise = classroom
    _graded(student, exercise, 3)
    other = StudyGroupFactory()
    client.force_login(teacher)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("grading:gradebook_group", args=[exercise.pk, group.pk]))
    assert response.status_code == 200
    assert "3 / 5" in response.content.decode()
    assert client.get(reverse("grading:gradebook_group", args=[exercise.pk, other.pk])).status_code == 404
    client.force_login(student)
    assert client.get(reverse("grading:gradebook")).status_code == 403


def test_override_needs_a_reason_and_is_audited(client, classroom):
    """An override without a reason is refused; with one it changes the score and is logged with the
    previous score and the author."""
    group, teacher, student, exercise = classroom
    submission = _graded(student, exercise, 3)
    client.force_login(teacher)
    url = reverse("grading:submission_override", args=[submission.pk])
    client.post(url, {"score": "5", "reason": "  "})
    submission.refresh_from_db()
    assert submission.score == Decimal("3.00")
    assert GradeOverride.objects.count() == 0
    client.post(url, {"score": "4.5", "reason": "The second test was too strict"})
    submission.refresh_from_db()
    assert submission.score == Decimal("4.50")
    override = GradeOverride.objects.get()
    assert (override.previous_score, override.author) == (Decimal("3.00"), teacher)
    # a learner cannot override their own grade
    client.force_login(student)
    assert client.post(url, {"score": "5", "reason": "please"}).status_code == 403


def test_exports_neutralise_formulas(client, classroom):
    """CSV and XLSX exports carry the learners' rows, with text that looks like a formula escaped."""
    group, teacher, student, exercise = classroom
    _graded(student, exercise, 3)
    client.force_login(teacher)
    response = client.get(reverse("grading:gradebook_export", args=[exercise.pk, group.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][3] == "3.0"

    response = client.get(reverse("grading:gradebook_export", args=[exercise.pk, group.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value.startswith("'=HYPERLINK")
    assert sheet["A2"].data_type == "s"


def test_regrade_all_queues_every_finished_submission_and_reports_progress(
    client, classroom, monkeypatch, django_capture_on_commit_callbacks
):
    """ "Grade all again" moves the group's finished submissions back to `queued` and the progress
    fragment counts them until they are final again."""
    group, teacher, student, exercise = classroom
    queued = []
    _graded(student, exercise, 3)
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: queued.append(pk))
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("grading:gradebook_regrade", args=[exercise.pk, group.pk]))
    assert Submission.objects.get().state == Submission.State.QUEUED
    assert len(queued) == 1
    html = client.get(reverse("grading:gradebook_progress", args=[exercise.pk, group.pk])).content.decode()
    assert "0 / 1" in html
    assert "hx-trigger" in html


def test_submission_page_links_the_teacher_to_a_read_only_copy_of_the_notebook(client, classroom):
    """A teacher reviewing a submission gets a link to the read-only copy of the student's notebook;
    the student on their own submission page does not."""
    group, teacher, student, exercise = classroom
    submission = _graded(student, exercise, 3)
    copy_url = reverse("hub:student_notebook", args=[exercise.pk, student.pk])
    client.force_login(teacher)
    assert copy_url in client.get(submission.get_absolute_url()).content.decode()
    client.force_login(student)
    response = client.get(submission.get_absolute_url())
    assert response.status_code == 200
    assert copy_url not in response.content.decode()
