"""Pages of notebook exercises: the learner's upload and results, isolated feedback, the teachers'
gradebook with overrides, regrades and exports. Views are thin: selectors read, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from common.spreadsheets import to_csv, to_xlsx
from lms.consent import study_refusal
from lyceums import scoping
from lyceums.access_log import Action, record_access

from . import hidden_tests, selectors, services, tamper
from .engines.nbgrader_engine import render_feedback
from .forms import GradeOverrideForm, SubmissionReviewForm, SubmissionUploadForm
from .models import Exercise, ExerciseDataFile, Submission


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _exercise_context(request: HttpRequest, exercise: Exercise, lesson=None) -> dict:
    return {
        "exercise": exercise,
        "lesson": lesson,
        "form": SubmissionUploadForm(initial={"lesson": getattr(lesson, "pk", None)}),
        "submissions": selectors.student_submissions(exercise=exercise, student=request.user),
    }


def exercise_access_refusal(request: HttpRequest, exercise: Exercise) -> HttpResponse | None:
    """None when the user may work on the exercise (`selectors.exercise_accessible`); otherwise what a
    visitor gets, as for a lesson: anonymous → the log-in page; someone not enrolled → the course page
    with an invitation to enrol; when no live course carries the exercise → 404; a learner under 14 whose
    parent has not consented yet → the page that says so (`lms.consent.study_refusal`)."""
    if refusal := study_refusal(request):
        return refusal
    if selectors.exercise_accessible(user=request.user, exercise=exercise):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course = selectors.exercise_courses(exercise=exercise).first()
    if course is None or not course.get_url(request):
        raise Http404
    messages.info(request, _("Enrol in the course to open its exercises."))
    return redirect(course.get_url(request))


@require_GET
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise, slug=slug)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    context = _exercise_context(request, exercise)
    # The breadcrumb trail goes through the first live lesson carrying the exercise.
    context["trail_page"] = selectors.exercise_lessons(exercise=exercise).order_by("path").first()
    return render(request, "grading/exercise_detail.html", context)


@login_required
@require_GET
def starter(request: HttpRequest, slug: str) -> HttpResponse:
    """The release notebook (solutions and hidden tests removed by nbgrader)."""
    exercise = get_object_or_404(Exercise, slug=slug)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    if not exercise.release_notebook:
        raise Http404
    with exercise.release_notebook.open("rb") as fh:
        data = fh.read()
    response = HttpResponse(data, content_type="application/x-ipynb+json")
    response["Content-Disposition"] = f'attachment; filename="{exercise.slug}.ipynb"'
    return response


@login_required
@require_GET
def data_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """A data file the exercise's notebook reads, to save next to the downloaded notebook."""
    files = ExerciseDataFile.objects.select_related("exercise")
    data = get_object_or_404(files, exercise__slug=slug, name=name)
    if refusal := exercise_access_refusal(request, data.exercise):
        return refusal
    return FileResponse(data.file.open("rb"), as_attachment=True, filename=data.name)


@login_required
@require_POST
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise, slug=slug)
    if refusal := exercise_access_refusal(request, exercise):
        return refusal
    form = SubmissionUploadForm(request.POST, request.FILES)
    fallback = exercise_url(exercise)
    if not form.is_valid():
        messages.error(request, _("Choose a notebook file to upload."))
        return _back(request, fallback)
    lesson = None
    if form.cleaned_data.get("lesson"):
        lesson = selectors.exercise_lessons(exercise=exercise).filter(pk=form.cleaned_data["lesson"]).first()
    upload = form.cleaned_data["notebook"]
    if upload.size > settings.GRADING_MAX_NOTEBOOK_BYTES:
        messages.error(
            request,
            _("The notebook is %(size).1f MB; the limit is %(limit)d MB. Clear large outputs and try again.")
            % {
                "size": upload.size / (1024 * 1024),
                "limit": settings.GRADING_MAX_NOTEBOOK_BYTES // (1024 * 1024),
            },
        )
        return _back(request, fallback)
    try:
        submission = services.submission_create(
            student=request.user,
            exercise=exercise,
            notebook_bytes=upload.read(),
            filename=upload.name,
            lesson=lesson,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, fallback)
    messages.success(request, _("Your notebook was received and is being graded."))
    return redirect(submission.get_absolute_url())


def exercise_url(exercise: Exercise) -> str:
    return reverse("grading:exercise_detail", kwargs={"slug": exercise.slug})


def _viewable(request: HttpRequest, pk: int) -> Submission:
    if not request.user.is_authenticated:
        raise PermissionDenied
    submission = selectors.submission_for_viewer(user=request.user, pk=pk)
    if submission is None:
        raise Http404
    return submission


def _submission_context(request: HttpRequest, submission: Submission) -> dict:
    is_manager = selectors.can_manage_submission(user=request.user, submission=submission)
    cells = selectors.visible_cells(submission=submission, viewer_is_staff=is_manager)
    return {
        "submission": submission,
        "exercise": submission.exercise,
        "cells": cells,
        "hidden_tests": any(row["hidden_from_learners"] for row in cells),
        "is_manager": is_manager,
        "override_form": GradeOverrideForm(initial={"score": submission.score}),
        "overrides": submission.overrides.all(),
        "flags": _flag_rows(submission.tamper_flags) if is_manager else [],
    }


def _flag_rows(flags: list[dict]) -> list[dict]:
    """Tamper flags as a teacher reads them: the reason in the teacher's language."""
    return [{**flag, "reason": tamper.reason_text(flag)} for flag in flags]


@login_required
@never_cache
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _viewable(request, pk)
    record_access(
        viewer=request.user,
        learner=submission.student,
        action=Action.SUBMISSION,
        detail=f"{submission.exercise} #{submission.attempt}",
        path=request.path,
    )
    context = _submission_context(request, submission)
    context["attempts"] = selectors.student_submissions(
        exercise=submission.exercise, student=submission.student
    )
    return render(request, "grading/submission_detail.html", context)


@login_required
@never_cache
@require_GET
def submission_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the submission page; htmx polls it until the state is final, and then reloads
    the whole page once so the list of attempts shows the final state too."""
    submission = _viewable(request, pk)
    response = render(
        request, "grading/includes/submission_status.html", _submission_context(request, submission)
    )
    if submission.is_terminal and request.headers.get("HX-Request") == "true":
        response["HX-Refresh"] = "true"
    return response


@login_required
@never_cache
@xframe_options_sameorigin
@require_GET
def submission_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """nbgrader's feedback page, served on its own with a CSP sandbox: student output in it cannot run
    script with the portal's origin (the page embeds it in a sandboxed iframe)."""
    submission = _viewable(request, pk)
    if submission.state != Submission.State.GRADED or not submission.graded_notebook:
        raise Http404
    is_manager = selectors.can_manage_submission(user=request.user, submission=submission)
    if not is_manager and not submission.feedback_open_to_learner:
        raise Http404
    record_access(
        viewer=request.user,
        learner=submission.student,
        action=Action.NOTEBOOK,
        detail=f"{submission.exercise} #{submission.attempt}",
        path=request.path,
    )
    withheld = {
        c.grade_id
        for c in submission.cell_grades.all()
        if not submission.exercise.test_is_visible(c.grade_id)
    }
    scores = {c.grade_id: float(c.score) for c in submission.cell_grades.all()}
    stamp = submission.graded_at.timestamp() if submission.graded_at else 0
    # Teachers and learners get different pages (hidden tests): never one from the other's cache entry.
    # The page's labels are in the reader's language.
    audience = (
        f"teacher:{get_language()}"
        if is_manager
        else f"learner:{get_language()}:{','.join(sorted(withheld))}"
    )
    key = f"grading:feedback:{submission.pk}:{stamp}:{submission.score}:{audience}"
    html = cache.get(key)
    if html is None:
        notebook = submission.graded_notebook
        if not is_manager:
            notebook = hidden_tests.notebook_for_learner(notebook, withheld=withheld)
        html = render_feedback(
            notebook,
            scores=scores,
            score=float(submission.score or 0),
            max_score=float(submission.max_score or 0),
        )
        cache.set(key, html, 3600)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "frame-ancestors 'self'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- teachers -------------------------------------------------------------------------------------------
def _require_staff(request: HttpRequest) -> None:
    if not scoping.is_staff_member(request.user):
        raise PermissionDenied


@login_required
@require_POST
def submission_override(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _viewable(request, pk)
    if not selectors.can_manage_submission(user=request.user, submission=submission):
        raise PermissionDenied
    form = GradeOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.grade_override_create(
                submission=submission,
                author=request.user,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The grade was changed."))
    else:
        messages.error(request, _("Give a score and a reason for the change."))
    return redirect(submission.get_absolute_url())


@login_required
@require_POST
def submission_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher confirms a flagged submission's score or sets it to zero, with a reason. Anyone who
    may not manage the submission (a teacher of another group, say) is refused, as is a missing one."""
    submission = Submission.objects.select_related("student").filter(pk=pk).first()
    if submission is None or not selectors.can_manage_submission(user=request.user, submission=submission):
        raise PermissionDenied
    form = SubmissionReviewForm(request.POST)
    if form.is_valid():
        try:
            services.submission_review(
                submission=submission,
                reviewer=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if form.cleaned_data["decision"] == "zero":
                messages.success(request, _("The score was set to zero."))
            else:
                messages.success(request, _("The score was confirmed: it now counts."))
    else:
        messages.error(request, _("Give a reason for your decision."))
    return _back(request, submission.get_absolute_url())


@login_required
@require_POST
def submission_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _viewable(request, pk)
    if not selectors.can_manage_submission(user=request.user, submission=submission):
        raise PermissionDenied
    services.submission_regrade(submission=submission)
    messages.success(request, _("The submission is queued for grading again."))
    return redirect(submission.get_absolute_url())


@login_required
@require_GET
def gradebook(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    groups = list(selectors.gradebook_groups(user=request.user))
    exercises = list(selectors.gradebook_exercises())
    to_review = selectors.review_counts(user=request.user)
    table = [
        {
            "group": g,
            "cells": [{"exercise": e, "to_review": to_review.get((e.pk, g.pk), 0)} for e in exercises],
        }
        for g in groups
    ]
    return render(
        request, "grading/gradebook.html", {"groups": groups, "exercises": exercises, "table": table}
    )


def _group_and_exercise(request: HttpRequest, exercise_pk: int, group_pk: int):
    _require_staff(request)
    group = get_object_or_404(scoping.visible_groups(request.user), pk=group_pk)
    exercise = get_object_or_404(Exercise, pk=exercise_pk)
    return group, exercise


@login_required
@require_GET
def gradebook_group(request: HttpRequest, exercise_pk: int, group_pk: int) -> HttpResponse:
    group, exercise = _group_and_exercise(request, exercise_pk, group_pk)
    rows = selectors.gradebook_rows(user=request.user, group=group, exercise=exercise)
    record_access(
        viewer=request.user, action=Action.GRADEBOOK, detail=f"{group} · {exercise}", path=request.path
    )
    return render(
        request,
        "grading/gradebook_group.html",
        {
            "group": group,
            "exercise": exercise,
            "rows": rows,
            "progress": selectors.exercise_progress(
                exercise=exercise, student_ids=[r["student"].pk for r in rows]
            ),
            "reviews": [
                {"submission": s, "flags": _flag_rows(s.tamper_flags)}
                for s in selectors.review_queue(user=request.user, group=group, exercise=exercise)
            ],
            "review_form": SubmissionReviewForm(),
        },
    )


@login_required
@never_cache
@require_GET
def gradebook_progress(request: HttpRequest, exercise_pk: int, group_pk: int) -> HttpResponse:
    group, exercise = _group_and_exercise(request, exercise_pk, group_pk)
    rows = selectors.gradebook_rows(user=request.user, group=group, exercise=exercise)
    progress = selectors.exercise_progress(exercise=exercise, student_ids=[r["student"].pk for r in rows])
    return render(
        request,
        "grading/includes/regrade_progress.html",
        {"group": group, "exercise": exercise, "progress": progress},
    )


@login_required
@require_POST
def gradebook_regrade(request: HttpRequest, exercise_pk: int, group_pk: int) -> HttpResponse:
    group, exercise = _group_and_exercise(request, exercise_pk, group_pk)
    rows = selectors.gradebook_rows(user=request.user, group=group, exercise=exercise)
    count = services.exercise_regrade(exercise=exercise, student_ids=[r["student"].pk for r in rows])
    messages.success(
        request,
        ngettext(
            "%(count)d submission is queued for grading again.",
            "%(count)d submissions are queued for grading again.",
            count,
        )
        % {"count": count},
    )
    return redirect("grading:gradebook_group", exercise_pk=exercise.pk, group_pk=group.pk)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_table(rows: list[dict], exercise: Exercise) -> tuple[list[str], list[list]]:
    """The gradebook of one exercise as header + rows (`common.spreadsheets` neutralises the cells)."""
    header = [_("Learner"), _("E-mail"), _("Attempts"), _("Score"), _("Maximum"), _("State"), _("Submitted")]
    table = []
    for row in rows:
        counting = row["counting"]
        latest = row["latest"]
        table.append(
            [
                row["student"].full_name,
                row["student"].email,
                len(row["attempts"]),
                float(counting.score) if counting and counting.score is not None else "",
                float(exercise.max_score),
                latest.get_state_display() if latest else "",
                timezone.localtime(latest.submitted_at).strftime("%Y-%m-%d %H:%M") if latest else "",
            ]
        )
    return header, table


@login_required
@require_GET
def gradebook_export(request: HttpRequest, exercise_pk: int, group_pk: int, fmt: str) -> HttpResponse:
    group, exercise = _group_and_exercise(request, exercise_pk, group_pk)
    header, table = _export_table(
        selectors.gradebook_rows(user=request.user, group=group, exercise=exercise), exercise
    )
    if fmt not in ("csv", "xlsx"):
        raise Http404
    record_access(
        viewer=request.user,
        action=Action.EXPORT,
        detail=f"{group} · {exercise} ({fmt})",
        path=request.path,
    )
    if fmt == "csv":
        response = HttpResponse(to_csv(header, table), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(to_xlsx({"Gradebook": (header, table)}), content_type=XLSX_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="gradebook-{exercise.slug}-{group.pk}.{fmt}"'
    return response
