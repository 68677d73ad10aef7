"""Activity results, lesson and course completion, and the certificate that follows."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from courses.models import ActivityResult, Certificate, Enrolment, LessonProgress
from courses.selectors import course_progress, lesson_activity_ids
from courses.services import activity_result_record, lesson_visit
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    UserFactory,
    exercise_block,
    paragraph_block,
    quiz_block,
)

pytestmark = pytest.mark.django_db


def _lesson_with_quiz(course, quiz_id="q1", **kwargs):
    return LessonPageFactory(parent=course, body=[quiz_block(quiz_id=quiz_id)], **kwargs)


def test_activity_result_passed_follows_course_pass_mark():
    """`passed` is set when score/max reaches the course's pass mark, and only then."""
    course = CoursePageFactory(pass_mark=60)
    lesson = _lesson_with_quiz(course)
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    below = activity_result_record(
        user=user, lesson=lesson, activity_id="q1", kind="quiz", score=5, max_score=10
    )
    assert below.passed is False
    at = activity_result_record(
        user=user, lesson=lesson, activity_id="q1", kind="quiz", score=6, max_score=10
    )
    assert at.passed is True
    assert at.pk == below.pk
    assert ActivityResult.objects.get(pk=at.pk).score == Decimal("6")


def test_activity_result_overwrites_previous_result():
    """A later result replaces the earlier one: the caller decides best or last."""
    course = CoursePageFactory(pass_mark=50)
    lesson = _lesson_with_quiz(course)
    user = UserFactory()
    activity_result_record(user=user, lesson=lesson, activity_id="q1", kind="quiz", score=9, max_score=10)
    activity_result_record(user=user, lesson=lesson, activity_id="q1", kind="quiz", score=2, max_score=10)
    result = ActivityResult.objects.get(user=user, lesson=lesson, activity_id="q1")
    assert result.score == Decimal("2")
    assert result.passed is False
    assert ActivityResult.objects.count() == 1


def test_activity_result_rejects_impossible_scores():
    """A score above the maximum or an unknown kind is refused and nothing is written."""
    lesson = _lesson_with_quiz(CoursePageFactory())
    user = UserFactory()
    with pytest.raises(ValidationError):
        activity_result_record(
            user=user, lesson=lesson, activity_id="q1", kind="quiz", score=11, max_score=10
        )
    with pytest.raises(ValidationError):
        activity_result_record(
            user=user, lesson=lesson, activity_id="q1", kind="essay", score=1, max_score=10
        )
    assert not ActivityResult.objects.exists()


def test_lesson_without_activities_completes_on_visit():
    """A lesson with only reading material is complete as soon as the learner opens it."""
    lesson = LessonPageFactory(body=[paragraph_block("<p>Read me</p>")])
    user = UserFactory()
    progress = lesson_visit(user=user, lesson=lesson)
    assert progress.completed_at is not None


def test_lesson_with_activities_needs_every_activity_passed():
    """A visit does not complete a lesson with activities; it completes once every activity block
    (quiz and notebook exercise) has a passed result."""
    course = CoursePageFactory(pass_mark=50)
    lesson = LessonPageFactory(parent=course, body=[quiz_block(quiz_id="qa"), exercise_block(exercise_id=7)])
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    assert lesson_activity_ids(lesson=lesson) == [("quiz", "qa"), ("exercise", "7")]
    assert lesson_visit(user=user, lesson=lesson).completed_at is None

    activity_result_record(user=user, lesson=lesson, activity_id="qa", kind="quiz", score=1, max_score=1)
    assert LessonProgress.objects.get(user=user, lesson=lesson).completed_at is None
    activity_result_record(user=user, lesson=lesson, activity_id="7", kind="exercise", score=2, max_score=10)
    assert LessonProgress.objects.get(user=user, lesson=lesson).completed_at is None
    activity_result_record(user=user, lesson=lesson, activity_id="7", kind="exercise", score=8, max_score=10)
    assert LessonProgress.objects.get(user=user, lesson=lesson).completed_at is not None


def test_course_completes_when_every_required_lesson_is_complete_and_issues_certificate():
    """Completing the last required lesson completes the enrolment and issues the certificate; an
    optional lesson left undone does not block it."""
    course = CoursePageFactory(pass_mark=50, issues_certificate=True, duration_hours=72)
    reading = LessonPageFactory(parent=course, body=[paragraph_block("<p>x</p>")])
    quiz_lesson = _lesson_with_quiz(course, quiz_id="final")
    LessonPageFactory(parent=course, required=False, body=[quiz_block(quiz_id="extra")])
    user = UserFactory(full_name="Айгуль Хасанова")
    enrolment = EnrolmentFactory(user=user, course=course)

    lesson_visit(user=user, lesson=reading)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    assert course_progress(user=user, course=course).percent == 50

    activity_result_record(
        user=user, lesson=quiz_lesson, activity_id="final", kind="quiz", score=1, max_score=1
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.learner_name == "Айгуль Хасанова"
    assert certificate.hours == 72
    assert course_progress(user=user, course=course).percent == 100


def test_course_without_certificate_completes_without_one():
    """A course that issues no certificate still completes the enrolment."""
    course = CoursePageFactory(issues_certificate=False)
    lesson = LessonPageFactory(parent=course)
    user = UserFactory()
    enrolment = EnrolmentFactory(user=user, course=course)
    lesson_visit(user=user, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert not Certificate.objects.exists()


def test_unpublished_lesson_does_not_count():
    """Only live required lessons count towards completion and progress."""
    course = CoursePageFactory()
    done = LessonPageFactory(parent=course)
    draft = LessonPageFactory(parent=course)
    draft.unpublish()
    user = UserFactory()
    enrolment = EnrolmentFactory(user=user, course=course)
    lesson_visit(user=user, lesson=done)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_course_progress_percent_and_next_lesson():
    """Progress is the share of required lessons done; the next lesson is the first not done."""
    course = CoursePageFactory()
    lessons = [LessonPageFactory(parent=course, body=[quiz_block(quiz_id=f"q{i}")]) for i in range(3)]
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    progress = course_progress(user=user, course=course)
    assert (progress.percent, progress.next_lesson) == (0, lessons[0])
    activity_result_record(user=user, lesson=lessons[0], activity_id="q0", kind="quiz", score=1, max_score=1)
    progress = course_progress(user=user, course=course)
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    assert progress.next_lesson == lessons[1]


def test_completion_is_not_taken_back_by_a_worse_result():
    """Once complete, a lesson and its course stay complete when a later result fails."""
    course = CoursePageFactory(pass_mark=50)
    lesson = _lesson_with_quiz(course)
    user = UserFactory()
    enrolment = EnrolmentFactory(user=user, course=course)
    activity_result_record(user=user, lesson=lesson, activity_id="q1", kind="quiz", score=1, max_score=1)
    activity_result_record(user=user, lesson=lesson, activity_id="q1", kind="quiz", score=0, max_score=1)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert LessonProgress.objects.get(user=user, lesson=lesson).completed_at is not None
