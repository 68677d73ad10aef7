"""`manage.py backup` and `manage.py restore` on PostgreSQL: a deployment with pages, a graded submission
(notebook in the private media) and a certificate, backed up and restored into a new empty database and
empty media folders, shows the same pages, grades and certificates. Restore refuses a database that is
not empty and a damaged backup, changing nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from courses.services import certificate_issue
from grading.models import Submission
from grading.services import submission_create
from tests.factories import ExerciseFactory, UserFactory, demo_notebook, enrol_in_exercise
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SNAPSHOT = Path(__file__).with_name("backup_snapshot.py")


def run(database: str, action: str, media: Path, private: Path, *extra: str) -> subprocess.CompletedProcess:
    """The snapshot script in a fresh process on *database* (same server as the tests)."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    return subprocess.run(
        [sys.executable, str(SNAPSHOT), action, str(media), str(private), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_database():
    """A new, empty database on the same server, dropped afterwards."""
    name = f"restore_{uuid.uuid4().hex[:12]}"
    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment(settings):
    """Pages, a learner with a graded submission and a certificate, and a public upload."""
    learner = UserFactory(email="alsu@example.org", full_name="Алсу Гарипова")
    exercise = ExerciseFactory(title="Функции для HTML")
    lesson = enrol_in_exercise(user=learner, exercise_id=exercise.pk)
    submission_create(
        student=learner, exercise=exercise, notebook_bytes=demo_notebook(), filename="solved.ipynb"
    )
    assert Submission.objects.get().state == Submission.State.GRADED
    enrolment = learner.enrolments.get(course=lesson.get_parent().specific)
    certificate_issue(enrolment=enrolment)
    upload = Path(settings.MEDIA_ROOT) / "original_images" / "poster.png"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\x89PNG\r\n\x1a\n poster")


def test_restore_into_an_empty_database_shows_the_same_deployment(deployment, empty_database, tmp_path):
    require_postgres()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media_files"] == {
        "media.tar.gz": 1,
        "private.tar.gz": manifest["media_files"]["private.tar.gz"],
    }
    assert manifest["media_files"]["private.tar.gz"] >= 2  # the instructor notebook and the submission

    original = run(
        connection.settings_dict["NAME"], "snapshot", settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT
    )
    assert original.returncode == 0, original.stderr
    media, private = tmp_path / "restored-media", tmp_path / "restored-private"
    restored_run = run(empty_database, "restore", media, private, str(backup))
    assert restored_run.returncode == 0, restored_run.stderr
    restored = run(empty_database, "snapshot", media, private)
    assert restored.returncode == 0, restored.stderr

    before, after = json.loads(original.stdout), json.loads(restored.stdout)
    assert before["submissions"]
    assert before["certificates"]
    assert before["cell_grades"]
    assert all(status == 200 and shown for *_, status, shown in before["certificates"])
    assert any(status == 200 and shown for *_, status, shown in before["pages"])
    assert after == before


def test_restore_refuses_a_database_that_is_not_empty(deployment, tmp_path):
    require_postgres()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup))
    assert Submission.objects.count() == 1


def test_restore_refuses_a_damaged_backup_and_backup_refuses_an_existing_folder(
    deployment, empty_database, tmp_path
):
    require_postgres()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup))
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    media, private = tmp_path / "restored-media", tmp_path / "restored-private"
    refused = run(empty_database, "restore", media, private, str(backup))
    assert refused.returncode != 0
    assert "damaged" in refused.stderr
    assert not media.exists()
    assert not private.exists()
