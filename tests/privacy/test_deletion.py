"""Deletion: the learner asks (with a confirmation step), a republic administrator carries it out by
anonymising the person; statistics keep their numbers and certificates still verify, without a name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lms.models import Consent
from lyceums.models import ImportJob, LyceumStats, LyceumTrackStats
from lyceums.stats import stats_refresh
from privacy import services
from privacy.models import Anonymisation, DeletionRequest

pytestmark = pytest.mark.django_db


def _stats() -> tuple[list, list]:
    lyceums = list(
        LyceumStats.objects.order_by("lyceum_id").values_list(
            "lyceum_id", "region_id", "learners", "enrolments", "completions"
        )
    )
    tracks = list(
        LyceumTrackStats.objects.order_by("lyceum_id", "track_id", "year").values_list(
            "lyceum_id", "region_id", "track_id", "enrolments", "completions"
        )
    )
    return lyceums, tracks


def test_request_needs_the_confirmation_box(client, school):
    """Without ticking the box nothing is filed; with it one pending request is, and asking again does
    not file a second one."""
    client.force_login(school.learner)
    url = reverse("privacy:deletion_request")
    assert client.get(url).status_code == 200
    client.post(url, {"reason": "I moved"})
    assert not DeletionRequest.objects.exists()
    client.post(url, {"reason": "I moved", "confirm": "on"})
    client.post(url, {"reason": "again", "confirm": "on"})
    request = DeletionRequest.objects.get()
    assert (request.user, request.status, request.reason) == (school.learner, "pending", "I moved")
    assert "waiting for an administrator" in client.get(reverse("privacy:my_data")).content.decode()


def test_admin_carries_out_the_request(client, school, django_capture_on_commit_callbacks):
    """The administrator's decision anonymises the person: no name, address, birth data, consent
    address or notebook; the account cannot log in; the numbers by lyceum and municipality are the
    same after a statistics rebuild; the certificate verifies and shows no name."""
    learner = school.learner
    submission = school.mine.submission
    notebook_name = submission.notebook.name
    storage = submission.notebook.storage
    assert storage.exists(notebook_name)
    before = _stats()
    services.deletion_request_create(user=learner, reason="I am Aigul from 10-A")
    request = DeletionRequest.objects.get()

    client.force_login(school.admin)
    detail = reverse("privacy:request_detail", args=[request.pk])
    assert "learner@test.org" in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail, {"decision": "carry_out", "note": ""})
    assert response.status_code == 302

    request.refresh_from_db()
    assert (request.status, request.decided_by, request.reason) == ("carried_out", school.admin, "")
    assert request.decided_at is not None
    learner.refresh_from_db()
    assert learner.full_name == ""
    assert learner.email == f"anonymised-{learner.pk}@anonymised.invalid"
    assert learner.birth_year is None
    assert not learner.is_active
    assert not learner.has_usable_password()
    assert Anonymisation.objects.get(user=learner).reason == "request"
    assert Consent.objects.get(user=learner).ip_address is None
    assert Consent.objects.get(user=school.classmate).ip_address == "203.0.113.7"
    submission.refresh_from_db()
    assert (submission.notebook.name, submission.graded_notebook, submission.filename) == ("", None, "")
    assert float(submission.score) == 4  # the score stays
    assert not storage.exists(notebook_name)

    assert not client.login(email="learner@test.org", password="password")
    assert not learner.group_memberships.filter(left_at__isnull=True).exists()
    stats_refresh()
    assert _stats() == before

    certificate = school.mine.certificate
    certificate.refresh_from_db()
    assert certificate.learner_name == ""
    client.logout()
    page = client.get(reverse("courses:certificate_verify", args=[certificate.verification_code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This certificate is genuine." in html
    assert "HYPERLINK" not in html
    assert "personal data has been removed" in html


def test_anonymised_session_is_logged_out(client, school):
    """A session opened before the anonymisation no longer authenticates."""
    client.force_login(school.learner)
    assert client.get(reverse("privacy:my_data")).status_code == 200
    services.person_anonymise(user=school.learner, reason="request")
    assert client.get(reverse("privacy:my_data")).status_code == 302


def test_refusal_needs_a_reason_and_is_recorded(client, school):
    """A refusal without a note is refused; with one it is recorded and the learner sees it and keeps
    their account."""
    request = services.deletion_request_create(user=school.learner)
    client.force_login(school.admin)
    detail = reverse("privacy:request_detail", args=[request.pk])
    client.post(detail, {"decision": "refuse", "note": " "})
    request.refresh_from_db()
    assert request.status == "pending"
    with pytest.raises(ValidationError):
        services.deletion_request_refuse(request=request, admin=school.admin, note="")
    client.post(detail, {"decision": "refuse", "note": "Records kept under the education law"})
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == (
        "refused",
        school.admin,
        "Records kept under the education law",
    )
    school.learner.refresh_from_db()
    assert school.learner.is_active
    assert school.learner.full_name
    client.force_login(school.learner)
    assert "Records kept under the education law" in client.get(reverse("privacy:my_data")).content.decode()


def test_only_republic_administrators_see_the_queue_and_the_log(client, school):
    """The queue, a request and the access log answer 403 to coordinators, teachers and learners, 200
    to a republic administrator; the menu offers them to administrators only."""
    request = services.deletion_request_create(user=school.learner)
    urls = [
        reverse("privacy:queue"),
        reverse("privacy:request_detail", args=[request.pk]),
        reverse("privacy:access_log"),
    ]
    for person in (school.coordinator, school.teacher, school.learner):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 403, (person.email, url)
        assert reverse("privacy:queue") not in client.get(reverse("privacy:my_data")).content.decode()
    client.force_login(school.admin)
    for url in urls:
        assert client.get(url).status_code == 200, url
    queue = client.get(reverse("privacy:queue")).content.decode()
    assert "learner@test.org" in queue or "HYPERLINK" in queue
    assert reverse("privacy:access_log") in queue


def test_anonymise_twice_changes_nothing(school):
    """Anonymising an anonymised person returns the first record."""
    first = services.person_anonymise(user=school.learner, reason="request")
    second = services.person_anonymise(user=school.learner, reason="inactivity")
    assert first.pk == second.pk
    assert second.reason == "request"


def test_anonymisation_removes_the_person_from_stored_imports(school):
    """A roster import that named the person keeps its other rows but loses theirs."""
    job = ImportJob.objects.create(
        created_by=school.coordinator,
        file_name="roster.xlsx",
        rows=[
            {"row": 2, "email": "Learner@test.org", "full_name": "Learner"},
            {"row": 3, "email": "classmate@test.org", "full_name": "Classmate Other"},
        ],
    )
    services.person_anonymise(user=school.learner, reason="request")
    job.refresh_from_db()
    assert [row["email"] for row in job.rows] == ["classmate@test.org"]


def test_regrading_keeps_an_anonymised_persons_scores(school):
    """The notebooks are gone after anonymisation, so a teacher's regrade of the exercise leaves the
    person's submissions (and the statistics built on their scores) as they were, and queues the others."""
    from grading import services as grading_services
    from grading.models import Submission

    services.person_anonymise(user=school.learner, reason="request")
    gone = Submission.objects.get(student=school.learner)
    before = (gone.state, gone.score)
    assert grading_services.exercise_regrade(exercise=gone.exercise) == 1  # the classmate's only
    grading_services.submission_regrade(submission=gone)
    gone.refresh_from_db()
    assert (gone.state, gone.score) == before
    assert Submission.objects.get(student=school.classmate).state == Submission.State.QUEUED
