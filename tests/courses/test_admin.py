"""Administrators see enrolments and certificates in the Django admin and can revoke certificates;
the records themselves cannot be edited there."""

import pytest
from django.urls import reverse

from courses.models import Certificate, Enrolment
from courses.services import certificate_issue
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_revoke_action(admin_client):
    """The "revoke" action marks the selected certificates revoked."""
    certificate = certificate_issue(enrolment=EnrolmentFactory(status=Enrolment.Status.COMPLETED))
    response = admin_client.post(
        reverse("admin:courses_certificate_changelist"),
        {"action": "revoke", "_selected_action": [certificate.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 certificate revoked." in response.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is not None


def test_lists_are_read_only(admin_client):
    """Enrolments are listed but cannot be added or edited through the admin."""
    enrolment = EnrolmentFactory()
    assert admin_client.get(reverse("admin:courses_enrolment_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:courses_enrolment_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:courses_enrolment_change", args=[enrolment.pk]), {"status": "completed"}
    )
    assert response.status_code == 403
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ACTIVE
