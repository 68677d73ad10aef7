"""What a dashboard shows for a set of lyceums — per-municipality, per-lyceum, per-track and per-month
figures, the plan against actual enrolments, the trend chart — read from the summary tables
(O(lyceums), whatever the number of enrolments) and kept in the cache until the numbers change."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from courses.models import TrackPage

from .models import EnrolmentPlan, LyceumMonthStats, LyceumStats, LyceumTrackStats
from .stats import STATS_VERSION_KEY, stats_version_ensure

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
DASHBOARD_CACHE_SECONDS = 15 * 60


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


def _ids(lyceums: QuerySet | list[int]):
    """Lyceum ids to filter summary rows by: a list stays a list (the planner then uses the lyceum
    index), a queryset becomes a subquery."""
    return lyceums if isinstance(lyceums, list) else lyceums.values("pk")


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
    """A Chart.js configuration for the monthly trend (`month_rows`)."""
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
        # The canvas fills its box (which keeps a minimum height) instead of squashing on phones.
        "options": {"responsive": True, "maintainAspectRatio": False, "scales": {"y": {"beginAtZero": True}}},
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


def dashboard_data_cached(
    *, scope: str, lyceums: QuerySet, regions: QuerySet | None = None, year: int | None = None
) -> dict:
    """`dashboard_data`, kept in the cache per scope (`republic`, `region:<code>`, `lyceum:<id>`), year,
    day and language until the summary tables or the plans change (`stats.stats_version_bump`): a
    repeat view costs one cache round trip. The numbers of a scope are the same for everyone allowed to
    see it; the caller checks that permission first."""
    year = year or timezone.localdate().year
    key = f"lyceums:dashboard:{scope}:{year}:{timezone.localdate().isoformat()}:{get_language()}"
    found = cache.get_many([STATS_VERSION_KEY, key])
    version, entry = found.get(STATS_VERSION_KEY), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        data = entry[1]
    else:
        if version is None:
            version = stats_version_ensure()
        data = dashboard_data(lyceums=lyceums, regions=regions, year=year)
        cache.set(key, (version, data), timeout=DASHBOARD_CACHE_SECONDS)
    # The tables rendered from these numbers are the same for everyone who sees them too: the template
    # keeps them under this name ({% cache %}), which changes with the numbers.
    return data | {"fragment_key": f"{key}:{version}", "fragment_seconds": DASHBOARD_CACHE_SECONDS}
