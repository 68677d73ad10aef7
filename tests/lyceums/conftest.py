"""A small two-municipality network with every role, shared by the lyceum tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from courses.models import CoursePage, Enrolment
from lyceums.models import Region, StaffAssignment
from lyceums.stats import stats_refresh
from tests.factories import (
    GroupMembershipFactory,
    LyceumFactory,
    StaffAssignmentFactory,
    StudyGroupFactory,
    UserFactory,
    make_course,
    make_track,
)
from tests.services import ensure_reference_regions


@pytest.fixture(autouse=True)
def reference_regions(request):
    """The 45 municipalities from the data migration. A transactional test elsewhere in the suite
    flushes the tables, so they are reloaded (idempotently) when missing."""
    if "db" not in request.fixturenames and "network" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    ensure_reference_regions()


@pytest.fixture
def network(db):
    """Kazan (lyceum A with groups GA, taught by the teacher, and GA2) and Naberezhnye Chelny
    (lyceum B, group GB); an administrator, a coordinator of each, a teacher, three students."""
    kazan = Region.objects.get(code="kazan")
    chelny = Region.objects.get(code="naberezhnye-chelny")
    lyceum_a = LyceumFactory(region=kazan, name="Kazan IT lyceum")
    lyceum_b = LyceumFactory(region=chelny, name="Chelny IT lyceum")
    track = make_track(code="web", title="Web development")
    course = make_course(track=track, slug="web-basics")
    teacher_course = make_course(track=track, slug="web-for-teachers", audience=CoursePage.Audience.TEACHERS)
    group_a = StudyGroupFactory(lyceum=lyceum_a, track=track)
    group_a2 = StudyGroupFactory(lyceum=lyceum_a, track=track)
    group_b = StudyGroupFactory(lyceum=lyceum_b, track=track)

    admin = UserFactory(email="admin@test.org")
    StaffAssignmentFactory(user=admin, role=StaffAssignment.Role.REPUBLIC_ADMIN, subject=kazan.subject)
    coord_a = UserFactory(email="coord-a@test.org")
    StaffAssignmentFactory(user=coord_a, role=StaffAssignment.Role.COORDINATOR, region=kazan)
    coord_b = UserFactory(email="coord-b@test.org")
    StaffAssignmentFactory(user=coord_b, role=StaffAssignment.Role.COORDINATOR, region=chelny)
    teacher = UserFactory(email="teacher@test.org")
    StaffAssignmentFactory(user=teacher, role=StaffAssignment.Role.TEACHER, lyceum=lyceum_a)
    group_a.teachers.add(teacher)
    student_a = GroupMembershipFactory(group=group_a).student
    student_a2 = GroupMembershipFactory(group=group_a2).student
    student_b = GroupMembershipFactory(group=group_b).student

    now = timezone.now()
    for student, lyceum in ((student_a, lyceum_a), (student_a2, lyceum_a), (student_b, lyceum_b)):
        Enrolment.objects.create(
            user=student, course=course, lyceum=lyceum, region=lyceum.region, last_activity_at=now
        )
    Enrolment.objects.create(
        user=teacher,
        course=teacher_course,
        lyceum=lyceum_a,
        region=kazan,
        status=Enrolment.Status.COMPLETED,
        completed_at=now - dt.timedelta(days=3),
    )
    stats_refresh()
    return SimpleNamespace(
        kazan=kazan,
        chelny=chelny,
        lyceum_a=lyceum_a,
        lyceum_b=lyceum_b,
        group_a=group_a,
        group_a2=group_a2,
        group_b=group_b,
        track=track,
        course=course,
        admin=admin,
        coord_a=coord_a,
        coord_b=coord_b,
        teacher=teacher,
        student_a=student_a,
        student_a2=student_a2,
        student_b=student_b,
    )
