"""Group enrolment from the group page: a confirmation step, the group's track first, and a message
that tells newly enrolled learners from those already enrolled."""

from __future__ import annotations

import re

from courses.models import Enrolment
from tests.factories import GroupMembershipFactory, make_course, make_track


def test_enrolment_asks_for_confirmation_first(client, network):
    """Posting the group page's form only shows "Enrol N learners of group X in course Y?" and enrols
    nobody; the confirm page's form posts the same course to the enrolment itself."""
    course = make_course(track=network.track, slug="web-advanced")
    GroupMembershipFactory(group=network.group_a)
    client.force_login(network.teacher)
    response = client.post(f"/network/groups/{network.group_a.pk}/enrol/confirm/", {"course": course.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Enrol 2 learners of group {network.group_a} in course «web-advanced»?" in html
    assert f'action="/network/groups/{network.group_a.pk}/enrol/"' in html
    assert f'name="course" value="{course.pk}"' in html
    assert not Enrolment.objects.filter(course=course).exists()


def test_course_list_starts_with_the_groups_track(client, network):
    """The group page lists the group's track's courses first and preselects the first of them, even
    when another track's course comes first alphabetically."""
    other = make_course(track=make_track(code="ai", title="AI"), slug="aaa-unrelated")
    first = make_course(track=network.track, slug="web-basics")
    client.force_login(network.teacher)
    html = client.get(f"/network/groups/{network.group_a.pk}/").content.decode()
    assert f'action="/network/groups/{network.group_a.pk}/enrol/confirm/"' in html
    options = re.findall(r'<option value="(\d+)"( selected)?>', html)
    assert options[0] == (str(first.pk), " selected")
    assert (str(other.pk), "") in options
    assert [pk for pk, _ in options].index(str(other.pk)) > 0


def test_enrolling_again_reports_nobody_new(client, network):
    """The first enrolment reports how many were enrolled and how many already were; enrolling the
    group again reports 0 new learners and everyone as already enrolled."""
    GroupMembershipFactory(group=network.group_a)
    GroupMembershipFactory(group=network.group_a)
    client.force_login(network.teacher)
    url = f"/network/groups/{network.group_a.pk}/enrol/"
    # student_a is already enrolled in network.course by the fixture.
    first = client.post(url, {"course": network.course.pk}, follow=True).content.decode()
    assert "2 learners enrolled in «web-basics». 1 was already enrolled." in first
    again = client.post(url, {"course": network.course.pk}, follow=True).content.decode()
    assert "0 learners enrolled in «web-basics». 3 were already enrolled." in again
    members = network.group_a.memberships.values("student")
    assert Enrolment.objects.filter(course=network.course, user__in=members).count() == 3
