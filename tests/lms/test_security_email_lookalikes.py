"""Look-alike e-mail addresses: `admın@…` (dotless ı) passes Django's e-mail validation and Python's
`.lower()`, but PostgreSQL's case-insensitive comparison upper-cases it to `ADMIN@…`. Every address is
therefore stored in one normalised form, look-alikes are refused, and log-in compares exactly."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from lms.models import normalize_email_address

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Kazan-lyceum-2026"
LOOKALIKE = "adm\u0131n@school.ru"  # dotless ı: PostgreSQL's UPPER makes it ADMIN@SCHOOL.RU


@pytest.fixture
def admin():
    user = User.objects.create_user("admin@school.ru", PASSWORD, full_name="Admin")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_normalisation_folds_compatibility_forms_and_case():
    """Addresses are NFKC-normalised, stripped and lower-cased on both sides of the @: the long s «ſ»
    becomes «s», the Kelvin sign «K» becomes «k»."""
    assert normalize_email_address("  \u017fam@School.RU ") == "sam@school.ru"
    assert normalize_email_address("\u212aate@EXAMPLE.org") == "kate@example.org"
    assert normalize_email_address("Ivan.Petrov@Пример.РФ") == "ivan.petrov@пример.рф"


@pytest.mark.parametrize("address", [LOOKALIKE, "ivan@adm\u0131n.ru", "иван@school.ru"])
def test_normalisation_refuses_lookalikes(address):
    """A non-ASCII letter before the @, or a domain letter that does not survive upper- then
    lower-casing (the dotless ı), is refused with a message."""
    with pytest.raises(ValidationError):
        normalize_email_address(address)


def test_create_user_refuses_a_lookalike_of_an_existing_address(admin):
    """The user manager refuses `admın@…`; only the real admin exists."""
    with pytest.raises(ValidationError):
        User.objects.create_user(LOOKALIKE, PASSWORD)
    assert User.objects.count() == 1


def test_the_admin_still_logs_in_when_a_lookalike_account_exists(client, admin):
    """A look-alike account stored before addresses were normalised (as the roster import did) does
    not break the real admin's log-in: the lookup by address is exact, not the database's
    case-insensitive match that found both accounts (MultipleObjectsReturned, a 500)."""
    User.objects.bulk_create([User(email=LOOKALIKE, password=admin.password)])
    response = client.post("/accounts/login/", {"login": "Admin@School.ru", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert User.objects.get_by_natural_key("ADMIN@school.ru") == admin
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key(LOOKALIKE)


def test_signup_with_a_lookalike_of_an_existing_address_is_refused_with_a_form_error(client, admin):
    """Signing up as `admın@…` while `admin@…` exists re-renders the form with an error on the e-mail
    field; no account is created and no e-mail is sent."""
    from django.core import mail

    response = client.post(
        "/accounts/signup/",
        {"email": LOOKALIKE, "full_name": "Impostor", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "Latin letters" in response.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == ["admin@school.ru"]
    assert mail.outbox == []
