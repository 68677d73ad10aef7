"""Dashboard benchmark: the republic and municipality dashboards (summary tables) against a naive ORM
aggregation over the raw enrolments, in one process on the configured database (PostgreSQL).

    DATABASE_URL=postgres://… python manage.py generate_load_data --enrolments 1000000
    DATABASE_URL=postgres://… python bench/dashboards.py [--runs 30] [--region kazan]

Prints one JSON object: p50/p95 in milliseconds for each, and the naive/dashboard ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.models import Enrolment  # noqa: E402
from lyceums import selectors  # noqa: E402
from lyceums.models import Lyceum, Region  # noqa: E402


def naive(region: Region | None) -> dict:
    """The same figures computed straight from the enrolments, the way a dashboard without summary
    tables would: per lyceum, per track (course), per month."""
    now = timezone.now()
    qs = Enrolment.objects.filter(lyceum__isnull=False, course__audience="students")
    if region is not None:
        qs = qs.filter(region=region)
    per_lyceum = list(
        qs.values("lyceum_id")
        .annotate(
            learners=Count("user_id", distinct=True),
            active_7d=Count(
                "user_id", distinct=True, filter=Q(last_activity_at__gte=now - dt.timedelta(days=7))
            ),
            active_30d=Count(
                "user_id", distinct=True, filter=Q(last_activity_at__gte=now - dt.timedelta(days=30))
            ),
            enrolments=Count("id"),
            completions=Count("id", filter=Q(status="completed")),
        )
        .order_by()
    )
    per_course = list(qs.values("course_id").annotate(n=Count("id")).order_by())
    months = list(
        qs.filter(created_at__gte=now - dt.timedelta(days=365))
        .values(month=TruncMonth("created_at"))
        .annotate(n=Count("id"))
        .order_by()
    )
    return {"lyceums": per_lyceum, "courses": per_course, "months": months}


def dashboard(region: Region | None) -> dict:
    if region is None:
        return selectors.dashboard_data(lyceums=Lyceum.objects.all(), regions=Region.objects.all())
    return selectors.dashboard_data(lyceums=Lyceum.objects.filter(region=region))


def measure(function, runs: int) -> dict:
    function()  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--region", default="kazan")
    args = parser.parse_args()
    region = Region.objects.get(code=args.region)
    result = {
        "database": connection.vendor,
        "enrolments": Enrolment.objects.count(),
        "lyceums": Lyceum.objects.count(),
    }
    for name, scope in (("republic", None), ("municipality", region)):
        fast = measure(lambda scope=scope: dashboard(scope), args.runs)
        slow = measure(lambda scope=scope: naive(scope), max(3, args.runs // 5))
        result[name] = {
            "dashboard": fast,
            "naive": slow,
            "ratio_p50": round(slow["p50_ms"] / fast["p50_ms"], 1),
            "ratio_p95": round(slow["p95_ms"] / fast["p95_ms"], 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
