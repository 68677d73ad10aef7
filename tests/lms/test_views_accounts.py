import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core import mail

from lms.sites import site_sync

pytestmark = pytest.mark.django_db

PASSWORD = "Kazan-lyceum-2026"


def _link(message, fragment: str) -> str:
    match = re.search(rf"https?://[^\s]+{fragment}[^\s]*", message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[1]


def _verified_user(email: str = "learner@example.org", password: str = PASSWORD):
    user = get_user_model().objects.create_user(email, password, full_name="Айгуль Мингазова")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_signup_asks_full_name_and_sends_confirmation(client):
    """Registering stores the full name, sends a confirmation e-mail, and the link verifies the address;
    before that the learner cannot log in."""
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert 'for="id_full_name"' in page.content.decode()

    response = client.post(
        "/accounts/signup/",
        {
            "email": "New.Learner@Example.org",
            "full_name": "  Ильдар Шакиров ",
            "birth_date": "2008-03-14",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.learner@example.org")
    assert user.full_name == "Ильдар Шакиров"
    assert (user.birth_date.isoformat(), user.birth_year) == ("2008-03-14", 2008)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["New.Learner@Example.org"] or mail.outbox[0].to == [
        "new.learner@example.org"
    ]

    client.logout()
    refused = client.post("/accounts/login/", {"login": "new.learner@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert refused.status_code in (200, 302)

    link = _link(mail.outbox[0], "/accounts/confirm-email/")
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200
    assert "new.learner@example.org" in confirm_page.content.decode().lower()
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    client.post("/accounts/login/", {"login": "new.learner@example.org", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_errors_are_shown_next_to_the_fields(client):
    """Mismatched passwords and a missing name re-render the form with the errors, creating no user."""
    response = client.post(
        "/accounts/signup/",
        {"email": "x@example.org", "full_name": "", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_full_name-errors"' in html
    assert not get_user_model().objects.filter(email="x@example.org").exists()
    assert mail.outbox == []


def test_login_by_email_ignores_case(client):
    """A verified learner logs in with their address typed in any case."""
    user = _verified_user()
    response = client.post("/accounts/login/", {"login": "LEARNER@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_wrong_password_shows_an_error(client):
    """A wrong password keeps the visitor logged out and explains why."""
    _verified_user()
    response = client.post("/accounts/login/", {"login": "learner@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client):
    """Requesting a reset e-mails a link; the link sets a new password that then works."""
    user = _verified_user()
    response = client.post("/accounts/password/reset/", {"email": "Learner@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0], "/accounts/password/reset/key/")
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": "New-pass-for-2027", "password2": "New-pass-for-2027"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-pass-for-2027")


def test_password_reset_for_unknown_address_reveals_nothing(client):
    """An unknown address gets the same answer and no reset link is sent to it."""
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in message.body for message in mail.outbox)


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/password/reset/done/"],
)
def test_account_pages_use_the_site_layout(client, url):
    """The account pages are rendered inside the portal's page shell with one main heading."""
    html = client.get(url).content.decode()
    assert 'class="skip-link"' in html
    assert html.count("<h1") == 1


def test_email_management_lists_addresses(client):
    """A logged-in user sees their addresses and whether they are confirmed."""
    user = _verified_user()
    client.force_login(user)
    html = client.get("/accounts/email/").content.decode()
    assert "learner@example.org" in html
    assert "Confirmed" in html


def test_confirmation_email_is_signed_with_the_site_from_settings(client, settings):
    """Account e-mails carry the platform's name and domain from WAGTAIL_SITE_NAME and SITE_URL (set on
    the current Site by the data migration and after every migrate), never "example.com"."""
    assert Site.objects.get_current().domain != "example.com"
    settings.SITE_URL = "https://lyceum.example"
    settings.WAGTAIL_SITE_NAME = "IT-Lyceum Kazan"
    site_sync()
    client.post(
        "/accounts/signup/",
        {
            "email": "signed@example.org",
            "full_name": "Ильдар Шакиров",
            "birth_date": "2008-03-14",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    message = mail.outbox[0]
    assert message.subject.startswith("[IT-Lyceum] ")
    assert "IT-Lyceum Kazan" in message.body
    assert "lyceum.example" in message.body
    assert "example.com" not in message.subject + message.body


@pytest.mark.parametrize(
    ("language", "greeting", "request_line"),
    [
        ("ru", "Здравствуйте!", "новый пароль"),
        ("tt", "Исәнмесез!", "яңа серсүз"),
    ],
)
def test_account_emails_are_written_in_the_readers_language(client, language, greeting, request_line):
    """Account e-mails (here the password reset) come in the language the person uses the site in, Tatar
    included, which django-allauth itself does not ship."""
    _verified_user("reader@example.org")
    client.cookies["django_language"] = language
    client.post("/accounts/password/reset/", {"email": "reader@example.org"})
    (message,) = mail.outbox
    assert greeting in message.body
    assert request_line in (message.subject + message.body).lower()
    assert "Someone" not in message.body
