"""A person's account opened by staff in the Wagtail admin (Users) or the Django admin is a look at their
personal data: it goes to the staff access log like the portal's own learner pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lyceums.models import PersonalDataAccess
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(email="root@test.org", is_staff=True, is_superuser=True)


def entries():
    return list(
        PersonalDataAccess.objects.order_by("pk").values_list("staff_id", "learner_id", "action", "path")
    )


def test_wagtail_admin_user_edit_is_logged(client, school, superuser):
    """Opening a learner in Wagtail's Users section, and saving it, each write one row naming the
    administrator, the learner and the address."""
    client.force_login(superuser)
    url = reverse("wagtailusers_users:edit", args=[school.learner.pk])
    assert client.get(url).status_code == 200
    assert entries() == [(superuser.pk, school.learner.pk, "account", url)]
    assert client.get(reverse("wagtailusers_users:delete", args=[school.learner.pk])).status_code == 200
    assert len(entries()) == 2
    assert PersonalDataAccess.objects.order_by("pk").last().detail == "Wagtail admin: delete"


def test_django_admin_user_pages_are_logged(client, school, superuser):
    """The Django admin's change, history and delete pages of a learner each write one row."""
    client.force_login(superuser)
    for name in ("change", "history", "delete"):
        url = reverse(f"admin:lms_user_{name}", args=[school.learner.pk])
        assert client.get(url).status_code == 200, name
    assert [row[:3] for row in entries()] == [(superuser.pk, school.learner.pk, "account")] * 3
    assert [entry.detail for entry in PersonalDataAccess.objects.order_by("pk")] == [
        "Django admin",
        "Django admin: history",
        "Django admin: delete",
    ]


def test_own_account_and_missing_people_are_not_logged(client, superuser):
    """An administrator opening their own account, or an id that does not exist, logs nothing."""
    client.force_login(superuser)
    assert client.get(reverse("admin:lms_user_change", args=[superuser.pk])).status_code == 200
    assert client.get(reverse("wagtailusers_users:edit", args=[superuser.pk])).status_code == 200
    assert client.get(reverse("admin:lms_user_change", args=[999999])).status_code in (302, 404)
    assert entries() == []


def test_the_access_log_names_the_admin_look(client, school, superuser):
    """The log page shows an account look under its own name."""
    client.force_login(superuser)
    client.get(reverse("admin:lms_user_change", args=[school.learner.pk]))
    client.force_login(school.admin)
    page = client.get(reverse("privacy:access_log"))
    assert "Account in the administration" in page.content.decode()
