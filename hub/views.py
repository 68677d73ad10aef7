"""JupyterHub from the portal: open an exercise in JupyterLab, start it over, submit from it, and let
teachers read a copy of a student's notebook.

The views only translate between HTTP and `hub.services` / `hub.selectors`; a hub that is down or a
server that does not start becomes a message on the page, and nothing is written or lost. No view waits
for a server to start: the start is requested and a progress page polls the hub until it is up.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grading.models import Exercise
from grading.views import exercise_access_refusal
from lyceums.access_log import Action, record_access

from . import selectors, services
from .client import HubError, NotebookNotFound, ServerStarting, ServerStatus
from .oidc import hub_username

logger = logging.getLogger(__name__)


def _lesson(request: HttpRequest):
    """The live lesson the exercise was opened from (`lesson` in the form or query), if any."""
    return selectors.lesson_live(lesson_id=request.POST.get("lesson") or request.GET.get("lesson"))


def _with_lesson(url: str, lesson) -> str:
    return f"{url}?lesson={lesson.pk}" if lesson is not None else url


def _exercise_page_url(request: HttpRequest, exercise: Exercise) -> str:
    return request.build_absolute_uri(reverse("grading:exercise_detail", args=[exercise.slug]))


def _back(request: HttpRequest, fallback: str = "/") -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = fallback
    return HttpResponseRedirect(target)


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
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    lesson = _lesson(request)
    try:
        status = services.hub_server_start(user=request.user)
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
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    lesson = _lesson(request)
    try:
        status = selectors.server_status(user=request.user, with_progress=True)
    except HubError as error:
        _fail(request, error)
        status = None
    if status is not None and status.ready:
        return HttpResponseRedirect(_with_lesson(reverse("hub:launch", args=[exercise.pk]), lesson))
    return render(
        request,
        "hub/starting.html",
        {"exercise": exercise, "lesson": lesson, "status": status, "failed": status is None},
    )


@login_required
@require_GET
@never_cache
def status(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """The progress bar fragment, polled by the progress page; tells htmx to go on once ready."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    lesson = _lesson(request)
    failed = False
    try:
        current: ServerStatus | None = selectors.server_status(user=request.user, with_progress=True)
    except HubError as error:
        logger.warning("JupyterHub status: %s (%s)", error, error.detail)
        current, failed = None, True
    if current is not None and not current.running:
        failed = True
    response = render(
        request,
        "hub/_progress.html",
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
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    lesson = _lesson(request)
    starting_url = _with_lesson(reverse("hub:starting", args=[exercise.pk]), lesson)
    try:
        lab_url = services.exercise_notebook_place(
            user=request.user,
            exercise=exercise,
            lesson=lesson,
            back_url=_exercise_page_url(request, exercise),
        )
    except HubError as error:
        _fail(request, error)
        return HttpResponseRedirect(starting_url)
    return HttpResponseRedirect(lab_url or starting_url)


@login_required
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Replace the student's notebook with the starter after an explicit confirmation; the old notebook
    is kept next to it under a dated name."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    lesson = _lesson(request)
    context = {"exercise": exercise, "lesson": lesson}
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        if request.method == "POST":
            messages.error(request, _("Tick the box to confirm that you want to start over."))
        return render(request, "hub/reset_confirm.html", context)
    try:
        lab_url = services.exercise_notebook_reset(
            user=request.user,
            exercise=exercise,
            lesson=lesson,
            back_url=_exercise_page_url(request, exercise),
        )
    except ServerStarting:
        messages.info(request, _("Your JupyterLab server is starting. Confirm again in a minute."))
        return render(request, "hub/reset_confirm.html", context)
    except HubError as error:
        _fail(request, error)
        return render(request, "hub/reset_confirm.html", context)
    messages.success(request, _("The starter notebook is back; your previous notebook was kept next to it."))
    return HttpResponseRedirect(lab_url)


# --- submit from JupyterLab ----------------------------------------------------------------------------
@login_required
@require_POST
def submit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Fetch the student's current notebook from their server and submit it for grading."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    try:
        submission = services.hub_submission_create(
            student=request.user, exercise=exercise, lesson=_lesson(request)
        )
    except NotebookNotFound:
        messages.error(request, _("There is no notebook for this exercise in JupyterLab yet: open it first."))
        return _back(request)
    except ServerStarting:
        messages.info(request, _("Your JupyterLab server is starting. Submit again in a minute."))
        return _back(request)
    except HubError as error:
        _fail(request, error)
        return _back(request)
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
    the student's records get it; nobody is given access to the student's server. While the student's
    server is not ready, its start is requested and the page shows its progress, polling
    `student_notebook_status`, instead of waiting."""
    exercise, student = _readable_student(request, exercise_id, student_id)
    lesson = _lesson(request)
    cells, error_message = None, ""
    try:
        raw = services.student_notebook_fetch(student=student, exercise=exercise, lesson=lesson)
    except ServerStarting:
        return render(
            request,
            "hub/student_notebook.html",
            {"exercise": exercise, "student": student, "lesson": lesson, "starting": True, "status": None},
        )
    except NotebookNotFound:
        error_message = _("The student has not opened this exercise in JupyterLab yet.")
    except HubError as error:
        logger.warning("JupyterHub: %s (%s)", error, error.detail)
        error_message = str(error)
    else:
        record_access(
            viewer=request.user,
            learner=student,
            action=Action.NOTEBOOK,
            detail=f"JupyterHub · {exercise}",
            path=request.path,
        )
        if request.GET.get("download") == "1":
            response = HttpResponse(raw, content_type="application/x-ipynb+json")
            filename = f"{hub_username(student)}-{exercise.slug}.ipynb"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["X-Content-Type-Options"] = "nosniff"
            return response
        cells = selectors.readable_cells(notebook=json.loads(raw))
    return render(
        request,
        "hub/student_notebook.html",
        {
            "exercise": exercise,
            "student": student,
            "lesson": lesson,
            "cells": cells,
            "error_message": error_message,
        },
    )


def _readable_student(request: HttpRequest, exercise_id: int, student_id: int):
    """The exercise and the student whose notebook *request*'s user may read; 404 or 403 otherwise."""
    exercise = get_object_or_404(Exercise, pk=exercise_id)
    student = get_object_or_404(get_user_model(), pk=student_id)
    if not selectors.can_read_student_notebook(user=request.user, student=student):
        raise PermissionDenied
    return exercise, student


@login_required
@require_GET
@never_cache
def student_notebook_status(request: HttpRequest, exercise_id: int, student_id: int) -> HttpResponse:
    """The progress fragment of the student's server start, polled by the copy page; tells htmx to load
    the copy once the server is ready."""
    exercise, student = _readable_student(request, exercise_id, student_id)
    lesson = _lesson(request)
    failed = False
    try:
        current: ServerStatus | None = selectors.server_status(user=student, with_progress=True)
    except HubError as error:
        logger.warning("JupyterHub status: %s (%s)", error, error.detail)
        current, failed = None, True
    if current is not None and not current.running:
        failed = True
    page_url = _with_lesson(reverse("hub:student_notebook", args=[exercise.pk, student.pk]), lesson)
    response = render(
        request,
        "hub/_progress.html",
        {"exercise": exercise, "lesson": lesson, "status": current, "failed": failed, "retry_url": page_url},
    )
    if current is not None and current.ready:
        response["HX-Redirect"] = page_url
    return response


# --- logging out of the portal ends the hub session too --------------------------------------------------
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """Where the portal's logout lands: on to the hub's logout, which clears the hub cookie and sends the
    browser back to the portal's home page."""
    if settings.JUPYTERHUB_LOGOUT_WITH_PORTAL and settings.JUPYTERHUB_PUBLIC_URL:
        return HttpResponseRedirect(f"{settings.JUPYTERHUB_PUBLIC_URL}/hub/logout")
    return HttpResponseRedirect("/")
