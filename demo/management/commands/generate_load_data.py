"""Build a large, realistic data set for benchmarks: learners, enrolments spread over two years with
lyceum snapshots, completions, activity, exercise results; then refresh the dashboard statistics.

On PostgreSQL rows are streamed with COPY (a million enrolments in a few minutes); elsewhere they are
bulk-inserted.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Page

from common.pages import in_default_locale
from courses.models import ActivityResult, CoursePage, Enrolment, LessonPage
from demo.courses import seed_courses
from lyceums.models import Lyceum, Region
from lyceums.stats import stats_refresh


class Command(BaseCommand):
    help = "Generate learners, enrolments and exercise results for load tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--enrolments", type=int, default=100_000)
        parser.add_argument("--lyceums-per-region", type=int, default=3)
        parser.add_argument("--per-learner", type=int, default=3, help="Average enrolments per learner.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, enrolments: int, lyceums_per_region: int, per_learner: int, seed: int, **options):
        rng = random.Random(seed)  # noqa: S311 - synthetic data
        started = time.monotonic()
        courses = list(in_default_locale(CoursePage.objects).values_list("pk", "path", "audience"))
        if not courses:
            seed_courses()
            courses = list(in_default_locale(CoursePage.objects).values_list("pk", "path", "audience"))
        lessons: dict[str, list[int]] = {}
        for pk, path in LessonPage.objects.values_list("pk", "path"):
            lessons.setdefault(path[: -Page.steplen], []).append(pk)

        lyceums = self._lyceums(lyceums_per_region)
        batch = f"load{seed}-{int(time.time())}"
        learners = max(1, enrolments * 11 // (per_learner * 10))
        self.stdout.write(f"{learners} learners, {enrolments} enrolments, {len(lyceums)} lyceums")
        User = get_user_model()
        password = make_password(None)
        now = timezone.now()
        user_rows = (
            (f"{batch}-{n}@load.example.org", f"Learner {n}", "", password, True, False, False, now)
            for n in range(learners)
        )
        with transaction.atomic():
            self._insert(
                User._meta.db_table,
                # Every column without a null: rows go in by COPY, past the model's defaults.
                [
                    "email",
                    "full_name",
                    "guardian_email",
                    "password",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "date_joined",
                ],
                user_rows,
            )
        user_ids = list(
            User.objects.filter(email__startswith=f"{batch}-").order_by("pk").values_list("pk", flat=True)
        )
        self.stdout.write(f"  learners inserted ({time.monotonic() - started:.0f} s)")

        def enrolment_rows():
            made = 0
            for index, user_id in enumerate(user_ids):
                lyceum_id, region_id = lyceums[index % len(lyceums)]
                remaining = enrolments - made
                if remaining <= 0:
                    return
                take = (
                    remaining
                    if index == len(user_ids) - 1
                    else min(remaining, rng.randint(1, 2 * per_learner - 1))
                )
                for course_id, _path, _audience in rng.sample(courses, k=min(take, len(courses))):
                    created = now - dt.timedelta(days=rng.randint(0, 720), seconds=rng.randint(0, 86_400))
                    roll = rng.random()
                    completed = roll < 0.3 and (now - created).days > 14
                    last = None if roll > 0.92 else created + (now - created) * rng.random() ** 0.4
                    made += 1
                    yield (
                        user_id,
                        course_id,
                        "import",
                        "completed" if completed else "active",
                        lyceum_id,
                        region_id,
                        created,
                        created + dt.timedelta(days=rng.randint(7, 60)) if completed else None,
                        last,
                    )

        with transaction.atomic():
            self._insert(
                Enrolment._meta.db_table,
                [
                    "user_id",
                    "course_id",
                    "source",
                    "status",
                    "lyceum_id",
                    "region_id",
                    "created_at",
                    "completed_at",
                    "last_activity_at",
                ],
                enrolment_rows(),
            )
        self.stdout.write(f"  enrolments inserted ({time.monotonic() - started:.0f} s)")

        lesson_ids = [lesson for ids in lessons.values() for lesson in ids]
        if lesson_ids:

            def result_rows():
                for user_id in user_ids[:: max(1, per_learner)]:
                    score = rng.randint(0, 10)
                    yield (user_id, rng.choice(lesson_ids), "load-ex", "exercise", score, 10, score >= 6, now)

            with transaction.atomic():
                self._insert(
                    ActivityResult._meta.db_table,
                    [
                        "user_id",
                        "lesson_id",
                        "activity_id",
                        "kind",
                        "score",
                        "max_score",
                        "passed",
                        "updated_at",
                    ],
                    result_rows(),
                )
        self.stdout.write(f"  exercise results inserted ({time.monotonic() - started:.0f} s)")
        if connection.vendor == "postgresql":
            # Planner statistics for the freshly loaded tables, as autovacuum would gather them later.
            with connection.cursor() as cursor:
                for model in (User, Enrolment, ActivityResult):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        stats_refresh()
        self.stdout.write(
            self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s; statistics refreshed.")
        )

    def _lyceums(self, per_region: int) -> list[tuple[int, int]]:
        for region in Region.objects.all():
            for n in range(1, per_region + 1):
                Lyceum.objects.get_or_create(
                    code=f"load-{region.code}-{n}",
                    defaults={"region": region, "name": f"Лицей {n} — {region.name_ru}"},
                )
        return list(Lyceum.objects.order_by("pk").values_list("pk", "region_id"))

    def _insert(self, table: str, columns: list[str], rows) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        chunk = []
        with connection.cursor() as cursor:
            for row in rows:
                chunk.append(row)
                if len(chunk) >= 5000:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
