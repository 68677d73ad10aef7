"""A deadline burst through the real pipeline: submissions uploaded through the web view (the upload form,
its validation and storage), queued on Redis, graded by Celery grading workers, each worker with its own
fork-server zygote (or the engine named by `--engine`).

    DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/grading_burst.py [--submissions 200] [--workers 1] [--concurrency 2]

DATABASE_URL must name a throw-away database: it is migrated if needed and EMPTIED (`flush`), then gets
an exercise (the web demo) and one enrolled learner per submission; the uploads are sent from 8 threads
as fast as the web view takes them. Prints one JSON object: how long the uploads took, and the
submit→score latency (from the start of the upload to the moment the score was stored) p50/p95/max in
seconds, with the number graded and failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from grading.models import Submission  # noqa: E402
from tests.factories import ExerciseFactory, UserFactory, enrol_in_exercise  # noqa: E402
from tests.grading import notebooks  # noqa: E402
from tests.integration.celery_worker import celery_app_routed_to, running_worker  # noqa: E402

UPLOAD_THREADS = 8


def _upload(exercise, learner, notebook: bytes) -> float:
    client = Client()
    client.force_login(learner)
    started = time.time()
    response = client.post(
        f"/exercises/{exercise.slug}/submit/",
        {"notebook": _named(notebook)},
        HTTP_REFERER=f"/exercises/{exercise.slug}/",
    )
    if response.status_code != 302 or "/submissions/" not in response.get("Location", ""):
        raise RuntimeError(f"upload refused: {response.status_code}")
    return started


def _named(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("mine.ipynb", data, content_type="application/x-ipynb+json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--engine", default="fork")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for every score")
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database (workers and web share it)")
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    queue = f"grading-burst-{uuid.uuid4().hex[:8]}"
    os.environ["GRADING_ENGINE"] = args.engine
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    exercise = ExerciseFactory()
    learners = [UserFactory() for _ in range(args.submissions)]
    for learner in learners:
        enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    submission = notebooks.solved()
    with tempfile.TemporaryDirectory(prefix="itl-burst-") as tmp, celery_app_routed_to(broker, queue):
        root = Path(tmp)
        workers = [
            running_worker(
                broker=broker,
                queue=queue,
                log=root / f"worker-{n}.log",
                media_root=Path(settings.MEDIA_ROOT),
                private_media_root=Path(settings.PRIVATE_MEDIA_ROOT),
                pool_args=["--concurrency", str(args.concurrency), "--pool", "prefork", "-n", f"burst{n}@%h"],
            )
            for n in range(args.workers)
        ]
        for worker in workers:
            worker.__enter__()
        try:
            # One submission first, so every pool process has started its zygote before the burst.
            warm = UserFactory()
            enrol_in_exercise(user=warm, exercise_id=exercise.pk)
            _upload(exercise, warm, submission)
            _wait(lambda: Submission.objects.filter(student=warm, graded_at__isnull=False).exists(), 300)
            upload_started = time.time()
            with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
                uploads = pool.map(lambda u: _upload(exercise, u, submission), learners)
                starts = dict(zip(learners, uploads, strict=True))
            uploads_seconds = time.time() - upload_started
            ids = [u.pk for u in learners]
            _wait(
                lambda: (
                    Submission.objects.filter(student_id__in=ids, state__in=["graded", "failed"]).count()
                    == len(ids)
                ),
                args.timeout,
            )
        finally:
            for worker in workers:
                worker.__exit__(None, None, None)
    rows = Submission.objects.filter(student_id__in=ids).values_list("student_id", "state", "graded_at")
    latencies = sorted(
        graded_at.timestamp() - starts[next(u for u in learners if u.pk == student)]
        for student, state, graded_at in rows
        if graded_at is not None
    )
    print(
        json.dumps(
            {
                "engine": args.engine,
                "submissions": args.submissions,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "uploads_seconds": round(uploads_seconds, 2),
                "graded": sum(1 for _s, state, _g in rows if state == "graded"),
                "failed": sum(1 for _s, state, _g in rows if state == "failed"),
                "submit_to_score_p50_seconds": round(statistics.median(latencies), 2),
                "submit_to_score_p95_seconds": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 2),
                "submit_to_score_max_seconds": round(latencies[-1], 2),
            },
            indent=2,
        )
    )


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for the workers")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
