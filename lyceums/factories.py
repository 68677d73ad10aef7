"""Factories for the lyceum network (and the few course pages its statistics need)."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from wagtail.models import Page

from courses.models import CatalogPage, CoursePage, Enrolment, TrackPage

from .models import FederalSubject, GroupMembership, Lyceum, Region, StaffAssignment, StudyGroup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="ru_RU")
    password = factory.django.Password("pw")


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


def make_catalog() -> CatalogPage:
    """The course catalogue page, created under the tree root if missing."""
    existing = CatalogPage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    return root.add_child(instance=CatalogPage(title="Catalogue", slug="catalogue-test"))


def make_track(*, code: str, title: str | None = None) -> TrackPage:
    found = TrackPage.objects.filter(code=code).first()
    if found:
        return found
    return make_catalog().add_child(
        instance=TrackPage(title=title or code, slug=f"track-{code}", code=code, summary=title or code)
    )


def make_course(*, track: TrackPage, slug: str, audience: str = CoursePage.Audience.STUDENTS) -> CoursePage:
    found = CoursePage.objects.filter(slug=slug).first()
    if found:
        return found
    return track.add_child(instance=CoursePage(title=slug, slug=slug, summary=slug, audience=audience))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    source = Enrolment.Source.ADMIN
