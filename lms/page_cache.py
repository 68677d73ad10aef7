"""A cache of the site's public pages as anonymous visitors see them, emptied whenever a page is
published, unpublished, moved or deleted.

Most traffic at a deadline is signed-in learners, but the home page, the catalogue and the course pages
are what every visitor opens first; rendering them means routing through the page tree, several queries
and a template each time. Here a page is rendered once per address and language and then served from
the cache (Redis in production) until a change to the page tree or PAGE_CACHE_SECONDS.

What keeps it correct:
- only requests that carry no cookie but the CSRF and language ones are served from or stored in the
  cache: a session (a signed-in user, a password-protected page passed), flash messages or anything
  else personal means a fresh render; so does an htmx request (a fragment, not the page);
- only Wagtail pages without view restrictions that answered 200 to an anonymous user, with no cookie of
  their own and nothing saying `private`/`no-store`, are stored;
- the key holds the host, the full path with its query string and the active language;
- the CSRF token of a stored page is replaced, at each serving, by a fresh one for the visitor (and the
  CSRF middleware, outside this one, sets its cookie): visitors never share a token;
- publishing, unpublishing, moving or deleting any page, or adding or removing a view restriction,
  starts a new generation of keys (a change to one lesson alters its course page, the catalogue and the
  home page), so nothing stale is served.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "page-cache:generation"
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"\x00csrf\x00"
# Response headers worth keeping with a stored page (the rest are added again on the way out, except
# X-Frame-Options, which a middleware inside this one sets).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")


def _cookies_allow_caching(request: HttpRequest) -> bool:
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return set(request.COOKIES) <= allowed


def _key(request: HttpRequest, generation: int) -> str:
    address = f"{request.get_host()}\n{request.get_full_path()}\n{request.LANGUAGE_CODE}"
    return f"page-cache:{generation}:{hashlib.sha256(address.encode()).hexdigest()}"


def _next_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or the cache lost it): a value far from any recent one
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def page_cache_purge(**_signal) -> None:
    """Forget every cached page (a new generation of keys; the old entries expire on their own), once
    the change commits: a page rendered before that would otherwise be stored under the new one."""
    transaction.on_commit(_next_generation)


def page_cache_connect() -> None:
    """Purge on every change to the page tree, whichever process makes it (the admin, a command, the
    scheduled publishing job): called when the app is ready."""
    page_published.connect(page_cache_purge, dispatch_uid="page-cache-published")
    page_unpublished.connect(page_cache_purge, dispatch_uid="page-cache-unpublished")
    post_page_move.connect(page_cache_purge, dispatch_uid="page-cache-moved")
    post_delete.connect(page_cache_purge, sender=Page, dispatch_uid="page-cache-deleted")
    # Making a published page private publishes nothing: its public copy must go all the same.
    post_save.connect(page_cache_purge, sender=PageViewRestriction, dispatch_uid="page-cache-restricted")
    post_delete.connect(page_cache_purge, sender=PageViewRestriction, dispatch_uid="page-cache-unrestricted")


@hooks.register("before_serve_page")
def _mark_public_page(page: Page, request: HttpRequest, serve_args, serve_kwargs) -> None:
    """A page anyone may see can be stored (Wagtail checks the restrictions in its own hook). Asked only
    for a request the cache may store: other requests pay no query for it."""
    if getattr(request, "page_cache_candidate", False):
        request.page_cache_public = not page.get_view_restrictions().exists()


class AnonymousPageCacheMiddleware:
    """Serves and stores anonymous visitors' pages (see the module). Sits after the CSRF middleware,
    which sets the visitor's CSRF cookie on the way out, and before authentication: a page served from
    the cache costs two cache reads, no query and no rendering."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.PAGE_CACHE_SECONDS
            or request.method not in ("GET", "HEAD")
            or "HX-Request" in request.headers
            or not _cookies_allow_caching(request)
        ):
            return self.get_response(request)
        generation = cache.get(GENERATION_KEY, 0)
        key = _key(request, generation)
        stored = cache.get(key)
        if stored is not None:
            return self._serve(request, stored)
        request.page_cache_candidate = True
        response = self.get_response(request)
        if self._storable(request, response):
            content = CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (content, headers), timeout=settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            getattr(request, "page_cache_public", False)
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
            and not request.user.is_authenticated
        )

    @staticmethod
    def _serve(request: HttpRequest, stored: tuple[bytes, dict]) -> HttpResponse:
        content, headers = stored
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(content, headers=headers)
        patch_vary_headers(response, ("Cookie",))
        response["X-Page-Cache"] = "hit"
        return response
