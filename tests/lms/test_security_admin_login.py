"""One way in: the Wagtail admin, the Django admin and Wagtail's private-page login all send people to
the portal's log-in page (allauth), which enforces e-mail verification and the log-in rate limits. Their
own log-in forms never authenticate anyone."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "Kazan-lyceum-2026"
LOGIN = "/accounts/login/"
# Every log-in form of the site other than the portal's own.
OTHER_LOGIN_FORMS = ["/admin/login/", "/django-admin/login/", "/_util/login/"]


def _staff(email: str, *, verified: bool):
    user = get_user_model().objects.create_superuser(email, PASSWORD, full_name="Админ Лицея")
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.mark.parametrize("url", OTHER_LOGIN_FORMS)
def test_other_login_pages_redirect_to_the_portal_login(client, url):
    """Each admin (and private-page) log-in URL redirects to allauth's log-in page, keeping `next`."""
    response = client.get(f"{url}?next=/admin/pages/")
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/admin/pages/"


@pytest.mark.parametrize("admin_url", ["/admin/", "/django-admin/"])
def test_anonymous_admin_visit_ends_on_the_portal_login(client, admin_url):
    """An anonymous visit to either admin ends on the portal's log-in page, which returns there after."""
    response = client.get(admin_url, follow=True)
    final_url, status = response.redirect_chain[-1]
    assert status == 302
    assert urlsplit(final_url).path == LOGIN
    assert parse_qs(urlsplit(final_url).query)["next"] == [admin_url]
    assert response.status_code == 200


@pytest.mark.parametrize("url", OTHER_LOGIN_FORMS)
def test_unverified_staff_get_no_session_through_the_other_login_forms(client, url):
    """A superuser whose address is unverified posting their correct password to an admin log-in form
    gets no session (the form no longer authenticates: the post is sent on to the portal's page)."""
    _staff("unverified-admin@example.org", verified=False)
    client.post(url, {"username": "unverified-admin@example.org", "password": PASSWORD}, follow=True)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_unverified_staff_get_no_session_through_the_portal_login(client):
    """The one log-in path enforces verification: the unverified superuser is not logged in there
    either, so no admin is reachable."""
    _staff("unverified-admin@example.org", verified=False)
    client.post(LOGIN, {"login": "unverified-admin@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_verified_staff_log_in_through_the_portal_and_reach_both_admins(client):
    """A verified superuser logs in on the portal's page and the session opens both admins."""
    user = _staff("admin@example.org", verified=True)
    response = client.post(f"{LOGIN}?next=/admin/", {"login": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_admin_logout_returns_to_the_portal_login(client):
    """Logging out of the Wagtail admin lands on the portal's log-in page, not Wagtail's form."""
    _staff("admin@example.org", verified=True)
    client.post(LOGIN, {"login": "admin@example.org", "password": PASSWORD})
    response = client.post("/admin/logout/", follow=True)
    assert response.redirect_chain[-1] == (LOGIN, 302)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/admin/", "/django-admin/"])
def test_logged_in_person_without_admin_access_is_refused_without_a_loop(client, url):
    """A verified learner who opens an admin is refused (403) instead of being sent to the portal's
    log-in page, which would return them to the admin again and again."""
    user = get_user_model().objects.create_user("learner@example.org", PASSWORD, full_name="Ученик")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(LOGIN, {"login": "learner@example.org", "password": PASSWORD})
    response = client.get(url, follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1


def test_wagtail_password_reset_and_email_change_are_off(client):
    """Password resets and e-mail changes go through allauth only: Wagtail's reset form is gone and its
    account page offers no e-mail field (a changed address would skip verification)."""
    _staff("admin@example.org", verified=True)
    assert client.get("/admin/password_reset/").status_code == 404
    client.post(LOGIN, {"login": "admin@example.org", "password": PASSWORD})
    account = client.get("/admin/account/")
    assert account.status_code == 200
    assert 'name="name_email-email"' not in account.content.decode()
