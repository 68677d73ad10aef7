"""Rendering a certificate as a PDF (WeasyPrint) with a QR code pointing at its public verification
page."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Certificate


def verification_url(certificate: Certificate) -> str:
    """The public address where anyone can check the certificate."""
    path = reverse("courses:certificate_verify", args=[certificate.verification_code])
    return settings.SITE_URL.rstrip("/") + path


def qr_code_svg(data: str) -> bytes:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def certificate_pdf(certificate: Certificate, *, language: str | None = None) -> bytes:
    """The certificate as a one-page A4 landscape PDF in *language* (default: the active one), the
    course's title included when the course had a translation into it at issue."""
    # Imported here, not at module level: WeasyPrint takes seconds to load and parses (and logs) its
    # stylesheets on import, a cost every process that loads the URLs would pay for a rare download.
    from weasyprint import HTML

    url = verification_url(certificate)
    qr = base64.b64encode(qr_code_svg(url)).decode("ascii")
    language = language or translation.get_language()
    with translation.override(language):
        html = render_to_string(
            "courses/certificate_pdf.html",
            {
                "certificate": certificate,
                "course_title": certificate.title_in(language),
                "verification_url": url,
                "qr_data_uri": f"data:image/svg+xml;base64,{qr}",
                "site_name": settings.WAGTAIL_SITE_NAME,
            },
        )
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()
