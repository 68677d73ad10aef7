"""`{% content_fallback_notice page %}`: says so when a page is shown in another language than the
reader's because it has not been translated; `{% content_alternates page %}`: the `hreflang` links of a
translated page, in the head (see lms.i18n)."""

from django import template
from django.utils.translation import get_language_info
from wagtail.models import Page

from lms.i18n import content_fallback, page_alternates

register = template.Library()


@register.inclusion_tag("lms/includes/content_fallback.html", takes_context=True)
def content_fallback_notice(context, page: Page | None) -> dict:
    locale = content_fallback(page, context.get("request")) if isinstance(page, Page) else None
    if locale is None:
        return {"fallback": None}
    return {"fallback": locale, "language": get_language_info(locale.language_code)["name_translated"]}


@register.inclusion_tag("lms/includes/content_alternates.html", takes_context=True)
def content_alternates(context, page: Page | None) -> dict:
    request = context.get("request")
    if not isinstance(page, Page) or request is None:
        return {"alternates": []}
    return {"alternates": page_alternates(page, request)}
