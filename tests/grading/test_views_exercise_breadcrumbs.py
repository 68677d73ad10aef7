"""The exercise page shows where the exercise sits: a breadcrumb trail through its course and lesson."""

import pytest
from django.urls import reverse

from tests.factories import EnrolmentFactory, ExerciseFactory, LessonPageFactory, UserFactory, exercise_block

pytestmark = pytest.mark.django_db


def test_exercise_page_breadcrumbs_lead_through_course_and_lesson(client):
    """An enrolled learner sees links to the course and to the lesson carrying the exercise, and the
    exercise itself as the current page."""
    exercise = ExerciseFactory(slug="crumbs", title="Loops exercise")
    lesson = LessonPageFactory(title="Loops", body=[exercise_block(exercise_id=exercise.pk)])
    course = lesson.get_parent().specific
    learner = UserFactory()
    EnrolmentFactory(user=learner, course=course)
    client.force_login(learner)
    html = client.get(reverse("grading:exercise_detail", args=[exercise.slug])).content.decode()
    trail = html[html.index('class="breadcrumb"') : html.index("</ol>")]
    assert f'href="{course.url}"' in trail
    assert f'href="{lesson.url}"' in trail
    assert 'aria-current="page">Loops exercise</li>' in trail
