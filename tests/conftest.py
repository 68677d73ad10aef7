import pytest


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
