"""Roster import: per-row checks, encodings, missing columns, all-or-nothing, upsert, scope, size."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lyceums.imports import RosterFileError
from lyceums.models import GroupMembership, ImportJob, StaffAssignment
from lyceums.services import import_job_commit, import_job_create, import_job_run

User = get_user_model()
HEADER_RU = "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n"


def roster(network, rows: list[str], header: str = HEADER_RU) -> bytes:
    return (
        (header + "\n".join(rows) + "\n")
        .replace("{A}", network.lyceum_a.code)
        .replace("{B}", network.lyceum_b.code)
        .encode("utf-8")
    )


def test_russian_headers_preview_then_commit_creates_people(network):
    """A file with Russian headers previews without errors; committing creates the student in the
    group and the teacher with a teaching assignment."""
    data = roster(
        network,
        ["Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик", "Петрова Анна;anna@school.ru;;{A};10-Б;учитель"],
    )
    job = import_job_create(user=network.coord_a, data=data, filename="класс.csv")
    assert job.status == ImportJob.Status.PREVIEW
    assert job.errors == []
    assert not User.objects.filter(email="ivan@school.ru").exists()  # preview writes nothing

    job = import_job_commit(job=job, user=network.coord_a)
    assert job.status == ImportJob.Status.DONE
    ivan = User.objects.get(email="ivan@school.ru")
    assert ivan.full_name == "Иванов Иван"
    assert ivan.birth_year == 2010
    membership = GroupMembership.objects.get(student=ivan)
    assert (membership.group.name, membership.group.lyceum) == ("10-Б", network.lyceum_a)
    anna = User.objects.get(email="anna@school.ru")
    assert StaffAssignment.objects.filter(user=anna, role="teacher", lyceum=network.lyceum_a).exists()
    assert membership.group.teachers.filter(pk=anna.pk).exists()


def test_reimport_creates_no_duplicates_and_renames_nobody(network):
    """Importing the same people again (e-mail in other case) matches them instead of duplicating;
    a different full name in the file is a warning of the preview and is not applied."""
    first = roster(network, ["Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик"])
    import_job_commit(
        job=import_job_create(user=network.coord_a, data=first, filename="a.csv"), user=network.coord_a
    )
    again = roster(network, ["Иванов Иван Петрович;IVAN@school.ru;2010;{A};10-Б;ученик"])
    job = import_job_create(user=network.coord_a, data=again, filename="a.csv")
    assert job.errors == []
    assert [warning["column"] for warning in job.rows[0]["warnings"]] == ["full_name"]
    job = import_job_commit(job=job, user=network.coord_a)
    assert job.created_count == 0
    assert job.updated_count == 1  # existing accounts attached
    assert User.objects.filter(email__iexact="ivan@school.ru").count() == 1
    assert User.objects.get(email="ivan@school.ru").full_name == "Иванов Иван"
    assert GroupMembership.objects.filter(student__email="ivan@school.ru").count() == 1


def test_per_row_errors_are_reported_and_nothing_is_written(network):
    """Bad e-mail, unknown lyceum, another municipality's lyceum, duplicate e-mail, bad year and
    unknown role are each reported with their row; the job cannot be committed."""
    data = roster(
        network,
        [
            "Один;not-an-email;2010;{A};10;ученик",
            "Два;two@school.ru;2010;no-such-lyceum;10;ученик",
            "Три;three@school.ru;2010;{B};10;ученик",
            "Четыре;two@school.ru;2010;{A};10;ученик",
            "Пять;five@school.ru;двадцать;{A};10;ученик",
            "Шесть;six@school.ru;2010;{A};10;директор",
            "Семь;seven@school.ru;2010;{A};10;ученик",
        ],
    )
    job = import_job_create(user=network.coord_a, data=data, filename="bad.csv")
    assert job.status == ImportJob.Status.INVALID
    problems = {(e["row"], e["column"]) for e in job.errors}
    assert problems == {
        (2, "email"),
        (3, "lyceum"),
        (4, "lyceum"),
        (5, "email"),
        (6, "birth_year"),
        (7, "role"),
    }
    assert "outside your scope" in next(e["message"] for e in job.errors if e["row"] == 4)
    with pytest.raises(Exception, match="cannot be started"):
        import_job_commit(job=job, user=network.coord_a)
    assert not User.objects.filter(email__endswith="@school.ru").exists()


def test_missing_columns_are_named(network):
    """A file without the e-mail and role columns is refused, naming both."""
    with pytest.raises(RosterFileError) as error:
        import_job_create(user=network.coord_a, data="ФИО;Код лицея\nА;x\n".encode(), filename="x.csv")
    assert "e-mail" in str(error.value)
    assert "role" in str(error.value)


def test_windows_1251_file_is_read(network):
    """A CSV saved by Excel in Windows-1251 is recognised and read correctly."""
    data = (
        roster(network, ["Гарипов Тимур Ильдарович;timur@school.ru;2009;{A};11-А;ученик"])
        .decode()
        .encode("cp1251")
    )
    job = import_job_create(user=network.coord_a, data=data, filename="cp1251.csv")
    assert job.errors == []
    assert job.rows[0]["full_name"] == "Гарипов Тимур Ильдарович"


def test_garbled_encoding_is_refused(network):
    """Text that went through the wrong code page (mojibake) is refused with an explanation."""
    text = roster(network, ["Иванов Иван;ivan@school.ru;2010;{A};10;ученик"]).decode()
    garbled = text.encode("utf-8").decode("latin-1").encode("utf-8")
    with pytest.raises(RosterFileError, match="garbled"):
        import_job_create(user=network.coord_a, data=garbled, filename="broken.csv")


def test_xlsx_with_english_headers(network):
    """An XLSX workbook with English headers and numeric cells imports like a CSV."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Full name", "E-mail", "Birth year", "Lyceum code", "Group", "Role"])
    sheet.append(["Anna Smith", "anna@school.ru", 2011, network.lyceum_a.code, "9-A", "student"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = import_job_create(user=network.coord_a, data=buffer.getvalue(), filename="roster.xlsx")
    assert job.errors == []
    assert job.rows[0]["birth_year"] == 2011


def test_teacher_imports_only_into_their_lyceum(network):
    """A teacher may import into their own lyceum, not into another one of the municipality."""
    from tests.factories import LyceumFactory

    other = LyceumFactory(region=network.kazan)
    data = roster(
        network, [f"Один;one@school.ru;2010;{other.code};10;ученик", "Два;two@school.ru;2010;{A};10;ученик"]
    )
    job = import_job_create(user=network.teacher, data=data, filename="t.csv")
    assert [e["row"] for e in job.errors] == [2]


def test_size_limit(network, settings):
    """A file above the size limit is refused with the limit in the message."""
    settings.LYCEUM_IMPORT_MAX_BYTES = 100
    with pytest.raises(RosterFileError, match="limit"):
        import_job_create(user=network.coord_a, data=b"x" * 200, filename="big.csv")


def test_failure_mid_import_writes_nothing(network):
    """If the scope changed between preview and import, the run fails and no row is written."""
    data = roster(network, [f"P{i};p{i}@school.ru;2010;{{A}};10;ученик" for i in range(30)])
    job = import_job_create(user=network.coord_a, data=data, filename="x.csv")
    StaffAssignment.objects.filter(user=network.coord_a).delete()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    job = import_job_run(job_id=job.pk, chunk_size=7)
    assert job.status == ImportJob.Status.FAILED
    assert "outside your scope" in job.message
    assert not User.objects.filter(email__endswith="@school.ru").exists()


def test_ten_thousand_rows_run_as_a_task_with_progress(
    network, django_capture_on_commit_callbacks, monkeypatch
):
    """A 10 000-row file is queued to Celery on confirmation and imported completely (eager in tests);
    the 10 000 invitations are queued in batches (their sending is tested in
    test_services_import_invitations.py)."""
    from lyceums import services

    queued: list[list[int]] = []
    monkeypatch.setattr(
        services.import_invitations_send_task, "delay", lambda ids, language: queued.append(ids)
    )
    rows = [f"Ученик {i};s{i}@bulk.ru;2010;{{A}};{i % 20};ученик" for i in range(10_000)]
    job = import_job_create(user=network.coord_a, data=roster(network, rows), filename="big.csv")
    assert job.errors == []
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_commit(job=job, user=network.coord_a)
        assert job.status == ImportJob.Status.QUEUED
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.percent == 100
    assert User.objects.filter(email__endswith="@bulk.ru").count() == 10_000
    assert GroupMembership.objects.filter(student__email__endswith="@bulk.ru").count() == 10_000
    invited = [user_id for batch in queued for user_id in batch]
    assert len(queued) > 1
    created = User.objects.filter(email__endswith="@bulk.ru").values_list("pk", flat=True)
    assert sorted(invited) == sorted(created)


def test_upload_view_preview_and_progress_are_scoped(client, network):
    """Through the web: upload shows the preview; another coordinator cannot open the job (404);
    a student cannot reach the upload page (403); the progress fragment renders."""
    client.force_login(network.coord_a)
    data = roster(network, ["Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик"])
    response = client.post("/network/import/", {"file": SimpleUploadedFile("c.csv", data)})
    assert response.status_code == 302
    detail = response.url
    assert "Иванов Иван" in client.get(detail).content.decode()
    assert client.post(detail + "commit/").status_code == 302
    assert "100%" in client.get(detail + "progress/").content.decode()
    client.force_login(network.coord_b)
    assert client.get(detail).status_code == 404
    assert client.post(detail + "commit/").status_code == 404
    client.force_login(network.student_a)
    assert client.get("/network/import/").status_code == 403


def test_upload_view_shows_file_errors(client, network):
    """A file with missing columns comes back to the form with the columns named."""
    client.force_login(network.coord_a)
    response = client.post("/network/import/", {"file": SimpleUploadedFile("c.csv", "ФИО\nА\n".encode())})
    assert response.status_code == 200
    assert "Required columns are missing" in response.content.decode()


def test_progress_shows_while_the_import_runs(
    client, network, monkeypatch, django_capture_on_commit_callbacks
):
    """The progress fragment, polled while a queued import runs, shows each chunk as it is done —
    before the import's transaction commits — and the full bar at the end."""
    from lyceums import services

    rows = [f"Ученик {i};p{i}@progress.ru;2010;{{A}};7-А;ученик" for i in range(1200)]
    job = import_job_create(user=network.coord_a, data=roster(network, rows), filename="p.csv")
    client.force_login(network.coord_a)
    url = f"/network/import/{job.pk}/progress/"
    seen = []
    publish = services._progress

    def publish_and_poll(job_id, processed):
        publish(job_id, processed)
        if processed is not None:  # None: the job row holds the outcome, the cache entry goes
            seen.append(client.get(url).content.decode())

    monkeypatch.setattr(services, "_progress", publish_and_poll)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_commit(job=job, user=network.coord_a)
    assert len(seen) == 4  # queued, started, after the first 1000 rows, after all 1200
    assert "0 of 1200 rows" in seen[1]
    assert "1000 of 1200 rows" in seen[2]
    assert 'aria-valuenow="83"' in seen[2]
    assert "hx-get" in seen[2]  # still polling
    final = client.get(url).content.decode()
    assert "100%" in final
    assert "hx-get" not in final  # polling stops
