"""A certificate names the course in the reader's language when the course had a translation into it
when the certificate was issued (the learner who studied in Tatar gets the Tatar title); the titles are
copied at issue, so later edits of the course change no certificate."""

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import Locale

from courses.models import Enrolment
from courses.services import certificate_issue
from tests.factories import CoursePageFactory, EnrolmentFactory, TrackPageFactory, page_translation

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate():
    """A certificate of a course translated into Tatar (its track too, as an editor translates it)."""
    track = TrackPageFactory(title="Веб-разработка", slug="web", code="web")
    course = CoursePageFactory(parent=track, title="Основы HTML", slug="html")
    page_translation(track, title="Веб-эшләнмә")
    page_translation(course, title="HTML нигезләре")
    enrolment = EnrolmentFactory(course=course, status=Enrolment.Status.COMPLETED)
    return certificate_issue(enrolment=enrolment)


@pytest.fixture
def pdf_html(monkeypatch):
    """The HTML each certificate PDF is made from (WeasyPrint's output is compressed)."""
    rendered: list[str] = []

    class CapturingHTML:
        def __init__(self, *, string: str, base_url: str) -> None:
            rendered.append(string)

        def write_pdf(self) -> bytes:
            return b"%PDF-1.7"

    monkeypatch.setattr("weasyprint.HTML", CapturingHTML)
    return rendered


def test_the_titles_are_copied_at_issue(certificate):
    """Issuing copies the title of every translation; editing the translation later changes nothing."""
    assert certificate.course_title == "Основы HTML"
    assert certificate.course_titles == {"tt": "HTML нигезләре"}
    translation = certificate.enrolment.course.get_translation(Locale.objects.get(language_code="tt"))
    translation.title = "Яңа исем"
    translation.save_revision().publish()
    certificate.refresh_from_db()
    assert certificate.title_in("tt") == "HTML нигезләре"


def test_the_learner_in_tatar_downloads_the_tatar_title(client, certificate, pdf_html):
    """The owner downloading in Tatar gets the Tatar title; in the default language, the original."""
    client.force_login(certificate.enrolment.user)
    url = reverse("courses:certificate_pdf", args=[certificate.number])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tt"
    assert client.get(url).status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = settings.LANGUAGE_CODE
    assert client.get(url).status_code == 200
    tatar, default = pdf_html
    assert "«HTML нигезләре»" in tatar
    assert "«Основы HTML»" in default


def test_the_verification_page_shows_the_readers_language(client, certificate):
    """The public verification page names the course in the reader's language, else in the original's."""
    url = reverse("courses:certificate_verify", args=[certificate.verification_code])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tt"
    assert "HTML нигезләре" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru" if settings.LANGUAGE_CODE != "ru" else "en"
    page = client.get(url).content.decode()
    assert "Основы HTML" in page
    assert "HTML нигезләре" not in page


def test_an_untranslated_course_keeps_its_title_everywhere():
    """An alias (the course not translated yet) is no translation: no Tatar title is copied."""
    course = CoursePageFactory(title="Основы Python", slug="python")
    page_translation(course, alias=True)
    certificate = certificate_issue(
        enrolment=EnrolmentFactory(course=course, status=Enrolment.Status.COMPLETED)
    )
    assert certificate.course_titles == {}
    assert certificate.title_in("tt") == "Основы Python"
