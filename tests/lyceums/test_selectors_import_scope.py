"""Who may be attached by an import, and who may import teachers (`lyceums.scoping`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from courses.models import Enrolment
from lyceums import scoping
from tests.factories import UserFactory

User = get_user_model()


def test_importable_people_of_a_teacher_are_the_learners_of_their_lyceum(network):
    """A teacher may attach the learners of their lyceum — in any of its groups, or enrolled through
    it without a group — but no one of another municipality and no staff account, themself
    included."""
    enrolled = UserFactory()
    Enrolment.objects.create(
        user=enrolled, course=network.course, lyceum=network.lyceum_a, region=network.kazan
    )
    people = set(scoping.importable_people(network.teacher))
    assert {network.student_a, network.student_a2, enrolled} <= people
    assert not people & {network.student_b, network.teacher, network.coord_a, network.coord_b, network.admin}


def test_importable_people_of_a_coordinator_include_the_staff_of_their_municipality(network):
    """A coordinator may attach the learners and the teachers and coordinators of their
    municipality, but not another municipality's people, a republic administrator or a superuser."""
    superuser = UserFactory(is_superuser=True)
    Enrolment.objects.create(
        user=superuser, course=network.course, lyceum=network.lyceum_a, region=network.kazan
    )
    people = set(scoping.importable_people(network.coord_a))
    assert {network.student_a, network.student_a2, network.teacher, network.coord_a} <= people
    assert not people & {network.student_b, network.coord_b, network.admin, superuser}


def test_republic_administrator_may_attach_everyone(network):
    """For a republic administrator every account is importable."""
    assert scoping.importable_people(network.admin).count() == User.objects.count()


def test_only_coordinators_and_administrators_import_teachers(network):
    """Teachers may be imported into the lyceums of a coordinator's municipalities (every lyceum for
    a republic administrator); a teacher may import none."""
    assert set(scoping.importable_teacher_lyceums(network.coord_a)) == set(network.kazan.lyceums.all())
    assert network.lyceum_b in scoping.importable_teacher_lyceums(network.admin)
    assert not scoping.importable_teacher_lyceums(network.teacher).exists()
    assert not scoping.importable_teacher_lyceums(network.student_a).exists()
