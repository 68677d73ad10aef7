import pytest


@pytest.fixture(autouse=True)
def _site_pages(request):
    """The home page and site root the data migration makes (a transactional test elsewhere in the
    session may have emptied the tables)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from content.services import site_structure_ensure

        request.getfixturevalue("db")
        site_structure_ensure()
