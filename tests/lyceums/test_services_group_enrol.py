"""A teacher enrols a whole group; enrolments keep the group's lyceum and municipality."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from courses.models import Enrolment
from lyceums.services import group_enrol
from tests.factories import GroupMembershipFactory, make_course


def test_teacher_enrols_group_with_placement_snapshot(client, network):
    """Posting the group form enrols every member with source=group and the lyceum snapshot; the
    snapshot stays when the learner later moves to another municipality's group."""
    course = make_course(track=network.track, slug="web-advanced")
    course.save_revision().publish()
    second = GroupMembershipFactory(group=network.group_a).student
    client.force_login(network.teacher)
    response = client.post(f"/network/groups/{network.group_a.pk}/enrol/", {"course": course.pk})
    assert response.status_code == 302
    enrolments = Enrolment.objects.filter(course=course)
    assert {e.user_id for e in enrolments} == {network.student_a.pk, second.pk}
    assert {(e.source, e.lyceum_id, e.region_id) for e in enrolments} == {
        (Enrolment.Source.GROUP, network.lyceum_a.pk, network.kazan.pk)
    }
    network.group_a.memberships.filter(student=second).delete()
    GroupMembershipFactory(group=network.group_b, student=second)
    assert Enrolment.objects.get(course=course, user=second).lyceum_id == network.lyceum_a.pk


def test_teacher_cannot_enrol_a_group_they_do_not_teach(client, network):
    """Another group's enrol form answers 404 and enrols nobody."""
    course = make_course(track=network.track, slug="web-advanced")
    course.save_revision().publish()
    client.force_login(network.teacher)
    response = client.post(f"/network/groups/{network.group_a2.pk}/enrol/", {"course": course.pk})
    assert response.status_code == 404
    assert not Enrolment.objects.filter(course=course).exists()


def test_full_course_enrols_nobody(network):
    """When the course cannot take everyone, no member is enrolled."""
    course = make_course(track=network.track, slug="tiny")
    course.capacity = 1
    course.save()
    GroupMembershipFactory(group=network.group_a)
    with pytest.raises(ValidationError):
        group_enrol(group=network.group_a, course=course)
    assert not Enrolment.objects.filter(course=course).exists()
