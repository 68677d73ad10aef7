"""A learner who left a study group is no longer seen by the group's teacher through it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import selectors as grading_selectors
from grading import services as grading_services
from grading.models import GradeOverride
from lyceums import scoping
from lyceums.models import GroupMembership
from tests.factories import ExerciseFactory
from tests.grading import notebooks

pytestmark = pytest.mark.django_db


def _leave(student, group) -> None:
    GroupMembership.objects.filter(student=student, group=group).update(left_at=timezone.now())


@pytest.fixture
def left(network, monkeypatch):
    """Student A handed in a notebook, then left group A (taught by the teacher)."""
    monkeypatch.setattr("grading.tasks.grade_submission.delay", lambda pk: None)
    exercise = ExerciseFactory()
    submission = grading_services.submission_create(
        student=network.student_a, exercise=exercise, notebook_bytes=notebooks.solved(), filename="a.ipynb"
    )
    _leave(network.student_a, network.group_a)
    return exercise, submission


def test_teacher_no_longer_sees_a_learner_who_left(network, left):
    """The scoping rules drop a learner who left the group from its teacher's learners; the group
    itself stays visible to the teacher."""
    teacher = network.teacher
    assert not scoping.can_see_learner(teacher, network.student_a)
    assert not scoping.visible_learners(teacher).filter(pk=network.student_a.pk).exists()
    assert scoping.visible_groups(teacher).filter(pk=network.group_a.pk).exists()


def test_current_members_are_still_seen(network, left):
    """Leaving is per membership: a learner still in the group stays visible to its teacher."""
    stayer = GroupMembership.objects.create(group=network.group_a, student=network.student_a2).student
    assert scoping.can_see_learner(network.teacher, stayer)


def test_coordinator_still_sees_the_learner_through_enrolments(network, left):
    """A coordinator of the municipality keeps seeing the learner through the enrolment snapshotted
    there; another municipality's coordinator does not."""
    assert scoping.can_see_learner(network.coord_a, network.student_a)
    assert not scoping.can_see_learner(network.coord_b, network.student_a)


def test_rejoining_makes_the_learner_visible_again(network, left):
    """A membership made current again (the learner came back) brings the learner back into the
    teacher's view."""
    GroupMembership.objects.filter(student=network.student_a, group=network.group_a).update(left_at=None)
    assert scoping.can_see_learner(network.teacher, network.student_a)


def test_teacher_cannot_open_learner_page_or_submission(client, network, left):
    """The learner's page and their submission are 404 for the teacher once the learner left."""
    _, submission = left
    client.force_login(network.teacher)
    assert client.get(f"/network/learners/{network.student_a.pk}/").status_code == 404
    assert client.get(reverse("grading:submission_detail", args=[submission.pk])).status_code == 404


def test_teacher_cannot_override_or_regrade_after_the_learner_left(client, network, left):
    """Overriding or regrading the grade of a learner who left the group is refused and writes nothing."""
    _, submission = left
    assert not grading_selectors.can_manage_submission(user=network.teacher, submission=submission)
    client.force_login(network.teacher)
    response = client.post(
        reverse("grading:submission_override", args=[submission.pk]), {"score": "5", "reason": "kind"}
    )
    assert response.status_code == 404
    assert not GradeOverride.objects.exists()
    assert client.post(reverse("grading:submission_regrade", args=[submission.pk])).status_code == 404


def test_gradebook_and_group_page_list_current_members_only(client, network, left):
    """The group's gradebook and its page in the network list only current members."""
    exercise, _ = left
    stayer = GroupMembership.objects.create(group=network.group_a, student=network.student_a2).student
    rows = grading_selectors.gradebook_rows(user=network.teacher, group=network.group_a, exercise=exercise)
    assert [row["student"] for row in rows] == [stayer]
    client.force_login(network.teacher)
    gradebook = client.get(reverse("grading:gradebook_group", args=[exercise.pk, network.group_a.pk]))
    assert stayer.full_name in gradebook.content.decode()
    assert network.student_a.full_name not in gradebook.content.decode()
    page = client.get(f"/network/groups/{network.group_a.pk}/").content.decode()
    assert stayer.full_name in page
    assert network.student_a.full_name not in page
