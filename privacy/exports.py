"""Everything the platform holds about one person, as tables (the "My data" export, 152-FZ art. 14),
and the two files made of them: JSON (with the notebooks the person uploaded) and XLSX.

The export is built in the request: it reads one person's rows with a fixed number of queries (one per
table, whatever the number of rows), and the rows of one person are few (their enrolments, lessons,
attempts). The only large part is the uploaded notebooks, each at most `GRADING_MAX_NOTEBOOK_BYTES`
and capped in number by the exercises' attempt limits; they go into the JSON file only.

Nothing about other people is exported: a grade change says the new score and its reason, not who made
it; a group membership names the group and lyceum, not its teachers or classmates.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.translation import gettext as _

from common.pages import parent_path
from common.spreadsheets import to_xlsx
from courses.certificates import verification_url
from courses.models import (
    ActivityResult,
    Certificate,
    CoursePage,
    Enrolment,
    LessonProgress,
    QuizAttempt,
)
from grading.models import GradeOverride, Submission
from lms.models import Consent
from lyceums.models import GroupMembership, StaffAssignment

from .models import DeletionRequest


@dataclass
class Table:
    """One kind of record: `key` names it in the JSON file, `title` in the spreadsheet; `columns` are
    (key, header) pairs; `rows` are dicts by column key."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)


def _lesson_courses(lessons) -> dict[int, str]:
    """Lesson id → title of its course, in one query."""
    paths = {parent_path(lesson.path) for lesson in lessons}
    titles = dict(CoursePage.objects.filter(path__in=paths).values_list("path", "title"))
    return {lesson.pk: titles.get(parent_path(lesson.path), "") for lesson in lessons}


def personal_data_tables(*, user) -> list[Table]:
    """The person's records, table by table, in the order a reader expects: the account first."""
    tables = [
        Table(
            "account",
            _("Account"),
            [
                ("id", _("Id")),
                ("email", _("E-mail address")),
                ("full_name", _("Full name")),
                ("birth_year", _("Birth year")),
                ("birth_date", _("Birth date")),
                ("guardian_email", _("Parent's or guardian's e-mail address")),
                ("date_joined", _("Registered")),
                ("last_login", _("Last log-in")),
                ("last_activity", _("Last activity")),
            ],
            [
                {
                    "id": user.pk,
                    "email": user.email,
                    "full_name": user.full_name,
                    "birth_year": user.birth_year,
                    "birth_date": user.birth_date,
                    "guardian_email": user.guardian_email,
                    "date_joined": user.date_joined,
                    "last_login": user.last_login,
                    "last_activity": user.last_activity,
                }
            ],
        ),
        Table(
            "email_addresses",
            _("E-mail addresses"),
            [("email", _("E-mail address")), ("verified", _("Confirmed")), ("primary", _("Primary"))],
            [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        ),
        Table(
            "consents",
            _("Consents"),
            [
                ("kind", _("Given by")),
                ("policy_version", _("Policy version")),
                ("given_at", _("Given at")),
                ("ip_address", _("IP address")),
                ("guardian_email", _("Parent's or guardian's e-mail address")),
            ],
            [
                {
                    "kind": c.get_kind_display(),
                    "policy_version": c.policy_version,
                    "given_at": c.given_at,
                    "ip_address": c.ip_address,
                    "guardian_email": c.guardian_email,
                }
                for c in Consent.objects.filter(user=user).order_by("given_at", "pk")
            ],
        ),
        Table(
            "group_memberships",
            _("Study groups"),
            [
                ("group", _("Group")),
                ("academic_year", _("Academic year")),
                ("lyceum", _("Lyceum")),
                ("municipality", _("Municipality")),
                ("joined", _("Joined")),
                ("left", _("Left")),
            ],
            [
                {
                    "group": m.group.name,
                    "academic_year": m.group.academic_year,
                    "lyceum": m.group.lyceum.name,
                    "municipality": m.group.lyceum.region.name_ru,
                    "joined": m.joined_at,
                    "left": m.left_at,
                }
                for m in GroupMembership.objects.filter(student=user)
                .select_related("group__lyceum__region")
                .order_by("joined_at", "pk")
            ],
        ),
        Table(
            "staff_roles",
            _("Staff roles"),
            [("role", _("Role")), ("lyceum", _("Lyceum")), ("municipality", _("Municipality"))],
            [
                {
                    "role": a.get_role_display(),
                    "lyceum": a.lyceum.name if a.lyceum else "",
                    "municipality": a.region.name_ru if a.region else "",
                }
                for a in StaffAssignment.objects.filter(user=user).select_related("lyceum", "region")
            ],
        ),
        Table(
            "enrolments",
            _("Enrolments"),
            [
                ("course", _("Course")),
                ("status", _("Status")),
                ("source", _("Source")),
                ("lyceum", _("Lyceum at enrolment")),
                ("municipality", _("Municipality at enrolment")),
                ("enrolled", _("Enrolled")),
                ("completed", _("Completed")),
                ("last_activity", _("Last activity")),
            ],
            [
                {
                    "course": e.course.title,
                    "status": e.get_status_display(),
                    "source": e.get_source_display(),
                    "lyceum": e.lyceum.name if e.lyceum else "",
                    "municipality": e.region.name_ru if e.region else "",
                    "enrolled": e.created_at,
                    "completed": e.completed_at,
                    "last_activity": e.last_activity_at,
                }
                for e in Enrolment.objects.filter(user=user)
                .select_related("course", "lyceum", "region")
                .order_by("created_at", "pk")
            ],
        ),
    ]

    progress = list(LessonProgress.objects.filter(user=user).select_related("lesson").order_by("pk"))
    quizzes = list(
        QuizAttempt.objects.filter(user=user).select_related("lesson").order_by("created_at", "pk")
    )
    results = list(ActivityResult.objects.filter(user=user).select_related("lesson").order_by("pk"))
    lessons = {p.lesson for p in progress} | {q.lesson for q in quizzes} | {r.lesson for r in results}
    course_of = _lesson_courses(lessons) if lessons else {}
    tables += [
        Table(
            "lesson_progress",
            _("Lesson progress"),
            [
                ("course", _("Course")),
                ("lesson", _("Lesson")),
                ("first_visited", _("First visit")),
                ("last_visited", _("Last visit")),
                ("completed", _("Completed")),
            ],
            [
                {
                    "course": course_of.get(p.lesson_id, ""),
                    "lesson": p.lesson.title,
                    "first_visited": p.first_visited_at,
                    "last_visited": p.last_visited_at,
                    "completed": p.completed_at,
                }
                for p in progress
            ],
        ),
        Table(
            "quiz_attempts",
            _("Quiz attempts"),
            [
                ("course", _("Course")),
                ("lesson", _("Lesson")),
                ("quiz", _("Quiz")),
                ("answers", _("Answers")),
                ("score", _("Score")),
                ("max_score", _("Maximum")),
                ("passed", _("Passed")),
                ("at", _("Submitted")),
            ],
            [
                {
                    "course": course_of.get(q.lesson_id, ""),
                    "lesson": q.lesson.title,
                    "quiz": q.quiz_id,
                    "answers": q.answers,
                    "score": q.score,
                    "max_score": q.max_score,
                    "passed": q.passed,
                    "at": q.created_at,
                }
                for q in quizzes
            ],
        ),
        Table(
            "results",
            _("Results"),
            [
                ("course", _("Course")),
                ("lesson", _("Lesson")),
                ("kind", _("Kind")),
                ("score", _("Score")),
                ("max_score", _("Maximum")),
                ("passed", _("Passed")),
            ],
            [
                {
                    "course": course_of.get(r.lesson_id, ""),
                    "lesson": r.lesson.title,
                    "kind": r.get_kind_display(),
                    "score": r.score,
                    "max_score": r.max_score,
                    "passed": r.passed,
                }
                for r in results
            ],
        ),
        Table(
            "submissions",
            _("Submissions"),
            [
                ("id", _("Id")),
                ("exercise", _("Exercise")),
                ("attempt", _("Attempt")),
                ("file_name", _("File name")),
                ("submitted", _("Submitted")),
                ("state", _("State")),
                ("late", _("Late")),
                ("score", _("Score")),
                ("max_score", _("Maximum")),
                ("review", _("Review")),
            ],
            [
                {
                    "id": s.pk,
                    "exercise": s.exercise.title,
                    "attempt": s.attempt,
                    "file_name": s.filename,
                    "submitted": s.submitted_at,
                    "state": s.get_state_display(),
                    "late": s.is_late,
                    "score": s.score,
                    "max_score": s.max_score,
                    "review": s.get_review_display(),
                }
                for s in Submission.objects.filter(student=user)
                .select_related("exercise")
                .order_by("submitted_at", "pk")
            ],
        ),
        Table(
            "grade_changes",
            _("Grade changes"),
            [
                ("submission", _("Submission")),
                ("previous_score", _("Previous score")),
                ("score", _("Score")),
                ("reason", _("Reason")),
                ("at", _("Changed")),
            ],
            [
                {
                    "submission": o.submission_id,
                    "previous_score": o.previous_score,
                    "score": o.score,
                    "reason": o.reason,
                    "at": o.created_at,
                }
                for o in GradeOverride.objects.filter(submission__student=user).order_by("created_at", "pk")
            ],
        ),
        Table(
            "certificates",
            _("Certificates"),
            [
                ("number", _("Number")),
                ("course", _("Course")),
                ("name", _("Name on the certificate")),
                ("hours", _("Hours")),
                ("issued", _("Issued")),
                ("revoked", _("Revoked")),
                ("verification_url", _("Verification address")),
            ],
            [
                {
                    "number": c.number,
                    "course": c.course_title,
                    "name": c.learner_name,
                    "hours": c.hours,
                    "issued": c.issued_at,
                    "revoked": c.revoked_at,
                    "verification_url": verification_url(c),
                }
                for c in Certificate.objects.filter(enrolment__user=user).order_by("issued_at", "pk")
            ],
        ),
        Table(
            "deletion_requests",
            _("Deletion requests"),
            [
                ("requested", _("Requested")),
                ("status", _("Status")),
                ("decided", _("Decided")),
                ("note", _("Decision note")),
            ],
            [
                {
                    "requested": r.requested_at,
                    "status": r.get_status_display(),
                    "decided": r.decided_at,
                    "note": r.decision_note,
                }
                for r in DeletionRequest.objects.filter(user=user).order_by("requested_at", "pk")
            ],
        ),
    ]
    return tables


def uploaded_notebooks(*, user) -> dict[str, object]:
    """The notebooks the person uploaded, by submission id: the notebook's JSON (a file that is not
    valid JSON is given as text). Files removed by an anonymisation are skipped."""
    notebooks: dict[str, object] = {}
    for submission in Submission.objects.filter(student=user).exclude(notebook="").order_by("pk"):
        try:
            with submission.notebook.open("rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            continue
        try:
            notebooks[str(submission.pk)] = json.loads(data)
        except ValueError:
            notebooks[str(submission.pk)] = data.decode("utf-8", errors="replace")
    return notebooks


def _json_value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet_value(value):
    """A value a spreadsheet cell can hold (`common.spreadsheets.safe_cell` then neutralises text)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def personal_data_json(*, user) -> bytes:
    """The JSON file: every table by key (rows with the column keys) and the uploaded notebooks."""
    document = {
        "generated_at": _json_value(timezone.now()),
        "person": user.pk,
        "data": {
            table.key: [
                {key: _json_value(row.get(key)) for key, _title in table.columns} for row in table.rows
            ]
            for table in personal_data_tables(user=user)
        },
        "notebooks": uploaded_notebooks(user=user),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def personal_data_xlsx(*, user) -> bytes:
    """The XLSX file: one sheet per table, text neutralised against formulas by `common.spreadsheets`."""
    sheets = {
        table.title: (
            [title for _key, title in table.columns],
            [[_sheet_value(row.get(key)) for key, _title in table.columns] for row in table.rows],
        )
        for table in personal_data_tables(user=user)
    }
    return to_xlsx(sheets)
