"""The course page (enrolment), lessons (access, blocks, navigation) and quizzes (no leak of the
answers, server-side checking, feedback)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from courses.models import ActivityResult, Enrolment, LessonProgress, QuizAttempt
from tests.factories import (
    CoursePageFactory,
    EnrolmentFactory,
    LessonPageFactory,
    UserFactory,
    code_block,
    paragraph_block,
    quiz_block,
)

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {
        "question": "Which tag makes a link?",
        "choices": [("<p>", False), ("<a>", True), ("<div>", False)],
        "explanation": "The anchor element a makes hyperlinks.",
    },
    {
        "question": "Which are CSS properties?",
        "multiple": True,
        "choices": [("color", True), ("href", False), ("margin", True)],
        "explanation": "href is an HTML attribute.",
    },
]


@pytest.fixture
def course():
    return CoursePageFactory(title="Web basics", pass_mark=60)


@pytest.fixture
def lessons(course):
    first = LessonPageFactory(
        parent=course,
        title="Intro",
        body=[paragraph_block("<p>Welcome</p>"), code_block("print('hello')\n")],
    )
    second = LessonPageFactory(
        parent=course, title="Quiz time", body=[quiz_block(quiz_id="links", questions=QUESTIONS)]
    )
    third = LessonPageFactory(parent=course, title="Wrap-up")
    return first, second, third


@pytest.fixture
def learner(client, course):
    user = UserFactory()
    EnrolmentFactory(user=user, course=course)
    client.force_login(user)
    return user


# --- Course page and enrolment


def test_course_page_invites_anonymous_to_log_in(client, course, lessons):
    """An anonymous visitor sees the lesson titles (not links) and an invitation to log in."""
    html = client.get(course.url).content.decode()
    assert "Log in to enrol" in html
    assert "Intro" in html
    assert f'href="{lessons[0].url}"' not in html


def test_enrol_through_the_course_page(client, course, lessons):
    """A logged-in visitor enrols with the button (POST with CSRF) and then sees the lesson links."""
    user = UserFactory()
    client.force_login(user)
    html = client.get(course.url).content.decode()
    assert reverse("courses:enrol", args=[course.pk]) in html
    assert "csrfmiddlewaretoken" in html
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert "You are enrolled" in response.content.decode()
    assert Enrolment.objects.get(user=user, course=course).status == Enrolment.Status.ACTIVE
    assert f'href="{lessons[0].url}"' in response.content.decode()


def test_enrol_requires_login_and_post(client, course):
    """Anonymous enrolment redirects to the login page; GET is not allowed."""
    response = client.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(reverse("courses:enrol", args=[course.pk])).status_code == 405
    assert not Enrolment.objects.exists()


def test_enrol_closed_shows_message(client):
    """Enrolling after the window closed shows a clear message and enrols nobody."""
    course = CoursePageFactory(enrolment_closes=timezone.now() - timedelta(days=1))
    client.force_login(UserFactory())
    html = client.get(course.url).content.decode()
    assert "Enrolment in this course is closed." in html
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert "Enrolment in this course is closed." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_enrol_full_course_shows_message(client):
    """A full course says so on the page and refuses the enrolment."""
    course = CoursePageFactory(capacity=1)
    EnrolmentFactory(course=course)
    client.force_login(UserFactory())
    assert "This course is full." in client.get(course.url).content.decode()
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert "This course is full." in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_withdraw(client, course, learner):
    """An enrolled learner can leave the course."""
    response = client.post(reverse("courses:withdraw", args=[course.pk]), follow=True)
    assert "You have left the course." in response.content.decode()
    assert Enrolment.objects.get(user=learner).status == Enrolment.Status.WITHDRAWN


# --- Lesson access


def test_lesson_hidden_from_visitors_who_are_not_enrolled(client, course, lessons):
    """Anonymous visitors and logged-in non-learners are sent to the course page; the lesson body is
    not shown."""
    response = client.get(lessons[0].url, follow=True)
    assert response.redirect_chain[-1][0] == course.url
    assert "Welcome" not in response.content.decode()
    client.force_login(UserFactory())
    response = client.get(lessons[0].url, follow=True)
    assert response.redirect_chain[-1][0] == course.url
    assert "Enrol in the course to open its lessons." in response.content.decode()


def test_withdrawn_learner_loses_access(client, course, lessons, learner):
    """After withdrawing, the lessons are closed again."""
    Enrolment.objects.filter(user=learner).update(status=Enrolment.Status.WITHDRAWN)
    assert client.get(lessons[0].url).status_code == 302


def test_editor_sees_lessons_without_enrolment(client, course, lessons):
    """Editors (allowed into the Wagtail admin) read lessons without enrolling; nothing is recorded."""
    editors = Group.objects.create(name="Course editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor = UserFactory()
    editor.groups.add(editors)
    client.force_login(editor)
    response = client.get(lessons[0].url)
    assert response.status_code == 200
    assert "Welcome" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_lesson_renders_blocks_navigation_and_records_visit(client, course, lessons, learner):
    """An enrolled learner sees the body (code highlighted on the server), previous/next links and the
    list of lessons with done marks; the visit completes a reading lesson."""
    first, second, third = lessons
    response = client.get(second.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{third.url}" rel="next"' in html

    response = client.get(first.url)
    html = response.content.decode()
    assert "Welcome" in html
    assert '<div class="highlight">' in html
    assert '<span class="nb">print</span>' in html  # Pygments token markup
    assert "cdn" not in html.lower()
    assert LessonProgress.objects.get(user=learner, lesson=first).completed_at is not None
    # The lesson list marks the completed lesson as done (the quiz lesson is not done by a visit).
    html = client.get(second.url).content.decode()
    assert html.count('<span class="visually-hidden"> Done</span>') == 1


def test_visit_is_recorded_only_once_wagtail_lets_the_page_be_served(client, course, lessons, learner):
    """A lesson behind a password (a Wagtail view restriction) answers with the password form and
    records nothing, even for an enrolled learner; the visit is recorded once the page is served."""
    restriction = PageViewRestriction.objects.create(
        page=lessons[0], restriction_type=PageViewRestriction.PASSWORD, password="open sesame"
    )
    response = client.get(lessons[0].url)
    assert response.status_code == 200
    assert "Welcome" not in response.content.decode()
    assert not LessonProgress.objects.exists()

    restriction.delete()
    assert "Welcome" in client.get(lessons[0].url).content.decode()
    assert LessonProgress.objects.filter(user=learner, lesson=lessons[0]).exists()


def test_rereading_a_completed_lesson_soon_writes_nothing(client, course, lessons, learner):
    """A learner re-reading a completed lesson within a minute of the recorded visit costs no write:
    the lesson view runs no UPDATE or INSERT; a visit later than that is recorded again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = lessons[0]
    client.get(first.url)
    progress = LessonProgress.objects.get(user=learner, lesson=first)
    assert progress.completed_at is not None
    with CaptureQueriesContext(connection) as queries:
        assert client.get(first.url).status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert writes == []

    # Five minutes later: the recorded visit is old, and the marker saying so has expired.
    earlier = timezone.now() - timedelta(minutes=5)
    LessonProgress.objects.filter(pk=progress.pk).update(last_visited_at=earlier)
    cache.clear()
    client.get(first.url)
    progress.refresh_from_db()
    assert progress.last_visited_at > earlier


def test_code_listing_escapes_html(client, course, learner):
    """Code is escaped by the highlighter: markup in a listing is shown, not executed."""
    lesson = LessonPageFactory(parent=course, body=[code_block("<script>alert(1)</script>", "html")])
    html = client.get(lesson.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;" in html


# --- Quizzes


def test_quiz_html_does_not_reveal_correct_answers(client, course, lessons, learner):
    """The lesson page renders the quiz as a form, with nothing telling which answers are correct."""
    html = client.get(lessons[1].url).content.decode()
    section = html[html.index('id="quiz-links"') :]
    form = section[section.index("<form") : section.index("</form>")]
    assert "<form" in form
    assert "Which tag makes a link?" in form
    assert "correct" not in form.lower()
    assert "true" not in form.lower()
    # Choices are identified by their index (shown in a per-attempt order); the page never carries the
    # block's raw value.
    assert sorted(re.findall(r'name="q0" value="(\d)"', form)) == ["0", "1", "2"]
    assert "The anchor element" not in html  # explanations come only after an attempt
    assert "'correct'" not in html
    assert '"correct"' not in html


def test_quiz_submit_checks_on_server_and_shows_feedback(client, course, lessons, learner):
    """Answers are checked against the lesson's live content; the attempt and result are stored; the
    page then shows the score and explanations."""
    url = reverse("courses:quiz_submit", args=[lessons[1].pk, "links"])
    response = client.post(url, {"q0": "0", "q1": ["0", "2"]})
    assert response.status_code == 302
    assert response["Location"].endswith("#quiz-links")
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.score, attempt.max_score, attempt.passed) == (1, 2, False)
    result = ActivityResult.objects.get(user=learner, activity_id="links")
    assert result.passed is False

    html = client.get(lessons[1].url).content.decode()
    assert "Your last attempt: 1 of 2." in html
    assert "The anchor element a makes hyperlinks." in html
    assert "Your answer was wrong." in html
    assert "Your answer was right." in html

    client.post(url, {"q0": "1", "q1": ["0", "2"]})
    result.refresh_from_db()
    assert (result.score, result.passed) == (2, True)
    assert LessonProgress.objects.get(user=learner, lesson=lessons[1]).completed_at is not None


def test_quiz_try_again_is_a_link_to_an_empty_form(client, course, lessons, learner):
    """After an attempt the answers are shown read-only with a "Try again" GET link (no re-POST of the
    same answers); following it shows an empty form to submit, and stores no new attempt."""
    url = reverse("courses:quiz_submit", args=[lessons[1].pk, "links"])
    client.post(url, {"q0": "0", "q1": ["0", "2"]})
    html = client.get(lessons[1].url).content.decode()
    section = html[html.index('id="quiz-links"') :]
    form = section[: section.index("</form>")]
    assert re.search(r'<a class="btn btn-primary" href="[^"]*\?retry=links#quiz-links">Try again</a>', form)
    assert 'type="submit"' not in form
    assert "checked" in form
    assert "disabled" in form

    html = client.get(lessons[1].url, {"retry": "links"}).content.decode()
    section = html[html.index('id="quiz-links"') :]
    form = section[section.index("<form") : section.index("</form>")]
    assert "checked" not in form
    assert "disabled" not in form
    assert "Your answer was" not in form
    assert 'type="submit"' in form
    assert "Check answers" in form
    assert QuizAttempt.objects.filter(user=learner).count() == 1


def test_quiz_keeps_best_result(client, course, lessons, learner):
    """A worse later attempt is stored as an attempt but does not lower the recorded result."""
    url = reverse("courses:quiz_submit", args=[lessons[1].pk, "links"])
    client.post(url, {"q0": "1", "q1": ["0", "2"]})
    client.post(url, {"q0": "0", "q1": ["1"]})
    assert QuizAttempt.objects.filter(user=learner).count() == 2
    assert ActivityResult.objects.get(user=learner, activity_id="links").score == 2


@pytest.mark.parametrize(
    "data",
    [{"q0": "1"}, {"q0": "9", "q1": "0"}, {"q0": "x", "q1": "0"}, {"q0": ["0", "1"], "q1": "0"}],
)
def test_quiz_rejects_incomplete_or_forged_answers(client, course, lessons, learner, data):
    """Missing answers, unknown choices and several answers to a one-answer question are refused with
    a message, and nothing is stored."""
    url = reverse("courses:quiz_submit", args=[lessons[1].pk, "links"])
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert not QuizAttempt.objects.exists()
    assert not ActivityResult.objects.exists()
    assert 'class="alert alert-danger"' in response.content.decode()


def test_quiz_submit_requires_access(client, course, lessons):
    """A learner not enrolled in the course cannot submit its quizzes; an unknown quiz is refused."""
    client.force_login(UserFactory())
    client.post(reverse("courses:quiz_submit", args=[lessons[1].pk, "links"]), {"q0": "1", "q1": "0"})
    assert not QuizAttempt.objects.exists()


def test_unknown_quiz_is_refused(client, course, lessons, learner):
    """Submitting to a quiz id the lesson does not have stores nothing."""
    response = client.post(
        reverse("courses:quiz_submit", args=[lessons[1].pk, "nope"]), {"q0": "1"}, follow=True
    )
    assert "This quiz no longer exists." in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_quiz_checked_against_published_content_not_draft(client, course, lessons, learner):
    """A draft edit that changes the right answer does not change checking until it is published."""
    lesson = lessons[1]
    edited = [
        quiz_block(
            quiz_id="links",
            questions=[
                {**QUESTIONS[0], "choices": [("<p>", True), ("<a>", False), ("<div>", False)]},
                QUESTIONS[1],
            ],
        )
    ]
    lesson.body = edited
    lesson.save_revision()  # draft only
    client.post(reverse("courses:quiz_submit", args=[lesson.pk, "links"]), {"q0": "1", "q1": ["0", "2"]})
    assert QuizAttempt.objects.get().score == 2
