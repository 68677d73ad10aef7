"""Quiz answers are shown in a per-learner, per-attempt order kept with the attempt; answers identify
choices (their index in the quiz), never positions on the page."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from courses.blocks import quiz_choice_order, quiz_seed
from courses.models import QuizAttempt
from courses.selectors import quiz_block_value
from courses.services import quiz_attempt_submit
from tests.factories import CoursePageFactory, EnrolmentFactory, LessonPageFactory, UserFactory, quiz_block

pytestmark = pytest.mark.django_db

CHOICES = [(f"answer {n}", n in (2, 5)) for n in range(8)]
QUESTIONS = [{"question": "Which are right?", "multiple": True, "choices": CHOICES}]


@pytest.fixture
def lesson():
    course = CoursePageFactory()
    return LessonPageFactory(parent=course, body=[quiz_block(quiz_id="shuffle", questions=QUESTIONS)])


@pytest.fixture
def learner(lesson):
    user = UserFactory()
    EnrolmentFactory(user=user, course=lesson.course)
    return user


def _shown_order(client, lesson) -> list[int]:
    html = client.get(lesson.url).content.decode()
    return [int(value) for value in re.findall(r'name="q0" value="(\d+)"', html)]


@override_settings(SECRET_KEY="a fixed secret key for the quiz seed")
def test_each_attempt_shows_its_own_order_and_keeps_it(client, lesson, learner):
    """With a fixed seed source, the learner's first and second attempts see the answers in different
    orders; each attempt stores the order it was shown, and the fresh form after an attempt shows the
    next attempt's order."""
    client.force_login(learner)
    first = _shown_order(client, lesson)
    assert sorted(first) == list(range(8))
    quiz = quiz_block_value(lesson=lesson, quiz_id="shuffle")
    assert (
        first
        == quiz_choice_order(quiz, seed=quiz_seed(user_id=learner.pk, quiz_id="shuffle", attempt_number=0))[0]
    )

    client.post(reverse("courses:quiz_submit", args=[lesson.pk, "shuffle"]), {"q0": ["2", "5"]})
    attempt = QuizAttempt.objects.get(user=learner)
    assert attempt.choice_order == [first]

    response = client.get(lesson.url, {"retry": "shuffle"})
    second = [int(value) for value in re.findall(r'name="q0" value="(\d+)"', response.content.decode())]
    assert sorted(second) == list(range(8))
    assert second != first


@override_settings(SECRET_KEY="a fixed secret key for the quiz seed")
def test_answers_identify_choices_not_positions(lesson, learner):
    """The correct answers score whatever positions they were shown at: the submitted values are the
    choices' indices in the quiz, checked against the quiz, and the stored order is the one shown."""
    quiz = quiz_block_value(lesson=lesson, quiz_id="shuffle")
    shown = quiz_choice_order(quiz, seed=quiz_seed(user_id=learner.pk, quiz_id="shuffle", attempt_number=0))
    attempt = quiz_attempt_submit(user=learner, lesson=lesson, quiz_id="shuffle", data={"q0": ["5", "2"]})
    assert (attempt.score, attempt.passed) == (1, True)
    assert attempt.answers == {"0": [2, 5]}
    assert attempt.choice_order == shown

    # The positions of the right answers on the page are not the answers: sending them scores nothing
    # (unless the shuffle happened to put the right answers at those very positions).
    positions = [str(shown[0].index(2)), str(shown[0].index(5))]
    second = quiz_attempt_submit(user=learner, lesson=lesson, quiz_id="shuffle", data={"q0": positions})
    assert second.score == (1 if sorted(positions) == ["2", "5"] else 0)
    assert second.choice_order != attempt.choice_order
