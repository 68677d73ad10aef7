"""Reads of the site's own pages."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from wagtail.coreutils import get_supported_content_language_variant

from lms.consent import Policy

from .models import PrivacyPolicyPage

POLICY_CACHE_KEY = "content:privacy-policy:current"
_NONE = "none"


def privacy_policy_current() -> Policy | None:
    """The personal-data policy in force: the live policy page of the default language with the latest
    effective date (a translation shares its version). Kept in the cache, emptied whenever a policy page
    is saved, published, unpublished or deleted (`privacy_policy_forget`), since every signed-in request
    asks for it."""
    cached = cache.get(POLICY_CACHE_KEY)
    if cached == _NONE:
        return None
    if cached is not None:
        return Policy(**cached)
    pages = list(
        PrivacyPolicyPage.objects.live()
        .select_related("locale")
        .order_by("-effective_date", "-last_published_at", "-pk")
    )
    default = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    page = next((p for p in pages if p.locale.language_code == default), pages[0] if pages else None)
    policy = (
        Policy(
            version=page.version,
            url=page.get_url() or page.url_path,
            effective_date=page.effective_date,
            title=page.title,
        )
        if page is not None
        else None
    )
    cache.set(POLICY_CACHE_KEY, policy.__dict__ if policy else _NONE, timeout=3600)
    return policy


def privacy_policy_forget(**kwargs) -> None:
    """Signal receiver: the policy may have changed, look it up again."""
    cache.delete(POLICY_CACHE_KEY)
