"""The `django.contrib.sites` record the platform's e-mails are signed with (allauth reads the current
site's name and domain for the subject prefix and the signature)."""

from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.sites.models import Site


def site_domain() -> str:
    """The host (and port, when not the default) of `SITE_URL`."""
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def site_url(path: str) -> str:
    """The absolute address of *path* on the platform's public address (`SITE_URL`), for links that
    leave the site in e-mails: never built from a request's Host, which may be an internal name."""
    return urljoin(settings.SITE_URL, path)


def site_sync(**kwargs) -> None:
    """Give the current site (`SITE_ID`) the domain of `SITE_URL` and the name `WAGTAIL_SITE_NAME`.

    Connected to `post_migrate`, so every `migrate` brings the record in line with the settings of the
    deployment (the data migration `lms.0002_site_from_settings` does it once for databases migrated
    before)."""
    domain, name = site_domain(), settings.WAGTAIL_SITE_NAME
    site, created = Site.objects.get_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": name})
    if not created and (site.domain, site.name) != (domain, name):
        site.domain, site.name = domain, name
        site.save(update_fields=["domain", "name"])
