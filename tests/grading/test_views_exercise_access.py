"""Only the learners of a course that carries an exercise, and staff, reach the exercise: its page, its
starter and data files, and submitting to it. Anyone else is sent to the course page with an
invitation to enrol (anonymous visitors to the log-in page), as for lessons."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Enrolment
from grading import selectors, services
from grading.models import Submission
from lyceums.models import StaffAssignment
from tests.factories import (
    EnrolmentFactory,
    ExerciseFactory,
    LessonPageFactory,
    LyceumFactory,
    UserFactory,
    exercise_block,
)
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def carried(monkeypatch):
    """An exercise with a data file, carried by a live lesson of a live course."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory(slug="carried")
    services.exercise_data_file_set(exercise=exercise, name="numbers.csv", data=b"1,2,3")
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk)])
    return exercise, lesson.get_parent().specific


def _urls(exercise) -> dict[str, str]:
    return {
        "page": reverse("grading:exercise_detail", args=[exercise.slug]),
        "starter": reverse("grading:starter", args=[exercise.slug]),
        "data": reverse("grading:data_file", args=[exercise.slug, "numbers.csv"]),
    }


def _upload(client, exercise):
    return client.post(
        reverse("grading:submit", args=[exercise.slug]),
        {"notebook": SimpleUploadedFile("mine.ipynb", notebooks.solved(), content_type="application/json")},
    )


def test_learner_not_enrolled_is_sent_to_the_course_page(client, carried):
    """A logged-in learner who is not enrolled cannot open the page, download the starter or the data
    file, or submit: each is a redirect to the course page, and no submission is made."""
    exercise, course = carried
    client.force_login(UserFactory())
    for name, url in _urls(exercise).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"] == course.url, name
    response = _upload(client, exercise)
    assert response.status_code == 302
    assert response["Location"] == course.url
    assert not Submission.objects.exists()


def test_withdrawn_learner_is_refused(client, carried):
    """A withdrawn enrolment no longer opens the exercise."""
    exercise, course = carried
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course, status=Enrolment.Status.WITHDRAWN)
    client.force_login(learner)
    assert client.get(_urls(exercise)["starter"]).status_code == 302


@pytest.mark.parametrize("status", [Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])
def test_enrolled_learner_reaches_everything(client, carried, status):
    """An active or completed learner of the course sees the page, downloads the starter and the data
    file and submits."""
    exercise, course = carried
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course, status=status)
    client.force_login(learner)
    for name, url in _urls(exercise).items():
        assert client.get(url).status_code == 200, name
    response = _upload(client, exercise)
    assert response.status_code == 302
    assert Submission.objects.filter(student=learner, exercise=exercise).exists()


def test_enrolment_in_another_course_does_not_count(client, carried):
    """Being enrolled in a course that does not carry the exercise opens nothing."""
    exercise, _ = carried
    learner = UserFactory()
    EnrolmentFactory(user=learner)
    client.force_login(learner)
    assert not selectors.exercise_accessible(user=learner, exercise=exercise)
    assert client.get(_urls(exercise)["page"]).status_code == 302


def test_anonymous_visitor_is_sent_to_log_in(client, carried):
    """The exercise page, once public, now asks an anonymous visitor to log in."""
    exercise, _ = carried
    response = client.get(_urls(exercise)["page"])
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_exercise_in_no_live_course_is_404_for_learners(client):
    """An exercise no live lesson carries is a 404 for a learner (there is no course to invite them to)."""
    exercise = ExerciseFactory(slug="orphan")
    client.force_login(UserFactory())
    assert client.get(reverse("grading:exercise_detail", args=[exercise.slug])).status_code == 404
    assert client.get(reverse("grading:starter", args=[exercise.slug])).status_code == 404


def test_unpublished_lesson_does_not_open_the_exercise(client, carried):
    """Only a live lesson counts: once the lesson is unpublished, its course's learners lose access."""
    exercise, course = carried
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course)
    for lesson in selectors.exercise_lessons(exercise=exercise):
        lesson.unpublish()
    assert not selectors.exercise_accessible(user=learner, exercise=exercise)


def test_staff_and_editors_may_view(client, carried):
    """A teacher (a staff assignment) and a Wagtail editor (admin access) see the exercise and its
    starter without being enrolled."""
    exercise, _ = carried
    teacher = UserFactory()
    StaffAssignment.objects.create(user=teacher, role=StaffAssignment.Role.TEACHER, lyceum=LyceumFactory())
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for user in (teacher, editor):
        client.force_login(user)
        assert client.get(_urls(exercise)["page"]).status_code == 200
        assert client.get(_urls(exercise)["starter"]).status_code == 200
