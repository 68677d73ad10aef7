"""Reads for the lyceum network."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from .models import (
    EnrolmentPlan,
    GroupMembership,
    ImportJob,
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


def import_progress_key(job_id: int) -> str:
    return f"lyceums:import-progress:{job_id}"


def import_job_progress(job):
    """The job with `processed_rows` as the running import last published it (the job row itself is
    only written when the import's transaction ends)."""
    from django.core.cache import cache

    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        job.processed_rows = cache.get(import_progress_key(job.pk), job.processed_rows)
    return job


# ---------------------------------------------------------------------------------------------------
# Learners at risk: an active enrolment with no activity for `AT_RISK_DAYS` days ("inactive"), or still
# active after the course's expected length ("behind schedule"). The summary refresh and the group
# page both build their filters here, so the two always agree.

AT_RISK_DAYS = 14


def courses_by_expected_weeks() -> dict[int, list[int]]:
    """Expected course length in weeks → ids of the courses with that length (a handful of values)."""
    from courses.models import CoursePage

    grouped: dict[int, list[int]] = {}
    for pk, weeks in CoursePage.objects.values_list("pk", "expected_weeks").order_by("pk"):
        grouped.setdefault(weeks, []).append(pk)
    return grouped


def inactive_q(*, now: dt.datetime, prefix: str = "") -> Q:
    """Active enrolments without activity for `AT_RISK_DAYS` days (never active: counted from
    enrolment). `prefix` reaches the enrolment from another model, e.g. `"student__enrolments__"`."""
    stale = now - dt.timedelta(days=AT_RISK_DAYS)
    return Q(**{f"{prefix}status": "active"}) & (
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
    return Q(**{f"{prefix}status": "active"}) & overdue


# ---------------------------------------------------------------------------------------------------
# Aggregation over the raw enrolments and results: what `services.stats_refresh` stores in the summary
# tables. O(enrolments): dashboards never call it.


@dataclass
class StatsSummary:
    """Field values of the summary rows: `LyceumStats` (without `refreshed_at`), `LyceumTrackStats`,
    `LyceumMonthStats`."""

    lyceums: list[dict]
    tracks: list[dict]
    months: list[dict]


def course_tracks() -> dict[int, tuple[int | None, str]]:
    """Course id → (track id, audience), read from the page tree (a course is a track's child)."""
    from courses.models import CoursePage, TrackPage

    tracks = dict(TrackPage.objects.values_list("path", "pk"))
    return {
        pk: (tracks.get(path[: -Page.steplen]), audience)
        for pk, path, audience in CoursePage.objects.values_list("pk", "path", "audience")
    }


def exercise_scores(lyceum_ids: list[int] | None = None) -> dict[int, tuple[float, int]]:
    """Lyceum id → (sum of exercise scores in per cent, number of results), of every lyceum or of
    `lyceum_ids`. A result counts for the lyceum snapshotted on the learner's enrolment in the lesson's
    course (a lesson is a course's child page), so each result counts once."""
    from django.db import connection

    from courses.models import ActivityResult, Enrolment

    result = ActivityResult._meta.db_table
    page = Page._meta.db_table
    enrolment = Enrolment._meta.db_table
    params: list = [Page.steplen, ActivityResult.Kind.EXERCISE]
    only = ""
    if lyceum_ids is not None:
        if not lyceum_ids:
            return {}
        only = f"AND e.lyceum_id IN ({', '.join(['%s'] * len(lyceum_ids))})"
        params += list(lyceum_ids)
    sql = f"""
        SELECT e.lyceum_id, SUM(ar.score * 100.0 / ar.max_score), COUNT(*)
        FROM {result} ar
        JOIN {page} lp ON lp.id = ar.lesson_id
        JOIN {page} cp ON cp.path = SUBSTR(lp.path, 1, LENGTH(lp.path) - %s)
        JOIN {enrolment} e ON e.user_id = ar.user_id AND e.course_id = cp.id
        WHERE ar.kind = %s AND ar.max_score > 0 AND e.lyceum_id IS NOT NULL {only}
        GROUP BY e.lyceum_id
    """  # noqa: S608 - table names come from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {lyceum_id: (float(total or 0), count) for lyceum_id, total, count in cursor.fetchall()}


def _first_of_month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()
    return value


def stats_aggregate(*, now: dt.datetime, lyceum_regions: dict[int, int], every_lyceum: bool) -> StatsSummary:
    """Count, with a few grouped queries over enrolments and exercise results, everything the
    dashboards show for the lyceums in `lyceum_regions` (lyceum id → municipality id; `every_lyceum`
    says it holds them all, which spares a long `IN` list)."""
    from courses.models import Enrolment

    courses = course_tracks()
    student_courses = [pk for pk, (_track, audience) in courses.items() if audience == "students"]
    teacher_courses = [pk for pk, (_track, audience) in courses.items() if audience == "teachers"]
    if every_lyceum:
        placed = Enrolment.objects.filter(lyceum__isnull=False)
    else:
        placed = Enrolment.objects.filter(lyceum_id__in=list(lyceum_regions))

    inactive = inactive_q(now=now)
    behind = behind_schedule_q(now=now, weeks=courses_by_expected_weeks())
    learners = {
        row.pop("lyceum_id"): row
        for row in placed.filter(course_id__in=student_courses)
        .values("lyceum_id")
        .annotate(
            learners=Count("user_id", distinct=True),
            active_7d=Count(
                "user_id", distinct=True, filter=Q(last_activity_at__gte=now - dt.timedelta(days=7))
            ),
            active_30d=Count(
                "user_id", distinct=True, filter=Q(last_activity_at__gte=now - dt.timedelta(days=30))
            ),
            at_risk=Count("user_id", distinct=True, filter=inactive | behind),
            behind_schedule=Count("user_id", distinct=True, filter=behind),
            enrolments=Count("id"),
            completions=Count("id", filter=Q(status=Enrolment.Status.COMPLETED)),
        )
        .order_by()
    }
    teachers = {
        row.pop("lyceum_id"): row
        for row in placed.filter(course_id__in=teacher_courses)
        .values("lyceum_id")
        .annotate(
            teachers_enrolled=Count("user_id", distinct=True),
            teachers_completed=Count("user_id", distinct=True, filter=Q(status=Enrolment.Status.COMPLETED)),
        )
        .order_by()
    }
    scores = exercise_scores(None if every_lyceum else list(lyceum_regions))
    empty = dict.fromkeys(
        ("learners", "active_7d", "active_30d", "at_risk", "behind_schedule", "enrolments", "completions"), 0
    )
    lyceum_rows_ = []
    for lyceum_id, region_id in lyceum_regions.items():
        score_sum, score_count = scores.get(lyceum_id, (0.0, 0))
        lyceum_rows_.append(
            {
                "lyceum_id": lyceum_id,
                "region_id": region_id,
                **empty,
                **learners.get(lyceum_id, {}),
                "teachers_enrolled": 0,
                "teachers_completed": 0,
                **teachers.get(lyceum_id, {}),
                "score_sum": score_sum,
                "score_count": score_count,
            }
        )

    by_track: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        placed.filter(course_id__in=student_courses)
        .values("lyceum_id", "course_id", year=ExtractYear("created_at"))
        .annotate(
            enrolments=Count("id"), completions=Count("id", filter=Q(status=Enrolment.Status.COMPLETED))
        )
        .order_by()
    ):
        track_id = courses[row["course_id"]][0]
        if track_id is None:
            continue
        counts = by_track[(row["lyceum_id"], track_id, row["year"])]
        counts[0] += row["enrolments"]
        counts[1] += row["completions"]

    by_month: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        placed.filter(course_id__in=student_courses)
        .values("lyceum_id", month=TruncMonth("created_at"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_month[(row["lyceum_id"], _first_of_month(row["month"]))][0] += row["n"]
    for row in (
        placed.filter(course_id__in=student_courses, completed_at__isnull=False)
        .values("lyceum_id", month=TruncMonth("completed_at"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_month[(row["lyceum_id"], _first_of_month(row["month"]))][1] += row["n"]

    return StatsSummary(
        lyceums=lyceum_rows_,
        tracks=[
            {
                "lyceum_id": lyceum_id,
                "region_id": lyceum_regions[lyceum_id],
                "track_id": track_id,
                "year": year,
                "enrolments": counts[0],
                "completions": counts[1],
            }
            for (lyceum_id, track_id, year), counts in by_track.items()
            if lyceum_id in lyceum_regions
        ],
        months=[
            {
                "lyceum_id": lyceum_id,
                "region_id": lyceum_regions[lyceum_id],
                "month": month,
                "enrolments": counts[0],
                "completions": counts[1],
            }
            for (lyceum_id, month), counts in by_month.items()
            if lyceum_id in lyceum_regions
        ],
    )


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
    "behind_schedule",
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


def _ids(lyceums: QuerySet | list[int]):
    """Lyceum ids to filter summary rows by: a list stays a list (the planner then uses the lyceum
    index), a queryset becomes a subquery."""
    return lyceums if isinstance(lyceums, list) else lyceums.values("pk")


def lyceum_rows(*, lyceums: QuerySet | list[int]) -> list[dict]:
    """One row per lyceum, from its summary row (plain values: no model instances to build)."""
    return [
        _finish(row | {"code": row.pop("lyceum__code"), "name": row.pop("lyceum__name")})
        for row in LyceumStats.objects.filter(lyceum_id__in=_ids(lyceums))
        .values("lyceum_id", "region_id", "refreshed_at", "lyceum__code", "lyceum__name", *STAT_FIELDS)
        .order_by("lyceum__name")
    ]


def track_rows(*, lyceums: QuerySet | list[int], year: int | None = None) -> list[dict]:
    """Enrolments and completions by track, over all years or one."""
    from courses.models import TrackPage

    qs = LyceumTrackStats.objects.filter(lyceum_id__in=_ids(lyceums))
    if year is not None:
        qs = qs.filter(year=year)
    sums = list(
        qs.values("track_id")
        .annotate(enrolments=Sum("enrolments"), completions=Sum("completions"))
        .order_by()
    )
    track_ids = [row["track_id"] for row in sums]
    titles = dict(TrackPage.objects.filter(pk__in=track_ids).values_list("pk", "title"))
    return sorted(
        (
            {
                "track": titles.get(row["track_id"], ""),
                "enrolments": row["enrolments"],
                "completions": row["completions"],
                "completion_rate": round(100 * row["completions"] / row["enrolments"], 1)
                if row["enrolments"]
                else 0.0,
            }
            for row in sums
        ),
        key=lambda row: row["track"],
    )


def month_rows(
    *, lyceums: QuerySet | list[int], months: int = 12, today: dt.date | None = None
) -> list[dict]:
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
        for row in LyceumMonthStats.objects.filter(lyceum_id__in=_ids(lyceums), month__gte=starts[0])
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


def plan_rows(*, lyceums: QuerySet | list[int], year: int) -> list[dict]:
    """Plan against actual enrolments per lyceum and track for a year, with the gap (one query, one
    row per plan)."""
    actual = LyceumTrackStats.objects.filter(
        lyceum_id=OuterRef("lyceum_id"), track_id=OuterRef("track_id"), year=year
    ).values("enrolments")[:1]
    rows = []
    for plan in (
        EnrolmentPlan.objects.filter(lyceum_id__in=_ids(lyceums), year=year)
        .annotate(actual=Coalesce(Subquery(actual), 0))
        .values("lyceum__name", "track__title", "planned_enrolments", "actual")
        .order_by("lyceum__name", "track__title")
    ):
        planned, done = plan["planned_enrolments"], plan["actual"]
        rows.append(
            {
                "lyceum": plan["lyceum__name"],
                "track": plan["track__title"],
                "planned": planned,
                "actual": done,
                "gap": done - planned,
                "percent": round(100 * done / planned, 1) if planned else None,
            }
        )
    return rows


def group_rows(*, groups: QuerySet) -> list[dict]:
    """Study groups with their number of current members."""
    return [
        {"group": group, "members": group.members}
        for group in groups.select_related("lyceum", "track").annotate(
            members=Count("memberships", filter=Q(memberships__left_at__isnull=True))
        )
    ]


def group_learner_rows(*, group: StudyGroup, now: dt.datetime | None = None) -> list[dict]:
    """A group's current members with their enrolments, completions, last activity and why they are
    at risk, if they are: inactive for `AT_RISK_DAYS` days, or behind schedule in some course."""
    from courses.models import Enrolment

    now = now or timezone.now()
    prefix = "student__enrolments__"
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
            inactive=Count("student__enrolments", filter=inactive_q(now=now, prefix=prefix), distinct=True),
            behind=Count(
                "student__enrolments",
                filter=behind_schedule_q(now=now, weeks=courses_by_expected_weeks(), prefix=prefix),
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
            "inactive": membership.inactive > 0,
            "behind_schedule": membership.behind > 0,
            "at_risk": membership.inactive > 0 or membership.behind > 0,
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
    ids = list(lyceums.values_list("pk", flat=True))
    lyceum_table = lyceum_rows(lyceums=ids)
    months = month_rows(lyceums=ids)
    data = {
        "year": year,
        "lyceum_rows": lyceum_table,
        "totals": _totals(lyceum_table),
        "track_rows": track_rows(lyceums=ids),
        "month_rows": months,
        "chart": trend_chart(months),
        "plan_rows": plan_rows(lyceums=ids, year=year),
        "refreshed_at": max((row["refreshed_at"] for row in lyceum_table), default=None),
    }
    if regions is not None:
        data["region_rows"] = region_rows(regions=regions, lyceum_table=lyceum_table)
    return data


STATS_VERSION_KEY = "lyceums:stats-version"
DASHBOARD_CACHE_SECONDS = 15 * 60


def dashboard_data_cached(
    *, scope: str, lyceums: QuerySet, regions: QuerySet | None = None, year: int | None = None
) -> dict:
    """`dashboard_data`, kept in the cache per scope (`republic`, `region:<code>`, `lyceum:<id>`), year,
    day and language until the summary tables or the plans change (`services.stats_version_bump`): a
    repeat view costs one cache round trip. The numbers of a scope are the same for everyone allowed to
    see it; the caller checks that permission first."""
    import uuid

    from django.core.cache import cache
    from django.utils.translation import get_language

    year = year or timezone.localdate().year
    key = f"lyceums:dashboard:{scope}:{year}:{timezone.localdate().isoformat()}:{get_language()}"
    found = cache.get_many([STATS_VERSION_KEY, key])
    version, entry = found.get(STATS_VERSION_KEY), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    if version is None:
        cache.add(STATS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(STATS_VERSION_KEY)
    data = dashboard_data(lyceums=lyceums, regions=regions, year=year)
    cache.set(key, (version, data), timeout=DASHBOARD_CACHE_SECONDS)
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
        _("Behind schedule"),
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
            row["behind_schedule"],
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
