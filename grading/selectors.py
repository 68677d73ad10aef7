"""Reads for exercises, submissions and gradebooks. Every list a user sees is scoped by `lyceums.scoping`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from wagtail.models import ReferenceIndex

from common.pages import parent_path
from courses.models import CoursePage, Enrolment, LessonPage
from lyceums import scoping

from .models import CellGrade, Exercise, Submission


def exercise_lessons(*, exercise: Exercise) -> QuerySet:
    """Live lessons whose body holds a notebook-exercise block of *exercise* (Wagtail's reference index)."""
    page_ids = ReferenceIndex.objects.filter(
        to_content_type=ContentType.objects.get_for_model(Exercise),
        to_object_id=str(exercise.pk),
    ).values_list("object_id", flat=True)
    return LessonPage.objects.live().filter(pk__in=[int(pk) for pk in page_ids if str(pk).isdigit()])


def exercise_courses(*, exercise: Exercise) -> QuerySet[CoursePage]:
    """Live courses with a live lesson carrying *exercise*, in tree order."""
    paths = {parent_path(path) for path in exercise_lessons(exercise=exercise).values_list("path", flat=True)}
    return CoursePage.objects.live().filter(path__in=paths).order_by("path")


def exercise_accessible(*, user, exercise: Exercise) -> bool:
    """The one rule for an exercise's page, starter and data files, JupyterHub and submissions: the
    learners of a live course whose live lesson carries the exercise (enrolment active or completed, not
    withdrawn), and staff — editors (anyone allowed into the Wagtail admin), teachers, coordinators and
    administrators. Anonymous visitors and everyone else get nothing, as for lesson bodies."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_perm("wagtailadmin.access_admin") or scoping.is_staff_member(user):
        return True
    return (
        Enrolment.objects.filter(user=user, course__in=exercise_courses(exercise=exercise).values("pk"))
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    )


def student_submissions(*, exercise: Exercise, student) -> QuerySet[Submission]:
    """A learner's attempts at an exercise, newest first, with their cell grades."""
    if not getattr(student, "is_authenticated", False):
        return Submission.objects.none()
    return (
        Submission.objects.filter(exercise=exercise, student=student)
        .prefetch_related(Prefetch("cell_grades", queryset=CellGrade.objects.order_by("position")))
        .order_by("-attempt")
    )


def submission_for_viewer(*, user, pk: int) -> Submission | None:
    """The submission if *user* may see it: its author, or staff who may see the author."""
    submission = (
        Submission.objects.select_related("exercise", "student", "lesson", "reviewed_by")
        .prefetch_related("cell_grades", "overrides__author", "events")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        return None
    if submission.student_id == user.pk:
        return submission
    if scoping.is_staff_member(user) and scoping.can_see_learner(user, submission.student):
        return submission
    return None


def can_manage_submission(*, user, submission: Submission) -> bool:
    """Teachers, coordinators and administrators who may see the learner may override and regrade."""
    return (
        submission.student_id != user.pk
        and scoping.is_staff_member(user)
        and scoping.can_see_learner(user, submission.student)
    )


def visible_cells(*, submission: Submission, viewer_is_staff: bool) -> list[dict]:
    """The cell results to show: staff see every test; a learner sees a test's result only when the
    exercise's visibility allows it (always / after the deadline / never)."""
    exercise = submission.exercise
    rows = []
    for cell in submission.cell_grades.all():
        for_learners = exercise.test_is_visible(cell.grade_id)
        rows.append(
            {
                "cell": cell,
                "visible": viewer_is_staff or for_learners,
                "hidden_from_learners": not for_learners,
                "visibility": exercise.visibility_of(cell.grade_id),
            }
        )
    return rows


def gradebook_groups(*, user) -> QuerySet:
    return scoping.visible_groups(user).select_related("lyceum").order_by("lyceum__name", "name")


def gradebook_rows(*, user, group, exercise: Exercise) -> list[dict]:
    """One row per active student of *group* (which the user must see): attempts, counting score."""
    if not scoping.visible_groups(user).filter(pk=group.pk).exists():
        return []
    User = get_user_model()
    students = (
        User.objects.filter(group_memberships__group=group, group_memberships__left_at__isnull=True)
        .distinct()
        .order_by("full_name", "email")
    )
    submissions = (
        Submission.objects.filter(exercise=exercise, student__in=students)
        .order_by("student_id", "-attempt")
        .only(
            "pk", "student_id", "attempt", "state", "score", "max_score", "submitted_at", "is_late", "review"
        )
    )
    by_student: dict[int, list[Submission]] = {}
    for submission in submissions:
        by_student.setdefault(submission.student_id, []).append(submission)
    rows = []
    for student in students:
        attempts = by_student.get(student.pk, [])
        # As `services.counting_submission`: one waiting for a teacher's review does not count yet.
        graded = [s for s in attempts if s.state == Submission.State.GRADED and not s.awaits_review]
        if exercise.score_policy == Exercise.ScorePolicy.LAST:
            counting = graded[0] if graded else None
        else:
            counting = max(graded, key=lambda s: (s.score or 0, s.attempt), default=None)
        rows.append(
            {
                "student": student,
                "attempts": attempts,
                "latest": attempts[0] if attempts else None,
                "counting": counting,
            }
        )
    return rows


def review_queue(*, user, group, exercise: Exercise) -> QuerySet[Submission]:
    """Graded submissions of *group*'s current learners (a group the user must see) waiting for a
    teacher's review of their tamper flags, oldest first; the flags come with each row."""
    if not scoping.visible_groups(user).filter(pk=group.pk).exists():
        return Submission.objects.none()
    return (
        Submission.objects.filter(
            exercise=exercise,
            state=Submission.State.GRADED,
            review=Submission.Review.NEEDED,
            student__group_memberships__group=group,
            student__group_memberships__left_at__isnull=True,
        )
        .select_related("student")
        .distinct()
        .order_by("submitted_at", "pk")
    )


def review_counts(*, user) -> dict[tuple[int, int], int]:
    """(exercise id, group id) → how many submissions of the group's current learners wait for review,
    over the groups the user sees (one query, for the gradebook's table)."""
    rows = (
        Submission.objects.filter(
            state=Submission.State.GRADED,
            review=Submission.Review.NEEDED,
            student__group_memberships__group__in=scoping.visible_groups(user),
            student__group_memberships__left_at__isnull=True,
        )
        .values("exercise_id", "student__group_memberships__group_id")
        .annotate(count=Count("pk", distinct=True))
    )
    return {(row["exercise_id"], row["student__group_memberships__group_id"]): row["count"] for row in rows}


def exercise_progress(*, exercise: Exercise, student_ids=None) -> dict:
    """How many submissions of the exercise are in each state (for the regrade progress bar)."""
    qs = Submission.objects.filter(exercise=exercise)
    if student_ids is not None:
        qs = qs.filter(student_id__in=student_ids)
    counts = qs.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(state__in=Submission.TERMINAL_STATES)),
    )
    total = counts["total"] or 0
    done = counts["done"] or 0
    return {"total": total, "done": done, "percent": int(done * 100 / total) if total else 100}


def gradebook_exercises() -> QuerySet[Exercise]:
    return Exercise.objects.exclude(release_notebook="").order_by("title")
