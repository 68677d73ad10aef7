"""A large roster import in a real Celery worker process, on PostgreSQL, with Redis as the broker and
the cache: the progress page polled from another process shows the import advancing while none of its
rows are visible yet (one transaction), then everything at once."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from lyceums.models import ImportJob, Lyceum, Region, StaffAssignment
from lyceums.services import import_job_commit, import_job_create
from tests.integration.celery_worker import celery_app_routed_to, running_worker
from tests.services import ensure_reference_regions, redis_url, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
User = get_user_model()


def test_ten_thousand_rows_show_progress_before_they_commit(client, settings, tmp_path):
    require_postgres()
    ensure_reference_regions()
    url = redis_url()
    queue = f"import-test-{uuid.uuid4().hex[:8]}"
    # The web side reads progress from the same Redis the worker writes it to.
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url}}
    region = Region.objects.get(code="kazan")
    lyceum = Lyceum.objects.create(region=region, code="progress-lyceum", name="Progress lyceum")
    coordinator = User.objects.create_user(email="coordinator@example.test", password="x")
    StaffAssignment.objects.create(user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=region)
    lines = ["full name,e-mail,birth year,lyceum code,group,role"]
    lines += [f"Learner {i},l{i}@progress.test,2010,{lyceum.code},{i % 25},student" for i in range(10_000)]
    job = import_job_create(user=coordinator, data="\n".join(lines).encode(), filename="big.csv")
    assert job.errors == []
    client.force_login(coordinator)
    progress_url = f"/network/import/{job.pk}/progress/"
    assert 'aria-valuenow="0"' in client.get(progress_url).content.decode()  # warm: templates, URLs

    with (
        celery_app_routed_to(url, queue, tasks="lyceums.*"),
        running_worker(
            broker=url,
            queue=queue,
            log=tmp_path / "worker.log",
            media_root=Path(settings.MEDIA_ROOT),
            private_media_root=Path(settings.PRIVATE_MEDIA_ROOT),
            pool_args=["--concurrency", "1", "--pool", "solo", "--without-heartbeat", "--without-mingle"],
        ),
    ):
        import_job_commit(job=job, user=coordinator)
        midway = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            # Rows first, the job's state last: the rows and the job's "done" commit together, so a
            # job still running after the count means the count was taken before the commit.
            visible = User.objects.filter(email__endswith="@progress.test").count()
            page = client.get(progress_url).content.decode()
            job.refresh_from_db()
            if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
                break
            done = int(page.split('aria-valuenow="')[1].split('"')[0])
            if 0 < done < 100:
                midway.append((done, visible))
            time.sleep(0.01)
        else:
            pytest.fail(f"the import did not finish:\n{(tmp_path / 'worker.log').read_text()[-3000:]}")

    assert job.status == ImportJob.Status.DONE, job.message
    assert midway, "the progress bar never showed a value between 0 and 100"
    assert {visible for _done, visible in midway} == {0}  # no imported row is visible before the end
    assert [done for done, _visible in midway] == sorted(done for done, _visible in midway)
    assert User.objects.filter(email__endswith="@progress.test").count() == 10_000
    assert "100%" in client.get(progress_url).content.decode()
