"""On PostgreSQL: the load generator streams rows with COPY and the summary tables it refreshes agree
with a direct aggregation over the generated enrolments."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from courses.models import Enrolment
from lyceums.models import LyceumStats
from tests.factories import make_course, make_track
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_generate_load_data_and_summary_tables_agree():
    """`generate_load_data` inserts the requested enrolments (COPY) and the refreshed lyceum rows
    equal a naive per-lyceum count over them."""
    require_postgres()
    track = make_track(code="load-web")
    for n in range(6):
        make_course(track=track, slug=f"load-course-{n}")
    call_command(
        "generate_load_data", "--enrolments", "3000", "--lyceums-per-region", "1", stdout=io.StringIO()
    )
    assert Enrolment.objects.count() == 3000
    naive = {
        row["lyceum_id"]: row
        for row in Enrolment.objects.values("lyceum_id")
        .annotate(
            n=Count("id"), done=Count("id", filter=Q(status="completed")), people=Count("user", distinct=True)
        )
        .order_by()
    }
    stats = {s.lyceum_id: s for s in LyceumStats.objects.all()}
    assert sum(s.enrolments for s in stats.values()) == 3000
    for lyceum_id, row in naive.items():
        assert stats[lyceum_id].enrolments == row["n"]
        assert stats[lyceum_id].completions == row["done"]
        assert stats[lyceum_id].learners == row["people"]
