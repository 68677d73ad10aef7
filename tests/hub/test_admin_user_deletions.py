"""Operators see the owed and done deletions of anonymised people's hub users in the Django admin,
filtered by state; the records cannot be added, edited or deleted there."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.models import HubUserDeletion
from hub.services import hub_user_deletion_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def owed(**fields) -> HubUserDeletion:
    deletion = hub_user_deletion_create(user=UserFactory(is_active=False))
    HubUserDeletion.objects.filter(pk=deletion.pk).update(**fields)
    return deletion


def test_the_list_filters_by_state(admin_client):
    """The list shows each deletion's hub user; the state filter picks the waiting, failing or done."""
    waiting = owed()
    failing = owed(attempts=3, tried_at=timezone.now(), last_error="HTTP 400 server is stopping")
    done = owed(attempts=1, tried_at=timezone.now(), done_at=timezone.now())
    url = reverse("admin:hub_hubuserdeletion_changelist")
    page = admin_client.get(url).content.decode()
    for deletion in (waiting, failing, done):
        assert f"u{deletion.user_id}<" in page
    failing_page = admin_client.get(url, {"state": "failing"}).content.decode()
    assert f"u{failing.user_id}<" in failing_page
    assert "HTTP 400 server is stopping" in failing_page
    assert f"u{waiting.user_id}<" not in failing_page
    assert f"u{done.user_id}<" not in failing_page
    done_page = admin_client.get(url, {"state": "done"}).content.decode()
    assert f"u{done.user_id}<" in done_page
    assert f"u{waiting.user_id}<" not in done_page


def test_the_records_are_read_only(admin_client):
    """Nothing is added, edited or deleted through the admin: the records change only as the hub does."""
    deletion = owed()
    assert admin_client.get(reverse("admin:hub_hubuserdeletion_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:hub_hubuserdeletion_change", args=[deletion.pk]), {"done_at_0": "2020-01-01"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(reverse("admin:hub_hubuserdeletion_delete", args=[deletion.pk])).status_code == 403
    )
    deletion.refresh_from_db()
    assert deletion.done_at is None
