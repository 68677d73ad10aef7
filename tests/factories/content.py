"""The site's own pages: the personal-data policy."""

from __future__ import annotations

import datetime

import factory

from content.models import PrivacyPolicyPage

from .courses import PageFactory, home_page


class PrivacyPolicyPageFactory(PageFactory):
    """A published personal-data policy below the home page; `policy_version_publish` gives it a new
    version the way an editor does."""

    class Meta:
        model = PrivacyPolicyPage

    parent = factory.LazyFunction(home_page)
    title = "Personal data policy"
    slug = factory.Sequence(lambda n: f"personal-data-{n}")
    version = "1"
    effective_date = datetime.date(2026, 9, 1)
    intro = "What the portal processes and why."


def policy_version_publish(page: PrivacyPolicyPage, version: str) -> PrivacyPolicyPage:
    """Publish a revision of the policy page with a new version label, as an editor in Wagtail does."""
    page.version = version
    page.save_revision().publish()
    return PrivacyPolicyPage.objects.get(pk=page.pk)
