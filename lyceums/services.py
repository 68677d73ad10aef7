"""Writes for the lyceum network: statistics refresh, enrolment plans, group enrolment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from courses.models import ActivityResult, CoursePage, Enrolment, TrackPage

from .models import (
    EnrolmentPlan,
    GroupMembership,
    ImportJob,
    Lyceum,
    LyceumMonthStats,
    LyceumStats,
    LyceumTrackStats,
    StaffAssignment,
    StudyGroup,
)

AT_RISK_DAYS = 14


def course_tracks() -> dict[int, tuple[int | None, str]]:
    """Course id → (track id, audience), read from the page tree (a course is a track's child)."""
    tracks = dict(TrackPage.objects.values_list("path", "pk"))
    return {
        pk: (tracks.get(path[: -Page.steplen]), audience)
        for pk, path, audience in CoursePage.objects.values_list("pk", "path", "audience")
    }


def _exercise_scores() -> dict[int, tuple[float, int]]:
    """Lyceum id → (sum of exercise scores in per cent, number of results). A result counts for the
    lyceum snapshotted on the learner's enrolment in the lesson's course (a lesson is a course's
    child page), so each result counts once."""
    result = ActivityResult._meta.db_table
    page = Page._meta.db_table
    enrolment = Enrolment._meta.db_table
    sql = f"""
        SELECT e.lyceum_id, SUM(ar.score * 100.0 / ar.max_score), COUNT(*)
        FROM {result} ar
        JOIN {page} lp ON lp.id = ar.lesson_id
        JOIN {page} cp ON cp.path = SUBSTR(lp.path, 1, LENGTH(lp.path) - %s)
        JOIN {enrolment} e ON e.user_id = ar.user_id AND e.course_id = cp.id
        WHERE ar.kind = %s AND ar.max_score > 0 AND e.lyceum_id IS NOT NULL
        GROUP BY e.lyceum_id
    """  # noqa: S608 - table names come from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [Page.steplen, ActivityResult.Kind.EXERCISE])
        return {lyceum_id: (float(total or 0), count) for lyceum_id, total, count in cursor.fetchall()}


@transaction.atomic
def stats_refresh(*, now: dt.datetime | None = None) -> int:
    """Rebuild the summary tables the dashboards read (`LyceumStats`, `LyceumTrackStats`,
    `LyceumMonthStats`) from enrolments and exercise results with a few grouped queries, and swap
    them in one transaction: readers see either the old or the new numbers, never a mix. Returns the
    number of lyceums refreshed."""
    now = now or timezone.now()
    courses = course_tracks()
    student_courses = [pk for pk, (_track, audience) in courses.items() if audience == "students"]
    teacher_courses = [pk for pk, (_track, audience) in courses.items() if audience == "teachers"]
    placed = Enrolment.objects.filter(lyceum__isnull=False)

    stalled = Q(status=Enrolment.Status.ACTIVE) & (
        Q(last_activity_at__lt=now - dt.timedelta(days=AT_RISK_DAYS))
        | Q(last_activity_at__isnull=True, created_at__lt=now - dt.timedelta(days=AT_RISK_DAYS))
    )
    learners = {
        row["lyceum_id"]: row
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
            at_risk=Count("user_id", distinct=True, filter=stalled),
            enrolments=Count("id"),
            completions=Count("id", filter=Q(status=Enrolment.Status.COMPLETED)),
        )
        .order_by()
    }
    teachers = {
        row["lyceum_id"]: row
        for row in placed.filter(course_id__in=teacher_courses)
        .values("lyceum_id")
        .annotate(
            enrolled=Count("user_id", distinct=True),
            completed=Count("user_id", distinct=True, filter=Q(status=Enrolment.Status.COMPLETED)),
        )
        .order_by()
    }
    scores = _exercise_scores()

    lyceum_regions = dict(Lyceum.objects.values_list("pk", "region_id"))
    track_rows: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
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
        counts = track_rows[(row["lyceum_id"], track_id, row["year"])]
        counts[0] += row["enrolments"]
        counts[1] += row["completions"]

    month_rows: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        placed.filter(course_id__in=student_courses)
        .values("lyceum_id", month=TruncMonth("created_at"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        month_rows[(row["lyceum_id"], _as_date(row["month"]))][0] += row["n"]
    for row in (
        placed.filter(course_id__in=student_courses, completed_at__isnull=False)
        .values("lyceum_id", month=TruncMonth("completed_at"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        month_rows[(row["lyceum_id"], _as_date(row["month"]))][1] += row["n"]

    LyceumStats.objects.all().delete()
    LyceumTrackStats.objects.all().delete()
    LyceumMonthStats.objects.all().delete()
    stats = []
    for lyceum_id, region_id in lyceum_regions.items():
        row = learners.get(lyceum_id, {})
        teacher = teachers.get(lyceum_id, {})
        score_sum, score_count = scores.get(lyceum_id, (0.0, 0))
        stats.append(
            LyceumStats(
                lyceum_id=lyceum_id,
                region_id=region_id,
                learners=row.get("learners", 0),
                active_7d=row.get("active_7d", 0),
                active_30d=row.get("active_30d", 0),
                enrolments=row.get("enrolments", 0),
                completions=row.get("completions", 0),
                at_risk=row.get("at_risk", 0),
                score_sum=score_sum,
                score_count=score_count,
                teachers_enrolled=teacher.get("enrolled", 0),
                teachers_completed=teacher.get("completed", 0),
                refreshed_at=now,
            )
        )
    LyceumStats.objects.bulk_create(stats, batch_size=1000)
    LyceumTrackStats.objects.bulk_create(
        [
            LyceumTrackStats(
                lyceum_id=lyceum_id,
                region_id=lyceum_regions[lyceum_id],
                track_id=track_id,
                year=year,
                enrolments=counts[0],
                completions=counts[1],
            )
            for (lyceum_id, track_id, year), counts in track_rows.items()
        ],
        batch_size=1000,
    )
    LyceumMonthStats.objects.bulk_create(
        [
            LyceumMonthStats(
                lyceum_id=lyceum_id,
                region_id=lyceum_regions[lyceum_id],
                month=month,
                enrolments=counts[0],
                completions=counts[1],
            )
            for (lyceum_id, month), counts in month_rows.items()
        ],
        batch_size=1000,
    )
    return len(stats)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()
    return value


@transaction.atomic
def plan_set(*, lyceum: Lyceum, track: TrackPage, year: int, planned_enrolments: int) -> EnrolmentPlan:
    """Set (create or replace) the yearly enrolment plan of a lyceum in a track."""
    plan = EnrolmentPlan.objects.filter(lyceum=lyceum, track=track, year=year).first() or EnrolmentPlan(
        lyceum=lyceum, track=track, year=year
    )
    plan.planned_enrolments = planned_enrolments
    plan.full_clean()
    plan.save()
    return plan


def weekly_reports_send() -> int:
    """E-mail each coordinator an XLSX workbook with the dashboard tables of each municipality they
    coordinate. Returns the number of e-mails sent. Numbers come from the summary tables, so the
    report matches the dashboard."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import translation

    from lms import scoping

    from . import selectors
    from .exports import to_xlsx
    from .models import StaffAssignment

    sent = 0
    assignments = (
        StaffAssignment.objects.filter(role=StaffAssignment.Role.COORDINATOR, user__is_active=True)
        .select_related("user", "region")
        .order_by("user_id", "region__name_ru")
    )
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        for assignment in assignments:
            region, user = assignment.region, assignment.user
            lyceums = scoping.stats_lyceums(user).filter(region=region)
            tables = selectors.dashboard_tables(selectors.dashboard_data(lyceums=lyceums))
            message = EmailMessage(
                subject=_("Weekly report: %(region)s, %(date)s")
                % {"region": region, "date": today.isoformat()},
                body=_("The weekly enrolment and completion report of %(region)s is attached.")
                % {"region": region},
                to=[user.email],
            )
            message.attach(
                f"{region.code}-{today.isoformat()}.xlsx",
                to_xlsx(tables),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            message.send()
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------------------
# Roster import


def import_job_create(*, user, data: bytes, filename: str) -> ImportJob:
    """Read and check an uploaded roster and keep the result as an import job in preview (or invalid)
    state. Nothing else is written. Raises `RosterFileError` for a file that cannot be read at all."""
    from django.conf import settings

    from lms import scoping

    from .imports import RosterFileError, parse_roster

    limit = settings.LYCEUM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise RosterFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": round(len(data) / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )
    allowed = set(scoping.importable_lyceums(user).values_list("code", flat=True))
    if not allowed:
        raise RosterFileError(_("You may not import people into any lyceum."))
    parsed = parse_roster(
        data=data,
        filename=filename,
        lyceum_codes=allowed,
        known_codes=set(Lyceum.objects.values_list("code", flat=True)),
    )
    job = ImportJob(
        created_by=user,
        file_name=filename[:255],
        status=ImportJob.Status.INVALID if parsed.errors else ImportJob.Status.PREVIEW,
        rows=parsed.rows,
        errors=parsed.errors,
        total_rows=parsed.total,
    )
    job.full_clean(exclude=["rows", "errors"])  # empty lists are valid here
    job.save()
    return job


@transaction.atomic
def import_job_commit(*, job: ImportJob, user) -> ImportJob:
    """Confirm a previewed import: small files are imported at once, large ones by a Celery task
    (enqueued after this transaction commits) that reports progress in the job row."""
    from django.conf import settings

    from .tasks import import_job_run_task

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEW:
        raise ValidationError(
            _("This import cannot be started: it is %(status)s.") % {"status": job.get_status_display()}
        )
    if len(job.rows) <= settings.LYCEUM_IMPORT_SYNC_ROWS:
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
        return import_job_run(job_id=job.pk, report_progress=False)
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status"])
    transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return job


def _progress(job_id: int, processed: int) -> None:
    """Write progress where a poller can see it while the import's own transaction is still open: on
    PostgreSQL through a second connection; SQLite allows one writer at a time, so there the bar
    jumps from start to end."""
    from django.db import connections

    if connection.vendor != "postgresql":
        return
    side = connections.create_connection("default")
    try:
        side.set_autocommit(True)
        with side.cursor() as cursor:
            # Progress is best effort: never wait behind a lock on the job row.
            cursor.execute("SET lock_timeout = '200ms'")
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s, status = %s WHERE id = %s",  # noqa: S608
                [processed, ImportJob.Status.RUNNING, job_id],
            )
    except DatabaseError:
        pass
    finally:
        side.close()


def import_job_run(*, job_id: int, chunk_size: int = 1000, report_progress: bool = True) -> ImportJob:
    """Import every row of a previewed job in one transaction: all rows or none. People are matched by
    e-mail (case-insensitive), so importing the same file again creates no duplicates; students join
    their group (created for the current academic year if missing), teachers get a teaching
    assignment at the lyceum and teach the group. The uploader's scope is checked again."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from lms import scoping

    from .demo import academic_year

    User = get_user_model()
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    try:
        with transaction.atomic():
            allowed = {lyceum.code: lyceum for lyceum in scoping.importable_lyceums(job.created_by)}
            outside = {row["lyceum"] for row in job.rows} - set(allowed)
            if outside:
                raise ValidationError(
                    _("Lyceums outside your scope: %(codes)s.") % {"codes": ", ".join(sorted(outside))}
                )
            year = academic_year()
            groups: dict[tuple[int, str], StudyGroup] = {}
            unusable = make_password(None)
            created = updated = 0
            for start in range(0, len(job.rows), chunk_size):
                chunk = job.rows[start : start + chunk_size]
                existing = {
                    u.email.lower(): u for u in User.objects.filter(email__in=[r["email"] for r in chunk])
                }
                new_users, changed = [], []
                for row in chunk:
                    user = existing.get(row["email"])
                    if user is None:
                        user = User(
                            email=row["email"],
                            full_name=row["full_name"],
                            birth_year=row["birth_year"],
                            password=unusable,
                        )
                        new_users.append(user)
                        existing[row["email"]] = user
                    elif user.full_name != row["full_name"] or (
                        row["birth_year"] and user.birth_year != row["birth_year"]
                    ):
                        user.full_name = row["full_name"]
                        user.birth_year = row["birth_year"] or user.birth_year
                        changed.append(user)
                User.objects.bulk_create(new_users)
                User.objects.bulk_update(changed, ["full_name", "birth_year"])
                created += len(new_users)
                updated += len(changed)
                ids = dict(
                    User.objects.filter(email__in=[r["email"] for r in chunk]).values_list("email", "pk")
                )
                memberships, assignments, teaching = [], [], []
                for row in chunk:
                    lyceum = allowed[row["lyceum"]]
                    group = None
                    if row["group"]:
                        key = (lyceum.pk, row["group"])
                        if key not in groups:
                            groups[key], _created = StudyGroup.objects.get_or_create(
                                lyceum=lyceum, academic_year=year, name=row["group"]
                            )
                        group = groups[key]
                    user_id = ids[row["email"]]
                    if row["role"] == "student" and group is not None:
                        memberships.append(GroupMembership(group=group, student_id=user_id))
                    elif row["role"] == "teacher":
                        assignments.append(StaffAssignment(user_id=user_id, role="teacher", lyceum=lyceum))
                        if group is not None:
                            teaching.append(
                                StudyGroup.teachers.through(studygroup_id=group.pk, user_id=user_id)
                            )
                GroupMembership.objects.bulk_create(memberships, ignore_conflicts=True)
                StaffAssignment.objects.bulk_create(assignments, ignore_conflicts=True)
                StudyGroup.teachers.through.objects.bulk_create(teaching, ignore_conflicts=True)
                if report_progress:
                    _progress(job.pk, start + len(chunk))
            job.status = ImportJob.Status.DONE
            job.processed_rows = len(job.rows)
            job.created_count, job.updated_count = created, updated
            job.finished_at = timezone.now()
            job.save()
    except Exception as error:  # the whole import is rolled back; the job records why
        job.refresh_from_db()
        job.status = ImportJob.Status.FAILED
        job.processed_rows = 0
        job.message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)[:2000]
        job.finished_at = timezone.now()
        job.save()
    return job


# ---------------------------------------------------------------------------------------------------
# Group enrolment


@transaction.atomic
def group_enrol(*, group: StudyGroup, course: CoursePage) -> int:
    """Enrol every current member of a study group into a course, all or none (a closed or full
    course rolls everything back). Each enrolment snapshots the group's lyceum and municipality.
    Returns how many members are now enrolled."""
    from courses.services import enrolment_create

    lyceum = Lyceum.objects.get(pk=group.lyceum_id)
    count = 0
    for membership in group.memberships.filter(left_at__isnull=True).select_related("student"):
        enrolment_create(
            user=membership.student,
            course=course,
            source=Enrolment.Source.GROUP,
            lyceum_id=lyceum.pk,
            region_id=lyceum.region_id,
        )
        count += 1
    return count
