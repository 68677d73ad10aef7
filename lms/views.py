"""Views of the shell itself."""

from __future__ import annotations

from allauth.account.utils import perform_login
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings as socialaccount_settings
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .accessibility import vision_cookie_set, vision_settings, vision_settings_change
from .external_login import PENDING_LINK_KEY, link_confirm, pending_link


def portal_login(request: HttpRequest) -> HttpResponseRedirect:
    """Stands in for the log-in forms of the Django admin, the Wagtail admin and Wagtail's private pages:
    an anonymous visitor is sent to the portal's log-in page (allauth: e-mail verification, rate limits)
    with the same query (`next`); nothing is ever authenticated here. A logged-in person whom an admin or
    a private page refused gets 403: the portal's page would send them straight back (a redirect loop)."""
    if request.user.is_authenticated:
        raise PermissionDenied
    url = reverse("account_login")
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(f"{url}?{query}" if query else url)


class LinkConfirmForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password of your account on the portal"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@sensitive_post_parameters("password")
def external_login_link(request: HttpRequest) -> HttpResponse:
    """Confirms linking an external sign-in to the existing account with the same (provider-verified)
    address: the person types that account's password; "Cancel" forgets the external sign-in."""
    pending = pending_link(request)
    if pending is None:
        return redirect("account_login")
    sociallogin, user = pending
    if request.method == "POST" and "cancel" in request.POST:
        request.session.pop(PENDING_LINK_KEY, None)
        return redirect("account_login")
    form = LinkConfirmForm(request.POST or None)
    if form.is_valid():
        try:
            linked = link_confirm(request, sociallogin, user, form.cleaned_data["password"])
        except ImmediateHttpResponse as refusal:
            return refusal.response
        if linked:
            messages.success(
                request,
                _("Your %(provider)s sign-in is now linked to this account.")
                % {"provider": sociallogin.provider.name},
            )
            return perform_login(
                request,
                user,
                email_verification=socialaccount_settings.EMAIL_VERIFICATION,
                redirect_url=sociallogin.get_redirect_url(request),
            )
        form.add_error("password", _("The password is not right. Try again."))
    return render(
        request,
        "account/external_login_link.html",
        {"form": form, "provider": sociallogin.provider, "email": user.email},
    )


@require_POST
def vision_settings_set(request: HttpRequest) -> HttpResponseRedirect:
    """The version for the visually impaired: the bar's buttons (and the header's switch) post here; the
    choice is remembered in a cookie (lms.accessibility) and the visitor goes back to the page they were
    on. A plain form post, so it works without JavaScript."""
    settings = vision_settings_change(vision_settings(request), request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    vision_cookie_set(response, settings, secure=request.is_secure())
    return response
