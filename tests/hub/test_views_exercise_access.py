"""JupyterHub's exercise views follow the exercise rule: a learner not enrolled in a course carrying
the exercise is sent to the course page before the hub is ever asked anything."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading.models import Submission
from tests.factories import EnrolmentFactory, ExerciseFactory, LessonPageFactory, UserFactory, exercise_block
from tests.hub.test_views import closed_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def carried(settings):
    """A hub that is down, and an exercise carried by a live lesson of a live course."""
    settings.JUPYTERHUB_URL = closed_port_url()
    settings.JUPYTERHUB_REQUEST_TIMEOUT = 2
    exercise = ExerciseFactory(slug="hub-carried")
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk)])
    return exercise, lesson.get_parent().specific


def test_not_enrolled_learner_cannot_open_launch_reset_or_submit(client, carried):
    """Open, the progress page, launch, reset and submit all redirect a learner who is not enrolled to
    the course page; the hub is not contacted (no "not reachable" message) and nothing is submitted."""
    exercise, course = carried
    client.force_login(UserFactory())
    calls = [
        ("post", "hub:open"),
        ("get", "hub:starting"),
        ("get", "hub:launch"),
        ("get", "hub:reset"),
        ("post", "hub:submit"),
    ]
    for method, name in calls:
        response = getattr(client, method)(reverse(name, args=[exercise.pk]))
        assert response.status_code == 302, name
        assert response["Location"] == course.url, name
        assert not any("not reachable" in str(m) for m in response.wsgi_request._messages), name
    assert not Submission.objects.exists()


def test_enrolled_learner_gets_through_to_the_hub(client, carried):
    """For an enrolled learner the open view goes on to the hub (here down, hence its message)."""
    exercise, course = carried
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course)
    client.force_login(learner)
    response = client.post(reverse("hub:open", args=[exercise.pk]), {"next": "/x/"})
    assert response["Location"] == "/x/"
    assert any("not reachable" in str(m) for m in response.wsgi_request._messages)
