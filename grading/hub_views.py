"""JupyterHub from the portal: open an exercise in JupyterLab, submit from it, and let teachers read a
copy of a student's notebook.

The views only translate between HTTP and `grading.hub.HubClient`; a hub that is down or a server that
does not start becomes a message on the page and nothing is written or lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lyceums import scoping

from .hub import HubClient, HubError, NotebookNotFound, ServerStatus, hub_username
from .models import Exercise

logger = logging.getLogger(__name__)


def get_client() -> HubClient:
    """The hub client the views use (one place for tests and settings to reach)."""
    return HubClient()


# --- where an exercise's notebook lives ------------------------------------------------------------------
def lesson_from(request: HttpRequest):
    """The live lesson the exercise was opened from (`lesson` in the query or form), if any."""
    from courses.models import LessonPage

    raw = request.POST.get("lesson") or request.GET.get("lesson") or ""
    if not raw.isdigit():
        return None
    return LessonPage.objects.live().filter(pk=int(raw)).first()


def notebook_path(exercise: Exercise, lesson=None) -> str:
    """`<course-slug>/<exercise-slug>.ipynb` in the student's JupyterLab tree (`exercises/` when the
    exercise is not opened from a course lesson)."""
    course = getattr(exercise, "course", None) or (lesson.course if lesson is not None else None)
    folder = getattr(course, "slug", "") or "exercises"
    return f"{folder}/{exercise.slug}.ipynb"


def _with_lesson(url: str, lesson) -> str:
    return f"{url}?lesson={lesson.pk}" if lesson is not None else url


def release_notebook(exercise: Exercise, *, back_url: str = "") -> dict:
    """The starter notebook students receive (the release version, without solutions). With *back_url*,
    a first Markdown cell links back to the exercise in the portal, where the student submits; it has no
    nbgrader metadata, so grading ignores it."""
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


def _exercise_page_url(request: HttpRequest, exercise: Exercise) -> str:
    return request.build_absolute_uri(reverse("grading:exercise_detail", args=[exercise.slug]))


def _back(request: HttpRequest, fallback: str = "/") -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = fallback
    return HttpResponseRedirect(target)


@dataclass(frozen=True)
class _Notebook:
    """Where a student's notebook for an exercise lives: their hub server and the path in it."""

    exercise: Exercise
    lesson: object
    client: HubClient
    username: str
    path: str

    @classmethod
    def of(cls, request: HttpRequest, exercise_id: int) -> _Notebook:
        exercise = get_object_or_404(Exercise, pk=exercise_id)
        lesson = lesson_from(request)
        return cls(
            exercise, lesson, get_client(), hub_username(request.user), notebook_path(exercise, lesson)
        )


def _place_data_files(nb: _Notebook, *, overwrite: bool = False) -> None:
    """Put the exercise's data files next to the notebook (missing ones only, unless *overwrite*). A
    file already there is neither read from storage nor sent again."""
    folder = nb.path.rsplit("/", 1)[0] + "/" if "/" in nb.path else ""
    for data in nb.exercise.data_files.all():
        path = folder + data.name
        if overwrite or not nb.client.exists(nb.username, path):
            nb.client.put_file(nb.username, path, data.read(), overwrite=True)


def _fail(request: HttpRequest, error: HubError) -> None:
    logger.warning("JupyterHub: %s (%s)", error, error.detail)
    messages.error(request, str(error))


# --- open in JupyterLab --------------------------------------------------------------------------------
@login_required
@require_POST
def open_exercise(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Make sure the hub user exists and their server is starting; then show the progress page (or go
    straight to the notebook when the server is already up)."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    lesson = lesson_from(request)
    client = get_client()
    username = hub_username(request.user)
    try:
        client.ensure_user(username)
        status = client.start_server(username)
    except HubError as error:
        _fail(request, error)
        return _back(request)
    step = "hub:launch" if status.ready else "hub:starting"
    return HttpResponseRedirect(_with_lesson(reverse(step, args=[exercise.pk]), lesson))


@login_required
@require_GET
@never_cache
def starting(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """The progress page shown while the server starts; it polls `status` and moves on when ready."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    try:
        status = get_client().server_status(hub_username(request.user), with_progress=True)
    except HubError as error:
        _fail(request, error)
        status = None
    if status is not None and status.ready:
        return redirect("hub:launch", exercise_id=exercise.pk)
    return render(
        request,
        "grading/hub/starting.html",
        {"exercise": exercise, "status": status, "failed": status is None},
    )


@login_required
@require_GET
@never_cache
def status(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """The progress bar fragment, polled by the progress page; tells htmx to go on once ready."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    lesson = lesson_from(request)
    failed = False
    try:
        current: ServerStatus | None = get_client().server_status(
            hub_username(request.user), with_progress=True
        )
    except HubError as error:
        logger.warning("JupyterHub status: %s (%s)", error, error.detail)
        current, failed = None, True
    if current is not None and not current.running:
        failed = True
    response = render(
        request,
        "grading/hub/_progress.html",
        {"exercise": exercise, "lesson": lesson, "status": current, "failed": failed},
    )
    if current is not None and current.ready:
        response["HX-Redirect"] = _with_lesson(reverse("hub:launch", args=[exercise.pk]), lesson)
    return response


@login_required
@require_GET
@never_cache
def launch(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Place the starter notebook unless the student already has one, then open it in JupyterLab."""
    nb = _Notebook.of(request, exercise_id)
    starting_url = _with_lesson(reverse("hub:starting", args=[nb.exercise.pk]), nb.lesson)
    try:
        if not nb.client.server_status(nb.username).ready:
            return HttpResponseRedirect(starting_url)
        if not nb.client.exists(nb.username, nb.path):
            starter = release_notebook(nb.exercise, back_url=_exercise_page_url(request, nb.exercise))
            nb.client.put_notebook(nb.username, nb.path, starter)
        _place_data_files(nb)
    except HubError as error:
        _fail(request, error)
        return HttpResponseRedirect(starting_url)
    return HttpResponseRedirect(nb.client.lab_url(nb.username, nb.path))


@login_required
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Replace the student's notebook with the starter after an explicit confirmation; the old notebook
    is kept next to it under a dated name."""
    nb = _Notebook.of(request, exercise_id)
    context = {"exercise": nb.exercise, "lesson": nb.lesson}
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        if request.method == "POST":
            messages.error(request, _("Tick the box to confirm that you want to start over."))
        return render(request, "grading/hub/reset_confirm.html", context)
    try:
        starter = release_notebook(nb.exercise, back_url=_exercise_page_url(request, nb.exercise))
        nb.client.wait_until_ready(nb.username, timeout=settings.JUPYTERHUB_START_TIMEOUT)
        if nb.client.exists(nb.username, nb.path):
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a local file name
            kept = nb.path.removesuffix(".ipynb") + f".before-reset-{stamp}.ipynb"
            nb.client.rename(nb.username, nb.path, kept)
        nb.client.put_notebook(nb.username, nb.path, starter, overwrite=True)
        _place_data_files(nb, overwrite=True)
    except HubError as error:
        _fail(request, error)
        return render(request, "grading/hub/reset_confirm.html", context)
    messages.success(request, _("The starter notebook is back; your previous notebook was kept next to it."))
    return HttpResponseRedirect(nb.client.lab_url(nb.username, nb.path))


# --- submit from JupyterLab ----------------------------------------------------------------------------
@login_required
@require_POST
def submit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Fetch the student's current notebook from their server and submit it for grading."""
    nb = _Notebook.of(request, exercise_id)
    try:
        nb.client.wait_until_ready(nb.username, timeout=settings.JUPYTERHUB_START_TIMEOUT)
        notebook = nb.client.get_notebook(nb.username, nb.path)
    except NotebookNotFound:
        messages.error(request, _("There is no notebook for this exercise in JupyterLab yet: open it first."))
        return _back(request)
    except HubError as error:
        _fail(request, error)
        return _back(request)
    from . import services  # the grading pipeline (imported here: it is the heavier half of the app)

    try:
        submission = services.submission_create(
            # the service needs the model instance, not the request's lazy wrapper around it
            student=get_user_model().objects.get(pk=request.user.pk),
            exercise=nb.exercise,
            notebook_bytes=notebook,
            filename=nb.path.rsplit("/", 1)[-1],
            source="hub",
            lesson=nb.lesson,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    messages.success(request, _("Your notebook was submitted from JupyterLab and is being graded."))
    if hasattr(submission, "get_absolute_url"):
        return HttpResponseRedirect(submission.get_absolute_url())
    return _back(request)


# --- a teacher reads a copy of a student's notebook ------------------------------------------------------
@login_required
@require_GET
@never_cache
def student_notebook(request: HttpRequest, exercise_id: int, student_id: int) -> HttpResponse:
    """A read-only copy of a student's current notebook, fetched by the portal. Only people who may see
    the student's records (`lyceums.scoping`) get it; nobody is given access to the student's server."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    student = get_object_or_404(get_user_model(), pk=student_id)
    if student != request.user and not (
        scoping.is_staff_member(request.user) and scoping.can_see_learner(request.user, student)
    ):
        raise PermissionDenied
    client = get_client()
    username = hub_username(student)
    path = notebook_path(exercise, lesson_from(request))
    notebook, error_message = None, ""
    try:
        if client.get_user(username) is None:
            raise NotebookNotFound
        client.wait_until_ready(username, timeout=settings.JUPYTERHUB_START_TIMEOUT)
        raw = client.get_notebook(username, path)
    except NotebookNotFound:
        error_message = _("The student has not opened this exercise in JupyterLab yet.")
    except HubError as error:
        logger.warning("JupyterHub: %s (%s)", error, error.detail)
        error_message = str(error)
    else:
        if request.GET.get("download") == "1":
            response = HttpResponse(raw, content_type="application/x-ipynb+json")
            response["Content-Disposition"] = f'attachment; filename="{username}-{exercise.slug}.ipynb"'
            response["X-Content-Type-Options"] = "nosniff"
            return response
        notebook = _readable_cells(json.loads(raw))
    return render(
        request,
        "grading/hub/student_notebook.html",
        {"exercise": exercise, "student": student, "cells": notebook, "error_message": error_message},
    )


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _readable_cells(notebook: dict) -> list[dict]:
    """Cells reduced to what can be shown safely: source and plain-text or PNG outputs. Student-made
    HTML and JavaScript are never rendered."""
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


# --- logging out of the portal ends the hub session too --------------------------------------------------
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """Where the portal's logout lands: on to the hub's logout, which clears the hub cookie and sends the
    browser back to the portal's home page."""
    if settings.JUPYTERHUB_LOGOUT_WITH_PORTAL and settings.JUPYTERHUB_PUBLIC_URL:
        return HttpResponseRedirect(f"{settings.JUPYTERHUB_PUBLIC_URL}/hub/logout")
    return HttpResponseRedirect("/")
