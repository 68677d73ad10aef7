"""Plain reads of the lyceum network: where a learner is placed, study groups and their members (with
who is at risk), a learner's enrolments, the courses a group may be enrolled in. Dashboard figures are
in `lyceums.dashboards`."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone

from common.pages import in_default_locale, parent_path
from courses.models import ActivityResult, CoursePage, Enrolment, TrackPage

from .models import GroupMembership, StaffAssignment, StudyGroup
from .risk import behind_schedule_q, courses_by_expected_weeks, inactive_q


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
    at risk, if they are: inactive for `risk.AT_RISK_DAYS` days, or behind schedule in some course."""
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
    enrolments = list(
        Enrolment.objects.filter(user=learner).select_related("course", "lyceum").order_by("-created_at")
    )
    scores: dict[int, list[float]] = {}
    paths = {e.course.path: e.course_id for e in enrolments}
    for result in ActivityResult.objects.filter(
        user=learner, kind=ActivityResult.Kind.EXERCISE
    ).select_related("lesson"):
        course_id = paths.get(parent_path(result.lesson.path))
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


def group_member_count(*, group: StudyGroup) -> int:
    """How many learners are current members of the group (those a group enrolment enrols)."""
    return group.memberships.filter(left_at__isnull=True).count()


def group_enrolment_courses(*, group: StudyGroup | None = None) -> QuerySet:
    """Live student courses a teacher may enrol a group into. Given a group that follows a track, the
    track's courses come first (in their page-tree order), each annotated `in_group_track`."""
    courses = in_default_locale(CoursePage.objects.live().filter(audience=CoursePage.Audience.STUDENTS))
    track_path = None
    if group is not None and group.track_id is not None:
        track_path = TrackPage.objects.filter(pk=group.track_id).values_list("path", flat=True).first()
    if not track_path:
        return courses.annotate(in_group_track=Value(False)).order_by("title")
    in_track = Q(path__startswith=track_path, depth__gt=len(track_path) // CoursePage.steplen)
    return courses.annotate(
        in_group_track=Case(
            When(in_track, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    ).order_by(
        Case(When(in_track, then=Value(0)), default=Value(1)), Case(When(in_track, then="path")), "title"
    )
