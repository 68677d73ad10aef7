"""The study gate (`lms.consent.study_refusal`): a learner under 14 whose parent has not confirmed the
consent may sign in and look around, but every study entry point — enrolment, lessons, quizzes,
exercises and their files, submissions, JupyterHub — answers with the page that says why and offers to
send the e-mail again."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.models import Exercise, ExerciseDataFile
from lms.models import Consent
from tests.factories import (
    EnrolmentFactory,
    LessonPageFactory,
    PrivacyPolicyPageFactory,
    UserFactory,
    exercise_block,
    quiz_block,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    """A policy, an exercise with a data file in a lesson, and an under-14 learner who consented
    themselves and is enrolled (by their teacher), but whose parent has not confirmed yet."""
    PrivacyPolicyPageFactory(version="1")
    exercise = Exercise.objects.create(title="HTML", slug="html-basics")
    ExerciseDataFile.objects.create(exercise=exercise, name="data.csv", file="exercises/data.csv")
    quiz = quiz_block()
    lesson = LessonPageFactory(body=[exercise_block(exercise_id=exercise.pk), quiz])
    course = lesson.get_parent().specific
    today = timezone.localdate()
    learner = UserFactory(
        birth_date=today.replace(year=today.year - 11) - datetime.timedelta(days=3),
        guardian_email="mother@example.org",
        consented=False,
    )
    Consent.objects.create(user=learner, policy_version="1")
    EnrolmentFactory(user=learner, course=course)
    return {"learner": learner, "exercise": exercise, "lesson": lesson, "course": course, "quiz": quiz}


def _entry_points(s) -> list[tuple[str, str]]:
    ex = s["exercise"]
    return [
        ("post", reverse("courses:enrol", args=[s["course"].pk])),
        ("get", s["lesson"].url),
        ("post", reverse("courses:quiz_submit", args=[s["lesson"].pk, s["quiz"]["value"]["quiz_id"]])),
        ("get", reverse("grading:exercise_detail", args=[ex.slug])),
        ("get", reverse("grading:starter", args=[ex.slug])),
        ("get", reverse("grading:data_file", args=[ex.slug, "data.csv"])),
        ("post", reverse("grading:submit", args=[ex.slug])),
        ("post", reverse("hub:open", args=[ex.pk])),
        ("get", reverse("hub:starting", args=[ex.pk])),
        ("get", reverse("hub:status", args=[ex.pk])),
        ("get", reverse("hub:launch", args=[ex.pk])),
        ("post", reverse("hub:reset", args=[ex.pk])),
        ("post", reverse("hub:submit", args=[ex.pk])),
    ]


def test_every_study_entry_point_refuses_a_learner_waiting_for_a_parent(client, setting):
    """Each entry point answers 403 with the explanation and the resend form, writing nothing."""
    client.force_login(setting["learner"])
    for method, url in _entry_points(setting):
        response = getattr(client, method)(url)
        html = response.content.decode()
        assert response.status_code == 403, (url, response.status_code)
        assert "Waiting for your parent" in html, url
        assert 'action="/accounts/consent/guardian/"' in html, url
    assert setting["learner"].enrolments.count() == 1


def test_the_learner_can_still_sign_in_and_look_around(client, setting):
    """Pages that are not studying stay open: My learning, the catalogue, the course page."""
    client.force_login(setting["learner"])
    for url in ("/learning/", "/learning/catalogue/", setting["course"].url):
        assert client.get(url, follow=True).status_code == 200, url


def test_after_the_parents_consent_lessons_and_exercises_open(client, setting):
    """Once the parent confirmed, the same learner reads the lesson and the exercise page."""
    Consent.objects.create(
        user=setting["learner"], kind="guardian", policy_version="1", guardian_email="mother@example.org"
    )
    client.force_login(setting["learner"])
    assert client.get(setting["lesson"].url).status_code == 200
    assert client.get(reverse("grading:exercise_detail", args=["html-basics"])).status_code == 200


def test_a_learner_of_14_needs_no_parent(client, setting):
    """From the 14th birthday on, the learner's own consent is enough."""
    learner = setting["learner"]
    today = timezone.localdate()
    learner.birth_date = today.replace(year=today.year - 14)
    learner.save()
    client.force_login(learner)
    assert client.get(setting["lesson"].url).status_code == 200


def test_signing_in_to_jupyterhub_is_refused_while_waiting_for_a_parent(client, setting):
    """The hub signs learners in through the portal's OpenID Connect: its authorize endpoint answers a
    learner waiting for a parent with the same page, so no notebook server opens by the hub's own
    address either; once the parent confirmed, the request reaches the provider."""
    client.force_login(setting["learner"])
    url = reverse("oauth2_provider:authorize") + "?response_type=code&client_id=jupyterhub&scope=openid"
    refused = client.get(url)
    assert refused.status_code == 403
    assert "Waiting for your parent" in refused.content.decode()
    Consent.objects.create(
        user=setting["learner"], kind="guardian", policy_version="1", guardian_email="mother@example.org"
    )
    assert "Waiting for your parent" not in client.get(url).content.decode()
    assert client.get(url).status_code != 403
