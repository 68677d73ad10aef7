"""Reads for the lyceum network."""

from __future__ import annotations

from .models import GroupMembership


def learner_placement(user) -> tuple[int | None, int | None]:
    """The learner's current lyceum and municipality ids, from their newest active group membership;
    `(None, None)` for a distance learner with no lyceum. Used to snapshot an enrolment."""
    membership = (
        GroupMembership.objects.filter(student=user, left_at__isnull=True)
        .select_related("group__lyceum")
        .order_by("-group__academic_year", "-joined_at")
        .first()
    )
    if membership is None:
        return None, None
    lyceum = membership.group.lyceum
    return lyceum.pk, lyceum.region_id
