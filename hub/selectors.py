"""Reads of the JupyterHub integration: the lesson an exercise was opened from, where its notebook lives in
a student's JupyterLab tree, the starter notebook the student receives, the state of their server, who may
read a copy of a student's notebook, a notebook reduced to what the portal may show of it, and how many
hub user deletions are still owed."""

from __future__ import annotations

import json

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from courses.models import LessonPage
from grading.models import Exercise
from lyceums import scoping

from .client import HubError, ServerStatus, get_client
from .models import HubUserDeletion
from .oidc import hub_username


def lesson_live(*, lesson_id: str | int | None) -> LessonPage | None:
    """The live lesson whose primary key is *lesson_id* (as sent in a form or query string), or None when
    it is missing, not a number or not a live lesson."""
    raw = str(lesson_id or "")
    if not raw.isdigit():
        return None
    return LessonPage.objects.live().filter(pk=int(raw)).first()


def notebook_path(*, exercise: Exercise, lesson: LessonPage | None = None) -> str:
    """`<course-slug>/<exercise-slug>.ipynb` in the student's JupyterLab tree (`exercises/` when the
    exercise is not opened from a course lesson)."""
    course = getattr(exercise, "course", None) or (lesson.course if lesson is not None else None)
    folder = getattr(course, "slug", "") or "exercises"
    return f"{folder}/{exercise.slug}.ipynb"


def release_notebook(*, exercise: Exercise, back_url: str = "") -> dict:
    """The starter notebook students receive (the release version, without solutions). With *back_url*,
    a first Markdown cell links back to the exercise in the portal, where the student submits; it has no
    nbgrader metadata, so grading ignores it. `HubError` when the exercise has no starter notebook."""
    field = getattr(exercise, "release_notebook", None)
    if not field:
        raise HubError(_("This exercise has no starter notebook yet."))
    with field.open("rb") as handle:
        notebook = json.loads(handle.read().decode("utf-8"))
    if back_url:
        text = _("When you are done, submit this notebook from the exercise page: [%(title)s](%(url)s)")
        notebook.setdefault("cells", []).insert(
            0,
            {
                "cell_type": "markdown",
                "id": "portal-link",
                "metadata": {"deletable": True, "editable": False},
                "source": "**"
                + str(text % {"title": exercise.title.replace("]", ""), "url": back_url})
                + "**",
            },
        )
    return notebook


def server_status(*, user, with_progress: bool = False) -> ServerStatus:
    """Where *user*'s JupyterLab server stands (with the spawn progress when asked); `HubError` when the
    hub cannot be asked."""
    return get_client().server_status(hub_username(user), with_progress=with_progress)


def can_read_student_notebook(*, user, student) -> bool:
    """Whether *user* may read a copy of *student*'s notebook: the student themselves, or staff who may
    see the student's records (`lyceums.scoping`)."""
    return student == user or (scoping.is_staff_member(user) and scoping.can_see_learner(user, student))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def readable_cells(*, notebook: dict) -> list[dict]:
    """The cells of *notebook* reduced to what can be shown safely: source and plain-text or PNG outputs.
    Student-made HTML and JavaScript are never rendered."""
    cells = []
    for cell in notebook.get("cells", []):
        outputs = []
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if output.get("output_type") == "stream":
                outputs.append({"text": _text(output.get("text"))})
            elif output.get("output_type") == "error":
                outputs.append({"text": f"{output.get('ename')}: {output.get('evalue')}", "error": True})
            elif "image/png" in data:
                outputs.append({"png": _text(data["image/png"]).replace("\n", "")})
            elif "text/plain" in data:
                outputs.append({"text": _text(data["text/plain"])})
        cells.append(
            {"type": cell.get("cell_type", "code"), "source": _text(cell.get("source")), "outputs": outputs}
        )
    return cells


def owed_hub_user_deletions() -> dict[str, int]:
    """How many anonymised people's hub users are still owed a deletion, by state: `waiting` for their
    first attempt, `failing` (an attempt did not delete it). One query."""
    counts = HubUserDeletion.objects.filter(done_at__isnull=True).aggregate(
        waiting=Count("pk", filter=Q(last_error="")),
        failing=Count("pk", filter=~Q(last_error="")),
    )
    return {state: counts[state] or 0 for state in ("waiting", "failing")}
