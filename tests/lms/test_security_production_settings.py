"""Production settings refuse to start without a way to send e-mail (reset and verification links would
only reach the log) or without the shared Redis cache, and leave HSTS preload off unless asked."""

from __future__ import annotations

import pytest

from tests.lms.production import production_settings


def test_production_starts_with_everything_set():
    """With every required variable the settings load, with SMTP from EMAIL_URL and the Redis cache."""
    loaded = production_settings("EMAIL_BACKEND", "EMAIL_HOST", "CACHES")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded.values["EMAIL_HOST"] == "mail.example"
    assert loaded.values["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"


@pytest.mark.parametrize("extra", [{}, {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}])
def test_production_refuses_to_start_without_email_url(extra):
    """No EMAIL_URL (and no delivering backend named instead): ImproperlyConfigured naming EMAIL_URL."""
    loaded = production_settings("EMAIL_BACKEND", EMAIL_URL="", **extra)
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert "EMAIL_URL must be set in production" in loaded.stderr


def test_production_accepts_an_explicit_delivering_email_backend():
    """Instead of EMAIL_URL, an explicitly chosen backend that delivers mail (SMTP here) is accepted."""
    loaded = production_settings(
        "EMAIL_BACKEND", EMAIL_URL="", EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_refuses_to_start_without_redis_url():
    """No REDIS_URL: ImproperlyConfigured naming REDIS_URL (rate limits and progress need one cache)."""
    loaded = production_settings("CACHES", REDIS_URL="")
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert "REDIS_URL must be set in production" in loaded.stderr


def test_hsts_preload_is_opt_in():
    """HSTS is sent with subdomains, but preloading (hard to undo) only when SECURE_HSTS_PRELOAD is set."""
    default = production_settings("SECURE_HSTS_PRELOAD", "SECURE_HSTS_SECONDS", "SILENCED_SYSTEM_CHECKS")
    assert default.returncode == 0, default.stderr
    assert default.values["SECURE_HSTS_PRELOAD"] is False
    assert default.values["SECURE_HSTS_SECONDS"] == 31536000
    opted_in = production_settings("SECURE_HSTS_PRELOAD", "SILENCED_SYSTEM_CHECKS", SECURE_HSTS_PRELOAD="1")
    assert opted_in.returncode == 0, opted_in.stderr
    assert opted_in.values["SECURE_HSTS_PRELOAD"] is True
    assert "security.W021" not in (opted_in.values["SILENCED_SYSTEM_CHECKS"] or [])
