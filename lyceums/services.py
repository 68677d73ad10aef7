"""Writes for the lyceum network: enrolment plans, the weekly reports, roster import, group enrolment.
The dashboards' summary tables are refreshed by `lyceums.stats`."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.calendar import academic_year
from common.spreadsheets import to_xlsx
from courses.models import CoursePage, Enrolment, TrackPage
from courses.services import enrolment_create

from . import scoping
from .dashboards import dashboard_data
from .exports import dashboard_tables
from .imports import (
    RosterFileError,
    check_accounts,
    existing_accounts,
    file_too_large_message,
    import_progress_key,
    parse_roster,
)
from .invitations import INVITATION_BATCH, invitation_language
from .models import (
    EnrolmentPlan,
    GroupMembership,
    ImportJob,
    Lyceum,
    StaffAssignment,
    StudyGroup,
)
from .stats import stats_version_bump
from .tasks import import_invitations_send_task, import_job_run_task


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
            tables = dashboard_tables(dashboard_data(lyceums=lyceums))
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
    state. Besides the file's own checks, each row is checked against the accounts that exist
    (`imports.check_accounts`): naming an account outside the uploader's scope, or a teacher when the
    uploader may not import teachers, is an error of that row. Nothing else is written. Raises
    `RosterFileError` for a file that cannot be read at all (too large, too many rows, unreadable)."""
    limit = settings.LYCEUM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise RosterFileError(file_too_large_message(size=len(data), limit=limit))
    allowed = set(scoping.importable_lyceums(user).values_list("code", flat=True))
    if not allowed:
        raise RosterFileError(_("You may not import people into any lyceum."))
    parsed = parse_roster(
        data=data,
        filename=filename,
        lyceum_codes=allowed,
        known_codes=set(Lyceum.objects.values_list("code", flat=True)),
        max_rows=settings.LYCEUM_IMPORT_MAX_ROWS,
        max_unpacked_bytes=settings.LYCEUM_IMPORT_MAX_UNPACKED_BYTES,
    )
    rows, account_errors = check_accounts(user=user, rows=parsed.rows)
    errors = sorted(parsed.errors + account_errors, key=lambda error: error["row"])
    job = ImportJob(
        created_by=user,
        file_name=filename[:255],
        status=ImportJob.Status.INVALID if errors else ImportJob.Status.PREVIEW,
        rows=rows,
        errors=errors,
        total_rows=parsed.total,
    )
    job.full_clean(exclude=["rows", "errors"])  # empty lists are valid here
    job.save()
    return job


@transaction.atomic
def import_job_commit(*, job: ImportJob, user) -> ImportJob:
    """Confirm a previewed import: small files are imported at once, large ones by a Celery task
    (enqueued after this transaction commits) that reports progress in the job row."""
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
    if processed is None:
        cache.delete(import_progress_key(job_id))
    else:
        cache.set(import_progress_key(job_id), processed, timeout=24 * 3600)


def import_job_run(*, job_id: int, chunk_size: int = 1000, report_progress: bool = True) -> ImportJob:
    """Import every row of a previewed job in one transaction: all rows or none. People are matched by
    e-mail (case-insensitive), so importing the same file again creates no duplicates; an existing
    account is attached as it is, never renamed or otherwise changed. Students join their group
    (created for the current academic year if missing), teachers get a teaching assignment at the
    lyceum and teach the group. The uploader's scope, and whether each existing account may be
    attached, are checked again: a change since the preview fails the whole import. Each account the
    import creates is sent an invitation to set a password (`lyceums.invitations`), by tasks enqueued
    only once the import has committed: a failed or rolled-back import mails nobody."""
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
            _rows, refused = check_accounts(user=job.created_by, rows=job.rows)
            if refused:
                raise ValidationError(
                    [
                        _("Row %(row)s: %(problem)s") % {"row": error["row"], "problem": error["message"]}
                        for error in refused[:20]
                    ]
                )
            year = academic_year()
            groups: dict[tuple[int, str], StudyGroup] = {}
            unusable = make_password(None)
            created = attached = 0
            invited: dict[str, list[int]] = {}
            for start in range(0, len(job.rows), chunk_size):
                chunk = job.rows[start : start + chunk_size]
                emails = [row["email"] for row in chunk]
                existing = existing_accounts(emails)
                new_users = [
                    User(
                        email=row["email"],
                        full_name=row["full_name"],
                        birth_year=row["birth_year"],
                        password=unusable,
                    )
                    for row in chunk
                    if row["email"] not in existing
                ]
                User.objects.bulk_create(new_users)
                created += len(new_users)
                attached += len(existing)
                ids = {email: account[0] for email, account in existing_accounts(emails).items()}
                for row in chunk:
                    if row["email"] not in existing:
                        language = invitation_language(row.get("language", ""))
                        invited.setdefault(language, []).append(ids[row["email"]])
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
            job.created_count, job.updated_count = created, attached
            job.finished_at = timezone.now()
            job.save()
            _invitations_enqueue(invited)
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


def _invitations_enqueue(invited: dict[str, list[int]]) -> None:
    """Enqueue the invitations of new accounts (language → ids) once the current transaction commits, in
    batches of `INVITATION_BATCH`; a rollback discards them with the accounts."""
    for language, user_ids in invited.items():
        for start in range(0, len(user_ids), INVITATION_BATCH):
            batch = user_ids[start : start + INVITATION_BATCH]
            transaction.on_commit(
                lambda batch=batch, language=language: import_invitations_send_task.delay(batch, language)
            )


# ---------------------------------------------------------------------------------------------------
# Group enrolment


@dataclass(frozen=True)
class GroupEnrolResult:
    """What a group enrolment did: members newly enrolled, and members who already were."""

    enrolled: int
    already_enrolled: int


@transaction.atomic
def group_enrol(*, group: StudyGroup, course: CoursePage) -> GroupEnrolResult:
    """Enrol every current member of a study group into a course, all or none (a closed or full
    course rolls everything back). Each new enrolment snapshots the group's lyceum and municipality;
    members already enrolled (active or completed) are left as they are and counted apart."""
    lyceum = Lyceum.objects.get(pk=group.lyceum_id)
    members = [
        membership.student
        for membership in group.memberships.filter(left_at__isnull=True).select_related("student")
    ]
    already = set(
        Enrolment.objects.filter(course=course, user__in=members)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .values_list("user_id", flat=True)
    )
    for student in members:
        if student.pk in already:
            continue
        enrolment_create(
            user=student,
            course=course,
            source=Enrolment.Source.GROUP,
            lyceum_id=lyceum.pk,
            region_id=lyceum.region_id,
        )
    return GroupEnrolResult(enrolled=len(members) - len(already), already_enrolled=len(already))
