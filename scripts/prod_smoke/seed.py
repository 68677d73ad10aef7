"""The smoke stack's data, loaded by the demo's own loaders but only as much as the smoke needs: the
site's pages, the demo accounts, the web development track with its course (the rest of the catalogue and
the lyceum network of six hundred learners would take minutes), the demo exercises, and the demo learner
enrolled in the course whose practice lesson carries the web exercise.

Run by run.py with the stack's production environment, after the release step. Prints one JSON line:
{"email": …, "exercise_id": …, "exercise_slug": …, "notebook": <demo notebook name>}."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

import django  # noqa: E402

django.setup()

from content.services import site_structure_ensure  # noqa: E402
from courses.models import CoursePage  # noqa: E402
from courses.services import enrolment_create  # noqa: E402
from demo.accounts import ensure_demo_accounts  # noqa: E402
from demo.courses import seed as catalogue  # noqa: E402
from demo.courses import web  # noqa: E402
from demo.exercises import DEMO_EXERCISES, seed_exercises  # noqa: E402
from grading.models import Exercise  # noqa: E402

COURSE = web.COURSE.slug


def main() -> None:
    site_structure_ensure()
    learner = ensure_demo_accounts()["student"]
    # The catalogue loader reads its module's lists of tracks and courses: only the web ones here.
    catalogue.ALL_COURSES = [web.COURSE]
    catalogue.TRACKS = [track for track in catalogue.TRACKS if track.code == web.COURSE.track]
    catalogue.seed_courses()
    seed_exercises()
    slug, _title, notebook, _intro = DEMO_EXERCISES[COURSE]
    enrolment_create(user=learner, course=CoursePage.objects.get(slug=COURSE))
    exercise = Exercise.objects.get(slug=slug)
    print(
        json.dumps(
            {"email": learner.email, "exercise_id": exercise.pk, "exercise_slug": slug, "notebook": notebook}
        )
    )


if __name__ == "__main__":
    main()
