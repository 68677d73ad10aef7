"""The demo network: placements of the demo accounts, real numbers, idempotence."""

from __future__ import annotations

import pytest

from courses.models import Enrolment
from demo.courses import seed_courses
from demo.network import seed_network
from lyceums import scoping
from lyceums.models import GroupMembership, Lyceum, LyceumStats, StaffAssignment


@pytest.mark.django_db
def test_seed_network_places_demo_accounts_and_is_idempotent():
    """Every municipality gets a lyceum; the demo accounts hold their roles; the coordinators see
    non-zero numbers; running the seed again creates nothing new."""
    seed_courses()
    seed_network(learners_per_lyceum=3)
    counts = (Lyceum.objects.count(), Enrolment.objects.count(), GroupMembership.objects.count())
    assert Lyceum.objects.values("region").distinct().count() == 45

    coordinator = StaffAssignment.objects.get(user__email="coordinator@example.org", role="coordinator")
    assert coordinator.region.code == "kazan"
    coordinator2 = StaffAssignment.objects.get(user__email="coordinator2@example.org", role="coordinator")
    assert coordinator2.region.code != "kazan"
    student = GroupMembership.objects.get(student__email="student@example.org").group
    assert student.lyceum.region.code == "kazan"
    assert student.teachers.filter(email="teacher@example.org").exists()
    assert scoping.is_republic_admin(StaffAssignment.objects.get(role="republic_admin").user)
    kazan_stats = LyceumStats.objects.filter(region__code="kazan")
    assert sum(s.enrolments for s in kazan_stats) > 0
    assert sum(s.score_count for s in kazan_stats) > 0

    seed_network(learners_per_lyceum=3)
    assert (Lyceum.objects.count(), Enrolment.objects.count(), GroupMembership.objects.count()) == counts
