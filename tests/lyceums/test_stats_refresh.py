"""Keeping the summary rows current: a refresh of some lyceums only, the refresh an enrolment change
schedules (coalesced per lyceum), "behind schedule" at risk, and the dashboard cache."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CoursePage, Enrolment
from lyceums import tasks
from lyceums.models import LyceumMonthStats, LyceumStats
from lyceums.selectors import group_learner_rows
from lyceums.services import group_enrol, plan_set
from lyceums.stats import stats_refresh, stats_refresh_schedule
from tests.factories import GroupMembershipFactory, make_course


def _enrol(user, course, lyceum, **fields):
    return Enrolment.objects.create(user=user, course=course, lyceum=lyceum, region=lyceum.region, **fields)


def test_refresh_of_some_lyceums_leaves_the_others_alone(network):
    """`stats_refresh(lyceum_ids=…)` rewrites those lyceums' rows only; a full refresh catches up."""
    course = make_course(track=network.track, slug="web-two")
    _enrol(network.student_a, course, network.lyceum_a)
    _enrol(network.student_b, course, network.lyceum_b)

    assert stats_refresh(lyceum_ids=[network.lyceum_a.pk]) == 1
    assert LyceumStats.objects.get(lyceum=network.lyceum_a).enrolments == 3
    assert LyceumStats.objects.get(lyceum=network.lyceum_b).enrolments == 1
    month = timezone.localdate().replace(day=1)
    assert LyceumMonthStats.objects.get(lyceum=network.lyceum_a, month=month).enrolments == 3
    assert LyceumMonthStats.objects.get(lyceum=network.lyceum_b, month=month).enrolments == 1

    assert stats_refresh() == 2
    assert LyceumStats.objects.get(lyceum=network.lyceum_b).enrolments == 2


def test_group_enrolment_schedules_one_refresh_of_its_lyceum(
    network, monkeypatch, django_capture_on_commit_callbacks
):
    """Enrolling a group of three sends three enrolment changes but queues one refresh of the group's
    lyceum, after commit; running it updates the numbers, and a later change queues a new one."""
    queued = []
    monkeypatch.setattr(
        tasks.stats_refresh_lyceums_task, "apply_async", lambda **options: queued.append(options)
    )
    course = make_course(track=network.track, slug="web-group")
    GroupMembershipFactory(group=network.group_a)
    GroupMembershipFactory(group=network.group_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert group_enrol(group=network.group_a, course=course).enrolled == 3
    assert queued == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert queued == [{"kwargs": {"lyceum_ids": [network.lyceum_a.pk]}, "countdown": 5}]
    assert LyceumStats.objects.get(lyceum=network.lyceum_a).enrolments == 2  # not refreshed yet

    tasks.stats_refresh_lyceums_task(**queued[0]["kwargs"])
    assert LyceumStats.objects.get(lyceum=network.lyceum_a).enrolments == 5

    with django_capture_on_commit_callbacks(execute=True):
        group_enrol(group=network.group_b, course=course)
    assert queued[1]["kwargs"] == {"lyceum_ids": [network.lyceum_b.pk]}


def test_a_completion_reaches_the_dashboard_through_the_task(
    client, network, django_capture_on_commit_callbacks
):
    """Celery runs tasks at once in the tests: completing the course's only lesson completes the
    enrolment, and after commit the lyceum's row and the (cached) dashboard show the completion."""
    from courses.models import LessonPage
    from courses.services import lesson_visit

    client.force_login(network.coord_a)
    assert client.get("/network/dashboard/regions/kazan/").context["totals"]["completions"] == 0
    lesson = network.course.add_child(instance=LessonPage(title="Only lesson", slug="only"))
    with django_capture_on_commit_callbacks(execute=True):
        lesson_visit(user=network.student_a, lesson=lesson)
    assert Enrolment.objects.get(user=network.student_a, course=network.course).status == "completed"
    assert LyceumStats.objects.get(lyceum=network.lyceum_a).completions == 1
    assert client.get("/network/dashboard/regions/kazan/").context["totals"]["completions"] == 1


def test_behind_schedule_counts_as_at_risk(client, network):
    """An active learner past the course's expected length is behind schedule (and at risk) even when
    active yesterday; a completed enrolment of the same age is not. The group page says why."""
    CoursePage.objects.filter(pk=network.course.pk).update(expected_weeks=4)
    now = timezone.now()
    Enrolment.objects.filter(user=network.student_a).update(
        created_at=now - dt.timedelta(weeks=5), last_activity_at=now - dt.timedelta(days=1)
    )
    Enrolment.objects.filter(user=network.student_a2).update(
        created_at=now - dt.timedelta(weeks=5),
        status=Enrolment.Status.COMPLETED,
        completed_at=now - dt.timedelta(days=2),
    )
    stats_refresh()
    stats = LyceumStats.objects.get(lyceum=network.lyceum_a)
    assert (stats.at_risk, stats.behind_schedule) == (1, 1)

    [row] = group_learner_rows(group=network.group_a)
    assert (row["at_risk"], row["behind_schedule"], row["inactive"]) == (True, True, False)
    [row] = group_learner_rows(group=network.group_a2)
    assert row["at_risk"] is False

    client.force_login(network.teacher)
    page = client.get(f"/network/groups/{network.group_a.pk}/").content.decode()
    assert "Behind schedule" in page
    assert "No activity for 14 days" not in page
    client.force_login(network.student_a)
    assert (
        "Behind schedule: planned to finish by" in client.get(reverse("courses:my_learning")).content.decode()
    )


def test_dashboard_is_served_from_cache_until_numbers_or_plans_change(
    client, network, django_assert_max_num_queries
):
    """A repeat view of a dashboard reads no summary table (and its tables, rendered once, are kept too);
    a refresh or a new plan shows at once, in the numbers and on the page."""
    client.force_login(network.coord_a)
    url = "/network/dashboard/regions/kazan/"
    enrolments_card = re.compile(r'stat-label">Enrolments</div><div class="fs-4">(\d+)<')
    first = client.get(url)
    assert first.context["totals"]["enrolments"] == 2
    assert enrolments_card.findall(first.content.decode()) == ["2"]
    with django_assert_max_num_queries(10) as cached:  # session, user, roles, scope, menu
        client.get(url)
    assert not any("lyceums_lyceumstats" in q["sql"] for q in cached.captured_queries)

    _enrol(network.student_a, make_course(track=network.track, slug="web-3"), network.lyceum_a)
    stats_refresh()
    refreshed = client.get(url)
    assert refreshed.context["totals"]["enrolments"] == 3
    assert enrolments_card.findall(refreshed.content.decode()) == ["3"]

    plan_set(
        lyceum=network.lyceum_a, track=network.track, year=timezone.localdate().year, planned_enrolments=9
    )
    planned = client.get(url)
    [plan] = planned.context["plan_rows"]
    assert (plan["planned"], plan["actual"]) == (9, 3)
    assert '<td class="text-end">9</td><td class="text-end">3</td>' in planned.content.decode()


def test_dashboard_tables_are_kept_per_scope_and_language(client, network):
    """The kept tables of one municipality are never shown on another's dashboard, nor in another
    language."""
    client.force_login(network.admin)
    kazan = client.get("/network/dashboard/regions/kazan/").content.decode()
    chelny = client.get(f"/network/dashboard/regions/{network.lyceum_b.region.code}/").content.decode()
    assert network.lyceum_a.name in kazan
    assert network.lyceum_a.name not in chelny
    assert network.lyceum_b.name in chelny
    russian = client.get("/network/dashboard/regions/kazan/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Лицеи" in russian
    assert "Lyceums</h2>" not in russian


def test_a_refresh_that_cannot_be_queued_is_asked_for_again_by_the_next_change(network, monkeypatch):
    """With the broker down the enrolment still commits (the receiver's error is logged), and the next
    change tries to queue the refresh again rather than waiting for the pending marker to expire."""

    def broker_down(**options):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.stats_refresh_lyceums_task, "apply_async", broker_down)
    with pytest.raises(ConnectionError):
        stats_refresh_schedule(lyceum_ids=[network.lyceum_a.pk])
    queued = []
    monkeypatch.setattr(
        tasks.stats_refresh_lyceums_task, "apply_async", lambda **options: queued.append(options)
    )
    assert stats_refresh_schedule(lyceum_ids=[network.lyceum_a.pk]) == [network.lyceum_a.pk]
    assert len(queued) == 1
