import io

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(autouse=True)
def _site_pages(request):
    """The home page and site root the data migration makes (a transactional test elsewhere in the
    session may have emptied the tables)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from content.services import site_structure_ensure

        request.getfixturevalue("db")
        site_structure_ensure()


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The demo loaded once for a test module and rolled back after it (seeding takes seconds)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        from content.services import site_structure_ensure

        site_structure_ensure()
        call_command("seed_demo", "--force", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
