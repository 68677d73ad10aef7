"""The reader's language, for the interface and for the content.

Pages are translated with Wagtail's own localisation (one page tree per language, linked by the
pages' translation keys; see docs/portal.md#content-in-tatar). The language decides both the interface
(Django's catalogues) and which tree a page address is routed in:

- a page address may carry a language prefix (`/tt/catalog/`): the page in that language, whatever the
  visitor chose before; the default language has no prefix (`/catalog/`), so every address published
  before the translations existed still works;
- without a prefix, the visitor's choice decides (the language cookie, else the browser's
  Accept-Language), for pages as for every other part of the site: `/catalog/` then serves the Tatar
  catalogue to a visitor who chose Tatar. Only page addresses are prefixed: the learning pages,
  dashboards, accounts, the API, the OpenID Connect provider and the hub's addresses are not;
- the language switcher sets the cookie and sends the visitor back to the same page in the new
  language (`language_switch`);
- a page that has translations names them in its head for search engines (`page_alternates`).

A page that is not translated yet exists in the other trees as an alias of the original (Wagtail's
simple translation keeps the trees in step): it shows the original's content, with a notice saying so
(`content_fallback`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from .page_memo import page_memo, page_memo_copy

SERVE_URL_NAME = "wagtail_serve"


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that an address without a language prefix keeps the visitor's
    chosen language instead of the default one (Django's rule with `prefix_default_language=False`):
    only page addresses are prefixed, and `/learning/` must stay in the language the visitor chose."""

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_request(request, check_path=True)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _bare_path(path: str) -> str:
    """The path without its language prefix, if it has one."""
    language = translation.get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


def language_url(path: str, language: str) -> str:
    """The address of `path` (with or without a language prefix, with its query string) in `language`:
    a page address gets that language's prefix (none for the default language); any other address is
    the same in every language."""
    path, _, query = path.partition("?")
    bare = _bare_path(path)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            match = resolve(bare)
        except Resolver404:
            match = None
    if match is not None and match.url_name == SERVE_URL_NAME:
        with translation.override(language):
            bare = reverse(SERVE_URL_NAME, args=match.args, kwargs=match.kwargs)
    return f"{bare}?{query}" if query else bare


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's `set_language`, returning to the same page in the chosen language (its address under
    the language's prefix) rather than to the address it was read at."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if not translation.check_for_language(language) or language not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(next_url)
    target = language_url(next_url, language)
    # Dropping the prefix of `/tt//evil.example/` leaves `//evil.example/`: check the result again.
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def content_fallback(page: Page, request: HttpRequest | None = None) -> Locale | None:
    """The locale whose content `page` shows instead of the reader's language, or None when the page is
    in the reader's language: an untranslated page (an alias of a page in another locale), or a page
    served in a language that has no content of its own (English when only Russian and Tatar pages
    exist)."""
    try:
        reader = get_supported_content_language_variant(translation.get_language())
    except LookupError:
        reader = None
    if page.alias_of_id is not None:
        original = Page.objects.filter(pk=page.alias_of_id).select_related("locale").first()
        if original is not None and original.locale_id != page.locale_id:
            return original.locale
    # Locales change only with a new page-cache generation: remembered (lms.page_memo).
    locale = page_memo_copy(request, "locale", page.locale_id, lambda: page.locale)
    if reader is not None and locale.language_code != reader:
        return locale
    return None


def page_alternates(page: Page, request: HttpRequest) -> list[tuple[str, str]]:
    """The `hreflang` alternates of a translated page: (language code, absolute address) for each live
    page of its translation group in a language of its own (aliases, which show another language's text,
    are not translations), then ("x-default", the default language's address). Empty for a page without
    translations and for an alias: nothing to name then. One query, once per web process and
    publication (lms.page_memo)."""
    if page.alias_of_id is not None:
        return []
    return list(
        page_memo(
            request,
            "page-alternates",
            (page.pk, request.scheme, request.get_host()),
            lambda: tuple(_page_alternates(page, request)),
        )
    )


def _page_alternates(page: Page, request: HttpRequest) -> list[tuple[str, str]]:
    translations = (
        Page.objects.live()
        .public()
        .filter(translation_key=page.translation_key, alias_of__isnull=True)
        .select_related("locale")
        .order_by("locale__language_code")
    )
    languages = {code for code, _name in settings.LANGUAGES}
    alternates = []
    for translated in translations:
        url = translated.get_url(request=request)
        # A translation outside every site has no address (build_absolute_uri(None) would name this one).
        if url is not None and translated.locale.language_code in languages:
            alternates.append((translated.locale.language_code, request.build_absolute_uri(url)))
    if len(alternates) < 2:
        return []
    # The default language's address has no prefix and is the one for readers of any other language.
    default = dict(alternates).get(settings.LANGUAGE_CODE)
    if default:
        alternates.append(("x-default", default))
    return alternates
