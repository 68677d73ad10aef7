"""The demo's sample roster: what a coordinator of the demo can import to see invitations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

import demo
from lyceums.models import ImportJob
from lyceums.services import import_job_commit, import_job_create

ROSTER = Path(demo.__file__).resolve().parent / "rosters" / "kazan-10v.csv"


@pytest.mark.django_db
def test_sample_roster_imports_cleanly_and_invites_everyone(
    seeded_demo, django_capture_on_commit_callbacks, settings
):
    """`coordinator@example.org` imports the sample roster without errors or warnings; each of its three
    new people gets one invitation, the one marked «татарча» in Tatar, the others in the site's
    Russian; names stay unique."""
    settings.LANGUAGE_CODE = "ru"  # the site's default outside the test settings
    User = get_user_model()
    coordinator = User.objects.get(email="coordinator@example.org")
    job = import_job_create(user=coordinator, data=ROSTER.read_bytes(), filename=ROSTER.name)
    assert (job.status, job.errors) == (ImportJob.Status.PREVIEW, [])
    assert all(not row["warnings"] for row in job.rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_commit(job=job, user=coordinator)
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 3)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 3
    assert "Исәнмесез" in bodies["enzhe.minnullina@pupils.example.org"]
    assert "Здравствуйте" in bodies["egor.kuznetsov@pupils.example.org"]
    names = Counter(User.objects.exclude(full_name="").values_list("full_name", flat=True))
    assert [name for name, count in names.items() if count > 1] == []
