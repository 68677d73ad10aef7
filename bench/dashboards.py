"""Dashboard benchmark: the republic and municipality dashboards against computing the same figures
straight from the raw enrolments, in one process on the configured database (PostgreSQL).

    DATABASE_URL=postgres://… python manage.py generate_load_data --enrolments 1000000
    DATABASE_URL=postgres://… python bench/dashboards.py [--runs 30] [--region kazan]

Three ways to get a dashboard's numbers, each timed:
- `naive`: the grouped queries over enrolments and exercise results that the statistics refresh runs
  (`stats.stats_aggregate`), limited to the dashboard's lyceums: what a dashboard without summary
  tables would have to do on every view;
- `summary`: `dashboards.dashboard_data`, reading the summary tables (a first view, or any view after
  the numbers changed);
- `cached`: `dashboards.dashboard_data_cached`, a repeat view (what a dashboard serves until the next
  refresh), with the configured cache (Redis when REDIS_URL is set).

Prints one JSON object: p50/p95 in milliseconds for each, and naive/summary and naive/cached ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "0")  # as in production: no per-query debug bookkeeping

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.models import Enrolment  # noqa: E402
from lyceums import dashboards, stats  # noqa: E402
from lyceums.models import Lyceum, Region  # noqa: E402


def _lyceums(region: Region | None):
    return Lyceum.objects.all() if region is None else Lyceum.objects.filter(region=region)


def naive(region: Region | None) -> stats.StatsSummary:
    """Every figure of the dashboard computed from the raw rows."""
    lyceum_regions = dict(_lyceums(region).values_list("pk", "region_id"))
    return stats.stats_aggregate(
        now=timezone.now(), lyceum_regions=lyceum_regions, every_lyceum=region is None
    )


def summary(region: Region | None) -> dict:
    regions = Region.objects.all() if region is None else None
    return dashboards.dashboard_data(lyceums=_lyceums(region), regions=regions)


def cached(region: Region | None) -> dict:
    regions = Region.objects.all() if region is None else None
    scope = "republic" if region is None else f"region:{region.code}"
    return dashboards.dashboard_data_cached(scope=scope, lyceums=_lyceums(region), regions=regions)


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
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "enrolments": Enrolment.objects.count(),
        "lyceums": Lyceum.objects.count(),
        "region": region.code,
        "region_enrolments": Enrolment.objects.filter(region=region).count(),
    }
    for name, scope in (("republic", None), ("municipality", region)):
        slow = measure(lambda scope=scope: naive(scope), max(3, args.runs // 5))
        fast = measure(lambda scope=scope: summary(scope), args.runs)
        hit = measure(lambda scope=scope: cached(scope), args.runs)
        result[name] = {
            "naive": slow,
            "summary": fast,
            "cached": hit,
            "summary_ratio_p50": round(slow["p50_ms"] / fast["p50_ms"], 1),
            "summary_ratio_p95": round(slow["p95_ms"] / fast["p95_ms"], 1),
            "cached_ratio_p50": round(slow["p50_ms"] / hit["p50_ms"], 1),
            "cached_ratio_p95": round(slow["p95_ms"] / hit["p95_ms"], 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
