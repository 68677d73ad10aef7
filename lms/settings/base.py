"""Settings shared by every environment. Everything that differs between machines comes from the
environment (see docs/configuration.md); with nothing set, the platform runs on one machine with SQLite
and an embedded Celery broker. Each setting is assigned once, in the section of the part it serves."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from lms.observability.logs import logging_config, structlog_configure
from lms.observability.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_SITE_NAME = "IT-Lyceum"

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "oauth2_provider",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
    "django_structlog",
]
LOCAL_APPS = [
    "lms",
    "lyceums",
    "courses",
    "grading",
    "hub",
    "content",
    "privacy",
    "demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # Answers /metrics on the metrics listener only, before the public site's host and HTTPS checks.
    "lms.observability.metrics.MetricsEndpointMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "lms.static_files.StaticFilesMiddleware",  # WhiteNoise (see the module for what it adds)
    # Public pages as anonymous visitors see them, from the cache, before the session, language, CSRF
    # and authentication middleware a cached page does not need (see the module; PAGE_CACHE_SECONDS).
    "lms.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language from the page address's prefix, else their choice (see lms/i18n.py).
    "lms.i18n.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Binds a request id (and the user id) to every log line of the request and the tasks it queues.
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A signed-in person who has not accepted the current personal-data policy sees the consent page first.
    "lms.consent.ConsentRequiredMiddleware",
    # The page an address leads to, remembered (see the module): a page costs one query to find.
    "lms.page_routes.PageRouteCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's allauth templates (lms/templates/account/) must win over allauth's own, which
        # the app-directories loader would find first (allauth precedes lms in INSTALLED_APPS).
        "DIRS": [BASE_DIR / "lms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.context_processors.platform",
            ],
        },
    },
]

# --- Database: SQLite on one machine, DATABASE_URL (PostgreSQL) everywhere else.
VAR_DIR.mkdir(exist_ok=True)
_database = env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
_database["ATOMIC_REQUESTS"] = False
_database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the Celery worker read while the other writes.
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    _database["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _database["OPTIONS"].setdefault("timeout", 20)
DATABASES = {"default": _database}
IS_POSTGRES = _database["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts: the e-mail address is the login.
AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Answers the territory permissions (`lyceums.*`) that `courses` asks through `user.has_perm`.
    "lyceums.permissions.TerritoryBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "courses:my_learning"
# One log-in page for the whole site, allauth's, which enforces e-mail verification and the rate limits:
# lms/urls.py puts `lms.views.portal_login` at the Wagtail admin's, the Django admin's and Wagtail's
# private-page log-in addresses, which those keep redirecting to. E-mail changes and password resets go
# through allauth too: Wagtail's versions would skip verification and the rate limits.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.SignupForm"
# Normalises every address allauth accepts as the accounts do (look-alike addresses are refused).
ACCOUNT_ADAPTER = "lms.accounts.AccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# E-mail subjects start with the platform's name (allauth's default is the current Site's name, which
# lms/sites.py keeps in line with WAGTAIL_SITE_NAME and SITE_URL).
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{WAGTAIL_SITE_NAME}] "
# How long the link e-mailed to a parent or guardian of a learner under 14 confirms the consent to the
# processing of personal data (lms.consent), in seconds: a week by default.
GUARDIAN_CONSENT_LINK_MAX_AGE = env.int("GUARDIAN_CONSENT_LINK_MAX_AGE", default=7 * 24 * 3600)

# --- Sign-in through an external OpenID Connect provider (the republic's ESIA gateway, say), off unless
# EXTERNAL_OIDC_SERVER_URL is set. An external sign-in never takes over an existing account by itself:
# linking needs an address the provider verified and the account's own password (lms.external_login).
EXTERNAL_OIDC_SERVER_URL = env("EXTERNAL_OIDC_SERVER_URL", default="")
SOCIALACCOUNT_ADAPTER = "lms.external_login.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env("EXTERNAL_OIDC_ID", default="external"),
                "name": env("EXTERNAL_OIDC_NAME", default="Госуслуги"),
                "client_id": env("EXTERNAL_OIDC_CLIENT_ID", default=""),
                "secret": env("EXTERNAL_OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": EXTERNAL_OIDC_SERVER_URL, "fetch_userinfo": True},
            }
        ]
        if EXTERNAL_OIDC_SERVER_URL
        else [],
    }
}
# The per-address rate limits take the client's address from X-Forwarded-For only behind this many
# reverse proxies of our own (the right-most entries; what the client wrote itself is ignored). 0 uses
# the address of the connection: right on one machine, wrong behind a proxy (everyone would share the
# proxy's allowance). Production trusts 1 by default.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="IT-Lyceum <noreply@it-lyceum.example>")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))

# --- Internationalisation: English source strings, Russian and Tatar catalogues.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("tt", _("Tatar")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Pages are translatable: one page tree per content language (a Locale added in the admin), kept in step
# with the default language's tree, where an untranslated page is an alias of its original (lms/i18n.py).
WAGTAIL_I18N_ENABLED = True
WAGTAILSIMPLETRANSLATION_SYNC_PAGE_TREE = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "lms" / "locale"]
# Django ships no Tatar formats (dates would be American, 01/14/2027): the portal's own are in lms/formats.
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Production stores static files with WhiteNoise's CompressedManifestStaticFilesStorage: hashed names
# served with far-future cache headers, and gzip and Brotli copies. Source maps are fetched only by
# developer tools: compressing them would only slow collectstatic down.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Cache: Redis when configured (shared by every machine), else files in var/cache (shared by the web
# server and the Celery worker of one machine: import progress and statistics refreshes go through it).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # django-redis: one Redis client per process, kept (Django's own backend makes one per call).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read from the cache (written to the database as well, so a cache restart signs nobody out):
# a signed-in page then pays no query for its session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Public pages are served to anonymous visitors from the cache for this long at most (emptied on every
# publication anyway: lms.page_cache); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)
# Which main-menu entries a signed-in user sees (their roles) is kept this long (lms.navigation); 0: asked
# on every page.
NAV_CACHE_SECONDS = env.int("NAV_CACHE_SECONDS", default=60)
# The query parameters a cached page's address may carry (the catalogue's filters, whose values are
# choices); an address with any other (a free-text search, a tracking tag) is rendered, never stored.
PAGE_CACHE_QUERY_PARAMETERS = env.list(
    "PAGE_CACHE_QUERY_PARAMETERS", default=["track", "audience", "level", "format"]
)

# --- Celery: Redis (or any broker URL) in production, an embedded file-system broker on one machine.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange tables (kombu writes them to ./control unless told otherwise).
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = "default"
# The grading periodic tasks run on `default`: on the `grading` queue they would wait behind the very
# backlog they watch. Exact task names are matched before patterns; they are listed first all the same.
CELERY_TASK_ROUTES = {
    "grading.tasks.requeue_stuck_submissions": {"queue": "default"},
    "grading.tasks.reconcile_completions": {"queue": "default"},
    "grading.tasks.*": {"queue": "grading"},
    "privacy.*": {"queue": "default"},
}
# Statistics are rebuilt every 10 minutes and coordinators get their weekly report on Monday morning;
# the grading sweeper and the completion reconciliation run on `default` (see the routes above).
CELERY_BEAT_SCHEDULE = {
    "lyceums-stats-refresh": {"task": "lyceums.stats_refresh", "schedule": 600.0},
    "lyceums-weekly-reports": {
        "task": "lyceums.weekly_reports",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
    "grading-requeue-stuck": {
        "task": "grading.tasks.requeue_stuck_submissions",
        "schedule": 60.0,
        "options": {"queue": "default"},
    },
    "grading-reconcile-completions": {
        "task": "grading.tasks.reconcile_completions",
        "schedule": 300.0,
        "options": {"queue": "default"},
    },
    # Long-inactive accounts are warned, then anonymised (PERSONAL_DATA_INACTIVE_DAYS below).
    "privacy-inactive-accounts": {
        "task": "privacy.inactive_accounts_sweep",
        "schedule": crontab(hour=3, minute=30),
    },
    # Anonymised people's hub users still owed a deletion and idle for a while are queued again.
    "hub-user-deletions-requeue": {
        "task": "hub.user_deletions_requeue",
        "schedule": 300.0,
        "options": {"queue": "default"},
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- Wagtail.
# Course texts are mostly Russian: PostgreSQL full-text search stems them as Russian (the SQLite backend
# ignores the option). After changing it, rebuild the index with `manage.py update_index`.
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": env("SEARCH_CONFIG", default="russian"),
    }
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "zip", "ipynb", "txt", "csv"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# --- REST API, and the OpenID Connect provider JupyterHub logs in with.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    # A session, or an OAuth token granted the `read` scope (not the hub's log-in scopes).
    "DEFAULT_PERMISSION_CLASSES": ["lms.permissions.IsAuthenticatedWithApiScope"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IT-Lyceum Platform API",
    "DESCRIPTION": "Statistics, courses and grading for the IT-lyceum network.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["lms.api.only_public_api"],
}
OIDC_RSA_PRIVATE_KEY = env("OIDC_RSA_PRIVATE_KEY", default="")
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name and e-mail",
        "email": "Your e-mail address",
        "groups": "Your roles on the platform",
        "read": "Read the statistics API",
    },
    # A client that names no scope gets `openid` only: `read` (the REST API) is never implied.
    "DEFAULT_SCOPES": ["openid"],
    # The ID token and userinfo claims JupyterHub receives (name, e-mail, roles as groups).
    "OAUTH2_VALIDATOR_CLASS": "hub.oidc.PortalOAuth2Validator",
    "ALLOWED_SCHEMES": env.list("OAUTH_ALLOWED_SCHEMES", default=["https", "http"]),
}

# --- The platform's own settings.
JUPYTERHUB_URL = env("JUPYTERHUB_URL", default="http://127.0.0.1:8001")
JUPYTERHUB_API_TOKEN = env("JUPYTERHUB_API_TOKEN", default="")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-password")

# --- What operators see (lms.observability): JSON log lines carrying a request id into the Celery tasks
# a request queues, Prometheus metrics on a port of their own, Sentry when SENTRY_DSN is set.
LOG_FORMAT = env("LOG_FORMAT", default="json")  # "json", or "console" for a developer's terminal
LOGGING = logging_config(level=env("LOG_LEVEL", default="INFO"), json=LOG_FORMAT == "json")
structlog_configure()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The reverse proxy's X-Request-ID (nginx: `proxy_set_header X-Request-ID $request_id;`, which replaces
# whatever a client sent) becomes the request id, so its access log and ours can be matched.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=True)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too (see lms/celery.py)
METRICS_PORT = env.int("METRICS_PORT", default=0)  # 0: no metrics listener
SENTRY_DSN = env("SENTRY_DSN", default="")
sentry_init(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default="production"),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)

# --- JupyterHub: single sign-on through the portal's OpenID Connect provider, and the hub client.
JUPYTERHUB_PUBLIC_URL = env("JUPYTERHUB_PUBLIC_URL", default=JUPYTERHUB_URL).rstrip("/")
JUPYTERHUB_OAUTH_CLIENT_ID = env("JUPYTERHUB_OAUTH_CLIENT_ID", default="jupyterhub")
JUPYTERHUB_OAUTH_CLIENT_SECRET = env("JUPYTERHUB_OAUTH_CLIENT_SECRET", default="")
JUPYTERHUB_OAUTH_REDIRECT_URI = env(
    "JUPYTERHUB_OAUTH_REDIRECT_URI", default=f"{JUPYTERHUB_PUBLIC_URL}/hub/oauth_callback"
)
JUPYTERHUB_START_TIMEOUT = env.int("JUPYTERHUB_START_TIMEOUT", default=120)
# Seconds to connect to the hub (or a student's server) and to wait for each read from it; all the hub
# calls made for one page share JUPYTERHUB_REQUEST_BUDGET seconds (below the web worker's timeout).
JUPYTERHUB_REQUEST_TIMEOUT = env.float("JUPYTERHUB_REQUEST_TIMEOUT", default=5)
JUPYTERHUB_REQUEST_BUDGET = env.float("JUPYTERHUB_REQUEST_BUDGET", default=20)
# Lifetime of the per-user tokens the portal sends to a student's own server (scoped to that server).
JUPYTERHUB_USER_TOKEN_LIFETIME = env.int("JUPYTERHUB_USER_TOKEN_LIFETIME", default=300)
# Logging out of the portal also ends the hub session (see hub.views.signed_out).
JUPYTERHUB_LOGOUT_WITH_PORTAL = env.bool("JUPYTERHUB_LOGOUT_WITH_PORTAL", default=True)
ACCOUNT_LOGOUT_REDIRECT_URL = "/hub/signed-out/"

# --- Lyceum network: imports and dashboard statistics (their beat schedule is with Celery's above).
LYCEUM_IMPORT_MAX_BYTES = env.int("LYCEUM_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
LYCEUM_IMPORT_MAX_ROWS = env.int("LYCEUM_IMPORT_MAX_ROWS", default=20_000)  # people per roster file
# An XLSX roster whose parts declare more than this when unpacked is refused before it is unpacked.
LYCEUM_IMPORT_MAX_UNPACKED_BYTES = env.int("LYCEUM_IMPORT_MAX_UNPACKED_BYTES", default=30 * 1024 * 1024)
LYCEUM_IMPORT_SYNC_ROWS = 500  # larger files are imported by a Celery task with a progress bar
# Enrolments, completions and withdrawals refresh their lyceum's summary rows this many seconds later
# (changes in between coalesce into one refresh); beat rebuilds everything every 10 minutes.
LYCEUM_STATS_DEBOUNCE_SECONDS = env.int("LYCEUM_STATS_DEBOUNCE_SECONDS", default=5)

# --- Personal data (privacy): accounts nobody has used for this many days are anonymised by a daily beat
# task, after a warning e-mail sent this many days before (docs/personal-data.md).
PERSONAL_DATA_INACTIVE_DAYS = env.int("PERSONAL_DATA_INACTIVE_DAYS", default=3 * 365)
PERSONAL_DATA_WARNING_DAYS = env.int("PERSONAL_DATA_WARNING_DAYS", default=30)

# --- Grading.
# The engine that grades notebooks (the fork engine: nbgrader's scores, a pre-warmed fork server, tests
# decided outside the student's process), and the ones `manage.py grade --engine` may name.
GRADING_ENGINE = env("GRADING_ENGINE", default="fork")
GRADING_ENGINES = {
    "nbgrader": "grading.engines.nbgrader_engine.NbgraderEngine",
    "nbgrader-cli": "grading.engines.nbgrader_cli.NbgraderCliEngine",
    "fork": "grading.engines.fork_engine.ForkEngine",
}
GRADING_MAX_NOTEBOOK_BYTES = env.int("GRADING_MAX_NOTEBOOK_BYTES", default=5 * 1024 * 1024)
GRADING_MAX_DATA_FILE_BYTES = env.int("GRADING_MAX_DATA_FILE_BYTES", default=20 * 1024 * 1024)
GRADING_SANDBOX_LIMITS = {
    "notebook_seconds": env.float("GRADING_NOTEBOOK_SECONDS", default=120),
    "cell_seconds": env.int("GRADING_CELL_SECONDS", default=30),
    "cpu_seconds": env.int("GRADING_CPU_SECONDS", default=60),
    "memory_bytes": env.int("GRADING_MEMORY_BYTES", default=1536 * 1024 * 1024),
}
GRADING_SANDBOX_UID_BASE = env.int("GRADING_SANDBOX_UID_BASE", default=63000)
# Without namespaces (`unshare`: new mount, network and PID namespaces) student code would run with the
# worker's view of the machine: its network, its processes, the files its user can read. Production
# always requires them (grading is refused otherwise); turning this off is for a development machine
# without `unshare` only, and is UNSAFE with notebooks one does not trust.
GRADING_SANDBOX_REQUIRE_ISOLATION = env.bool("GRADING_SANDBOX_REQUIRE_ISOLATION", default=False)
# How many times one submission is run (redeliveries after a lost worker, the stuck-submission sweeper);
# beyond that it fails with a message for the teacher, whose regrade starts a new count.
GRADING_MAX_RUNS_PER_SUBMISSION = env.int("GRADING_MAX_RUNS_PER_SUBMISSION", default=3)
# The sweeper re-queues a submission whose grading is lost: never handed to the broker this long after
# it was submitted/queued, handed over this long ago while the queue has moved past it, or `grading`
# under an expired lease; at most once per this period per submission, counted against the run cap.
GRADING_STUCK_AFTER_SECONDS = env.int("GRADING_STUCK_AFTER_SECONDS", default=600)
GRADING_TASK_MAX_RETRIES = 5
# Graded submissions whose result did not reach course completion are reported again, this many a run.
GRADING_COMPLETION_SYNC_BATCH = env.int("GRADING_COMPLETION_SYNC_BATCH", default=200)
# Reconciliation tries a result that keeps failing to reach course completion this many times, least
# tried first, then leaves it (logged as an error) so it cannot hold up the others.
GRADING_COMPLETION_SYNC_MAX_ATTEMPTS = env.int("GRADING_COMPLETION_SYNC_MAX_ATTEMPTS", default=10)

# --- Content security policy (django-csp): the portal's pages load scripts, styles, fonts and data
# only from the portal itself (the bundle; charts and progress bars need no inline code), frame only
# the portal and the video hosts lessons embed, and post forms to the portal or the hub (logging in to
# the hub ends in a redirect there). The Wagtail and Django admins and the browsable API have their own
# inline code and are left to their own defaults.
CSP_FRAME_HOSTS = env.list(
    "CSP_FRAME_HOSTS",
    default=[
        "https://www.youtube.com",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://rutube.ru",
        "https://vk.com",
        "https://vkvideo.ru",
    ],
)
_hub = urlsplit(JUPYTERHUB_PUBLIC_URL)
# The external provider's log-in page is reached by a form post that the portal redirects: the browser
# applies form-action to the redirect too. EXTERNAL_OIDC_FORM_ACTION adds origins when the provider's
# authorisation endpoint is on another host than its issuer.
_external_oidc_origins = env.list("EXTERNAL_OIDC_FORM_ACTION", default=[])
if EXTERNAL_OIDC_SERVER_URL:
    _external = urlsplit(EXTERNAL_OIDC_SERVER_URL)
    _external_oidc_origins.insert(0, f"{_external.scheme}://{_external.netloc}")
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/", "/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *CSP_FRAME_HOSTS],
        "frame-ancestors": ["'self'"],
        # Forms that redirect on: log-in to the hub, and to the external sign-in provider.
        "form-action": ["'self'", f"{_hub.scheme}://{_hub.netloc}", *_external_oidc_origins],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
