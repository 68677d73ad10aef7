"""My learning: enrolments with accessible progress bars, next lesson and certificate links; the
menu entries."""

import re

import pytest
from django.urls import reverse

from courses.models import Enrolment
from courses.services import activity_result_record, lesson_visit
from lms.navigation import nav_items_for
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    UserFactory,
    catalog_page,
    quiz_block,
)

pytestmark = pytest.mark.django_db


def _course_with_lessons(n: int = 2, **kwargs):
    course = CoursePageFactory(**kwargs)
    lessons = [LessonPageFactory(parent=course, body=[quiz_block(quiz_id=f"q{i}")]) for i in range(n)]
    return course, lessons


def test_my_learning_requires_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("courses:my_learning"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_my_learning_shows_progress_and_next_lesson(client):
    """Each enrolment shows a progress bar (role=progressbar, aria-valuenow) and the next lesson."""
    course, lessons = _course_with_lessons(2, title="Python for schoolchildren")
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    activity_result_record(user=user, lesson=lessons[0], activity_id="q0", kind="quiz", score=1, max_score=1)
    client.force_login(user)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert "Python for schoolchildren" in html
    assert re.search(r'role="progressbar"[^>]*aria-valuenow="50"', html)
    assert f'href="{lessons[1].url}"' in html


def test_my_learning_links_certificate_when_completed(client):
    """A completed course shows 100% and a link to the certificate; withdrawn courses are not listed."""
    course, lessons = _course_with_lessons(1, title="Completed course")
    withdrawn, _ = _course_with_lessons(1, title="Left course")
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    EnrolmentFactory(user=user, course=withdrawn, status=Enrolment.Status.WITHDRAWN)
    activity_result_record(user=user, lesson=lessons[0], activity_id="q0", kind="quiz", score=1, max_score=1)
    certificate = Enrolment.objects.get(user=user, course=course).certificate
    client.force_login(user)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert re.search(r'aria-valuenow="100"', html)
    assert reverse("courses:certificate_pdf", args=[certificate.number]) in html
    assert "Left course" not in html


def test_my_learning_query_count_is_constant(client, django_assert_max_num_queries):
    """Ten enrolments cost no more queries than two."""
    user = UserFactory()
    client.force_login(user)
    for _ in range(2):
        course, lessons = _course_with_lessons(2)
        EnrolmentFactory(user=user, course=course)
        lesson_visit(user=user, lesson=lessons[0])
    client.get(reverse("courses:my_learning"))
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("courses:my_learning"))
    budget = len(few.captured_queries)  # read before the next request empties Django's query log
    for _ in range(8):
        course, lessons = _course_with_lessons(2)
        EnrolmentFactory(user=user, course=course)
        lesson_visit(user=user, lesson=lessons[0])
    client.get(reverse("courses:my_learning"))  # the new courses' lessons are remembered at first sight
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("courses:my_learning"))
    assert len(response.context["enrolments"]) == 10


def test_menu_entries():
    """Everyone sees the catalogue entry; only logged-in people see My learning."""
    from django.contrib.auth.models import AnonymousUser

    catalog_page()
    anonymous = [item["url"] for item in nav_items_for(AnonymousUser())]
    assert reverse("courses:catalogue") in anonymous
    assert reverse("courses:my_learning") not in anonymous
    assert reverse("courses:my_learning") in [item["url"] for item in nav_items_for(UserFactory())]


def test_my_learning_bar_agrees_with_lessons_done_for_a_completed_enrolment(client):
    """A completed enrolment with none of its four lessons done (as the demo's teachers have) shows a
    0 % bar next to "0 of 4", keeps the Completed status with the lessons still to do, and says that
    the course issues no certificate instead of implying one."""
    course, _lessons = _course_with_lessons(4, title="Teaching Python", issues_certificate=False)
    user = UserFactory()
    EnrolmentFactory(user=user, course=course, status=Enrolment.Status.COMPLETED)
    client.force_login(user)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert re.search(r'role="progressbar"[^>]*aria-valuenow="0"', html)
    assert 'data-progress="0"' in html
    assert "0 of 4 required lessons done" in html
    assert "Completed" in html
    assert "4 required lessons are not done" in html
    assert "This course does not issue a certificate." in html
