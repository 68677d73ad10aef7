"""The lyceum network: municipalities, lyceums, groups, memberships and staff roles."""

from __future__ import annotations

import factory

from lyceums.models import FederalSubject, GroupMembership, Lyceum, Region, StaffAssignment, StudyGroup

from .accounts import UserFactory


class FederalSubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FederalSubject
        django_get_or_create = ("code",)

    code = "RU-TA"
    name_ru = "Республика Татарстан"
    name_en = "Republic of Tatarstan"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    subject = factory.SubFactory(FederalSubjectFactory)
    code = factory.Sequence(lambda n: f"test-region-{n}")
    kind = Region.Kind.MUNICIPAL_DISTRICT
    name_ru = factory.Sequence(lambda n: f"Район {n}")
    name_en = factory.Sequence(lambda n: f"District {n}")


class LyceumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lyceum

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"lyceum-{n}")
    name = factory.Sequence(lambda n: f"IT-лицей №{n}")


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup

    lyceum = factory.SubFactory(LyceumFactory)
    name = factory.Sequence(lambda n: f"10-{n}")
    academic_year = 2026


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(StudyGroupFactory)
    student = factory.SubFactory(UserFactory)


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory)
    role = StaffAssignment.Role.COORDINATOR
