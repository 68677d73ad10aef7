"""Facts about the published page tree, remembered by each web process for one page-cache generation.

A signed-in learner's lesson is rendered afresh for every view (their done marks, quiz answers and
menu are their own), but most of what the page needs is the same for every reader until an editor
publishes something: the course it belongs to, the course's lesson list with their addresses, the
page's translations (`hreflang`), its locale, whether it has view restrictions. Computing those is
most of a lesson's queries. Here each is computed once per web process and page-cache generation and
then read from the process's memory: no query and no cache round trip.

What keeps it correct:
- every fact is filed under the page cache's generation (lms.page_cache), which publishing,
  unpublishing, moving or deleting any page, a view restriction, a site or a locale replaces. The
  generation is read from the shared cache once per request (the route middleware has already read it
  for a Wagtail page), so every process sees a publication at its next request;
- the generation is read before any fact is computed: a fact computed while a publication commits is
  filed under the generation that publication ends;
- only facts about published pages that are the same for every reader are kept (never anything of a
  user's), as plain values or copies: a caller cannot change what the next request gets;
- each process keeps at most MEMO_ENTRIES facts (the least recently used go first) for MEMO_SECONDS at
  most, and those of an older generation are never read again.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.http import HttpRequest
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction, Site

from .page_cache import page_cache_generation

T = TypeVar("T")

MEMO_ENTRIES = 4096
# A fact is computed again after this long in any case: a generation whose successor could not be
# started (the cache failed at a publication's commit) is not trusted for longer.
MEMO_SECONDS = 300
_MISSING = object()

_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def request_generation(request: HttpRequest | None) -> int | None:
    """The page-cache generation this request works in, read once per request (None without a request
    or when the cache does not have one)."""
    if request is None:
        return None
    if not hasattr(request, "page_cache_generation"):
        request.page_cache_generation = page_cache_generation()
    return request.page_cache_generation


def page_memo(request: HttpRequest | None, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for (`name`, `key`) in this request's generation: computed once per process
    and generation, then remembered (see the module). The value is shared between requests: return
    something immutable, or use `page_memo_copy` for model instances. Without a generation (no request,
    or no cache answer) it is simply computed."""
    generation = request_generation(request)
    if generation is None:
        return compute()
    entry = (generation, name, key)
    now = time.monotonic()
    with _lock:
        found = _entries.get(entry)
        if found is not None and found[0] > now:
            _entries.move_to_end(entry)
            return found[1]
    value = compute()
    with _lock:
        _entries[entry] = (now + MEMO_SECONDS, value)
        _entries.move_to_end(entry)
        while len(_entries) > MEMO_ENTRIES:
            _entries.popitem(last=False)
    return value


def _detached(instance):
    """A shallow copy of a model instance that shares no related objects with it (its cached parent,
    prefetched and related instances are left out: they are loaded again if asked for)."""
    duplicate = copy.copy(instance)
    duplicate.__dict__.pop("_cached_parent_obj", None)
    duplicate.__dict__.pop("_prefetched_objects_cache", None)
    duplicate._state.fields_cache = {}
    return duplicate


def page_memo_copy(request: HttpRequest | None, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`page_memo` for a model instance (or None): what is kept, and what each caller gets, is a copy
    that shares no related objects, so an attribute set on it for one request (a done mark, a cached
    relation) is not seen by the next. (Field values are shared: a StreamField's value is only read.)"""

    def detached():
        value = compute()
        return _detached(value) if value is not None else None

    value = page_memo(request, name, key, detached)
    return _detached(value) if value is not None else None


def page_memo_site(request: HttpRequest) -> Site | None:
    """The Wagtail site of the request's host and port, as `Site.find_for_request` finds it, remembered
    (sites change only with a new generation) and handed to Wagtail for the rest of the request: a view
    that is not a Wagtail page then builds page addresses without a query for the site."""
    if not hasattr(request, "_wagtail_site"):
        request._wagtail_site = page_memo_copy(
            request,
            "site",
            (request._get_raw_host(), request.get_port()),
            lambda: Site.find_for_request(request),
        )
    return request._wagtail_site


def page_memo_forget() -> None:
    """Forget every remembered fact of this process (tests; a new generation makes them unreadable
    anyway)."""
    with _lock:
        _entries.clear()


class RememberedViewRestrictionsMixin:
    """For a page model: its view restrictions (its own and its ancestors', which Wagtail checks before
    serving it) are looked up once per process and generation, as the ids of the restrictions (adding,
    changing or removing one starts a new generation; a restriction's groups are read when it is
    checked). A page without any, most of them, then costs no query for them at all."""

    def get_view_restrictions(self):
        remembered = self.__dict__.get("_remembered_view_restriction_ids")
        if remembered is None:
            return super().get_view_restrictions()
        if not remembered:
            return PageViewRestriction.objects.none()
        return PageViewRestriction.objects.filter(pk__in=remembered)


@hooks.register("before_serve_page", order=-100)
def _remember_view_restrictions(page: Page, request: HttpRequest, serve_args, serve_kwargs) -> None:
    """Before Wagtail checks a page's view restrictions (and the page cache asks whether there are
    any), hands it the remembered ones (see RememberedViewRestrictionsMixin)."""
    if isinstance(page, RememberedViewRestrictionsMixin):
        page._remembered_view_restriction_ids = page_memo(
            request,
            "view-restrictions",
            page.pk,
            lambda: tuple(page.get_view_restrictions().values_list("pk", flat=True)),
        )
