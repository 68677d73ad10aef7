"""Demo data for the lyceum network: a lyceum in every municipality, study groups per academic year
and track, the demo accounts' places in it, and generated learners with enrolments, progress,
completions and exercise results spread over the past months, so the dashboards show real numbers.

Safe to run again: every record is looked up by a natural key before it is created.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from common.calendar import academic_year
from common.pages import in_default_locale
from courses.models import ActivityResult, CoursePage, Enrolment, LessonPage, TrackPage
from lyceums.models import (
    EnrolmentPlan,
    FederalSubject,
    GroupMembership,
    Lyceum,
    Region,
    StaffAssignment,
    StudyGroup,
)
from lyceums.stats import stats_refresh

from .accounts import DEMO_ACCOUNTS, DEMO_EMAILS, ensure_demo_accounts
from .names import unique_full_names

GENERATED_DOMAIN = "learners.example.org"
DEMO_SEED = 2026


def _lyceum_for(region: Region, number: int = 1) -> Lyceum:
    code = f"it-{region.code}" if number == 1 else f"it-{region.code}-{number}"
    suffix = "" if number == 1 else f" №{number}"
    lyceum, _ = Lyceum.objects.get_or_create(
        code=code,
        defaults={
            "region": region,
            "name": f"IT-лицей{suffix} — {region.name_ru}",
            "address": region.centre_ru,
        },
    )
    return lyceum


@transaction.atomic
def seed_network(*, learners_per_lyceum: int = 10) -> dict[str, int]:
    """Create the demo network and its activity, then refresh the dashboard statistics."""
    User = get_user_model()
    rng = random.Random(DEMO_SEED)  # noqa: S311 - demo data, not security
    if User.objects.filter(email__in=DEMO_EMAILS.values()).count() != len(DEMO_EMAILS):
        ensure_demo_accounts()
    demo = {key: User.objects.get(email=email) for key, email in DEMO_EMAILS.items()}

    regions = list(Region.objects.order_by("pk"))
    kazan = Region.objects.get(code="kazan")
    chelny = Region.objects.get(code="naberezhnye-chelny")
    lyceums = [_lyceum_for(region) for region in regions] + [_lyceum_for(kazan, 2), _lyceum_for(chelny, 2)]
    # Learning records are kept on the default language's pages (see lms/i18n.py).
    tracks = list(in_default_locale(TrackPage.objects.live()).order_by("sort_order", "title"))
    student_courses: dict[int, list[CoursePage]] = {}
    teacher_courses: list[CoursePage] = []
    for course in in_default_locale(CoursePage.objects.live()).order_by("path"):
        parent_path = course.path[: -Page.steplen]
        track = next((t for t in tracks if t.path == parent_path), None)
        if course.audience == CoursePage.Audience.TEACHERS:
            teacher_courses.append(course)
        elif track is not None:
            student_courses.setdefault(track.pk, []).append(course)
    tracks = [t for t in tracks if t.pk in student_courses] or tracks

    year = academic_year()
    groups: dict[int, list[StudyGroup]] = {}
    for lyceum in lyceums:
        chosen = rng.sample(tracks, k=min(2, len(tracks))) if tracks else []
        for offset, group_year in enumerate((year - 1, year)):
            for index, track in enumerate(chosen or [None]):
                name = f"{10 + offset}-{'АБ'[index]}"
                group, _ = StudyGroup.objects.get_or_create(
                    lyceum=lyceum, academic_year=group_year, name=name, defaults={"track": track}
                )
                groups.setdefault(lyceum.pk, []).append(group)

    # The demo accounts' places.
    kazan_lyceum, chelny_lyceum = _lyceum_for(kazan), _lyceum_for(chelny)
    kazan_group = next(g for g in groups[kazan_lyceum.pk] if g.academic_year == year)
    chelny_group = next(g for g in groups[chelny_lyceum.pk] if g.academic_year == year)
    GroupMembership.objects.get_or_create(group=kazan_group, student=demo["student"])
    GroupMembership.objects.get_or_create(group=chelny_group, student=demo["student2"])
    StaffAssignment.objects.get_or_create(user=demo["teacher"], role="teacher", lyceum=kazan_lyceum)
    kazan_group.teachers.add(demo["teacher"])
    StaffAssignment.objects.get_or_create(user=demo["coordinator"], role="coordinator", region=kazan)
    StaffAssignment.objects.get_or_create(user=demo["coordinator2"], role="coordinator", region=chelny)
    subject = FederalSubject.objects.get(code="RU-TA")
    StaffAssignment.objects.get_or_create(
        user=demo["admin"], role="republic_admin", defaults={"subject": subject}
    )

    created_users = _generate_learners(lyceums, groups, learners_per_lyceum)
    enrolments = _generate_enrolments(rng, lyceums, groups, student_courses, teacher_courses, demo)
    _generate_plans(rng, lyceums, groups, timezone.localdate().year)
    stats_refresh()
    return {"lyceums": len(lyceums), "learners": created_users, "enrolments": enrolments}


def _generate_learners(lyceums, groups, per_lyceum: int) -> int:
    """Students for each current-year group and two teachers per lyceum, created once. Each generated
    person has a full name of their own (`demo.names`), also unlike the demo accounts'; a database
    seeded before gets the same names on the next run."""
    User = get_user_model()
    unusable = make_password(None)
    birth_years: dict[str, int | None] = {}  # e-mail → birth year (students') of every generated person
    for lyceum in lyceums:
        count = per_lyceum * (3 if lyceum.region.code == "kazan" else 1)
        birth_years.update((f"{lyceum.code}-s{n}@{GENERATED_DOMAIN}", 2009) for n in range(count))
        birth_years.update((f"{lyceum.code}-t{n}@{GENERATED_DOMAIN}", None) for n in range(2))
    emails = list(birth_years)
    names = dict(
        zip(
            emails,
            unique_full_names(len(emails), seed=DEMO_SEED, taken={a.full_name for a in DEMO_ACCOUNTS}),
            strict=True,
        )
    )
    existing = {
        user.email: user
        for user in User.objects.filter(email__endswith="@" + GENERATED_DOMAIN).only("email", "full_name")
    }
    renamed = [user for email, user in existing.items() if email in names and user.full_name != names[email]]
    for user in renamed:
        user.full_name = names[user.email]
    User.objects.bulk_update(renamed, ["full_name"], batch_size=500)
    new_users = [
        User(
            email=email,
            full_name=names[email],
            password=unusable,
            birth_year=birth_years[email],
        )
        for email in emails
        if email not in existing
    ]
    User.objects.bulk_create(new_users, batch_size=500)
    by_email = dict(User.objects.filter(email__endswith="@" + GENERATED_DOMAIN).values_list("email", "pk"))
    memberships = []
    assignments = []
    for lyceum in lyceums:
        current = [
            g for g in groups[lyceum.pk] if g.academic_year == max(x.academic_year for x in groups[lyceum.pk])
        ]
        count = per_lyceum * (3 if lyceum.region.code == "kazan" else 1)
        for n in range(count):
            memberships.append(
                GroupMembership(
                    group=current[n % len(current)],
                    student_id=by_email[f"{lyceum.code}-s{n}@{GENERATED_DOMAIN}"],
                )
            )
        for n in range(2):
            assignments.append(
                StaffAssignment(
                    user_id=by_email[f"{lyceum.code}-t{n}@{GENERATED_DOMAIN}"], role="teacher", lyceum=lyceum
                )
            )
    GroupMembership.objects.bulk_create(memberships, ignore_conflicts=True, batch_size=500)
    StaffAssignment.objects.bulk_create(assignments, ignore_conflicts=True, batch_size=500)
    return len(new_users)


def _generate_enrolments(rng, lyceums, groups, student_courses, teacher_courses, demo) -> int:
    """Enrolments with their lyceum snapshot, spread over the past ten months; some completed, some
    stalled; exercise results for the lessons of enrolled courses."""
    now = timezone.now()
    all_student_courses = [c for courses in student_courses.values() for c in courses]
    if not all_student_courses:
        return 0
    lessons: dict[int, list[LessonPage]] = {}
    for lesson in in_default_locale(LessonPage.objects.live()):
        lessons.setdefault(lesson.path[: -Page.steplen], []).append(lesson)
    memberships = GroupMembership.objects.filter(left_at__isnull=True).select_related(
        "group__lyceum", "group__track"
    )
    enrolments, results = [], []

    def add(user_id, course, lyceum, source, activity_bias):
        created = now - dt.timedelta(days=rng.randint(1, 300))
        roll = rng.random()
        completed = roll < 0.35 and (now - created).days > 20
        last_activity = None if roll > 0.9 else created + (now - created) * rng.random() ** activity_bias
        enrolments.append(
            Enrolment(
                user_id=user_id,
                course=course,
                source=source,
                status=Enrolment.Status.COMPLETED if completed else Enrolment.Status.ACTIVE,
                lyceum=lyceum,
                region_id=lyceum.region_id,
                created_at=created,
                completed_at=created + dt.timedelta(days=rng.randint(14, max(15, (now - created).days)))
                if completed
                else None,
                last_activity_at=last_activity,
            )
        )
        for lesson in lessons.get(course.path, [])[:3]:
            if rng.random() < 0.6:
                max_score = 10
                results.append(
                    ActivityResult(
                        user_id=user_id,
                        lesson=lesson,
                        activity_id="demo-exercise",
                        kind=ActivityResult.Kind.EXERCISE,
                        score=rng.randint(3, 10),
                        max_score=max_score,
                        passed=True,
                    )
                )

    for membership in memberships:
        lyceum = membership.group.lyceum
        track = membership.group.track_id
        pool = student_courses.get(track) or all_student_courses
        for course in rng.sample(pool, k=min(len(pool), rng.randint(1, 2))):
            add(membership.student_id, course, lyceum, Enrolment.Source.GROUP, 0.5)
    for assignment in StaffAssignment.objects.filter(role="teacher").select_related("lyceum"):
        for course in teacher_courses[:1]:
            add(assignment.user_id, course, assignment.lyceum, Enrolment.Source.ADMIN, 0.7)
    Enrolment.objects.bulk_create(enrolments, ignore_conflicts=True, batch_size=1000)
    ActivityResult.objects.bulk_create(results, ignore_conflicts=True, batch_size=1000)
    return len(enrolments)


def _generate_plans(rng, lyceums, groups, year: int) -> None:
    """Yearly plans for the tracks the lyceums of Kazan and Naberezhnye Chelny teach."""
    for lyceum in lyceums:
        if lyceum.region.code not in ("kazan", "naberezhnye-chelny"):
            continue
        for track_id in {group.track_id for group in groups[lyceum.pk] if group.track_id}:
            EnrolmentPlan.objects.get_or_create(
                lyceum=lyceum,
                track_id=track_id,
                year=year,
                defaults={"planned_enrolments": rng.randint(10, 30)},
            )
