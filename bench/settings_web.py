"""The web benchmark's settings (bench/web.py): production's, served over plain HTTP on loopback.

Production marks its cookies Secure and redirects to HTTPS, which the reverse proxy terminates; the
benchmark has no proxy, so the load generator talks HTTP to gunicorn directly and would neither be
redirected nor send its cookies back. Its static files are collected apart from a deployment's.
Nothing else differs from production."""

from lms.settings.production import *  # noqa: F403
from lms.settings.production import BASE_DIR

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = BASE_DIR / "var" / "bench-static"  # not the deployment's static_collected
