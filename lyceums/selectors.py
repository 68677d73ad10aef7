"""Reads for the lyceum network."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from .models import (
    EnrolmentPlan,
    GroupMembership,
    LyceumMonthStats,
    LyceumStats,
    LyceumTrackStats,
    StaffAssignment,
    StudyGroup,
)


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
        # A teacher has no group membership: their lyceum comes from their teaching assignment.
        assignment = (
            StaffAssignment.objects.filter(user=user, role=StaffAssignment.Role.TEACHER)
            .select_related("lyceum")
            .order_by("-created_at")
            .first()
        )
        if assignment is None:
            return None, None
        return assignment.lyceum_id, assignment.lyceum.region_id
    lyceum = membership.group.lyceum
    return lyceum.pk, lyceum.region_id


# ---------------------------------------------------------------------------------------------------
# Dashboards. Everything here reads the pre-aggregated summary tables (O(lyceums)), except the
# drill-down to a group and a learner, which read a handful of live rows.

STAT_FIELDS = (
    "learners",
    "active_7d",
    "active_30d",
    "enrolments",
    "completions",
    "at_risk",
    "score_sum",
    "score_count",
    "teachers_enrolled",
    "teachers_completed",
)


def _finish(row: dict) -> dict:
    """Derived columns: completion rate and average exercise score, in per cent."""
    row["completion_rate"] = (
        round(100 * row["completions"] / row["enrolments"], 1) if row["enrolments"] else 0.0
    )
    row["avg_score"] = round(row["score_sum"] / row["score_count"], 1) if row["score_count"] else None
    return row


def _totals(rows: list[dict]) -> dict:
    total = {field: sum(row[field] for row in rows) for field in STAT_FIELDS}
    return _finish(total)


def region_rows(*, regions: QuerySet, lyceum_table: list[dict] | None = None) -> list[dict]:
    """One row per municipality with its lyceums' totals; summed in Python from `lyceum_table` when the
    caller already has every lyceum row of these municipalities (saves a query)."""
    if lyceum_table is None:
        sums = {
            row["region_id"]: row
            for row in LyceumStats.objects.filter(region__in=regions.values("pk"))
            .values("region_id")
            .annotate(lyceums=Count("pk"), **{field: Sum(field) for field in STAT_FIELDS})
            .order_by()
        }
    else:
        sums = {}
        for row in lyceum_table:
            total = sums.setdefault(row["region_id"], dict.fromkeys(STAT_FIELDS, 0) | {"lyceums": 0})
            total["lyceums"] += 1
            for field in STAT_FIELDS:
                total[field] += row[field]
    rows = []
    for region in regions.order_by("name_ru"):
        row = sums.get(region.pk) or dict.fromkeys(STAT_FIELDS, 0) | {"lyceums": 0}
        rows.append(_finish({**row, "region": region, "code": region.code, "name": str(region)}))
    return rows


def lyceum_rows(*, lyceums: QuerySet) -> list[dict]:
    """One row per lyceum, from its summary row (plain values: no model instances to build)."""
    return [
        _finish(row | {"code": row.pop("lyceum__code"), "name": row.pop("lyceum__name")})
        for row in LyceumStats.objects.filter(lyceum__in=lyceums.values("pk"))
        .values("lyceum_id", "region_id", "refreshed_at", "lyceum__code", "lyceum__name", *STAT_FIELDS)
        .order_by("lyceum__name")
    ]


def track_rows(*, lyceums: QuerySet, year: int | None = None) -> list[dict]:
    """Enrolments and completions by track, over all years or one."""
    qs = LyceumTrackStats.objects.filter(lyceum__in=lyceums.values("pk"))
    if year is not None:
        qs = qs.filter(year=year)
    rows = (
        qs.values("track_id", "track__title")
        .annotate(enrolments=Sum("enrolments"), completions=Sum("completions"))
        .order_by("track__title")
    )
    return [
        {
            "track": row["track__title"],
            "enrolments": row["enrolments"],
            "completions": row["completions"],
            "completion_rate": round(100 * row["completions"] / row["enrolments"], 1)
            if row["enrolments"]
            else 0.0,
        }
        for row in rows
    ]


def month_rows(*, lyceums: QuerySet, months: int = 12, today: dt.date | None = None) -> list[dict]:
    """Enrolments and completions per month for the last `months` months, gaps filled with zeros."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    starts = []
    for _month in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    starts.reverse()
    found = {
        row["month"]: row
        for row in LyceumMonthStats.objects.filter(lyceum__in=lyceums.values("pk"), month__gte=starts[0])
        .values("month")
        .annotate(enrolments=Sum("enrolments"), completions=Sum("completions"))
        .order_by()
    }
    return [
        {
            "month": start.strftime("%Y-%m"),
            "enrolments": found.get(start, {}).get("enrolments", 0),
            "completions": found.get(start, {}).get("completions", 0),
        }
        for start in starts
    ]


def trend_chart(rows: list[dict]) -> dict:
    """A Chart.js configuration for the monthly trend."""
    return {
        "type": "line",
        "data": {
            "labels": [row["month"] for row in rows],
            "datasets": [
                {
                    "label": str(_("Enrolments")),
                    "data": [row["enrolments"] for row in rows],
                    "borderColor": "#0d6efd",
                },
                {
                    "label": str(_("Completions")),
                    "data": [row["completions"] for row in rows],
                    "borderColor": "#198754",
                },
            ],
        },
        "options": {"responsive": True, "scales": {"y": {"beginAtZero": True}}},
    }


def plan_rows(*, lyceums: QuerySet, year: int) -> list[dict]:
    """Plan against actual enrolments per lyceum and track for a year, with the gap."""
    actual = {
        (row["lyceum_id"], row["track_id"]): row["enrolments"]
        for row in LyceumTrackStats.objects.filter(lyceum__in=lyceums.values("pk"), year=year).values(
            "lyceum_id", "track_id", "enrolments"
        )
    }
    rows = []
    for plan in (
        EnrolmentPlan.objects.filter(lyceum__in=lyceums.values("pk"), year=year)
        .select_related("lyceum", "track")
        .order_by("lyceum__name", "track__title")
    ):
        done = actual.get((plan.lyceum_id, plan.track_id), 0)
        rows.append(
            {
                "lyceum": plan.lyceum.name,
                "track": plan.track.title,
                "planned": plan.planned_enrolments,
                "actual": done,
                "gap": done - plan.planned_enrolments,
                "percent": round(100 * done / plan.planned_enrolments, 1)
                if plan.planned_enrolments
                else None,
            }
        )
    return rows


def refreshed_at(*, lyceums: QuerySet) -> dt.datetime | None:
    return LyceumStats.objects.filter(lyceum__in=lyceums.values("pk")).aggregate(at=Max("refreshed_at"))["at"]


def group_rows(*, groups: QuerySet) -> list[dict]:
    """Study groups with their number of current members."""
    return [
        {"group": group, "members": group.members}
        for group in groups.select_related("lyceum", "track").annotate(
            members=Count("memberships", filter=Q(memberships__left_at__isnull=True))
        )
    ]


def group_learner_rows(*, group: StudyGroup, now: dt.datetime | None = None) -> list[dict]:
    """A group's current members with their enrolments, completions, last activity and whether
    they are at risk (an active enrolment without activity for 14 days)."""
    from courses.models import Enrolment

    now = now or timezone.now()
    stale = now - dt.timedelta(days=14)
    members = (
        group.memberships.filter(left_at__isnull=True)
        .select_related("student")
        .annotate(
            enrolments=Count("student__enrolments", distinct=True),
            completions=Count(
                "student__enrolments",
                filter=Q(student__enrolments__status=Enrolment.Status.COMPLETED),
                distinct=True,
            ),
            last_activity=Max("student__enrolments__last_activity_at"),
            stalled=Count(
                "student__enrolments",
                filter=Q(student__enrolments__status=Enrolment.Status.ACTIVE)
                & (
                    Q(student__enrolments__last_activity_at__lt=stale)
                    | Q(
                        student__enrolments__last_activity_at__isnull=True,
                        student__enrolments__created_at__lt=stale,
                    )
                ),
                distinct=True,
            ),
        )
        .order_by("student__full_name", "student__email")
    )
    return [
        {
            "learner": membership.student,
            "enrolments": membership.enrolments,
            "completions": membership.completions,
            "last_activity": membership.last_activity,
            "at_risk": membership.stalled > 0,
        }
        for membership in members
    ]


def learner_enrolments(*, learner) -> list[dict]:
    """A learner's enrolments with lessons completed and average exercise score per course."""
    from courses.models import ActivityResult, Enrolment

    enrolments = list(
        Enrolment.objects.filter(user=learner).select_related("course", "lyceum").order_by("-created_at")
    )
    scores: dict[int, list[float]] = {}
    paths = {e.course.path: e.course_id for e in enrolments}
    for result in ActivityResult.objects.filter(
        user=learner, kind=ActivityResult.Kind.EXERCISE
    ).select_related("lesson"):
        course_id = paths.get(result.lesson.path[: -Page.steplen])
        if course_id and result.max_score:
            scores.setdefault(course_id, []).append(float(result.score * 100 / result.max_score))
    return [
        {
            "enrolment": enrolment,
            "avg_score": round(sum(scores[enrolment.course_id]) / len(scores[enrolment.course_id]), 1)
            if enrolment.course_id in scores
            else None,
        }
        for enrolment in enrolments
    ]


def dashboard_data(*, lyceums: QuerySet, regions: QuerySet | None = None, year: int | None = None) -> dict:
    """Everything a dashboard shows for a set of lyceums (and, for the republic, the per-municipality
    table). A bounded number of queries over the summary tables, whatever the number of enrolments."""
    year = year or timezone.localdate().year
    lyceum_table = lyceum_rows(lyceums=lyceums)
    months = month_rows(lyceums=lyceums)
    data = {
        "year": year,
        "lyceum_rows": lyceum_table,
        "totals": _totals(lyceum_table),
        "track_rows": track_rows(lyceums=lyceums),
        "month_rows": months,
        "chart": trend_chart(months),
        "plan_rows": plan_rows(lyceums=lyceums, year=year),
        "refreshed_at": max((row["refreshed_at"] for row in lyceum_table), default=None),
    }
    if regions is not None:
        data["region_rows"] = region_rows(regions=regions, lyceum_table=lyceum_table)
    return data


def dashboard_tables(data: dict) -> dict[str, tuple[list[str], list[list]]]:
    """The dashboard's tables as header + rows, for CSV and XLSX export."""
    stat_headers = [
        _("Learners"),
        _("Active, 7 days"),
        _("Active, 30 days"),
        _("Enrolments"),
        _("Completions"),
        _("Completion rate, %"),
        _("Average exercise score, %"),
        _("At risk"),
        _("Teachers enrolled"),
        _("Teachers completed"),
    ]

    def stat_values(row: dict) -> list:
        return [
            row["learners"],
            row["active_7d"],
            row["active_30d"],
            row["enrolments"],
            row["completions"],
            row["completion_rate"],
            row["avg_score"],
            row["at_risk"],
            row["teachers_enrolled"],
            row["teachers_completed"],
        ]

    tables = {}
    if "region_rows" in data:
        tables["municipalities"] = (
            [_("Code"), _("Municipality"), _("Lyceums"), *stat_headers],
            [[row["code"], row["name"], row["lyceums"], *stat_values(row)] for row in data["region_rows"]],
        )
    tables["lyceums"] = (
        [_("Code"), _("Lyceum"), *stat_headers],
        [[row["code"], row["name"], *stat_values(row)] for row in data["lyceum_rows"]],
    )
    tables["tracks"] = (
        [_("Track"), _("Enrolments"), _("Completions"), _("Completion rate, %")],
        [
            [row["track"], row["enrolments"], row["completions"], row["completion_rate"]]
            for row in data["track_rows"]
        ],
    )
    tables["months"] = (
        [_("Month"), _("Enrolments"), _("Completions")],
        [[row["month"], row["enrolments"], row["completions"]] for row in data["month_rows"]],
    )
    tables["plan"] = (
        [_("Lyceum"), _("Track"), _("Planned"), _("Actual"), _("Gap"), _("Done, %")],
        [
            [row["lyceum"], row["track"], row["planned"], row["actual"], row["gap"], row["percent"]]
            for row in data["plan_rows"]
        ],
    )
    return tables


def group_enrolment_courses() -> QuerySet:
    """Live student courses a teacher may enrol a group into."""
    from courses.models import CoursePage

    return CoursePage.objects.live().filter(audience=CoursePage.Audience.STUDENTS).order_by("title")
