"""The summary tables the dashboards read (`LyceumStats`, `LyceumTrackStats`, `LyceumMonthStats`): how
they are counted from the raw enrolments and exercise results, and how they are kept current — a full
refresh by Celery beat, a debounced refresh of a lyceum after its enrolments change, and the version
that tells cached dashboards their numbers are stale.

Counting is O(enrolments): only the refresh runs it, dashboards never do (see `lyceums.dashboards`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from wagtail.models import Page

from common.pages import parent_path
from courses.models import ActivityResult, CoursePage, Enrolment, TrackPage

from .models import Lyceum, LyceumMonthStats, LyceumStats, LyceumTrackStats
from .risk import behind_schedule_q, courses_by_expected_weeks, inactive_q
from .tasks import stats_refresh_lyceums_task

#: Changes whenever the summary tables or the plans change; cached dashboards are kept with the version
#: they were built from (`lyceums.dashboards.dashboard_data_cached`).
STATS_VERSION_KEY = "lyceums:stats-version"

# ---------------------------------------------------------------------------------------------------
# Counting


@dataclass
class StatsSummary:
    """Field values of the summary rows: `LyceumStats` (without `refreshed_at`), `LyceumTrackStats`,
    `LyceumMonthStats`."""

    lyceums: list[dict]
    tracks: list[dict]
    months: list[dict]


def course_tracks() -> dict[int, tuple[int | None, str]]:
    """Course id → (track id, audience), read from the page tree (a course is a track's child)."""
    tracks = dict(TrackPage.objects.values_list("path", "pk"))
    return {
        pk: (tracks.get(parent_path(path)), audience)
        for pk, path, audience in CoursePage.objects.values_list("pk", "path", "audience")
    }


def exercise_scores(lyceum_ids: list[int] | None = None) -> dict[int, tuple[float, int]]:
    """Lyceum id → (sum of exercise scores in per cent, number of results), of every lyceum or of
    `lyceum_ids`. A result counts for the lyceum snapshotted on the learner's enrolment in the lesson's
    course (a lesson is a course's child page), so each result counts once."""
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
    lyceum_rows = []
    for lyceum_id, region_id in lyceum_regions.items():
        score_sum, score_count = scores.get(lyceum_id, (0.0, 0))
        lyceum_rows.append(
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
        lyceums=lyceum_rows,
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
# Refreshing


@transaction.atomic
def stats_refresh(*, now: dt.datetime | None = None, lyceum_ids: Iterable[int] | None = None) -> int:
    """Rebuild the summary rows the dashboards read — of every lyceum, or only of `lyceum_ids` — and
    swap them in one transaction: readers see either the old or the new numbers, never a mix. The
    lyceum rows are locked first, so two refreshes of the same lyceum run one after the other. Returns
    the number of lyceums refreshed."""
    now = now or timezone.now()
    lyceums = Lyceum.objects.order_by("pk")
    if lyceum_ids is not None:
        lyceums = lyceums.filter(pk__in=sorted(set(lyceum_ids)))
    lyceum_regions = dict(lyceums.select_for_update().values_list("pk", "region_id"))
    summary = stats_aggregate(now=now, lyceum_regions=lyceum_regions, every_lyceum=lyceum_ids is None)
    for model in (LyceumStats, LyceumTrackStats, LyceumMonthStats):
        stale = model.objects.all()
        if lyceum_ids is not None:
            stale = stale.filter(lyceum_id__in=list(lyceum_regions))
        stale.delete()
    LyceumStats.objects.bulk_create(
        [LyceumStats(**row, refreshed_at=now) for row in summary.lyceums], batch_size=1000
    )
    LyceumTrackStats.objects.bulk_create([LyceumTrackStats(**row) for row in summary.tracks], batch_size=1000)
    LyceumMonthStats.objects.bulk_create([LyceumMonthStats(**row) for row in summary.months], batch_size=1000)
    stats_version_bump()
    return len(summary.lyceums)


def _stats_pending_key(lyceum_id: int) -> str:
    return f"lyceums:stats-pending:{lyceum_id}"


def stats_refresh_schedule(*, lyceum_ids: Iterable[int]) -> list[int]:
    """Ask for these lyceums' summary rows to be refreshed in `LYCEUM_STATS_DEBOUNCE_SECONDS`. Requests
    for a lyceum that already has a refresh pending are dropped, so a burst of enrolments (a whole
    group) costs one refresh. Call after the change has committed. Returns the lyceums scheduled."""
    delay = settings.LYCEUM_STATS_DEBOUNCE_SECONDS
    # The marker outlives the countdown, so a lost task only delays the numbers until it expires.
    fresh = sorted(pk for pk in set(lyceum_ids) if cache.add(_stats_pending_key(pk), 1, timeout=delay + 300))
    if fresh:
        try:
            stats_refresh_lyceums_task.apply_async(kwargs={"lyceum_ids": fresh}, countdown=delay)
        except Exception:
            # Not queued (broker down): let the next change try again instead of waiting for expiry.
            cache.delete_many([_stats_pending_key(pk) for pk in fresh])
            raise
    return fresh


def stats_refresh_pending(*, lyceum_ids: list[int]) -> int:
    """Run a scheduled refresh: clear the pending markers first (a change arriving while this runs
    schedules another refresh), then rebuild these lyceums' rows."""
    cache.delete_many([_stats_pending_key(pk) for pk in lyceum_ids])
    return stats_refresh(lyceum_ids=lyceum_ids)


# ---------------------------------------------------------------------------------------------------
# The version cached dashboards are checked against


def stats_version_ensure() -> str:
    """Start a version of the dashboard numbers if the cache holds none (first use, or the cache was
    emptied), and return the current one (another process may have started it first)."""
    cache.add(STATS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    return cache.get(STATS_VERSION_KEY)


def stats_version_bump() -> None:
    """Invalidate every cached dashboard: at once (so the same process sees new numbers) and again
    after the current transaction commits (so a reader that cached the old rows while it ran is not
    served them afterwards). Called by the refresh and by anything else dashboards show (plans)."""

    def bump() -> None:
        cache.set(STATS_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)
