"""The learner's flow without JupyterHub: download, upload, live state, score, isolated feedback."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading.models import Submission
from tests.factories import (
    EnrolmentFactory,
    ExerciseFactory,
    LessonPageFactory,
    UserFactory,
    enrol_in_exercise,
    exercise_block,
)
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


def test_upload_over_http_is_graded_and_shown_with_isolated_feedback(
    client, django_capture_on_commit_callbacks
):
    """A learner uploads a notebook with one wrong function: it is graded (eagerly in tests, for real in
    the sandbox), the page shows the score and a failed line for that test, and the feedback comes as
    its own response with a CSP sandbox, embedded in a sandboxed iframe."""
    exercise = ExerciseFactory(slug="html-functions")
    learner = UserFactory()
    enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    client.force_login(learner)
    starter = client.get(reverse("grading:starter", args=[exercise.slug]))
    assert starter.status_code == 200
    assert b"BEGIN SOLUTION" not in starter.content
    assert b"HIDDEN TESTS" not in starter.content

    from django.core.files.uploadedfile import SimpleUploadedFile

    wrong = notebooks.with_solution("import re\ndef slugify(title):\n    return title", grade_id="slugify")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("grading:submit", args=[exercise.slug]),
            {"notebook": SimpleUploadedFile("mine.ipynb", wrong, content_type="application/json")},
        )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == submission.get_absolute_url()
    submission.refresh_from_db()
    assert submission.state == Submission.State.GRADED, submission.error
    assert float(submission.score) == 4.0
    assert list(submission.events.values_list("to_state", flat=True)) == [
        "received",
        "queued",
        "grading",
        "graded",
    ]

    page = client.get(submission.get_absolute_url())
    html = page.content.decode()
    assert "4 / 5" in html
    assert 'sandbox title="Feedback on your notebook"' in html
    assert "hx-trigger" not in html  # final state: polling stops

    status = client.get(reverse("grading:submission_status", args=[submission.pk]))
    assert status.status_code == 200
    assert "test_slugify" in status.content.decode()
    polled = client.get(reverse("grading:submission_status", args=[submission.pk]), HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"  # the live poll reloads the page once the state is final

    feedback = client.get(reverse("grading:submission_feedback", args=[submission.pk]))
    assert feedback.status_code == 200
    assert feedback["Content-Security-Policy"].startswith("sandbox")
    assert "main-nav" not in feedback.content.decode()  # no portal chrome


def test_pending_submission_page_polls_until_final(client, monkeypatch):
    """While a submission waits in the queue its status fragment asks htmx to poll again."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    from grading import services

    learner = UserFactory()
    exercise = ExerciseFactory()
    submission = services.submission_create(
        student=learner, exercise=exercise, notebook_bytes=notebooks.solved(), filename="a.ipynb"
    )
    client.force_login(learner)
    html = client.get(reverse("grading:submission_status", args=[submission.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "Received" in html
    polled = client.get(reverse("grading:submission_status", args=[submission.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled


def test_other_learners_cannot_see_a_submission(client, monkeypatch):
    """Another learner gets 404 for the page, the status and the feedback of someone's submission."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    from grading import services

    submission = services.submission_create(
        student=UserFactory(),
        exercise=ExerciseFactory(),
        notebook_bytes=notebooks.solved(),
        filename="a.ipynb",
    )
    client.force_login(UserFactory())
    for name in ("submission_detail", "submission_status", "submission_feedback"):
        assert client.get(reverse(f"grading:{name}", args=[submission.pk])).status_code == 404


def test_bad_upload_shows_the_error_and_writes_nothing(client):
    """Uploading something that is not a notebook redirects back with the error message."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    exercise = ExerciseFactory()
    learner = UserFactory()
    enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    client.force_login(learner)
    response = client.post(
        reverse("grading:submit", args=[exercise.slug]),
        {"notebook": SimpleUploadedFile("x.ipynb", b"{not json")},
        follow=True,
    )
    assert "not valid JSON" in response.content.decode()
    assert Submission.objects.count() == 0


def test_lesson_block_renders_the_real_exercise(client):
    """A lesson's notebook-exercise block shows the exercise with its download and upload controls."""
    exercise = ExerciseFactory(title="HTML functions")
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk)])
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=lesson.get_parent().specific)
    client.force_login(learner)
    response = client.get(lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "HTML functions" in html
    assert reverse("grading:starter", args=[exercise.slug]) in html
    assert reverse("grading:submit", args=[exercise.slug]) in html
    assert f'name="lesson" value="{lesson.pk}"' in html
    assert "coming soon" not in html


def test_hidden_tests_show_neither_result_nor_points_to_the_learner(client):
    """A test marked "never" (or "after the deadline", before it) shows the learner only that it is
    hidden and its maximum; its pass/fail and points stay off the page. The teacher sees everything."""
    import datetime as dt

    from django.utils import timezone

    from grading.models import CellGrade
    from tests.factories import GroupMembershipFactory, StaffAssignmentFactory, StudyGroupFactory

    exercise = ExerciseFactory(
        deadline=timezone.now() + dt.timedelta(days=7),
        test_visibility_overrides={"test_secret": "never", "test_later": "after_deadline"},
    )
    group = StudyGroupFactory()
    learner = GroupMembershipFactory(group=group).student
    teacher = UserFactory()
    StaffAssignmentFactory(user=teacher, role="teacher", lyceum=group.lyceum)
    group.teachers.add(teacher)
    submission = Submission.objects.create(
        exercise=exercise,
        student=learner,
        attempt=1,
        filename="mine.ipynb",
        notebook="submissions/mine.ipynb",
        sha256="0" * 64,
        state=Submission.State.GRADED,
        score=3,
        max_score=6,
    )
    for position, (grade_id, score) in enumerate(
        (("test_open", 1), ("test_secret", 2), ("test_later", 0)), start=1
    ):
        CellGrade.objects.create(
            submission=submission, grade_id=grade_id, score=score, max_score=2, position=position
        )
    url = reverse("grading:submission_status", args=[submission.pk])

    client.force_login(learner)
    rows = client.get(url).content.decode().split("<tr>")[2:]
    open_row, secret_row, later_row = rows
    assert "passed" not in open_row
    assert "1 / 2" in open_row
    assert "hidden test" in secret_row
    assert "hidden until the deadline" in later_row
    for hidden in (secret_row, later_row):
        assert "passed" not in hidden
        assert "failed" not in hidden
        assert "— / 2" in hidden
    assert "The score includes hidden tests" in client.get(url).content.decode()

    client.force_login(teacher)
    rows = client.get(url).content.decode().split("<tr>")[2:]
    assert "passed" in rows[1]
    assert "2 / 2" in rows[1]
    assert "hidden from learners" in rows[1]
    assert "hidden from learners" not in rows[0]
