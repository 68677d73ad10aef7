"""Views of the shell itself."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


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
