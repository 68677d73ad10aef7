"""Sign the platform's e-mails with its own name and domain (from SITE_URL and WAGTAIL_SITE_NAME)
instead of django.contrib.sites' placeholder "example.com"."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def site_from_settings(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.WAGTAIL_SITE_NAME}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(site_from_settings, migrations.RunPython.noop)]
