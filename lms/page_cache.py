"""A cache of the site's public pages as anonymous visitors see them, emptied whenever a page is
published, unpublished, moved or deleted.

Most traffic at a deadline is signed-in learners, but the home page, the catalogue and the course pages
are what every visitor opens first; rendering them means routing through the page tree, several queries
and a template each time. Here a page is rendered once per address and language and then served from
the cache (Redis in production) until a change to the page tree or PAGE_CACHE_SECONDS.

What keeps it correct:
- only requests that carry no cookie but the CSRF and language ones are served from or stored in the
  cache: a session (a signed-in user, a password-protected page passed), flash messages, the version for
  the visually impaired or anything else personal means a fresh render; so does an htmx request (a
  fragment, not the page);
- only Wagtail pages without view restrictions that answered 200 to an anonymous user, with no cookie of
  their own and nothing saying `private`/`no-store`, are stored;
- the key holds the host, the path, the query string and the active language (from the address's
  language prefix, else the language cookie, else the browser's Accept-Language, as for a rendered
  page). Only the query parameters in PAGE_CACHE_QUERY_PARAMETERS (the catalogue's filters), each once
  with a short value, are part of a key: an address with any other query string (a search, a tracking
  tag, junk) is rendered and never stored; one with those parameters is stored only when the page
  vouches for their values (page_cache_query_vouch: choices it offers), so made-up query strings
  cannot fill the cache;
- the CSRF token of a stored page is replaced, at each serving, by a fresh one for the visitor, whose
  CSRF cookie is set as the CSRF middleware would: visitors never share a token;
- publishing, unpublishing, moving or deleting any page, saving a page live without publishing it (an
  alias, such as a translation Wagtail keeps in step), or adding or removing a view restriction,
  starts a new generation (a change to one lesson alters its course page, the catalogue and the home
  page): each stored page carries the generation it was rendered in and is served only in that one, so
  nothing stale is served.

Why it is fast: the middleware sits just inside the security, content-security-policy and static-file
middleware (whose headers every page served from the cache still gets) and before the session,
language, common, CSRF and authentication middleware, which a page from the cache does not need. One
cache round trip (the generation and the page together) answers it: no query, no rendering. What such a
page skips: the request log line of django-structlog (the reverse proxy's access log has it) and
Prometheus's per-view figures (the request totals and latencies still count it).
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
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "page-cache:generation"
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"\x00csrf\x00"
# Response headers worth keeping with a stored page (the rest are added again on the way out by the
# middleware outside this one; X-Frame-Options is set by one inside).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")
# A query parameter's value that may be part of a key: a choice of a filter, not free text.
QUERY_VALUE = re.compile(r"[\w-]{1,40}")


def _cookies_allow_caching(request: HttpRequest) -> bool:
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return set(request.COOKIES) <= allowed


def page_cache_query(request: HttpRequest) -> str | None:
    """The query string as part of a key (its parameters sorted), or None when the address may not be
    cached: a parameter outside PAGE_CACHE_QUERY_PARAMETERS, one given twice, or a value that is not a
    short word."""
    if not request.META.get("QUERY_STRING"):
        return ""
    allowed = settings.PAGE_CACHE_QUERY_PARAMETERS
    items = []
    for name, values in request.GET.lists():
        if name not in allowed or len(values) != 1 or not QUERY_VALUE.fullmatch(values[0]):
            return None
        items.append(f"{name}={values[0]}")
    return "&".join(sorted(items))


def page_cache_query_vouch(request: HttpRequest, *, valid: bool) -> None:
    """Called by a page that reads the query string: its parameters were `valid` choices of the page's
    own (a filter form that validated), so this address may be stored. Without it an address with a
    query string is rendered and never stored."""
    request.page_cache_query_valid = valid


def _key(request: HttpRequest, query: str) -> str:
    address = f"{request.get_host()}\n{request.path}\n{query}\n{request.LANGUAGE_CODE}"
    return f"page-cache:page:{hashlib.sha256(address.encode()).hexdigest()}"


def _next_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or the cache lost it): a value far from any recent one
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def page_cache_generation() -> int | None:
    """The current generation, started when the cache has none (never set, or evicted) with a value no
    stored page carries, so pages stored before the loss are never served again. (A cache that does not
    answer raises, as every use of the cache does.)"""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def page_cache_purge(**_signal) -> None:
    """Forget every cached page and remembered fact (a new generation; the old entries are overwritten or
    expire on their own) once the change commits, so nothing rendered from the data before it is served
    afterwards. Inside a transaction, also at once, so the rest of that transaction already sees its
    own change; what other requests render meanwhile, from what they can still see, is forgotten at the
    commit (one new generation then, however many pages the transaction changed). A cache that fails at
    the commit is logged, not raised (the change is committed; lms.page_memo forgets its facts after a
    few minutes anyway)."""
    _next_generation()
    connection = transaction.get_connection()
    # In autocommit the change is already visible to everyone: once is enough.
    if connection.in_atomic_block and not any(
        callback is _next_generation for _ids, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_next_generation, robust=True)


def _page_created(sender, instance: Page, created: bool, **_signal) -> None:
    """A page that is live as it is saved without being published (an alias, such as the translations
    Wagtail keeps in step with a new page; a page added live in code) changes the tree as a publication
    does."""
    if instance.live and (created or instance.alias_of_id is not None):
        page_cache_purge()


def page_cache_connect() -> None:
    """Purge on every change to the page tree, whichever process makes it (the admin, a command, the
    scheduled publishing job): called when the app is ready."""
    page_published.connect(page_cache_purge, dispatch_uid="page-cache-published")
    page_unpublished.connect(page_cache_purge, dispatch_uid="page-cache-unpublished")
    post_page_move.connect(page_cache_purge, dispatch_uid="page-cache-moved")
    post_delete.connect(page_cache_purge, sender=Page, dispatch_uid="page-cache-deleted")
    for model in {Page, *get_page_models()}:
        post_save.connect(_page_created, sender=model, dispatch_uid=f"page-cache-created-{model._meta.label}")
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
    """Serves and stores anonymous visitors' pages (see the module). Sits after the security, CSP and
    static-file middleware and before the session one: a page served from the cache costs one cache
    round trip, no query and no rendering, and it does the little of the skipped middleware's work that
    such a page needs itself (the reader's language, the visitor's CSRF token and cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Reads the visitor's CSRF cookie and sets it on the way out, exactly as it does further in.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.PAGE_CACHE_SECONDS
            or request.method not in ("GET", "HEAD")
            or "HX-Request" in request.headers
            or not _cookies_allow_caching(request)
        ):
            return self.get_response(request)
        query = page_cache_query(request)
        if query is None:
            return self.get_response(request)
        # The language the page would be rendered in (lms.i18n.LanguageMiddleware decides it the same
        # way further in, for a page that is rendered).
        request.LANGUAGE_CODE = translation.get_language_from_request(request, check_path=True)
        key = _key(request, query)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = page_cache_generation()
        stored = found.get(key)
        if stored is not None and stored[0] == generation:
            return self._serve(request, stored)
        request.page_cache_candidate = True
        response = self.get_response(request)
        if generation is not None and self._storable(request, response, query=query):
            content = CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (generation, content, headers), timeout=settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse, *, query: str) -> bool:
        cache_control = response.get("Cache-Control", "")
        user = getattr(request, "user", None)
        return (
            getattr(request, "page_cache_public", False)
            # A query string only where the page said its values are real choices (page_cache_query_vouch):
            # a bounded set of keys, not one per invented value.
            and (not query or getattr(request, "page_cache_query_valid", False))
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            # The visitor's CSRF cookie (the middleware inside this one sets it) is theirs, not the page's.
            and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
            and "private" not in cache_control
            and "no-store" not in cache_control
            and user is not None
            and not user.is_authenticated
        )

    def _serve(self, request: HttpRequest, stored: tuple[int, bytes, dict]) -> HttpResponse:
        _generation, content, headers = stored
        if CSRF_PLACEHOLDER in content:
            self.csrf.process_request(request)
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(content, headers=headers)
        response["Content-Length"] = str(len(content))
        patch_vary_headers(response, ("Cookie",))
        response["X-Page-Cache"] = "hit"
        return self.csrf.process_response(request, response)
