"""The hub views when the hub cannot be reached (a real closed port, no mock): clear messages, nothing
written, the lesson kept across the progress page; and the portal's logout ending the hub session."""

import socket

import pytest
from django.urls import reverse

from grading.models import Exercise
from lms.models import User
from tests.factories import LessonPageFactory, enrol_in_exercise

pytestmark = pytest.mark.django_db


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def student():
    return User.objects.create_user(email="student@example.org", password="x" * 20, full_name="Ada Student")


@pytest.fixture
def exercise(student):
    """An exercise of a live course the student is enrolled in."""
    exercise = Exercise.objects.create(title="First steps", slug="first-steps")
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    return exercise


@pytest.fixture
def hub_down(settings):
    settings.JUPYTERHUB_URL = closed_port_url()
    settings.JUPYTERHUB_REQUEST_TIMEOUT = 2
    settings.JUPYTERHUB_START_TIMEOUT = 2


def test_open_when_the_hub_is_down_shows_a_clear_message(client, student, exercise, hub_down):
    """Hub unreachable → back to the exercise page with a message; nothing else happens."""
    client.force_login(student)
    response = client.post(
        reverse("hub:open", args=[exercise.pk]), {"next": "/learning/some-lesson/"}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/learning/some-lesson/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("not reachable" in m for m in messages)


def test_submit_when_the_hub_is_down_creates_no_submission(client, student, exercise, hub_down):
    """Submitting from JupyterLab with the hub down is refused with a message and writes nothing."""
    client.force_login(student)
    response = client.post(reverse("hub:submit", args=[exercise.pk]), {"next": "/x/"})
    assert response.status_code == 302
    assert not getattr(exercise, "submissions", None) or not exercise.submissions.exists()
    assert any("not reachable" in str(m) for m in response.wsgi_request._messages)


def test_open_refuses_get_and_anonymous(client, exercise):
    """Opening starts a server: POST only, and only for a logged-in user."""
    assert client.get(reverse("hub:open", args=[exercise.pk])).status_code in (302, 405)
    response = client.post(reverse("hub:open", args=[exercise.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_student_cannot_read_a_students_notebook(client, student, exercise, hub_down):
    """Only people who may see the student (lyceums.scoping) get the read-only copy: a fellow student gets 403
    before the hub is even asked."""
    other = User.objects.create_user(email="other@example.org", password="x" * 20)
    client.force_login(other)
    response = client.get(reverse("hub:student_notebook", args=[exercise.pk, student.pk]))
    assert response.status_code == 403


def test_reset_asks_for_confirmation_first(client, student, exercise, hub_down):
    """Resetting to the starter shows a confirmation form and does nothing without the ticked box."""
    client.force_login(student)
    page = client.get(reverse("hub:reset", args=[exercise.pk]))
    assert page.status_code == 200
    assert b'name="confirm"' in page.content
    response = client.post(reverse("hub:reset", args=[exercise.pk]))
    assert response.status_code == 200
    assert b"Tick the box" in response.content


def test_progress_page_keeps_the_lesson_the_exercise_was_opened_from(client, student, exercise, hub_down):
    """The progress page polls the status and offers "Check again" with the lesson it was opened from, so
    the notebook is placed in that course's folder once the server is up."""
    lesson = LessonPageFactory()
    client.force_login(student)
    page = client.get(reverse("hub:starting", args=[exercise.pk]), {"lesson": lesson.pk})
    assert page.status_code == 200
    status_url = reverse("hub:status", args=[exercise.pk])
    assert f'hx-get="{status_url}?lesson={lesson.pk}"'.encode() in page.content
    fragment = client.get(status_url, {"lesson": lesson.pk})
    assert fragment.status_code == 200
    assert f'name="lesson" value="{lesson.pk}"'.encode() in fragment.content  # "Try again" keeps it too


def test_portal_logout_continues_to_the_hub_logout(client, student, settings):
    """Logging out of the portal ends at the hub's logout, which clears the hub session."""
    settings.JUPYTERHUB_PUBLIC_URL = "https://hub.example"
    client.force_login(student)
    response = client.post(reverse("account_logout"), follow=True)
    assert response.redirect_chain[-1][0] == "https://hub.example/hub/logout"
