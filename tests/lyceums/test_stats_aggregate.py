"""The pre-aggregated statistics equal a naive recomputation over the raw enrolments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import CoursePage, Enrolment
from lyceums import dashboards
from lyceums.models import Lyceum, LyceumMonthStats, LyceumStats, LyceumTrackStats, Region
from lyceums.stats import stats_refresh
from tests.factories import LyceumFactory, UserFactory, make_course, make_track

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))

enrolment_spec = st.tuples(
    st.integers(0, 5),  # learner
    st.integers(0, 2),  # lyceum
    st.integers(0, 3),  # course (3 is the teacher course)
    st.sampled_from(["active", "completed", "withdrawn"]),
    st.integers(0, 400),  # days ago enrolled
    st.one_of(st.none(), st.integers(0, 60)),  # days ago last active
)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(enrolment_spec, max_size=25))
def test_summary_tables_match_naive_recomputation(specs):
    """For random enrolments: learners, activity, at-risk, enrolments, completions, teacher counts,
    per-track-year and per-month figures in the summary tables equal a straightforward count."""
    Enrolment.objects.all().delete()
    region = Region.objects.get(code="kazan")
    lyceums = [LyceumFactory(region=region) for _ in range(3)]
    web, games = make_track(code="web"), make_track(code="games")
    courses = [
        make_course(track=web, slug="c0"),
        make_course(track=web, slug="c1"),
        make_course(track=games, slug="c2"),
        make_course(track=games, slug="c3", audience=CoursePage.Audience.TEACHERS),
    ]
    # Different expected lengths, so "behind schedule" depends on the course.
    expected_weeks = {courses[0].pk: 4, courses[1].pk: 12, courses[2].pk: 30, courses[3].pk: 12}
    for course in courses:
        CoursePage.objects.filter(pk=course.pk).update(expected_weeks=expected_weeks[course.pk])
    users = [UserFactory(email=f"u{i}@t.org") for i in range(6)]
    seen = set()
    rows = []
    for learner, lyceum, course, status, ago, active in specs:
        if (learner, course) in seen:
            continue
        seen.add((learner, course))
        created = NOW - dt.timedelta(days=ago)
        rows.append(
            Enrolment.objects.create(
                user=users[learner],
                course=courses[course],
                lyceum=lyceums[lyceum],
                region=region,
                status=status,
                created_at=created,
                completed_at=created + dt.timedelta(days=1) if status == "completed" else None,
                last_activity_at=None if active is None else NOW - dt.timedelta(days=active),
            )
        )
    stats_refresh(now=NOW)

    for index, lyceum in enumerate(lyceums):
        mine = [e for e in rows if e.lyceum_id == lyceum.pk and e.course_id != courses[3].pk]
        teachers = [e for e in rows if e.lyceum_id == lyceum.pk and e.course_id == courses[3].pk]

        def active_within(days, enrolments=mine):
            return {
                e.user_id
                for e in enrolments
                if e.last_activity_at and e.last_activity_at >= NOW - dt.timedelta(days=days)
            }

        stale = NOW - dt.timedelta(days=14)
        behind = {
            e.user_id
            for e in mine
            if e.status == "active" and e.created_at < NOW - dt.timedelta(weeks=expected_weeks[e.course_id])
        }
        at_risk = behind | {
            e.user_id
            for e in mine
            if e.status == "active"
            and (
                (e.last_activity_at and e.last_activity_at < stale)
                or (not e.last_activity_at and e.created_at < stale)
            )
        }
        stats = LyceumStats.objects.get(lyceum=lyceum)
        assert stats.learners == len({e.user_id for e in mine}), index
        assert stats.active_7d == len(active_within(7))
        assert stats.active_30d == len(active_within(30))
        assert stats.enrolments == len(mine)
        assert stats.completions == sum(e.status == "completed" for e in mine)
        assert stats.at_risk == len(at_risk)
        assert stats.behind_schedule == len(behind)
        assert stats.teachers_enrolled == len({e.user_id for e in teachers})
        assert stats.teachers_completed == len({e.user_id for e in teachers if e.status == "completed"})

        by_track = defaultdict(lambda: [0, 0])
        for e in mine:
            track = web.pk if e.course_id in (courses[0].pk, courses[1].pk) else games.pk
            key = (track, timezone.localtime(e.created_at).year)
            by_track[key][0] += 1
            by_track[key][1] += e.status == "completed"
        stored = {
            (row.track_id, row.year): [row.enrolments, row.completions]
            for row in LyceumTrackStats.objects.filter(lyceum=lyceum)
        }
        assert stored == dict(by_track)

        by_month = defaultdict(lambda: [0, 0])
        for e in mine:
            by_month[timezone.localtime(e.created_at).date().replace(day=1)][0] += 1
            if e.completed_at:
                by_month[timezone.localtime(e.completed_at).date().replace(day=1)][1] += 1
        stored_months = {
            row.month: [row.enrolments, row.completions]
            for row in LyceumMonthStats.objects.filter(lyceum=lyceum)
        }
        assert stored_months == dict(by_month)

    region_row = next(r for r in dashboards.region_rows(regions=Region.objects.filter(pk=region.pk)))
    assert region_row["enrolments"] == sum(1 for e in rows if e.course_id != courses[3].pk)
    # The republic dashboard sums municipalities from its lyceum rows instead: same numbers.
    summed = dashboards.region_rows(
        regions=Region.objects.filter(pk=region.pk),
        lyceum_table=dashboards.lyceum_rows(lyceums=Lyceum.objects.filter(region=region)),
    )[0]
    for field in (*dashboards.STAT_FIELDS, "lyceums", "completion_rate", "avg_score"):
        assert summed[field] == region_row[field], field


def test_exercise_scores_count_once_per_result(network):
    """An exercise result counts, in per cent, for the lyceum of the learner's enrolment in the lesson's
    course; the lyceum's average is their mean."""
    from courses.models import ActivityResult, LessonPage

    lesson = network.course.add_child(instance=LessonPage(title="L1", slug="l1"))
    for user, score in ((network.student_a, 8), (network.student_a2, 4)):
        ActivityResult.objects.create(
            user=user, lesson=lesson, activity_id="ex1", kind="exercise", score=score, max_score=10
        )
    ActivityResult.objects.create(
        user=network.student_a, lesson=lesson, activity_id="q1", kind="quiz", score=0, max_score=10
    )
    stats_refresh()
    stats = LyceumStats.objects.get(lyceum=network.lyceum_a)
    assert stats.score_count == 2
    assert (
        dashboards.lyceum_rows(lyceums=network.lyceum_a.__class__.objects.filter(pk=network.lyceum_a.pk))[0][
            "avg_score"
        ]
        == 60.0
    )


def test_dashboard_query_count_is_bounded(client, network, django_assert_max_num_queries):
    """The republic dashboard's queries do not grow with the number of lyceums or enrolments."""
    region = network.kazan
    for _ in range(20):
        LyceumFactory(region=region)
    stats_refresh()
    client.force_login(network.admin)
    with django_assert_max_num_queries(25):
        response = client.get("/network/dashboard/republic/")
    assert response.status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/network/dashboard/regions/kazan/").status_code == 200
