"""Fixtures of the demo tests: the site pages and municipalities the demo builds on, and the whole demo
loaded once per module."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from content.services import site_structure_ensure
from tests.services import ensure_reference_regions


@pytest.fixture(autouse=True)
def _site_pages_and_regions(request):
    """The home page, site root and 45 municipalities the data migrations make (a transactional test
    elsewhere in the session may have emptied the tables)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        site_structure_ensure()
        ensure_reference_regions()


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The demo loaded once for a test module and rolled back after it (seeding takes seconds); the
    value is what `seed_demo` printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        site_structure_ensure()
        ensure_reference_regions()
        out = io.StringIO()
        call_command("seed_demo", "--force", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
