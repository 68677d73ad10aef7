"""Who is at risk: an active enrolment with no activity for `AT_RISK_DAYS` days ("inactive"), or still
active after its course's expected length ("behind schedule"). The statistics build and the group page
both take their filters from here, so the two always agree."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from courses.models import CoursePage, Enrolment

AT_RISK_DAYS = 14


def courses_by_expected_weeks() -> dict[int, list[int]]:
    """Expected course length in weeks → ids of the courses with that length (a handful of values)."""
    grouped: dict[int, list[int]] = {}
    for pk, weeks in CoursePage.objects.values_list("pk", "expected_weeks").order_by("pk"):
        grouped.setdefault(weeks, []).append(pk)
    return grouped


def inactive_q(*, now: dt.datetime, prefix: str = "") -> Q:
    """Active enrolments without activity for `AT_RISK_DAYS` days (never active: counted from
    enrolment). `prefix` reaches the enrolment from another model, e.g. `"student__enrolments__"`."""
    stale = now - dt.timedelta(days=AT_RISK_DAYS)
    return Q(**{f"{prefix}status": Enrolment.Status.ACTIVE}) & (
        Q(**{f"{prefix}last_activity_at__lt": stale})
        | Q(**{f"{prefix}last_activity_at__isnull": True, f"{prefix}created_at__lt": stale})
    )


def behind_schedule_q(*, now: dt.datetime, weeks: dict[int, list[int]], prefix: str = "") -> Q:
    """Active enrolments older than their course's expected length (`weeks` from
    `courses_by_expected_weeks`)."""
    overdue = Q(pk__in=[])
    for length, course_ids in weeks.items():
        started_before = now - dt.timedelta(weeks=length)
        overdue |= Q(**{f"{prefix}course_id__in": course_ids, f"{prefix}created_at__lt": started_before})
    return Q(**{f"{prefix}status": Enrolment.Status.ACTIVE}) & overdue
