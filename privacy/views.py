"""My data (export, deletion request) for everyone signed in; the deletion queue and the staff access
log for republic administrators (403 for anyone else). Thin: exports, selectors and services do the
work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lyceums import scoping
from lyceums.access_log import Action, access_entries, can_read_access_log, record_access

from . import exports, selectors, services
from .forms import AccessLogFilterForm, DecisionForm, DeletionRequestForm
from .models import DeletionRequest

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_republic_admin(request: HttpRequest) -> None:
    if not scoping.is_republic_admin(request.user):
        raise PermissionDenied(_("This page is for republic administrators."))


@login_required
@never_cache
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/my_data.html",
        {
            "pending": selectors.pending_request(user=request.user),
            "latest": selectors.latest_request(user=request.user),
        },
    )


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Everything the platform holds about the signed-in person, as JSON (with their notebooks) or
    XLSX."""
    if fmt == "json":
        response = HttpResponse(
            exports.personal_data_json(user=request.user), content_type="application/json; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(exports.personal_data_xlsx(user=request.user), content_type=XLSX_TYPE)
    else:
        raise Http404
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def deletion_request(request: HttpRequest) -> HttpResponse:
    """The confirmation step: the learner reads what deletion means, ticks the box, and files it."""
    pending = selectors.pending_request(user=request.user)
    if pending is not None:
        messages.info(request, _("Your request is waiting for an administrator's decision."))
        return redirect("privacy:my_data")
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.deletion_request_create(user=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _(
                "Your request is filed. An administrator will carry it out; "
                "until then you can keep using the site."
            ),
        )
        return redirect("privacy:my_data")
    return render(request, "privacy/deletion_request.html", {"form": form})


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _require_republic_admin(request)
    status = request.GET.get("status", DeletionRequest.Status.PENDING)
    if status not in DeletionRequest.Status.values:
        status = ""
    page = Paginator(selectors.deletion_queue(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/queue.html",
        {"page": page, "status": status, "statuses": DeletionRequest.Status.choices},
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request and, while it waits, the decision form (carry out, or refuse with a reason)."""
    _require_republic_admin(request)
    deletion = get_object_or_404(DeletionRequest.objects.select_related("user", "decided_by"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "carry_out":
                services.deletion_request_carry_out(
                    request=deletion, admin=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("The request is carried out: the person is anonymised."))
            else:
                services.deletion_request_refuse(
                    request=deletion, admin=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("The request is refused."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("privacy:request_detail", pk=deletion.pk)
    if request.method == "GET" and deletion.status != DeletionRequest.Status.CARRIED_OUT:
        # An anonymised person's request shows no personal data any more: nothing to log.
        record_access(
            viewer=request.user,
            learner=deletion.user,
            action=Action.LEARNER_PAGE,
            detail=_("Deletion request #%(pk)s") % {"pk": deletion.pk},
            path=request.path,
        )
    return render(request, "privacy/request_detail.html", {"deletion": deletion, "form": form})


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Who looked at which learner's personal data, with filters and pages of 50."""
    if not can_read_access_log(request.user):
        raise PermissionDenied(_("The access log is for republic administrators."))
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = access_entries(
        staff=filters.get("staff") or "",
        learner=filters.get("learner") or "",
        action=filters.get("action") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "privacy/access_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )
