"""My data: a person downloads everything the platform holds about them, as JSON and as XLSX."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.privacy.conftest import NOTEBOOK_SECRET

pytestmark = pytest.mark.django_db


def test_json_export_holds_every_kind_of_record_and_nothing_of_others(client, school):
    """The JSON file has the account, e-mail, consents, group, enrolment, lesson progress, quiz attempt,
    result, submission (with the uploaded notebook), grade change, certificate; no classmate's or
    teacher's name, address or notebook is in it."""
    client.force_login(school.learner)
    response = client.get(reverse("privacy:export", args=["json"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    data = document["data"]
    assert data["account"][0]["email"] == "learner@test.org"
    assert data["account"][0]["birth_year"] == 2011
    assert data["consents"][0]["ip_address"] == "203.0.113.7"
    assert data["group_memberships"][0]["group"] == "10-A"
    assert data["group_memberships"][0]["lyceum"] == "Kazan IT lyceum"
    assert data["enrolments"][0]["course"] == "web-basics"
    assert data["lesson_progress"][0]["lesson"] == "HTML basics"
    assert data["lesson_progress"][0]["course"] == "web-basics"
    assert data["quiz_attempts"][0]["answers"] == {"0": [1]}
    assert data["results"][0]["score"] == 1
    assert data["submissions"][0]["exercise"] == "Links"
    assert data["grade_changes"][0]["reason"] == "Well done"
    assert data["certificates"][0]["number"] == school.mine.certificate.number
    submission_id = str(school.mine.submission.pk)
    assert NOTEBOOK_SECRET in json.dumps(document["notebooks"][submission_id], ensure_ascii=False)

    text = response.content.decode()
    for other in (
        "classmate@test.org",
        "Classmate Other",
        "classmate's own code",
        "teacher@test.org",
        "Teacher Teacherson",
        school.theirs.certificate.number,
    ):
        assert other not in text, other
    assert list(document["notebooks"]) == [submission_id]


def test_xlsx_export_opens_and_neutralises_formulas(client, school):
    """The spreadsheet opens with one sheet per kind of record; a name that looks like a formula is
    stored as text starting with an apostrophe, never as a formula."""
    client.force_login(school.learner)
    response = client.get(reverse("privacy:export", args=["xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert {"Account", "Enrolments", "Submissions", "Certificates", "Consents", "Quiz attempts"} <= set(
        workbook.sheetnames
    )
    account = workbook["Account"]
    headers = [cell.value for cell in account[1]]
    name = account.cell(row=2, column=headers.index("Full name") + 1)
    assert name.value == '\'=HYPERLINK("http://evil.example")'
    assert name.data_type == "s"
    cells = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value]
    assert not any("classmate" in value.lower() for value in cells)


def test_export_needs_a_signed_in_person(client, school):
    """Anonymous visitors are sent to log in; an unknown format is 404."""
    response = client.get(reverse("privacy:export", args=["json"]))
    assert response.status_code == 302
    client.force_login(school.learner)
    assert client.get(reverse("privacy:export", args=["csv"])).status_code == 404
