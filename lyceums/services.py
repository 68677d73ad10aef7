"""Writes for the lyceum network: statistics refresh, enrolment plans, group enrolment."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, Enrolment, TrackPage

from . import selectors
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


@transaction.atomic
def stats_refresh(*, now: dt.datetime | None = None, lyceum_ids: Iterable[int] | None = None) -> int:
    """Rebuild the summary rows the dashboards read (`LyceumStats`, `LyceumTrackStats`,
    `LyceumMonthStats`) — of every lyceum, or only of `lyceum_ids` — and swap them in one transaction:
    readers see either the old or the new numbers, never a mix. The lyceum rows are locked first, so
    two refreshes of the same lyceum run one after the other. Returns the number of lyceums
    refreshed."""
    now = now or timezone.now()
    lyceums = Lyceum.objects.order_by("pk")
    if lyceum_ids is not None:
        lyceums = lyceums.filter(pk__in=sorted(set(lyceum_ids)))
    lyceum_regions = dict(lyceums.select_for_update().values_list("pk", "region_id"))
    summary = selectors.stats_aggregate(
        now=now, lyceum_regions=lyceum_regions, every_lyceum=lyceum_ids is None
    )
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


def stats_version_bump() -> None:
    """Invalidate every cached dashboard: at once (so the same process sees new numbers) and again
    after the current transaction commits (so a reader that cached the old rows while it ran is not
    served them afterwards)."""
    from django.core.cache import cache

    def bump() -> None:
        cache.set(selectors.STATS_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def _stats_pending_key(lyceum_id: int) -> str:
    return f"lyceums:stats-pending:{lyceum_id}"


def stats_refresh_schedule(*, lyceum_ids: Iterable[int]) -> list[int]:
    """Ask for these lyceums' summary rows to be refreshed in `LYCEUM_STATS_DEBOUNCE_SECONDS`. Requests
    for a lyceum that already has a refresh pending are dropped, so a burst of enrolments (a whole
    group) costs one refresh. Call after the change has committed. Returns the lyceums scheduled."""
    from django.conf import settings
    from django.core.cache import cache

    from .tasks import stats_refresh_lyceums_task

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
    from django.core.cache import cache

    cache.delete_many([_stats_pending_key(pk) for pk in lyceum_ids])
    return stats_refresh(lyceum_ids=lyceum_ids)


@transaction.atomic
def plan_set(*, lyceum: Lyceum, track: TrackPage, year: int, planned_enrolments: int) -> EnrolmentPlan:
    """Set (create or replace) the yearly enrolment plan of a lyceum in a track."""
    plan = EnrolmentPlan.objects.filter(lyceum=lyceum, track=track, year=year).first() or EnrolmentPlan(
        lyceum=lyceum, track=track, year=year
    )
    plan.planned_enrolments = planned_enrolments
    plan.full_clean()
    plan.save()
    stats_version_bump()  # cached dashboards show plans
    return plan


def weekly_reports_send() -> int:
    """E-mail each coordinator an XLSX workbook with the dashboard tables of each municipality they
    coordinate. Returns the number of e-mails sent. Numbers come from the summary tables, so the
    report matches the dashboard."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import translation

    from common.spreadsheets import to_xlsx

    from . import scoping
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

    from . import scoping
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
    _progress(job.pk, 0)
    transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return job


def _progress(job_id: int, processed: int | None) -> None:
    """Publish how many rows are done where a poller sees them while the import's own transaction is
    still open: in the cache (shared by the web servers and workers), not in the job row. `None`
    removes it once the job row holds the outcome."""
    from django.core.cache import cache

    if processed is None:
        cache.delete(selectors.import_progress_key(job_id))
    else:
        cache.set(selectors.import_progress_key(job_id), processed, timeout=24 * 3600)


def import_job_run(*, job_id: int, chunk_size: int = 1000, report_progress: bool = True) -> ImportJob:
    """Import every row of a previewed job in one transaction: all rows or none. People are matched by
    e-mail (case-insensitive), so importing the same file again creates no duplicates; students join
    their group (created for the current academic year if missing), teachers get a teaching
    assignment at the lyceum and teach the group. The uploader's scope is checked again."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from common.calendar import academic_year

    from . import scoping

    User = get_user_model()
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    if job.status == ImportJob.Status.QUEUED:
        # Committed at once (a worker runs this outside a transaction): the page shows "running".
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING
        )
    if report_progress:
        _progress(job.pk, 0)
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
    if report_progress:
        _progress(job.pk, None)
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
