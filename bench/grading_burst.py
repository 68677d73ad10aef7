"""A deadline burst through the real pipeline: submissions uploaded through the web view (the upload form,
its validation and storage), queued on Redis, graded by Celery grading workers, each worker with its own
fork-server zygote (or the engine named by `--engine`).

    DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/grading_burst.py [--submissions 200] [--window 0] [--arrivals poisson]
            [--workers 1] [--concurrency 2]

Two kinds of burst. `--window 0` (the default) sends every upload at once, from 8 threads as fast as the
web view takes them: the backlog the workers then drain gives the pipeline's capacity (submissions graded
per second), and N / capacity is how long N learners submitting in the same moment wait. `--window S`
spreads the uploads over S seconds, as a deadline does: `poisson` arrivals (the default; a Poisson process
of rate N/S that brings N uploads in S seconds, i.e. N moments drawn uniformly over the window, seeded) or
`even` ones (one every S/N seconds); submit→score then shows what a learner waits at that arrival rate.

DATABASE_URL must name a throw-away database: it is migrated if needed and EMPTIED (`flush`), then gets
an exercise (the web demo) and one learner per submission, all enrolled in one course. Every pool
process grades one submission before the burst starts (its zygote started, the exercise read). Prints
one JSON object: the arrival rate asked for and achieved, how long the uploads took, the throughput
(submissions graded per second from the first upload to the last score, and while the workers were
busy), and p50/p95/max in seconds of submit→score (from the start of the upload to the moment the score
was stored) and of its parts, from the timestamps the pipeline stores: upload (web request until the
broker accepted the message, `enqueued_at`), queue wait (until a worker claimed it) and grading (claim
to stored score).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
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
# The web view's and the broker's log lines, one per upload, would drown the figures.
logging.disable(logging.INFO)

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from grading.models import Submission, SubmissionEvent  # noqa: E402
from tests.factories import EnrolmentFactory, ExerciseFactory, UserFactory, enrol_in_exercise  # noqa: E402
from tests.grading import notebooks  # noqa: E402
from tests.integration.celery_worker import celery_app_routed_to, running_worker  # noqa: E402

UPLOAD_THREADS = 8
SEED = 11


def arrival_offsets(count: int, window: float, arrivals: str, seed: int = SEED) -> list[float]:
    """When each upload starts, in seconds after the burst begins: all at 0 without a window; over the
    window either evenly spaced or as a Poisson process (N arrivals of a Poisson process in a window
    fall at N independent uniform moments)."""
    if window <= 0:
        return [0.0] * count
    if arrivals == "even":
        return [window * n / count for n in range(count)]
    rng = random.Random(seed)
    return sorted(rng.uniform(0, window) for _ in range(count))


def percentiles(values: list[float]) -> dict:
    """p50, p95 (nearest rank) and max, in seconds."""
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[rank - 1], 2),
        "max": round(ordered[-1], 2),
    }


def _upload(exercise, learner, notebook: bytes, at: float | None = None) -> float:
    if at is not None:
        time.sleep(max(0.0, at - time.time()))
    client = Client()
    client.force_login(learner)
    started = time.time()
    response = client.post(
        f"/exercises/{exercise.slug}/submit/",
        {"notebook": SimpleUploadedFile("mine.ipynb", notebook, content_type="application/x-ipynb+json")},
        HTTP_REFERER=f"/exercises/{exercise.slug}/",
    )
    if response.status_code != 302 or "/submissions/" not in response.get("Location", ""):
        raise RuntimeError(f"upload refused: {response.status_code}")
    return started


def _enrolled(exercise, count: int, lesson=None) -> tuple[list, object]:
    """*count* new learners enrolled in the course of the lesson that carries *exercise* (made with the
    first learner when not given): one course for the whole burst, as a class has."""
    learners = [UserFactory() for _ in range(count)]
    for learner in learners:
        if lesson is None:
            lesson = enrol_in_exercise(user=learner, exercise_id=exercise.pk)
        else:
            EnrolmentFactory(user=learner, course=lesson.get_parent().specific)
    return learners, lesson


def _graded(learners) -> bool:
    ids = [u.pk for u in learners]
    return Submission.objects.filter(student_id__in=ids, state__in=["graded", "failed"]).count() == len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument(
        "--window", type=float, default=0, help="seconds the uploads are spread over (0: all at once)"
    )
    parser.add_argument("--arrivals", choices=["poisson", "even"], default="poisson")
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
    processes = args.workers * args.concurrency
    warm, lesson = _enrolled(exercise, processes)
    learners, _lesson = _enrolled(exercise, args.submissions, lesson)
    submission = notebooks.solved()
    offsets = arrival_offsets(args.submissions, args.window, args.arrivals)
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
            # One submission per pool process first, all at once (each is taken by an idle process), so
            # every process has started its zygote and read the exercise before the burst.
            with ThreadPoolExecutor(processes) as pool:
                list(pool.map(lambda u: _upload(exercise, u, submission), warm))
            _wait(lambda: _graded(warm), 300)
            began = time.time() + 0.5
            with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
                starts = list(
                    pool.map(
                        lambda pair: _upload(exercise, pair[0], submission, at=began + pair[1]),
                        zip(learners, offsets, strict=True),
                    )
                )
            uploads_done = time.time()
            _wait(lambda: _graded(learners), args.timeout)
        finally:
            for worker in workers:
                worker.__exit__(None, None, None)
    print(json.dumps(report(args, learners, starts, [began + o for o in offsets], uploads_done), indent=2))


def report(args, learners, starts: list[float], planned: list[float], uploads_done: float) -> dict:
    """The figures of one burst, from the upload start times (and when they were planned) and the
    submissions' stored timestamps."""
    started_at = {learner.pk: start for learner, start in zip(learners, starts, strict=True)}
    rows = list(
        Submission.objects.filter(student_id__in=started_at).values(
            "pk", "student_id", "state", "enqueued_at", "graded_at"
        )
    )
    claims: dict[int, float] = {}
    for submission_id, created in SubmissionEvent.objects.filter(
        submission_id__in=[r["pk"] for r in rows], to_state=Submission.State.GRADING
    ).values_list("submission_id", "created_at"):
        claims[submission_id] = max(claims.get(submission_id, 0.0), created.timestamp())
    total, upload, wait, grading = [], [], [], []
    for row in rows:
        start = started_at[row["student_id"]]
        if row["graded_at"] is None:
            continue
        done = row["graded_at"].timestamp()
        total.append(done - start)
        claimed = claims.get(row["pk"])
        if row["enqueued_at"] is not None:
            enqueued = row["enqueued_at"].timestamp()
            upload.append(enqueued - start)
            if claimed is not None:
                wait.append(max(0.0, claimed - enqueued))
        if claimed is not None:
            grading.append(done - claimed)
    first_start, last_start = min(starts), max(starts)
    finished = [r["graded_at"].timestamp() for r in rows if r["graded_at"] is not None]
    first_claim = min(claims.values(), default=first_start)
    last_score = max(finished, default=first_start)
    spread = last_start - first_start
    return {
        "engine": args.engine,
        "submissions": args.submissions,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "window_seconds": args.window,
        "arrivals": args.arrivals if args.window > 0 else "all at once",
        "arrival_rate_asked_per_second": (
            round(args.submissions / args.window, 2) if args.window > 0 else None
        ),
        "arrival_rate_per_second": round((len(starts) - 1) / spread, 2) if spread > 0 else None,
        # How late the last upload started against its plan (the upload threads falling behind).
        "upload_lag_max_seconds": round(max(s - p for s, p in zip(starts, planned, strict=True)), 2),
        "uploads_seconds": round(uploads_done - first_start, 2),
        "graded": sum(1 for r in rows if r["state"] == "graded"),
        "failed": sum(1 for r in rows if r["state"] == "failed"),
        # From the first upload to the last score; with a window this is bounded by the arrival rate.
        "throughput_per_second": round(len(finished) / (last_score - first_start), 2),
        # From the first claim to the last score: the rate while the workers were busy. All at once, the
        # workers are busy throughout, and this is the pipeline's capacity.
        "busy_throughput_per_second": round(len(finished) / max(1e-9, last_score - first_claim), 2),
        "submit_to_score_seconds": percentiles(total),
        "upload_seconds": percentiles(upload),
        "queue_wait_seconds": percentiles(wait),
        "grading_seconds": percentiles(grading),
        "grading_mean_seconds": round(statistics.fmean(grading), 3) if grading else None,
    }


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for the workers")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
