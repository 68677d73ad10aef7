"""The one place that decides which records a user may see.

Every view, API endpoint, export and admin listing asks this module for a queryset and never filters by
role itself. Apps below `lyceums` (`courses`) ask the same questions through `user.has_perm` and the
authentication backend in `lyceums.permissions`, which answers from here.

Roles:
- republic administrator (a superuser, or a `republic_admin` staff assignment): everything;
- coordinator: everything in the municipalities (regions) they are assigned to;
- teacher: the lyceums they are assigned to, and within them only the study groups they teach;
- student: their own records only.

Group membership counts only while it lasts: a learner is seen through a study group only while they
are a current member of it (`GroupMembership.left_at` is empty). A learner who left a group drops out
of the view of the group's teachers — its gradebook, group page and the learner's records and
submissions — together with the right to override or regrade their work. A coordinator keeps seeing
such a learner through the enrolments snapshotted in their municipality (`Enrolment.region`), since
the municipality's figures still count those enrolments; a learner who left without an enrolment there
is no longer the coordinator's. The group itself stays visible to its teachers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Manager, Model, Q, QuerySet

from .models import ImportJob, Lyceum, Region, StaffAssignment, StudyGroup

ROLE_REPUBLIC_ADMIN = "republic_admin"
ROLE_COORDINATOR = "coordinator"
ROLE_TEACHER = "teacher"


def _assignments(user) -> QuerySet:
    return StaffAssignment.objects.filter(user=user, user__is_active=True)


def _roles(user) -> frozenset[str]:
    """The user's staff roles, read once per user object (a request's `request.user` lives as long as
    the request, so a page that asks many questions about its user pays one query). A user who
    teaches a group without a teaching assignment counts as a teacher."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    roles = user.__dict__.get("_scoping_roles")
    if roles is None:
        roles = set(_assignments(user).values_list("role", flat=True).distinct())
        if ROLE_TEACHER not in roles and StudyGroup.objects.filter(teachers=user).exists():
            roles.add(ROLE_TEACHER)
        roles = user.__dict__["_scoping_roles"] = frozenset(roles)
    return roles


def is_republic_admin(user) -> bool:
    """Sees every territory."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or ROLE_REPUBLIC_ADMIN in _roles(user)


def is_coordinator(user) -> bool:
    return ROLE_COORDINATOR in _roles(user)


def is_teacher(user) -> bool:
    return ROLE_TEACHER in _roles(user)


def is_staff_member(user) -> bool:
    """Teachers, coordinators and administrators: anyone who sees more than their own work."""
    return is_republic_admin(user) or is_coordinator(user) or is_teacher(user)


def _scoped(user, model: type[Model], restrict: Callable[[Manager], QuerySet]) -> QuerySet:
    """The one rule every `visible_*` answer starts from: nothing for an anonymous user, everything
    for a republic administrator, otherwise what `restrict` keeps of the model's rows."""
    if not getattr(user, "is_authenticated", False):
        return model.objects.none()
    if is_republic_admin(user):
        return model.objects.all()
    return restrict(model.objects)


def visible_regions(user) -> QuerySet:
    """Municipalities whose numbers the user may see."""
    return _scoped(
        user,
        Region,
        lambda regions: regions.filter(
            staff_assignments__user=user, staff_assignments__role=ROLE_COORDINATOR
        ).distinct(),
    )


def visible_lyceums(user) -> QuerySet:
    """Lyceums the user may see: all of their regions for a coordinator, their own for a teacher."""
    return _scoped(
        user,
        Lyceum,
        lambda lyceums: lyceums.filter(
            Q(region__in=visible_regions(user))
            | Q(staff_assignments__user=user, staff_assignments__role=ROLE_TEACHER)
            | Q(groups__teachers=user)
        ).distinct(),
    )


def visible_groups(user) -> QuerySet:
    """Study groups: every group of a coordinator's regions, only the taught groups for a teacher."""
    return _scoped(
        user,
        StudyGroup,
        lambda groups: groups.filter(
            Q(lyceum__region__in=visible_regions(user)) | Q(teachers=user)
        ).distinct(),
    )


def visible_learners(user) -> QuerySet:
    """People whose learning records the user may see; a student sees only themself. Through a study
    group only its current members are seen (a membership with `left_at` set no longer counts); a
    coordinator also sees everyone enrolled in their municipality and its staff."""

    def restrict(users: Manager) -> QuerySet:
        group_ids = visible_groups(user).values("pk")
        coordinated = visible_regions(user).values("pk")
        # A subquery of ids, not joins: joining memberships and assignments in one query multiplies rows.
        seen = users.filter(
            Q(group_memberships__group__in=group_ids, group_memberships__left_at__isnull=True)
            | Q(staff_assignments__lyceum__region__in=coordinated)
            | Q(staff_assignments__region__in=coordinated)
            | Q(enrolments__region__in=coordinated)
        ).values("pk")
        return users.filter(Q(pk=user.pk) | Q(pk__in=seen))

    return _scoped(user, get_user_model(), restrict)


def assignable_teachers(user) -> QuerySet:
    """People the user may name as a study group's teachers (the admin's group form): the teachers
    assigned to the lyceums the user sees and the teachers of the groups they see; anyone for a
    republic administrator."""

    def restrict(users: Manager) -> QuerySet:
        teachers = users.filter(
            Q(
                staff_assignments__role=ROLE_TEACHER,
                staff_assignments__lyceum__in=visible_lyceums(user).values("pk"),
            )
            | Q(taught_groups__in=visible_groups(user).values("pk"))
        ).values("pk")
        return users.filter(pk__in=teachers)

    return _scoped(user, get_user_model(), restrict)


def can_see_learner(user, learner) -> bool:
    return visible_learners(user).filter(pk=learner.pk).exists()


def can_see_region(user, region) -> bool:
    """May the user see this municipality's numbers (a coordinator of it, or a republic admin)?"""
    return visible_regions(user).filter(pk=region.pk).exists()


def can_see_dashboards(user) -> bool:
    """Coordinators and republic administrators have statistics dashboards; others do not."""
    return is_republic_admin(user) or is_coordinator(user)


def stats_lyceums(user) -> QuerySet:
    """Lyceums whose statistics the user may see: those of the municipalities they coordinate (all
    for a republic administrator). A teacher sees their groups, not their lyceum's totals."""
    return Lyceum.objects.filter(region__in=visible_regions(user).values("pk"))


def importable_lyceums(user) -> QuerySet:
    """Lyceums the user may import people into: a coordinator's municipalities, a teacher's own
    lyceums (by assignment), everything for a republic administrator."""
    return _scoped(
        user,
        Lyceum,
        lambda lyceums: lyceums.filter(
            Q(region__in=visible_regions(user).values("pk"))
            | Q(pk__in=_assignments(user).filter(role=ROLE_TEACHER).values("lyceum_id"))
        ),
    )


def importable_teacher_lyceums(user) -> QuerySet:
    """Lyceums the user may import teachers into: those of the municipalities they coordinate (every
    lyceum for a republic administrator). A teacher imports students only."""
    return _scoped(
        user, Lyceum, lambda lyceums: lyceums.filter(region__in=visible_regions(user).values("pk"))
    )


def importable_people(user) -> QuerySet:
    """Existing accounts an import by the user may attach to a lyceum or group; a roster naming
    anyone else is refused for that row.

    A republic administrator may attach anyone. Anyone else may attach the learners they see and the
    learners of the lyceums they import into (members of those lyceums' groups, people enrolled
    through them), but no staff account — except that a coordinator may attach the teachers and
    coordinators of their municipalities. Staff accounts are people with a staff assignment, people
    teaching a group, users of the administration site and superusers; superusers and republic
    administrators are attached only by a republic administrator."""

    def restrict(users: Manager) -> QuerySet:
        lyceums = importable_lyceums(user).values("pk")
        regions = visible_regions(user).values("pk")
        learners = users.filter(
            Q(pk__in=visible_learners(user).values("pk"))
            | Q(group_memberships__group__lyceum__in=lyceums)
            | Q(enrolments__lyceum__in=lyceums)
        ).values("pk")
        staff = users.filter(
            Q(is_superuser=True)
            | Q(is_staff=True)
            | Q(staff_assignments__isnull=False)
            | Q(taught_groups__isnull=False)
        ).values("pk")
        colleagues = users.filter(
            Q(staff_assignments__role=ROLE_TEACHER, staff_assignments__lyceum__region__in=regions)
            | Q(staff_assignments__role=ROLE_COORDINATOR, staff_assignments__region__in=regions)
            | Q(taught_groups__lyceum__region__in=regions)
        ).values("pk")
        privileged = users.filter(
            Q(is_superuser=True) | Q(staff_assignments__role=ROLE_REPUBLIC_ADMIN)
        ).values("pk")
        return users.filter((Q(pk__in=learners) & ~Q(pk__in=staff)) | Q(pk__in=colleagues)).exclude(
            pk__in=privileged
        )

    return _scoped(user, get_user_model(), restrict)


def can_import(user) -> bool:
    return importable_lyceums(user).exists()


def visible_import_jobs(user) -> QuerySet:
    """Import jobs: one's own, and for a republic administrator every job."""
    return _scoped(user, ImportJob, lambda jobs: jobs.filter(created_by=user))
