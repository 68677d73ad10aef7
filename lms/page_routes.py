"""Wagtail's page routing, remembered: which page an address leads to, kept in the cache.

Wagtail finds the page for an address by walking the page tree from the site's root, one slug at a
time: for a lesson (`/catalog/<track>/<course>/<lesson>/`) that is the site, the locale and two queries
per level, about a dozen queries before the page does anything. Here the answer (the site, and the page's
id and model) is kept in the cache per host, port, language and path, and a later request loads the
page itself in one query and hands both to Wagtail, which then serves it as usual (its view
restrictions, hooks and `serve()` all run).

What keeps it correct:
- an answer is kept in the page cache's generation (lms.page_cache): publishing, unpublishing, moving
  or deleting any page, and any change to the sites or the locales, starts a new one;
- a page loaded from a remembered answer that is no longer live, or no longer there, is routed afresh;
- only the plain route is remembered (a page with nothing left of the path, no arguments), and nothing
  at all when a page model of the project routes in its own way (overrides `route()`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as memoize

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Locale, Page, Site, get_page_models
from wagtail.url_routing import RouteResult

from .page_cache import GENERATION_KEY, page_cache_generation, page_cache_purge

# A remembered route outlives its generation by this long at most (a new generation overwrites it at the
# next request anyway).
ROUTE_SECONDS = 24 * 60 * 60
SITE_FIELDS = ("id", "hostname", "port", "site_name", "root_page_id", "is_default_site")


@memoize
def _routing_is_plain() -> bool:
    """Whether every page model routes as Wagtail's Page does (by slug, to the page itself)."""
    return all(model.route is Page.route for model in get_page_models())


def _key(request: HttpRequest, path: str) -> str:
    address = f"{request._get_raw_host()}\n{request.get_port()}\n{translation.get_language()}\n{path}"
    return f"page-route:{hashlib.sha256(address.encode()).hexdigest()}"


def _page(page_id: int, content_type_id: int) -> Page | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    page = model._default_manager.filter(pk=page_id).first()
    return page if page is not None and page.live else None


def page_routes_connect() -> None:
    """Sites and locales are part of routing too: a change to them forgets every remembered route
    (pages are covered by the page cache's own signals). Called when the app is ready."""
    for model in (Site, Locale):
        post_save.connect(page_cache_purge, sender=model, dispatch_uid=f"page-routes-{model.__name__}-saved")
        post_delete.connect(
            page_cache_purge, sender=model, dispatch_uid=f"page-routes-{model.__name__}-deleted"
        )


class PageRouteCacheMiddleware:
    """Hands Wagtail's serving view the site and page of a remembered route (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if view_func is not wagtail_views.serve or not _routing_is_plain():
            return None
        path = view_kwargs.get("path", view_args[0] if view_args else "")
        key = _key(request, path)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        remembered = found.get(key)
        if generation is not None:
            request.page_cache_generation = generation  # for lms.page_memo: one read per request
        if generation is not None and remembered is not None and remembered[0] == generation:
            _generation, site_fields, page_id, content_type_id = remembered
            page = _page(page_id, content_type_id)
            if page is not None:
                request._wagtail_site = Site(**site_fields)
                request._wagtail_route_for_request = RouteResult(page)
                return None
        # The generation before the route: a move committed in between then starts a newer one, and the
        # route found here is never remembered as current.
        if generation is None:
            generation = request.page_cache_generation = page_cache_generation()
        route = Page.route_for_request(request, path)
        site = getattr(request, "_wagtail_site", None)
        if route is None or site is None or generation is None:
            return None
        page, args, kwargs = route
        if args or kwargs:
            return None
        site_fields = {name: getattr(site, name) for name in SITE_FIELDS}
        cache.set(key, (generation, site_fields, page.pk, page.content_type_id), timeout=ROUTE_SECONDS)
        return None
