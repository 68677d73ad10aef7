"""A learner with one record of every kind the platform keeps about a person, a classmate with records
of their own, and the staff of their municipality."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import nbformat
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from courses.models import ActivityResult, Enrolment, LessonProgress, QuizAttempt
from courses.services import certificate_issue
from grading.models import Exercise, GradeOverride, Submission
from lms.models import Consent
from lyceums.models import Region, StaffAssignment
from lyceums.stats import stats_refresh
from tests.factories import (
    GroupMembershipFactory,
    LessonPageFactory,
    LyceumFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
    make_course,
    make_track,
)
from tests.services import ensure_reference_regions

NOTEBOOK_SECRET = "# Мой код, Айгуль Мингазова"


def notebook_bytes(comment: str) -> bytes:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(comment)])).encode()


def make_submission(*, student, exercise, comment: str, attempt: int = 1) -> Submission:
    """A graded submission with an uploaded notebook (no grading engine: the rows as a graded one has)."""
    data = notebook_bytes(comment)
    submission = Submission(
        exercise=exercise,
        student=student,
        attempt=attempt,
        filename=f"{student.pk}-work.ipynb",
        sha256=hashlib.sha256(data).hexdigest(),
        state=Submission.State.GRADED,
        score=4,
        max_score=5,
        graded_at=timezone.now(),
        graded_notebook=nbformat.reads(data.decode(), as_version=4),
    )
    submission.notebook.save("submission.ipynb", ContentFile(data), save=False)
    submission.save()
    return submission


def fill_records(*, person, lyceum, group, course, lesson, exercise, comment: str) -> SimpleNamespace:
    """One record of each kind for `person`."""
    GroupMembershipFactory(group=group, student=person)
    enrolment = Enrolment.objects.create(
        user=person,
        course=course,
        lyceum=lyceum,
        region=lyceum.region,
        status=Enrolment.Status.COMPLETED,
        completed_at=timezone.now(),
        last_activity_at=timezone.now(),
    )
    certificate = certificate_issue(enrolment=enrolment)
    LessonProgress.objects.create(user=person, lesson=lesson, completed_at=timezone.now())
    QuizAttempt.objects.create(
        user=person, lesson=lesson, quiz_id="q1", answers={"0": [1]}, score=1, max_score=1, passed=True
    )
    ActivityResult.objects.create(
        user=person, lesson=lesson, activity_id="q1", kind="quiz", score=1, max_score=1, passed=True
    )
    submission = make_submission(student=person, exercise=exercise, comment=comment)
    Consent.objects.create(user=person, policy_version="2026-1", ip_address="203.0.113.7")
    return SimpleNamespace(enrolment=enrolment, certificate=certificate, submission=submission)


@pytest.fixture
def school(db):
    """Kazan: lyceum A, group GA taught by the teacher; Chelny: lyceum B. The learner (whose name looks
    like a formula) and a classmate each have one record of every kind; an override by the teacher."""
    ensure_reference_regions()
    kazan = Region.objects.get(code="kazan")
    chelny = Region.objects.get(code="naberezhnye-chelny")
    lyceum_a = LyceumFactory(region=kazan, name="Kazan IT lyceum")
    LyceumFactory(region=chelny, name="Chelny IT lyceum")
    track = make_track(code="web", title="Web development")
    course = make_course(track=track, slug="web-basics")
    lesson = LessonPageFactory(parent=course, title="HTML basics")
    group = StudyGroupFactory(lyceum=lyceum_a, track=track, name="10-A")
    exercise = Exercise.objects.create(title="Links", slug="links", max_score=5)

    admin = UserFactory(email="admin@test.org", full_name="Republic Admin")
    StaffAssignmentFactory(user=admin, role=StaffAssignment.Role.REPUBLIC_ADMIN, subject=kazan.subject)
    coordinator = UserFactory(email="coord@test.org")
    StaffAssignmentFactory(user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=kazan)
    teacher = UserFactory(email="teacher@test.org", full_name="Teacher Teacherson")
    StaffAssignmentFactory(user=teacher, role=StaffAssignment.Role.TEACHER, lyceum=lyceum_a)
    group.teachers.add(teacher)

    learner = UserFactory(
        email="learner@test.org", full_name='=HYPERLINK("http://evil.example")', birth_year=2011
    )
    classmate = UserFactory(email="classmate@test.org", full_name="Classmate Other")
    common = {"lyceum": lyceum_a, "group": group, "course": course, "lesson": lesson, "exercise": exercise}
    mine = fill_records(person=learner, comment=NOTEBOOK_SECRET, **common)
    theirs = fill_records(person=classmate, comment="# classmate's own code", **common)
    GradeOverride.objects.create(
        submission=mine.submission, author=teacher, previous_score=4, score=5, reason="Well done"
    )
    stats_refresh()
    return SimpleNamespace(
        kazan=kazan,
        lyceum=lyceum_a,
        group=group,
        course=course,
        lesson=lesson,
        exercise=exercise,
        admin=admin,
        coordinator=coordinator,
        teacher=teacher,
        learner=learner,
        classmate=classmate,
        mine=mine,
        theirs=theirs,
    )
