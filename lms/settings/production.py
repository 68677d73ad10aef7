"""Production settings: every secret and address comes from the environment, and the process refuses to
start without them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, EMAIL_BACKEND, MIDDLEWARE, OAUTH2_PROVIDER, REDIS_URL, SITE_URL, STATIC_ROOT, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")
# Server-to-server calls reach gunicorn directly, over plain HTTP and under an internal name, not through
# the TLS proxy: the hub's OAuth token and userinfo calls (its PORTAL_INTERNAL_URL, e.g. http://web:8000)
# and health probes run inside the container (127.0.0.1). Those names are allowed as well (INTERNAL_HOSTS:
# `web` in compose, the Service's names on Kubernetes). Nobody outside can use them: the TLS proxy
# forwards only the public names (docker/nginx/lyceum.conf.template answers any other name with nothing).
INTERNAL_HOSTS = env.list("INTERNAL_HOSTS", default=["127.0.0.1", "localhost"])
ALLOWED_HOSTS = [*env.list("ALLOWED_HOSTS"), *INTERNAL_HOSTS]
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Password-reset and verification links must reach people: SMTP from EMAIL_URL, or a backend that
# delivers named in EMAIL_BACKEND. The development default (console) would only write them to the log.
_UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
if not env("EMAIL_URL", default="") and EMAIL_BACKEND in _UNDELIVERED_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        "EMAIL_URL must be set in production (e.g. smtp+tls://user:password@mail.example:587), or "
        "EMAIL_BACKEND to a backend that delivers mail: otherwise password-reset and verification "
        "e-mails only reach the log."
    )
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (e.g. redis://redis:6379/0): the cache every web and worker "
        "process shares (log-in rate limits, import progress, dashboard refreshes) and, unless "
        "CELERY_BROKER_URL is set, the Celery broker."
    )
# The portal runs behind a reverse proxy (TLS): the log-in rate limits count per client address, the
# right-most X-Forwarded-For entry it appends. Set the number of proxies of our own in front.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Plain HTTP is redirected to HTTPS except where only servers call, straight to gunicorn: the probes and
# the OAuth endpoints the hub calls server-to-server (token, userinfo, and the discovery documents and
# signing keys). Browsers come through the TLS proxy, which redirects plain HTTP itself.
SECURE_REDIRECT_EXEMPT = [
    r"^healthz$",
    r"^readyz$",
    r"^oauth/token/$",
    r"^oauth/userinfo/$",
    r"^oauth/\.well-known/",
]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is hard to undo (browsers ship the list): opt in with SECURE_HSTS_PRELOAD=1 once the domain
# and every subdomain serve HTTPS for good. Until then `check --deploy` is not asked to warn about it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Where docker/bin/collect-static.sh puts them (the image: at build time; elsewhere: any directory).
STATIC_ROOT = env.path("STATIC_ROOT", default=STATIC_ROOT)
MIDDLEWARE = list(MIDDLEWARE)
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:
    raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY must be set in production (a PEM RSA private key).")
# The issuer is the public address, whichever name a request came in by: the hub fetches its tokens under
# an internal name (http://web:8000), and the `iss` of those ID tokens must still be the portal's own.
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOWED_SCHEMES": ["https"],
    "OIDC_ISS_ENDPOINT": env("OIDC_ISS_ENDPOINT", default=f"{SITE_URL.rstrip('/')}/oauth"),
}
# Student code runs only in an isolated sandbox: a grading worker whose sandbox is not isolated refuses
# the grading queue (see grading.worker) rather than grade unconfined. There is no opt-out here.
if not env.bool("GRADING_SANDBOX_REQUIRE_ISOLATION", default=True):
    raise ImproperlyConfigured(
        "GRADING_SANDBOX_REQUIRE_ISOLATION cannot be turned off in production: student code would run "
        "unconfined. Give the grading workers what the sandbox needs (see docker/compose.yaml)."
    )
GRADING_SANDBOX_REQUIRE_ISOLATION = True
