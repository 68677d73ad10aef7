"""Dashboards, drill-down and exports. Every queryset comes from `lyceums.scoping`.

Access rules, the same for every page, export and API endpoint:
- not logged in: redirected to the log-in page (the API answers 403);
- a municipality (addressed by its public code) outside the user's scope: 403;
- a lyceum, group or learner (addressed by id) outside the user's scope: 404, so ids cannot be probed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from common.spreadsheets import to_csv, to_xlsx

from . import dashboards, scoping, selectors, services
from .access_log import Action, record_access
from .exports import dashboard_tables
from .forms import PlanForm, RosterUploadForm, RosterUploadHandler
from .imports import (
    COLUMN_TITLES,
    ROLE_TITLES,
    RosterFileError,
    file_too_large_message,
    import_job_progress,
)
from .invitations import invitation_language
from .models import Region

# Room for the multipart framing and the form's other fields around an uploaded roster.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def _region_in_scope(user, code: str) -> Region:
    region = get_object_or_404(Region, code=code)
    if not scoping.can_see_region(user, region):
        raise PermissionDenied(_("This municipality is outside your scope."))
    return region


def _year(request: HttpRequest) -> int:
    """The plan year asked for (`?year=`), this year when absent or absurd."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 10 else this_year


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """Send each role to its dashboard: the republic for administrators, the municipality for a
    coordinator of one, the list of municipalities for a coordinator of several, groups for teachers."""
    user = request.user
    if scoping.is_republic_admin(user):
        return redirect("lyceums:republic")
    regions = list(scoping.visible_regions(user)[:2])
    if len(regions) == 1:
        return redirect("lyceums:region", code=regions[0].code)
    if regions:
        return render(
            request,
            "lyceums/region_list.html",
            {"rows": dashboards.region_rows(regions=scoping.visible_regions(user))},
        )
    if scoping.is_teacher(user):
        return redirect("lyceums:groups")
    raise PermissionDenied(_("Dashboards are for coordinators and administrators."))


@login_required
def republic_dashboard(request: HttpRequest) -> HttpResponse:
    if not scoping.is_republic_admin(request.user):
        raise PermissionDenied(_("The republic dashboard is for republic administrators."))
    data = dashboards.dashboard_data_cached(
        scope="republic",
        lyceums=scoping.stats_lyceums(request.user),
        regions=scoping.visible_regions(request.user),
        year=_year(request),
    )
    return render(
        request, "lyceums/dashboard.html", data | {"title": _("Republic dashboard"), "scope": "republic"}
    )


@login_required
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    region = _region_in_scope(request.user, code)
    lyceums = scoping.stats_lyceums(request.user).filter(region=region)
    data = dashboards.dashboard_data_cached(
        scope=f"region:{region.code}", lyceums=lyceums, year=_year(request)
    )
    return render(
        request,
        "lyceums/dashboard.html",
        data | {"title": str(region), "region": region, "scope": "region"},
    )


@login_required
def lyceum_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    lyceum = get_object_or_404(scoping.stats_lyceums(request.user).select_related("region"), pk=pk)
    lyceums = scoping.stats_lyceums(request.user).filter(pk=lyceum.pk)
    data = dashboards.dashboard_data_cached(scope=f"lyceum:{lyceum.pk}", lyceums=lyceums, year=_year(request))
    groups = selectors.group_rows(groups=scoping.visible_groups(request.user).filter(lyceum=lyceum))
    form = PlanForm(initial={"year": data["year"]})
    return render(
        request,
        "lyceums/dashboard.html",
        data
        | {
            "title": lyceum.name,
            "lyceum": lyceum,
            "region": lyceum.region,
            "scope": "lyceum",
            "groups": groups,
            "plan_form": form,
        },
    )


@login_required
@require_POST
def plan_set(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator (or administrator) sets the yearly plan of a lyceum in a track."""
    lyceum = get_object_or_404(scoping.stats_lyceums(request.user), pk=pk)
    form = PlanForm(request.POST)
    if form.is_valid():
        services.plan_set(
            lyceum=lyceum,
            track=form.cleaned_data["track"],
            year=form.cleaned_data["year"],
            planned_enrolments=form.cleaned_data["planned_enrolments"],
        )
        messages.success(request, _("The plan is saved."))
    else:
        messages.error(request, _("The plan was not saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("lyceums:lyceum", pk=lyceum.pk)


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = scoping.visible_groups(request.user)
    if not groups.exists():
        raise PermissionDenied(_("You have no study groups."))
    return render(request, "lyceums/group_list.html", {"rows": selectors.group_rows(groups=groups)})


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(
        scoping.visible_groups(request.user).select_related("lyceum__region", "track"), pk=pk
    )
    # The roster: every learner's name and progress, as a gradebook shows them (logged the same way).
    record_access(
        viewer=request.user, action=Action.LEARNER_PAGE, detail=f"{group} · {group.lyceum}", path=request.path
    )
    return render(
        request,
        "lyceums/group_detail.html",
        {
            "group": group,
            "rows": selectors.group_learner_rows(group=group),
            "show_lyceum_link": scoping.stats_lyceums(request.user).filter(pk=group.lyceum_id).exists(),
            "courses": selectors.group_enrolment_courses(group=group),
        },
    )


@login_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(scoping.visible_learners(request.user), pk=pk)
    record_access(viewer=request.user, learner=learner, action=Action.LEARNER_PAGE, path=request.path)
    return render(
        request,
        "lyceums/learner_detail.html",
        {"learner": learner, "rows": selectors.learner_enrolments(learner=learner)},
    )


def _export(request: HttpRequest, data: dict, table: str, fmt: str, stem: str) -> HttpResponse:
    tables = dashboard_tables(data)
    if table not in tables and table != "all":
        raise Http404
    if fmt == "csv":
        if table == "all":
            raise Http404
        headers, rows = tables[table]
        response = HttpResponse(to_csv(headers, rows), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        chosen = tables if table == "all" else {table: tables[table]}
        response = HttpResponse(
            to_xlsx(chosen), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{stem}-{table}.{fmt}"'
    return response


@login_required
def republic_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if not scoping.is_republic_admin(request.user):
        raise PermissionDenied(_("The republic dashboard is for republic administrators."))
    data = dashboards.dashboard_data_cached(
        scope="republic",
        lyceums=scoping.stats_lyceums(request.user),
        regions=scoping.visible_regions(request.user),
        year=_year(request),
    )
    return _export(request, data, table, fmt, "republic")


@login_required
def region_export(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    region = _region_in_scope(request.user, code)
    data = dashboards.dashboard_data_cached(
        scope=f"region:{region.code}",
        lyceums=scoping.stats_lyceums(request.user).filter(region=region),
        year=_year(request),
    )
    return _export(request, data, table, fmt, region.code)


@login_required
def lyceum_export(request: HttpRequest, pk: int, table: str, fmt: str) -> HttpResponse:
    lyceum = get_object_or_404(scoping.stats_lyceums(request.user), pk=pk)
    data = dashboards.dashboard_data_cached(
        scope=f"lyceum:{lyceum.pk}",
        lyceums=scoping.stats_lyceums(request.user).filter(pk=lyceum.pk),
        year=_year(request),
    )
    return _export(request, data, table, fmt, lyceum.code)


# ---------------------------------------------------------------------------------------------------
# Roster import: upload → preview with per-row errors → confirm → progress


@csrf_exempt  # checked by `_import_upload_form`, once the upload handler is in place
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a roster. Its size is checked before Django reads the request body: a request declaring
    more than the limit is answered without reading it, and the file is received in memory only (never
    written to disk), up to the limit."""
    if not scoping.can_import(request.user):
        raise PermissionDenied(_("You may not import people."))
    if request.method == "POST":
        limit = settings.LYCEUM_IMPORT_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + UPLOAD_OVERHEAD_BYTES:
            form = RosterUploadForm.refused(file_too_large_message(size=declared, limit=limit))
            return _import_upload_page(request, form)
        request.upload_handlers = [RosterUploadHandler(request, limit=limit)]
    return _import_upload_form(request)


@csrf_protect
def _import_upload_form(request: HttpRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(user=request.user, data=upload.read(), filename=upload.name)
        except RosterFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("lyceums:import_detail", pk=job.pk)
    return _import_upload_page(request, form)


def _import_upload_page(request: HttpRequest, form: RosterUploadForm) -> HttpResponse:
    jobs = scoping.visible_import_jobs(request.user)[:10]
    lyceums = scoping.importable_lyceums(request.user).select_related("region").order_by("code")[:200]
    return render(request, "lyceums/import_upload.html", {"form": form, "jobs": jobs, "lyceums": lyceums})


def _problem_rows(problems: list[dict]) -> list[dict]:
    """Errors or warnings of a roster, with the column named in the reader's language."""
    return [
        problem | {"column_title": COLUMN_TITLES.get(problem["column"], problem["column"])}
        for problem in problems
    ]


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_progress(get_object_or_404(scoping.visible_import_jobs(request.user), pk=pk))
    warnings = [{"row": row["row"], **warning} for row in job.rows for warning in row.get("warnings", ())]
    languages = dict(settings.LANGUAGES)
    sample = [
        row
        | {
            "role_title": ROLE_TITLES.get(row["role"], row["role"]),
            "language_title": languages[invitation_language(row.get("language", ""))],
        }
        for row in job.rows[:20]
    ]
    return render(
        request,
        "lyceums/import_detail.html",
        {
            "job": job,
            "sample": sample,
            "errors": _problem_rows(job.errors[:500]),
            "error_count": len(job.errors),
            "warnings": _problem_rows(warnings[:500]),
            "warning_count": len(warnings),
        },
    )


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar fragment, polled by htmx while a large import runs."""
    job = get_object_or_404(scoping.visible_import_jobs(request.user).defer("rows", "errors"), pk=pk)
    return render(request, "lyceums/_import_progress.html", {"job": import_job_progress(job)})


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(scoping.visible_import_jobs(request.user), pk=pk)
    try:
        job = services.import_job_commit(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if job.status == job.Status.DONE:
            messages.success(request, _("Imported: %(n)s people.") % {"n": len(job.rows)})
        elif job.status == job.Status.FAILED:
            messages.error(
                request, _("The import failed and nothing was saved: %(reason)s") % {"reason": job.message}
            )
    return redirect("lyceums:import_detail", pk=job.pk)


def _group_and_course(request: HttpRequest, pk: int):
    group = get_object_or_404(scoping.visible_groups(request.user).select_related("lyceum"), pk=pk)
    course = get_object_or_404(
        selectors.group_enrolment_courses(group=group), pk=request.POST.get("course") or 0
    )
    return group, course


@login_required
@require_POST
def group_enrol_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation step of a group enrolment: how many learners of the group would be enrolled
    in which course; its form posts to `group_enrol`. Nothing is written here."""
    group, course = _group_and_course(request, pk)
    return render(
        request,
        "lyceums/group_enrol_confirm.html",
        {"group": group, "course": course, "members": selectors.group_member_count(group=group)},
    )


@login_required
@require_POST
def group_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher of the group (or a coordinator) enrols the whole group into a student course, after
    confirming; the message tells newly enrolled learners from those who already were."""
    group, course = _group_and_course(request, pk)
    try:
        result = services.group_enrol(group=group, course=course)
    except ValidationError as error:
        messages.error(request, _("Nobody was enrolled: %(reason)s") % {"reason": " ".join(error.messages)})
    else:
        text = ngettext(
            "%(count)s learner enrolled in «%(course)s».",
            "%(count)s learners enrolled in «%(course)s».",
            result.enrolled,
        ) % {"count": result.enrolled, "course": course.title}
        if result.already_enrolled:
            already = ngettext(
                "%(count)s was already enrolled.", "%(count)s were already enrolled.", result.already_enrolled
            ) % {"count": result.already_enrolled}
            text = f"{text} {already}"
        messages.success(request, text)
    return redirect("lyceums:group", pk=group.pk)
