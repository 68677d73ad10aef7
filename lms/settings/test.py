"""Settings for the test suite: fast hashing, in-memory e-mail, no real broker unless a test asks."""

from ._local_secrets import local_rsa_key
from .base import *  # noqa: F403
from .base import DATABASES, OAUTH2_PROVIDER, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests build pages with factories, which publish nothing (so purge nothing): the page cache is on only
# in its own tests (tests/content/test_page_cache.py).
PAGE_CACHE_SECONDS = 0
MEDIA_ROOT = VAR_DIR / "test-media"
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
LANGUAGE_CODE = "en"
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "OIDC_RSA_PRIVATE_KEY": OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    or local_rsa_key(VAR_DIR / "oidc_rsa_key.pem"),
}
