"""What a deployment shows, as JSON, for comparing a restored deployment with the original. Run in a
fresh process against a database and media folders given on the command line:

    python tests/lms/backup_snapshot.py snapshot|restore MEDIA_ROOT PRIVATE_MEDIA_ROOT [BACKUP]
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def snapshot() -> dict:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from wagtail.models import Page

    from courses.models import Certificate, Enrolment
    from grading.models import CellGrade, Submission

    setup_test_environment()
    client = Client()
    pages = []
    for page in Page.objects.live().specific().order_by("path"):
        url = page.get_url()
        response = client.get(url) if url else None
        pages.append(
            [page.url_path, page.title, type(page).__name__, response.status_code if response else None,
             bool(response) and page.title in response.content.decode()]
        )  # fmt: skip
    certificates = []
    for certificate in Certificate.objects.order_by("number"):
        response = client.get(f"/learning/certificates/verify/{certificate.verification_code}/")
        certificates.append(
            [certificate.number, certificate.learner_name, certificate.course_title, response.status_code,
             certificate.learner_name in response.content.decode()]
        )  # fmt: skip
    return {
        "pages": pages,
        "enrolments": sorted(
            [e.user.email, e.course.title, e.status, str(e.completed_at)]
            for e in Enrolment.objects.select_related("user", "course")
        ),
        "submissions": sorted(
            [s.student.email, s.exercise.slug, s.state, str(s.score), str(s.max_score), s.attempt]
            for s in Submission.objects.select_related("student", "exercise")
        ),
        "cell_grades": sorted(
            [c.submission.student.email, c.grade_id, str(c.score), str(c.max_score)]
            for c in CellGrade.objects.select_related("submission__student")
        ),
        "certificates": certificates,
        "media": files(Path(settings.MEDIA_ROOT)),
        "private": files(Path(settings.PRIVATE_MEDIA_ROOT)),
    }


if __name__ == "__main__":
    action, media, private, *rest = sys.argv[1:]
    settings.MEDIA_ROOT = Path(media)
    settings.PRIVATE_MEDIA_ROOT = Path(private)
    if action == "restore":
        from django.core.management import call_command

        call_command("restore", rest[0])
    else:
        print(json.dumps(snapshot(), ensure_ascii=False))
