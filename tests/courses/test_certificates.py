"""Certificates: numbering, the PDF (owner and staff only) and public verification."""

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from courses.certificates import qr_code_svg, verification_url
from courses.models import Certificate, Enrolment
from courses.services import certificate_issue, certificate_revoke
from tests.factories import CoursePageFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _completed(**kwargs) -> Enrolment:
    return EnrolmentFactory(status=Enrolment.Status.COMPLETED, **kwargs)


def test_numbers_are_sequential_per_year():
    """Numbers run ITL-<year>-000001, -000002, ... and restart each year."""
    first = certificate_issue(enrolment=_completed())
    second = certificate_issue(enrolment=_completed())
    year = first.year
    assert first.number == f"ITL-{year}-000001"
    assert second.number == f"ITL-{year}-000002"
    Certificate.objects.filter(pk=second.pk).update(year=year - 1, serial=41, number=f"ITL-{year - 1}-000041")
    assert certificate_issue(enrolment=_completed()).number == f"ITL-{year}-000002"


def test_issue_is_idempotent_and_needs_completion():
    """Issuing twice returns the same certificate; an active enrolment gets none."""
    enrolment = _completed()
    assert certificate_issue(enrolment=enrolment).pk == certificate_issue(enrolment=enrolment).pk
    with pytest.raises(ValidationError):
        certificate_issue(enrolment=EnrolmentFactory())


def test_verification_codes_are_random_and_distinct():
    """Verification codes are 12 characters and differ between certificates."""
    codes = {certificate_issue(enrolment=_completed()).verification_code for _ in range(5)}
    assert len(codes) == 5
    assert all(len(code) == 12 for code in codes)


def test_pdf_for_owner(client, settings):
    """The owner downloads a PDF; it carries the number and a QR code of the verification URL."""
    settings.SITE_URL = "https://lyceum.example"
    user = UserFactory(full_name="Ильдар Галиев")
    certificate = certificate_issue(enrolment=_completed(user=user, course=CoursePageFactory(title="SMM")))
    client.force_login(user)
    response = client.get(reverse("courses:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert verification_url(certificate).startswith("https://lyceum.example/learning/certificates/verify/")
    assert b"<svg" in qr_code_svg(verification_url(certificate))


def test_pdf_refused_to_others(client):
    """Another learner and anonymous visitors cannot download someone's certificate."""
    certificate = certificate_issue(enrolment=_completed())
    url = reverse("courses:certificate_pdf", args=[certificate.number])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_pdf_for_administrator(client):
    """A republic administrator (superuser) may download any certificate."""
    certificate = certificate_issue(enrolment=_completed())
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("courses:certificate_pdf", args=[certificate.number])).status_code == 200


def test_verify_page_confirms_without_other_data(client):
    """The public page confirms a genuine certificate with its facts, but not the e-mail address or
    the learner's other certificates."""
    user = UserFactory(full_name="Алсу Закирова", email="alsu@example.org")
    mine = certificate_issue(enrolment=_completed(user=user, course=CoursePageFactory(title="Web design")))
    other = certificate_issue(enrolment=_completed(user=user, course=CoursePageFactory(title="Game design")))
    response = client.get(reverse("courses:certificate_verify", args=[mine.verification_code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is genuine." in html
    assert "Алсу Закирова" in html
    assert "Web design" in html
    assert mine.number in html
    assert "alsu@example.org" not in html
    assert other.number not in html
    assert "Game design" not in html


def test_verify_unknown_code_is_not_found(client):
    """An unknown code answers 404 with a "not found" message."""
    response = client.get(reverse("courses:certificate_verify", args=["NOSUCHCODE12"]))
    assert response.status_code == 404
    assert "Certificate not found." in response.content.decode()


def test_verify_revoked(client):
    """A revoked certificate is shown as revoked."""
    certificate = certificate_revoke(certificate=certificate_issue(enrolment=_completed()))
    html = client.get(
        reverse("courses:certificate_verify", args=[certificate.verification_code])
    ).content.decode()
    assert "This certificate has been revoked." in html
    assert "genuine" not in html


def test_check_form_needs_matching_number_and_code(client):
    """The form redirects to the verification page when number and code match, and says "not found"
    when they do not."""
    certificate = certificate_issue(enrolment=_completed())
    other = certificate_issue(enrolment=_completed())
    url = reverse("courses:certificate_check")
    assert client.get(url).status_code == 200
    response = client.get(url, {"number": certificate.number.lower(), "code": certificate.verification_code})
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:certificate_verify", args=[certificate.verification_code])
    mismatch = client.get(url, {"number": other.number, "code": certificate.verification_code})
    assert mismatch.status_code == 404
    assert certificate.learner_name not in mismatch.content.decode()


def test_certificate_number_label_reads_nomer_in_russian(client):
    """In Russian the certificate's number is labelled «Номер» (not «Число», the arithmetic sense of
    "Number"), on the PDF template and on the public verification page."""
    certificate = certificate_issue(enrolment=_completed())
    with translation.override("ru"):
        pdf_html = render_to_string(
            "courses/certificate_pdf.html",
            {"certificate": certificate, "verification_url": "", "qr_data_uri": ""},
        )
    assert "Номер: <strong>" in pdf_html
    assert "Число" not in pdf_html
    # The locale middleware activates Russian for the request; the override restores the language after.
    with translation.override(None):
        response = client.get(
            reverse("courses:certificate_verify", args=[certificate.verification_code]),
            HTTP_ACCEPT_LANGUAGE="ru",
        )
    html = response.content.decode()
    assert '<dt class="col-sm-3">Номер</dt>' in html
    assert "Число" not in html
