"""No page waits for a JupyterLab server to start: while the hub says a server is not ready, the views ask
for its start and answer at once (the progress page, or a message to try again), and a teacher's read-only
copy of a student's notebook goes through a progress page of its own."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from grading.models import Exercise, Submission
from hub.client import hub_username
from tests.factories import GroupMembershipFactory, StudyGroupFactory, UserFactory, enrol_in_exercise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _long_start(settings):
    """A waiting view would sit out this whole start timeout; none may."""
    settings.JUPYTERHUB_START_TIMEOUT = 3


@pytest.fixture
def exercise():
    return Exercise.objects.create(title="First steps", slug="first-steps")


@pytest.fixture
def classroom():
    """A teacher and a student of the teacher's group."""
    group = StudyGroupFactory()
    teacher = UserFactory()
    group.teachers.add(teacher)
    student = UserFactory()
    GroupMembershipFactory(group=group, student=student)
    return teacher, student


def test_open_requests_the_start_and_shows_the_progress_page(client, fake_hub, exercise):
    """ "Open in JupyterLab" creates the hub user, asks for the start and sends the student to the progress
    page, which shows the hub's progress while the server is pending."""
    student = UserFactory()
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    client.force_login(student)
    response = client.post(reverse("hub:open", args=[exercise.pk]))
    assert response["Location"] == reverse("hub:starting", args=[exercise.pk])
    assert fake_hub.servers[hub_username(student)] == "pending"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Server requested" in page.content


def test_launch_while_the_server_is_pending_goes_back_to_the_progress_page(client, fake_hub, exercise):
    """Launching while the hub says the server is pending places nothing and returns the progress page's
    address; nothing is sent to the server."""
    student = UserFactory()
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    fake_hub.servers[hub_username(student)] = "pending"
    client.force_login(student)
    response = client.get(reverse("hub:launch", args=[exercise.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("hub:starting", args=[exercise.pk])
    assert not fake_hub.requests_to("/user/")


def test_teachers_copy_of_a_notebook_shows_progress_while_the_students_server_starts(
    client, fake_hub, exercise, classroom
):
    """A teacher asking for a student's notebook while the student's server is stopped gets, at once, a
    page that requests the start and polls its progress; the fragment it polls says "go on" only when the
    server is ready, and the copy is then read."""
    teacher, student = classroom
    name = hub_username(student)
    fake_hub.servers[name] = None  # the hub user exists, the server is stopped
    client.force_login(teacher)
    page_url = reverse("hub:student_notebook", args=[exercise.pk, student.pk])
    status_url = reverse("hub:student_notebook_status", args=[exercise.pk, student.pk])

    page = client.get(page_url)
    assert page.status_code == 200
    assert f'hx-get="{status_url}"'.encode() in page.content
    assert fake_hub.servers[name] == "pending"
    assert not fake_hub.requests_to("/user/")

    pending = client.get(status_url)
    assert pending.status_code == 200
    assert "HX-Redirect" not in pending.headers

    fake_hub.servers[name] = "ready"
    fake_hub.files[(name, "exercises/first-steps.ipynb")] = {
        "type": "notebook",
        "content": {"cells": [{"cell_type": "code", "source": "answer = 42", "outputs": []}]},
    }
    ready = client.get(status_url)
    assert ready["HX-Redirect"] == page_url
    assert b"answer = 42" in client.get(page_url).content


def test_only_those_who_may_read_the_copy_see_its_progress(client, fake_hub, exercise):
    """The progress fragment of a student's server is refused to a fellow student."""
    student, other = UserFactory(), UserFactory()
    client.force_login(other)
    response = client.get(reverse("hub:student_notebook_status", args=[exercise.pk, student.pk]))
    assert response.status_code == 403
    assert not fake_hub.seen


def test_submit_while_the_server_is_stopped_requests_the_start_and_creates_nothing(
    client, fake_hub, exercise
):
    """Submitting while the server is stopped asks for its start and answers at once with a message to
    submit again; no submission is created and nothing is read from the server."""
    student = UserFactory()
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    name = hub_username(student)
    fake_hub.servers[name] = None
    client.force_login(student)
    response = client.post(reverse("hub:submit", args=[exercise.pk]), {"next": "/x/"})
    assert response.status_code == 302
    assert fake_hub.servers[name] == "pending"
    assert not Submission.objects.exists()
    assert not fake_hub.requests_to("/user/")
    assert any("starting" in str(m) for m in response.wsgi_request._messages)


def test_reset_while_the_server_is_pending_replaces_nothing(client, fake_hub, exercise):
    """Starting over while the server is still starting answers at once with the confirmation page and a
    message; nothing is renamed or written."""
    exercise.release_notebook.save("release.ipynb", ContentFile(b'{"cells": [], "nbformat": 4}'), save=True)
    student = UserFactory()
    enrol_in_exercise(user=student, exercise_id=exercise.pk)
    fake_hub.servers[hub_username(student)] = "pending"
    client.force_login(student)
    response = client.post(reverse("hub:reset", args=[exercise.pk]), {"confirm": "yes"})
    assert response.status_code == 200
    assert b"starting" in response.content
    assert not fake_hub.requests_to("/user/")
