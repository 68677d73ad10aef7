"""Pages of the consent to processing (lms.consent): the consent asked at log-in, the page a learner under
14 sees until a parent confirms (with the e-mail sent again), and the parent's confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .consent import (
    SESSION_KEY,
    GuardianLinkInvalid,
    guardian_consent_confirm,
    guardian_consent_missing,
    guardian_link_read,
    guardian_request_resend,
    own_consent_missing,
    policy_current,
)
from .forms import ConsentForm, GuardianResendForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/learning/"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """The consent to the current policy version, asked before anything else of a person who has not
    given it: an account made by an import at its first log-in, everyone after the policy changed."""
    policy = policy_current()
    if policy is None or not own_consent_missing(user=request.user, policy=policy):
        return HttpResponseRedirect(_next_url(request))
    form = ConsentForm(request.POST or None, user=request.user, policy=policy)
    if request.method == "POST" and form.is_valid():
        form.save(request)
        request.session[SESSION_KEY] = policy.version
        if guardian_consent_missing(user=request.user, policy=policy):
            return redirect("consent_guardian_pending")
        messages.success(request, _("Thank you: your consent is recorded."))
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "lms/consent.html",
        {
            "form": form,
            "policy": policy,
            "next": _next_url(request),
            "changed": request.user.consents.exists(),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def guardian_pending(request: HttpRequest) -> HttpResponse:
    """What a learner under 14 sees until a parent or guardian confirms; sends the e-mail again (to a
    corrected address when the learner gives one)."""
    policy = policy_current()
    if not guardian_consent_missing(user=request.user, policy=policy):
        return redirect("courses:my_learning")
    form = GuardianResendForm(request.POST or None, initial={"guardian_email": request.user.guardian_email})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["guardian_email"] == request.user.email:
            form.add_error("guardian_email", _("Give your parent's or guardian's address, not your own."))
        elif guardian_request_resend(
            request=request, user=request.user, guardian_email=form.cleaned_data["guardian_email"]
        ):
            messages.success(
                request,
                _("We have sent the e-mail to %(email)s again.") % {"email": request.user.guardian_email},
            )
            return redirect("consent_guardian_pending")
        else:
            messages.warning(
                request, _("An e-mail went out less than a minute ago. Wait a little and try again.")
            )
            return redirect("consent_guardian_pending")
    return render(
        request,
        "lms/consent_guardian_pending.html",
        {"policy": policy, "guardian_email": request.user.guardian_email, "form": form},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def guardian_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page a parent or guardian opens from the e-mail: what they agree to, and the button that
    records it (a GET changes nothing, so a mail scanner opening the link confirms nothing)."""
    try:
        learner, policy = guardian_link_read(token)
    except GuardianLinkInvalid as error:
        return render(request, "lms/consent_guardian_invalid.html", {"reason": error.reason}, status=400)
    confirmed = not guardian_consent_missing(user=learner, policy=policy)
    if request.method == "POST" and not confirmed:
        guardian_consent_confirm(request=request, user=learner, policy=policy)
        confirmed = True
    return render(
        request,
        "lms/consent_guardian_confirm.html",
        {"learner": learner, "policy": policy, "confirmed": confirmed, "token": token},
    )
