"""Web-tier benchmark: the portal under gunicorn with production settings on loopback, loaded with
locust, one address at a time.

    .venv/bin/python bench/web.py [--users 32] [--seconds 15] [--requests 20000] [--port 8765]

Needs PostgreSQL at 127.0.0.1:5432 (a throw-away database `lms_bench_web` is created, loaded with
`seed_demo` and dropped again) and Redis at 127.0.0.1:6379 (database --redis-db, emptied first: the
cache and the broker). gunicorn is started by docker/bin/start-web.sh, as in production, with the
settings of bench/settings_web.py (production's, over plain HTTP) and a throw-away SECRET_KEY and
signing key.

Measured, each for --seconds or --requests, whichever ends first, by --users concurrent users:
- `static`: a small hashed static file (courses/code.css, Brotli): the server's ceiling;
- `anon_home`, `anon_catalogue`, `anon_course`: public pages as an anonymous visitor sees them (served
  by the page cache after the first view); a lesson itself is for enrolled learners only;
- `lesson`, `my_learning`: a demo student's lesson and their "My learning" page;
- `dashboard`: a demo coordinator's municipality dashboard.
The first four are asked as fast as the server answers (throughput); the signed-in pages by users who
each wait 0.5-1.5 s between pages (a busy class), for their latency. Each address is first asked a
dozen times (every gunicorn worker has served it), the users join over a few seconds, and the figures
count from the moment all of them have joined.

Prints one JSON object: {"endpoints": {NAME: {"rps", "p50_ms", "p95_ms", "errors"}},
"ratio_to_static": {NAME: rps / static rps}, "machine": {"cores", "load_average_1m"}}. With --keep-db
the loaded database and collected files are kept for the next run (which then starts in seconds).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
LOCUST = str(ROOT / ".venv" / "bin" / "locust")
DATABASE = "lms_bench_web"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Third-party assets no benchmarked page loads (the admins', the browsable API's): left out, the
# collection takes seconds rather than minutes.
NOT_PORTAL_ASSETS = ["admin", "rest_framework", "wagtail*", "oauth2_provider", "axe.min.js"]

DISCOVER = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.urls import reverse
from courses.models import CatalogPage, CoursePage, Enrolment, LessonPage
from lyceums.models import StaffAssignment

def session(email):
    user = get_user_model().objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return user, store.session_key

student, student_session = session("student@example.org")
coordinator, coordinator_session = session("coordinator@example.org")
course = Enrolment.objects.filter(user=student, status="active").latest("pk").course
lesson = LessonPage.objects.child_of(course).live().first()
region = StaffAssignment.objects.filter(user=coordinator, region__isnull=False).first().region
print(json.dumps({
    "student_session": student_session,
    "coordinator_session": coordinator_session,
    "catalogue": CatalogPage.objects.live().first().get_url(),
    "course": course.get_url(),
    "lesson": lesson.get_url(),
    "my_learning": reverse("courses:my_learning"),
    "dashboard": reverse("lyceums:region", kwargs={"code": region.code}),
}))
"""


def _environment(*, redis_db: int, port: int) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_web",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": "smtp://127.0.0.1:2525",  # nothing is sent during the benchmark
        "OIDC_RSA_PRIVATE_KEY": pem,
        "BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }


def _database(action: str) -> bool:
    """Create (afresh), reuse (returns whether it was there) or drop the throw-away database."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if action == "reuse" and exists:
            return True
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if action in ("create", "reuse"):
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return False


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz in time")


RAMP_SECONDS = 4
WARM_REQUESTS = 12  # before measuring, enough requests for every gunicorn worker to have served the address


def _check(base: str, path: str, session: str, *, cached: bool = False) -> None:
    """Each address answers 200 before it is measured; a public page (`cached`) must then come from the
    page cache, or its figures would measure rendering."""
    for _attempt in range(WARM_REQUESTS):
        request = urllib.request.Request(f"{base}{path}", headers={"Accept-Language": "ru"})  # noqa: S310
        if session:
            request.add_header("Cookie", f"sessionid={session}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            if response.status != 200 or response.url != f"{base}{path}":
                raise SystemExit(f"{path} answered {response.status} at {response.url}")
            hit = response.headers.get("X-Page-Cache") == "hit"
    if cached and not hit:
        raise SystemExit(f"{path} is not served from the page cache")


def _percentile(value: str) -> float | None:
    """locust writes N/A when no request finished (a run too short for a loaded machine): null."""
    return None if value == "N/A" else float(value)


def _load(
    base: str, path: str, *, session: str, wait: float, users: int, seconds: int, requests: int
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BENCH_PATH": path,
            "BENCH_SESSION": session,
            "BENCH_WAIT": str(wait),
            "BENCH_REQUESTS": str(requests),
        }
        subprocess.run(
            [
                LOCUST,
                "-f",
                str(ROOT / "bench" / "locust_endpoint.py"),
                "--headless",
                "--users",
                str(users),
                # Users join over RAMP_SECONDS and the figures start once all have joined
                # (--reset-stats): a steady class, not 32 first requests in the same millisecond.
                "--spawn-rate",
                str(max(1, users // RAMP_SECONDS)),
                "--reset-stats",
                "--run-time",
                f"{seconds + RAMP_SECONDS}s",
                "--host",
                base,
                "--csv",
                f"{tmp}/run",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            capture_output=True,
        )
        with open(f"{tmp}/run_stats.csv", newline="") as fh:
            row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    return {
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": _percentile(row["50%"]),
        "p95_ms": _percentile(row["95%"]),
        "errors": int(row["Failure Count"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the loaded database (and the collected files) for the next run, and use them if there",
    )
    args = parser.parse_args()

    base = f"http://127.0.0.1:{args.port}"
    env = _environment(redis_db=args.redis_db, port=args.port)
    redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db).flushdb()
    loaded = _database("reuse" if args.keep_db else "create")
    server = None
    log = ROOT / "var" / "bench-web.log"
    try:
        if not loaded:
            print("migrating, loading the demo, collecting static files…", file=sys.stderr)
            _manage(env, "migrate", "--no-input")
            _manage(env, "seed_demo", "--force")
            ignore = [arg for pattern in NOT_PORTAL_ASSETS for arg in ("-i", pattern)]
            _manage(env, "collectstatic", "--no-input", "--clear", "-v", "0", *ignore)
        found = json.loads(_manage(env, "shell", "-c", DISCOVER).strip().splitlines()[-1])
        manifest = json.loads((ROOT / "var" / "bench-static" / "staticfiles.json").read_text())
        server = subprocess.Popen(
            [str(ROOT / "docker" / "bin" / "start-web.sh")],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until_up(base, time.monotonic() + 300)

        endpoints = {
            "static": (f"/static/{manifest['paths']['courses/code.css']}", "", 0.0),
            "anon_home": ("/", "", 0.0),
            "anon_catalogue": (found["catalogue"], "", 0.0),
            "anon_course": (found["course"], "", 0.0),
            "lesson": (found["lesson"], found["student_session"], 1.0),
            "my_learning": (found["my_learning"], found["student_session"], 1.0),
            "dashboard": (found["dashboard"], found["coordinator_session"], 1.0),
        }
        results = {}
        for name, (path, session, wait) in endpoints.items():
            _check(base, path, session, cached=name.startswith("anon_"))
            print(f"loading {name} ({path})…", file=sys.stderr)
            results[name] = _load(
                base,
                path,
                session=session,
                wait=wait,
                users=args.users,
                seconds=args.seconds,
                requests=args.requests,
            )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_db:
            _database("drop")
    static_rps = results["static"]["rps"] or 1
    print(
        json.dumps(
            {
                "endpoints": results,
                "ratio_to_static": {
                    name: round(result["rps"] / static_rps, 2)
                    for name, result in results.items()
                    if name != "static"
                },
                # The load generator shares the machine with the server (and whatever else runs).
                "machine": {"cores": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 1)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
