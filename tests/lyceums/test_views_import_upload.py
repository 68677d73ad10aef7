"""The roster upload page: the size is checked before the upload is read, the file is never written
to disk, unreadable files come back as form errors, and the preview speaks the reader's language."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client

from lyceums.models import ImportJob

HEADER = "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n"


def roster(network, *rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").replace("{A}", network.lyceum_a.code).encode()


@pytest.fixture
def stock_handlers_used(monkeypatch):
    """The names of Django's stock upload handlers that received a file (the temporary-file one
    writes it to disk)."""
    used = []
    for handler in (TemporaryFileUploadHandler, MemoryFileUploadHandler):
        original = handler.new_file

        def new_file(self, *args, original=original, name=handler.__name__, **kwargs):
            used.append(name)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", new_file)
    return used


def test_oversize_upload_is_refused_before_it_is_read(client, network, settings, stock_handlers_used):
    """A request declaring more than the limit gets the size error on the form without its body being
    parsed: no upload handler ever receives the file, so nothing is written to disk."""
    settings.LYCEUM_IMPORT_MAX_BYTES = 1000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(network.coord_a)
    response = client.post("/network/import/", {"file": SimpleUploadedFile("big.csv", b"x" * 200_000)})
    assert response.status_code == 200
    assert "the limit is 0.0 MB" in response.content.decode()
    assert stock_handlers_used == []
    assert not ImportJob.objects.exists()


def test_upload_is_kept_in_memory_and_capped(client, network, settings, stock_handlers_used):
    """An upload is received in memory only, even above FILE_UPLOAD_MAX_MEMORY_SIZE; a file just over
    the import limit (within the request's allowance) is refused by the form."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    client.force_login(network.coord_a)
    data = roster(network, *(f"Ученик {i};s{i}@school.ru;2010;{{A}};10-Б;ученик" for i in range(20)))
    assert len(data) > 1000
    response = client.post("/network/import/", {"file": SimpleUploadedFile("ok.csv", data)})
    assert response.status_code == 302
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEW

    settings.LYCEUM_IMPORT_MAX_BYTES = len(data) - 1
    response = client.post("/network/import/", {"file": SimpleUploadedFile("ok.csv", data)})
    assert response.status_code == 200
    assert "Split it into smaller files" in response.content.decode()
    assert ImportJob.objects.count() == 1
    assert stock_handlers_used == []


def test_upload_is_still_protected_against_csrf(network):
    """Receiving the upload in the view's own handler keeps the CSRF check: a post without the token is
    refused, one with it is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(network.coord_a)
    data = roster(network, "Иванов Иван;ivan@school.ru;2010;{A};10-Б;ученик")
    response = client.post("/network/import/", {"file": SimpleUploadedFile("c.csv", data)})
    assert response.status_code == 403
    client.get("/network/import/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/network/import/", {"file": SimpleUploadedFile("c.csv", data), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_overlong_csv_cell_is_a_form_error(client, network):
    """A CSV cell over 131 072 characters comes back as an error on the form, not a server error."""
    client.force_login(network.coord_a)
    data = f'ФИО;Эл. почта;Код лицея;Роль\n"{"x" * 200_000};a@school.ru;{network.lyceum_a.code};ученик\n'
    response = client.post("/network/import/", {"file": SimpleUploadedFile("c.csv", data.encode())})
    assert response.status_code == 200
    assert "Line 2 of the file cannot be read" in response.content.decode()


def test_preview_names_columns_and_roles_and_shows_warnings(client, network):
    """The preview names the column of an error («E-mail», not «email») and the role («Student», not
    «student») in the reader's language, and lists the warnings of formula-like values."""
    client.force_login(network.coord_a)
    invalid = roster(network, "Иванов Иван;not-an-email;2010;{A};10-Б;ученик")
    response = client.post("/network/import/", {"file": SimpleUploadedFile("bad.csv", invalid)})
    html = client.get(response.url).content.decode()
    assert "<td>E-mail</td>" in html
    assert "<td>email</td>" not in html
    html = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<td>Эл. почта</td>" in html

    data = roster(network, "=1+1;ivan@school.ru;2010;{A};10-Б;ученик")
    response = client.post("/network/import/", {"file": SimpleUploadedFile("ok.csv", data)})
    html = client.get(response.url).content.decode()
    assert "<td>Student</td>" in html
    assert "<td>student</td>" not in html
    assert "There is 1 warning." in html
    assert "would take it for a formula" in html
    html = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<td>Ученик</td>" in html
