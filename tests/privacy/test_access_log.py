"""The staff access log: each look by staff at a learner's personal data writes one row; republic
administrators read it with filters and pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lyceums.access_log import record_access
from lyceums.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def test_learner_page_writes_one_row(client, school, django_assert_num_queries):
    """A teacher opening a learner's page writes one row naming the teacher, the learner and what; the
    record itself is one INSERT."""
    client.force_login(school.teacher)
    response = client.get(reverse("lyceums:learner", args=[school.learner.pk]))
    assert response.status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert (entry.staff, entry.learner, entry.action) == (school.teacher, school.learner, "learner_page")
    assert entry.path == reverse("lyceums:learner", args=[school.learner.pk])
    with django_assert_num_queries(1):
        record_access(viewer=school.teacher, learner=school.learner, action="learner_page")


def test_notebook_and_submission_and_export_are_logged(client, school):
    """The submission page, its notebook (feedback) and a gradebook export each write one row."""
    client.force_login(school.teacher)
    submission = school.mine.submission
    assert client.get(reverse("grading:submission_detail", args=[submission.pk])).status_code == 200
    assert client.get(reverse("grading:submission_feedback", args=[submission.pk])).status_code == 200
    export = reverse("grading:gradebook_export", args=[school.exercise.pk, school.group.pk, "xlsx"])
    assert client.get(export).status_code == 200
    rows = list(PersonalDataAccess.objects.order_by("pk").values_list("action", "learner_id", "staff_id"))
    assert rows == [
        ("submission", school.learner.pk, school.teacher.pk),
        ("notebook", school.learner.pk, school.teacher.pk),
        ("export", None, school.teacher.pk),
    ]


def test_certificate_download_by_staff_is_logged_through_the_signal(client, school):
    """`courses` (below `lyceums`) reports a staff download of a learner's certificate by a signal; the
    owner's own download is not logged."""
    number = school.mine.certificate.number
    client.force_login(school.learner)
    assert client.get(reverse("courses:certificate_pdf", args=[number])).status_code == 200
    assert not PersonalDataAccess.objects.exists()
    client.force_login(school.coordinator)
    assert client.get(reverse("courses:certificate_pdf", args=[number])).status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert (entry.staff, entry.learner, entry.action, entry.detail) == (
        school.coordinator,
        school.learner,
        "certificate",
        number,
    )


def test_own_records_are_not_logged(client, school):
    """A learner reading their own submission is not staff access."""
    client.force_login(school.learner)
    assert (
        client.get(reverse("grading:submission_detail", args=[school.mine.submission.pk])).status_code == 200
    )
    assert not PersonalDataAccess.objects.exists()


def test_log_page_filters_and_pages(client, school, django_assert_max_num_queries):
    """The administrator filters by who, learner and what, and pages through 50 rows at a time; a page
    costs a fixed number of queries, not one per row."""
    for _ in range(55):
        record_access(viewer=school.teacher, learner=school.learner, action="learner_page", path="/x/")
    record_access(viewer=school.coordinator, learner=school.classmate, action="notebook", path="/y/")
    client.force_login(school.admin)
    url = reverse("privacy:access_log")
    with django_assert_max_num_queries(25):
        first = client.get(url)
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 56
    assert len(first.context["page"].object_list) == 50
    assert len(client.get(url, {"page": 2}).context["page"].object_list) == 6
    only = client.get(url, {"staff": "coord@", "action": "notebook"}).context["page"]
    assert [(e.staff, e.learner) for e in only] == [(school.coordinator, school.classmate)]
    assert client.get(url, {"learner": "classmate"}).context["page"].paginator.count == 1
    assert client.get(url, {"action": "export"}).context["page"].paginator.count == 0
