"""Enrolment rules: the window, the capacity (also under concurrency), idempotence, the placement
snapshot and withdrawal."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Enrolment
from courses.services import enrolment_create, enrolment_withdraw, placement_resolver_register
from tests.factories import CoursePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_enrolment_create_and_idempotent():
    """Enrolling twice returns the same enrolment and creates no second row."""
    course = CoursePageFactory()
    user = UserFactory()
    first = enrolment_create(user=user, course=course)
    second = enrolment_create(user=user, course=course)
    assert first.pk == second.pk
    assert first.status == Enrolment.Status.ACTIVE
    assert first.source == Enrolment.Source.SELF
    assert Enrolment.objects.count() == 1


def test_enrolment_window_closed_before_and_after():
    """Before the window opens and after it closes, enrolment is refused with "closed"."""
    now = timezone.now()
    not_yet = CoursePageFactory(enrolment_opens=now + timedelta(days=1))
    over = CoursePageFactory(enrolment_closes=now - timedelta(minutes=1))
    open_now = CoursePageFactory(
        enrolment_opens=now - timedelta(days=1), enrolment_closes=now + timedelta(days=1)
    )
    user = UserFactory()
    for course in (not_yet, over):
        with pytest.raises(ValidationError, match="closed"):
            enrolment_create(user=user, course=course)
    assert enrolment_create(user=user, course=open_now).status == Enrolment.Status.ACTIVE
    assert Enrolment.objects.count() == 1


def test_enrolment_capacity_full():
    """When active learners fill the capacity, the next learner is refused with "full"; a withdrawal
    frees the place."""
    course = CoursePageFactory(capacity=2)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    enrolment_create(user=first, course=course)
    enrolment_create(user=second, course=course)
    with pytest.raises(ValidationError, match="full"):
        enrolment_create(user=third, course=course)
    # An existing learner enrolling again is not refused: it is the same enrolment.
    assert enrolment_create(user=first, course=course).user == first
    enrolment_withdraw(enrolment=Enrolment.objects.get(user=second))
    assert enrolment_create(user=third, course=course).status == Enrolment.Status.ACTIVE


def test_enrolment_snapshots_placement_from_resolver():
    """Without explicit ids, the lyceum and region come from the registered placement resolver;
    explicit ids win."""
    from lyceums.models import FederalSubject, Lyceum, Region

    subject, _ = FederalSubject.objects.get_or_create(code="RU-TA", defaults={"name_ru": "Татарстан"})
    region, _ = Region.objects.get_or_create(
        code="kazan", defaults={"subject": subject, "kind": "urban_okrug", "name_ru": "Казань"}
    )
    lyceum = Lyceum.objects.create(region=region, code="l1", name="IT-лицей")
    previous = placement_resolver_register(lambda user: (lyceum.pk, region.pk))
    try:
        enrolment = enrolment_create(user=UserFactory(), course=CoursePageFactory())
        assert (enrolment.lyceum_id, enrolment.region_id) == (lyceum.pk, region.pk)
        explicit = enrolment_create(
            user=UserFactory(), course=CoursePageFactory(), lyceum_id=None, region_id=region.pk
        )
        assert (explicit.lyceum_id, explicit.region_id) == (None, region.pk)
    finally:
        placement_resolver_register(previous)


def test_default_resolver_uses_group_membership():
    """With the project's resolver, a student in a lyceum group is snapshotted at that lyceum."""
    from lyceums.models import FederalSubject, GroupMembership, Lyceum, Region, StudyGroup

    subject, _ = FederalSubject.objects.get_or_create(code="RU-TA", defaults={"name_ru": "Татарстан"})
    region = Region.objects.create(
        subject=subject,
        code="almet",
        kind="municipal_district",
        name_ru="Альметьевский",
        name_en="Almetyevsk",
    )
    lyceum = Lyceum.objects.create(region=region, code="l2", name="IT-лицей 2")
    group = StudyGroup.objects.create(lyceum=lyceum, name="10А", academic_year=2026)
    student = UserFactory()
    GroupMembership.objects.create(group=group, student=student)
    enrolment = enrolment_create(user=student, course=CoursePageFactory())
    assert (enrolment.lyceum_id, enrolment.region_id) == (lyceum.pk, region.pk)


def test_withdraw_and_enrol_again():
    """A withdrawn learner may enrol again; the same row becomes active."""
    course = CoursePageFactory()
    user = UserFactory()
    enrolment = enrolment_create(user=user, course=course)
    enrolment_withdraw(enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN
    again = enrolment_create(user=user, course=course)
    assert again.pk == enrolment.pk
    assert again.status == Enrolment.Status.ACTIVE


def test_completed_enrolment_cannot_be_withdrawn():
    """Withdrawing from a completed course is refused."""
    course = CoursePageFactory()
    enrolment = enrolment_create(user=UserFactory(), course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    enrolment.refresh_from_db()
    with pytest.raises(ValidationError):
        enrolment_withdraw(enrolment=enrolment)


def test_anonymous_cannot_enrol():
    """An anonymous visitor gets a validation error, not an enrolment."""
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError):
        enrolment_create(user=AnonymousUser(), course=CoursePageFactory())
