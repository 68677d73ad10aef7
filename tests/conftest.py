import pytest

# The fixtures through which a test reaches the database (pytest-django's, and `live_server`, whose
# pages read it); `django_db_setup` also stands for a module's data loaded once (tests/demo/conftest.py).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (CI's SQLite pass: the others give the same "
        "answer on any database, and the PostgreSQL pass runs them)",
    )


def uses_database(item) -> bool:
    """Whether the test reaches the database: a `django_db` mark, a database fixture among all the
    fixtures it uses, or a Django test case class with a database."""
    from django.test import TransactionTestCase

    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    return cls is not None and issubclass(cls, TransactionTestCase)


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    kept, dropped = [], []
    for item in items:
        (kept if uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploaded and private files into its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (dashboards, import progress and rate limits live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the settings' language: a request with another Accept-Language (or a
    `translation.activate`) in an earlier test must not change the language of the next one's messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
