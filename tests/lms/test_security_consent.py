"""Security review of the consent, the language switcher and the version for the visually impaired:
ways around the parent's consent, open redirects, unexpected input."""

import datetime

import pytest
from django.utils import timezone

from lms.consent import guardian_consent_missing, policy_current
from lms.models import Consent
from tests.factories import PrivacyPolicyPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PrivacyPolicyPageFactory(version="2026-1", slug="personal-data")


def test_security_imported_learner_cannot_escape_the_parents_consent_with_an_older_birth_date(client, policy):
    """An account imported from a school roster knows only the birth year (11 years ago, so a parent
    must consent). At the first log-in the consent page asks for the birth date: a child typing a date
    that makes them an adult, contradicting the roster, must not get past the parent's consent."""
    year = timezone.localdate().year - 11
    learner = UserFactory(email="pupil@example.org", birth_year=year, consented=False)
    client.force_login(learner)

    response = client.post(
        "/accounts/consent/", {"birth_date": "2000-01-01", "consent": "on"}, REMOTE_ADDR="203.0.113.9"
    )

    assert response.status_code == 200  # the form again, with the error
    learner.refresh_from_db()
    assert learner.birth_date is None
    assert learner.birth_year == year
    assert not Consent.objects.filter(user=learner).exists()
    assert guardian_consent_missing(user=learner, policy=policy_current())


def test_security_imported_learner_may_give_a_birth_date_of_the_roster_year(client, policy):
    """The check above refuses only a contradiction: a date in the roster's year is accepted."""
    year = timezone.localdate().year - 20
    adult = UserFactory(email="adult@example.org", birth_year=year, consented=False)
    client.force_login(adult)
    response = client.post(
        "/accounts/consent/", {"birth_date": datetime.date(year, 1, 1).isoformat(), "consent": "on"}
    )
    assert response.status_code == 302
    assert Consent.objects.filter(user=adult, kind="own").exists()


@pytest.mark.parametrize("next_url", ["/tt//evil.example/", "/tt/\\evil.example/", "/en//evil.example"])
def test_security_language_switch_never_redirects_off_site(client, next_url):
    """`next` passes the same-site check, but removing its language prefix left `//evil.example/`,
    a protocol-relative address of another site."""
    response = client.post("/i18n/setlang/", {"language": "ru", "next": next_url})
    assert response.status_code == 302
    location = response["Location"]
    assert not location.startswith(("//", "/\\", "http")), location


def test_security_vision_settings_ignore_non_ascii_digits(client):
    """`"²".isdigit()` is true but `int("²")` fails: the settings form must not answer 500."""
    response = client.post("/accessibility/", {"mode": "on", "size": "²", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["vision"].value == "1.bw.0.1"


def test_security_person_who_has_not_accepted_the_new_policy_can_still_get_and_delete_their_data(
    client, policy
):
    """152-FZ art. 14: the copy of one's data and the deletion request must not be held hostage by the
    consent page (a person refusing the new policy version is exactly who asks for them)."""
    person = UserFactory(email="refuser@example.org", consented=False)
    client.force_login(person)
    assert client.get("/learning/").status_code == 302  # everything else waits for the consent
    export = client.get("/privacy/export.json")
    assert export.status_code == 200
    assert b"refuser@example.org" in export.content
    assert client.get("/privacy/delete/").status_code == 200
