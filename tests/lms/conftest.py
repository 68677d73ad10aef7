import pytest


@pytest.fixture(autouse=True)
def _site_pages(db):
    """The home page and site root the data migration makes (a transactional test elsewhere in the
    session may have emptied the tables)."""
    from content.services import site_structure_ensure

    site_structure_ensure()
