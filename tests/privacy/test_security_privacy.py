"""Security review of the personal-data app: what an anonymisation leaves behind, and staff views of a
learner's data that the access log must record."""

import json

import nbformat
import pytest
from django.urls import reverse

from grading.models import Submission, SubmissionEvent
from lyceums.models import ImportJob, PersonalDataAccess
from privacy import services

pytestmark = pytest.mark.django_db


def test_security_anonymisation_removes_the_address_from_import_errors(school):
    """A roster import refused a row naming the person ("An account with the e-mail «…» already
    exists…"): the stored error message still carries their address after anonymisation."""
    job = ImportJob.objects.create(
        created_by=school.coordinator,
        file_name="roster.xlsx",
        status=ImportJob.Status.INVALID,
        errors=[
            {"row": 2, "column": "email", "message": "An account with the e-mail «learner@test.org» exists"},
            {"row": 3, "column": "lyceum", "message": "Unknown lyceum code «x»."},
        ],
    )
    services.person_anonymise(user=school.learner, reason="request")
    job.refresh_from_db()
    assert "learner@test.org" not in json.dumps(job.errors).lower()
    assert len(job.errors) == 2  # the rows and columns of the errors stay; only the address goes
    assert job.errors[1]["message"] == "Unknown lyceum code «x»."


def test_security_anonymisation_removes_the_grading_error_copied_to_the_audit_trail(school):
    """A failed grading stores the error (a traceback quoting the person's code) on the submission and
    a copy in its audit trail; anonymisation cleared the first and kept the second."""
    submission = school.mine.submission
    quoted = "NameError: name 'Aigul_Mingazova' is not defined"
    SubmissionEvent.objects.create(
        submission=submission, from_state="grading", to_state=Submission.State.FAILED, detail=quoted
    )
    SubmissionEvent.objects.create(
        submission=school.theirs.submission, from_state="grading", to_state="failed", detail="other"
    )
    services.person_anonymise(user=school.learner, reason="request")
    assert not SubmissionEvent.objects.filter(detail__contains="Aigul").exists()
    assert SubmissionEvent.objects.filter(submission=submission, to_state="failed").exists()  # trail kept
    assert SubmissionEvent.objects.get(submission=school.theirs.submission, to_state="failed").detail == (
        "other"
    )


def test_security_teachers_copy_of_a_students_hub_notebook_is_logged(client, school, monkeypatch):
    """A teacher reads (or downloads) a copy of a student's notebook from JupyterHub: the same personal
    data as a submission's notebook, so the access log must have it."""
    notebook = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")]))
    monkeypatch.setattr("hub.services.student_notebook_fetch", lambda **kwargs: notebook.encode())
    client.force_login(school.teacher)
    url = reverse("hub:student_notebook", args=[school.exercise.pk, school.learner.pk])

    assert client.get(url).status_code == 200
    assert client.get(url + "?download=1").status_code == 200

    entries = PersonalDataAccess.objects.filter(staff=school.teacher, learner=school.learner)
    assert entries.count() == 2
    assert {entry.action for entry in entries} == {PersonalDataAccess.Action.NOTEBOOK}


def test_security_students_own_hub_notebook_is_not_logged(client, school, monkeypatch):
    notebook = nbformat.writes(nbformat.v4.new_notebook())
    monkeypatch.setattr("hub.services.student_notebook_fetch", lambda **kwargs: notebook.encode())
    client.force_login(school.learner)
    url = reverse("hub:student_notebook", args=[school.exercise.pk, school.learner.pk])
    assert client.get(url).status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_security_group_roster_page_is_logged(client, school):
    """The group page lists every learner of the group with their progress: a staff look at it is in
    the access log, as a gradebook of the group is."""
    client.force_login(school.teacher)
    response = client.get(reverse("lyceums:group", args=[school.group.pk]))
    assert response.status_code == 200
    assert school.learner.full_name in response.content.decode() or "HYPERLINK" in response.content.decode()
    entry = PersonalDataAccess.objects.get(staff=school.teacher)
    assert entry.learner is None
    assert "10-A" in entry.detail
