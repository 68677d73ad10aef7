"""Consent to the processing of personal data (152-FZ): at registration, at the first log-in of an
imported account and after the policy changes, and a parent's or guardian's consent for a learner under
14, confirmed through the e-mailed link."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from lms.consent import GUARDIAN_LINK_SALT, guardian_link_token, policy_current
from lms.models import Consent, User
from tests.factories import PrivacyPolicyPageFactory, UserFactory, policy_version_publish

pytestmark = pytest.mark.django_db

PASSWORD = "Kazan-lyceum-2026"


def _years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def _signup(client, **fields):
    data = {
        "email": "learner@example.org",
        "full_name": "Ильдар Шакиров",
        "birth_date": _years_ago(16).isoformat(),
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(fields)
    return client.post(
        "/accounts/signup/", {k: v for k, v in data.items() if v is not None}, REMOTE_ADDR="203.0.113.7"
    )


def _guardian_link(message) -> str:
    """The path of the parent's link, which is on the site's public address (SITE_URL)."""
    site = re.escape(settings.SITE_URL.rstrip("/"))
    match = re.search(rf"{site}(/accounts/consent/guardian/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def policy():
    return PrivacyPolicyPageFactory(version="2026-1", slug="personal-data")


def test_signup_form_links_the_policy_and_stores_the_consent_with_version_time_and_address(client, policy):
    """The registration form shows the consent checkbox with a link to the policy page and its version;
    registering stores the consent with that version, the time and the visitor's IP address."""
    html = client.get("/accounts/signup/").content.decode()
    assert 'name="consent"' in html
    assert f'href="{policy.url}"' in html
    assert "2026-1" in html
    before = timezone.now()

    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="learner@example.org")
    consent = Consent.objects.get(user=user)
    assert (consent.kind, consent.policy_version, consent.ip_address) == ("own", "2026-1", "203.0.113.7")
    assert before <= consent.given_at <= timezone.now()
    assert len(mail.outbox) == 1  # the address confirmation only: no parent to ask at 16


def test_signup_without_consent_is_refused(client, policy):
    """Without the checkbox, registration re-renders the form with the reason; no account, no e-mail."""
    response = _signup(client, consent=None)
    assert response.status_code == 200
    assert "needs your consent" in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_without_birth_date_is_refused(client, policy):
    """The birth date is required: it decides whether a parent has to consent."""
    response = _signup(client, birth_date=None)
    assert response.status_code == 200
    assert 'id="id_birth_date-errors"' in response.content.decode()
    assert not User.objects.exists()


def test_under_14_signup_requires_a_parents_address_other_than_their_own(client, policy):
    """A learner under 14 must give a parent's or guardian's address, and not their own."""
    young = _years_ago(13).isoformat()
    missing = _signup(client, birth_date=young)
    assert 'id="id_guardian_email-errors"' in missing.content.decode()
    own = _signup(client, birth_date=young, guardian_email="Learner@example.org")
    assert "not your own" in own.content.decode()
    assert not User.objects.exists()


def test_under_14_is_blocked_until_the_parent_confirms_then_unblocked(
    client, policy, django_capture_on_commit_callbacks
):
    """An under-14 registration e-mails the parent a link (with the site's name); until the parent opens
    it and confirms, the learner can sign in but not enrol; the confirmation is stored with the time, the
    parent's IP address, the policy version and the parent's address; then enrolment works."""
    from tests.factories import CoursePageFactory

    course = CoursePageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, birth_date=_years_ago(13, days=-1).isoformat(), guardian_email="Mother@Example.org")
    learner = User.objects.get(email="learner@example.org")
    assert learner.guardian_email == "mother@example.org"
    (to_parent,) = [m for m in mail.outbox if m.to == ["mother@example.org"]]
    assert "IT-Lyceum" in to_parent.subject
    assert "Ильдар Шакиров" in to_parent.body
    EmailAddress.objects.filter(user=learner).update(verified=True)
    client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(learner.pk)

    blocked = client.post(f"/learning/courses/{course.pk}/enrol/")
    assert blocked.status_code == 403
    assert "Waiting for your parent" in blocked.content.decode()
    assert not learner.enrolments.exists()

    link = _guardian_link(to_parent)
    parent = client.__class__()
    page = parent.get(link)
    assert "Ильдар Шакиров" in page.content.decode()
    assert "I agree" in page.content.decode()
    assert not Consent.objects.filter(kind="guardian").exists()  # opening the link confirms nothing
    parent.post(link, REMOTE_ADDR="198.51.100.4")
    consent = Consent.objects.get(user=learner, kind="guardian")
    assert (consent.policy_version, consent.ip_address, consent.guardian_email) == (
        "2026-1",
        "198.51.100.4",
        "mother@example.org",
    )

    client.post(f"/learning/courses/{course.pk}/enrol/")
    assert learner.enrolments.filter(course=course).exists()


def test_a_tampered_link_is_refused(client, policy):
    """A link whose token was altered, or made for another address, records nothing."""
    learner = UserFactory(birth_date=_years_ago(10), guardian_email="father@example.org", consented=False)
    token = guardian_link_token(user=learner, policy=policy_current())
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = signing.dumps({"u": learner.pk, "e": "attacker@example.org", "v": "2026-1"}, salt="other")
    other_address = signing.dumps(
        {"u": learner.pk, "e": "attacker@example.org", "v": "2026-1"}, salt=GUARDIAN_LINK_SALT
    )
    for bad in (altered, forged, other_address):
        response = client.post(f"/accounts/consent/guardian/{bad}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not Consent.objects.filter(kind="guardian").exists()


def test_an_expired_link_is_refused(client, policy, settings):
    """A link older than GUARDIAN_CONSENT_LINK_MAX_AGE records nothing and says it has expired."""
    learner = UserFactory(birth_date=_years_ago(10), guardian_email="father@example.org", consented=False)
    token = guardian_link_token(user=learner, policy=policy_current())
    settings.GUARDIAN_CONSENT_LINK_MAX_AGE = -1
    response = client.post(f"/accounts/consent/guardian/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Consent.objects.filter(kind="guardian").exists()


def test_a_link_for_an_older_policy_version_is_refused(client, policy):
    """After the policy changed, a link made for the old version cannot confirm the new one."""
    learner = UserFactory(birth_date=_years_ago(10), guardian_email="father@example.org", consented=False)
    token = guardian_link_token(user=learner, policy=policy_current())
    policy_version_publish(policy, "2026-2")
    response = client.post(f"/accounts/consent/guardian/{token}/")
    assert response.status_code == 400
    assert "has changed" in response.content.decode()
    assert not Consent.objects.filter(kind="guardian").exists()


def test_the_blocked_learner_can_send_the_email_again_to_a_corrected_address(client, policy):
    """The page a blocked learner sees sends the parent's e-mail again, to a corrected address, and not
    twice within a minute."""
    learner = UserFactory(birth_date=_years_ago(12), guardian_email="typo@example.org", consented=False)
    Consent.objects.create(user=learner, policy_version="2026-1")
    client.force_login(learner)
    client.post("/accounts/consent/guardian/", {"guardian_email": "mother@example.org"})
    client.post("/accounts/consent/guardian/", {"guardian_email": "mother@example.org"})
    assert [m.to for m in mail.outbox] == [["mother@example.org"]]
    learner.refresh_from_db()
    assert learner.guardian_email == "mother@example.org"
    _guardian_link(mail.outbox[0])


def test_an_imported_persons_first_login_asks_for_consent_before_anything_else(client, policy):
    """An account made by an import has consented to nothing: after logging in, every page sends it to
    the consent page (the account pages and the policy itself stay open); consenting there, with the
    birth date, stores the consent and lets it through."""
    person = UserFactory(email="imported@example.org", consented=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    client.post("/accounts/login/", {"login": person.email, "password": "password"})

    response = client.get("/learning/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/consent/?next=/learning/")
    assert client.get(policy.url).status_code == 200
    page = client.get("/accounts/consent/")
    assert 'name="birth_date"' in page.content.decode()

    refused = client.post(
        "/accounts/consent/", {"birth_date": _years_ago(15).isoformat(), "next": "/learning/"}
    )
    assert refused.status_code == 200
    assert not Consent.objects.exists()
    done = client.post(
        "/accounts/consent/",
        {"birth_date": _years_ago(15).isoformat(), "consent": "on", "next": "/learning/"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert done["Location"] == "/learning/"
    consent = Consent.objects.get(user=person)
    assert (consent.policy_version, consent.ip_address) == ("2026-1", "192.0.2.10")
    assert client.get("/learning/").status_code == 200


def test_an_imported_learner_under_14_gives_a_parents_address_at_first_login(
    client, policy, django_capture_on_commit_callbacks
):
    """An imported learner who turns out to be under 14 names a parent at the consent page; the parent is
    e-mailed, and the learner lands on the page saying why they cannot study yet."""
    person = UserFactory(
        email="young@example.org", birth_year=timezone.localdate().year - 12, consented=False
    )
    client.force_login(person)
    page = client.post("/accounts/consent/", {"birth_date": _years_ago(12).isoformat(), "consent": "on"})
    assert 'id="id_guardian_email-errors"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/accounts/consent/",
            {"birth_date": _years_ago(12).isoformat(), "consent": "on", "guardian_email": "gran@example.org"},
        )
    assert done["Location"] == "/accounts/consent/guardian/"
    assert [m.to for m in mail.outbox] == [["gran@example.org"]]
    assert "Waiting for your parent" in client.get(done["Location"]).content.decode()


def test_a_new_policy_version_asks_everyone_again(client, policy):
    """A person who consented to version 2026-1 goes straight in; once an editor publishes version
    2026-2, the next page asks for consent to it, and accepting stores a second consent."""
    person = UserFactory()
    client.force_login(person)
    assert client.get("/learning/").status_code == 200

    policy_version_publish(policy, "2026-2")

    response = client.get("/learning/")
    assert response["Location"].startswith("/accounts/consent/")
    page = client.get("/accounts/consent/").content.decode()
    assert "has changed" in page
    assert 'name="birth_date"' in page
    client.post("/accounts/consent/", {"consent": "on", "birth_date": "1990-01-01"})
    assert sorted(person.consents.values_list("policy_version", flat=True)) == ["2026-1", "2026-2"]
    assert client.get("/learning/").status_code == 200


def test_a_revision_that_keeps_the_version_asks_nobody(client, policy):
    """Publishing a correction with the same version label does not ask for consent again."""
    person = UserFactory()
    client.force_login(person)
    policy.intro = "A typo fixed."
    policy.save_revision().publish()
    assert client.get("/learning/").status_code == 200


def test_without_a_published_policy_nothing_asks_for_consent(client):
    """With no policy page published there is nothing to consent to: no checkbox, no redirect."""
    assert 'name="consent"' not in client.get("/accounts/signup/").content.decode()
    client.force_login(UserFactory(consented=False))
    assert client.get("/learning/").status_code == 200


def test_a_person_created_by_a_roster_import_consents_at_the_first_login(
    client, policy, django_capture_on_commit_callbacks
):
    """A learner of 12 created by a coordinator's roster import sets a password through the invitation,
    signs in and is sent to the consent page before anything else; it asks for the birth date and a
    parent's address, and once given, the parent is e-mailed and the learner waits for them."""
    from lyceums.models import Region, StaffAssignment
    from lyceums.services import import_job_commit, import_job_create
    from tests.factories import LyceumFactory, StaffAssignmentFactory
    from tests.services import ensure_reference_regions

    ensure_reference_regions()
    kazan = Region.objects.get(code="kazan")
    lyceum = LyceumFactory(region=kazan)
    coordinator = UserFactory(email="coord@example.org")
    StaffAssignmentFactory(user=coordinator, role=StaffAssignment.Role.COORDINATOR, region=kazan)
    year = timezone.localdate().year - 12
    roster = (
        "ФИО;Эл. почта;Год рождения;Код лицея;Группа;Роль\n"
        f"Иванов Иван;ivan@school.ru;{year};{lyceum.code};6-А;ученик\n"
    )
    job = import_job_create(user=coordinator, data=roster.encode(), filename="roster.csv")
    assert job.errors == []
    with django_capture_on_commit_callbacks(execute=True):
        import_job_commit(job=job, user=coordinator)
    (invitation,) = mail.outbox
    link = re.search(r"https?://\S+?(/accounts/password/reset/key/\S+)", invitation.body).group(1)
    form_url = client.get(link).url
    client.post(form_url, {"password1": "Nov-parol-2027", "password2": "Nov-parol-2027"})
    client.post("/accounts/login/", {"login": "ivan@school.ru", "password": "Nov-parol-2027"})
    ivan = User.objects.get(email="ivan@school.ru")
    assert client.session["_auth_user_id"] == str(ivan.pk)

    assert client.get("/learning/")["Location"].startswith("/accounts/consent/")
    birth = _years_ago(12).isoformat()
    asked = client.post("/accounts/consent/", {"birth_date": birth, "consent": "on"})
    assert 'id="id_guardian_email-errors"' in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/consent/",
            {"birth_date": birth, "consent": "on", "guardian_email": "mama@example.org"},
        )
    assert mail.outbox[-1].to == ["mama@example.org"]
    assert Consent.objects.get(user=ivan).policy_version == "2026-1"
    assert client.get("/learning/").status_code == 200  # signed in and past the consent page
    refused = client.get(reverse("consent_guardian_pending"))
    assert "Waiting for your parent" in refused.content.decode()


@pytest.mark.parametrize(
    ("language", "greeting", "button"),
    [("ru", "Здравствуйте!", "Даю согласие"), ("tt", "Исәнмесез!", "Ризалык бирәм")],
)
def test_the_parents_email_and_page_speak_the_learners_language(
    client, policy, django_capture_on_commit_callbacks, language, greeting, button
):
    """The parent's e-mail is written in the language the learner registered in (Tatar included) and
    names the site; the confirmation page opened in that language speaks it too."""
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, birth_date=_years_ago(10).isoformat(), guardian_email="papa@example.org")
    (to_parent,) = [m for m in mail.outbox if m.to == ["papa@example.org"]]
    assert greeting in to_parent.body
    assert "IT-Lyceum" in to_parent.subject
    assert "Your consent" not in to_parent.subject
    parent = client.__class__()
    parent.cookies["django_language"] = language
    assert button in parent.get(_guardian_link(to_parent)).content.decode()


def test_the_parents_link_is_on_the_sites_public_address_whatever_host_was_asked(client, policy, settings):
    """The link e-mailed to a parent is built on SITE_URL, never on the Host of the request that caused
    it (in production an internal name such as `web` is an allowed host too)."""
    settings.SITE_URL = "https://lyceum.example"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "web"]
    learner = UserFactory(birth_date=_years_ago(12), guardian_email="typo@example.org", consented=False)
    Consent.objects.create(user=learner, policy_version="2026-1")
    client.force_login(learner)
    client.post("/accounts/consent/guardian/", {"guardian_email": "mother@example.org"}, HTTP_HOST="web")
    (message,) = mail.outbox
    assert "https://lyceum.example/accounts/consent/guardian/" in message.body
    assert "//web" not in message.body
