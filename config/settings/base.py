"""Settings shared by every environment; values come from the environment.

Embedded defaults (SQLite file, Celery in-process) let the quick-start demo run
anywhere; CI and production set DATABASE_URL and REDIS_URL.
"""
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "config.admin.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "simple_history",
    "django_celery_beat",
    "enterprises",
    "policies",
    "incentives",
    "monitoring",
    "reports",
    "eligibility",
    "django_ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "enterprises.web_auth.TokenOnlyAccountsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout into its answer (enterprises.web_auth.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "enterprises.token_views.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request (Django's default) forks a server
# process each time; under 20 concurrent API clients that was a fifth of the capacity (issue 14).
# Health-checked before reuse, so a connection the server dropped is replaced, not failed on.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "enterprises.User"
# django-axes checks every authenticate() first: a locked-out username+address gets no further.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # leaders go on to the dashboard (reports.views.home)
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: the source strings are zh-Hans, English comes from locale/en.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Imports hold the uploaded file between preview and confirm.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "enterprises.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "enterprises.api.permissions.ApiClientsUseTokens",
        "enterprises.api.permissions.TokenScopeAllowsMethod",
    ],
    # Ordering over each view's explicit whitelist (config/api_lists.py); unknown fields are a 400.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend",
                                "config.api_lists.WhitelistOrderingFilter"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    # Every request is counted per token (a session: per user), anonymous ones per address
    # (config/api_throttles.py); the public eligibility check keeps its own ScopedRateThrottle.
    "DEFAULT_THROTTLE_CLASSES": ["config.api_throttles.TokenRateThrottle",
                                 "config.api_throttles.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_USER_RATE", default="600/minute"),
        "anon": env("API_ANON_RATE", default="60/minute"),
        "eligibility_check": env("ELIGIBILITY_API_RATE", default="30/minute"),
    },
    # One error body for every error: {"errors": [{"field", "code", "message"}]} (config/api_errors.py).
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "小升规 portal API",
    "DESCRIPTION": "Ledgers (台账, 一户一册) of enterprises, monthly figures and pools, scoped to the caller.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The unversioned /api/ alias serves the same views; only /api/v1/ is documented (config/openapi.py).
    "PREPROCESSING_HOOKS": ["config.openapi.only_versioned_paths"],
    # Several models call a field "status" or "kind" with their own choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "EntitlementStatusEnum": "incentives.models.EntitlementStatus",
        "EntitlementBatchStatusEnum": "incentives.models.EntitlementBatch.Status",
        "WarningStatusEnum": "monitoring.models.WarningStatus",
        "CheckRunStatusEnum": "monitoring.models.CheckRun.Status",
        "DocumentStatusEnum": "policies.models.DocumentStatus",
        "WarningKindEnum": "monitoring.models.WarningKind",
        "ScaleEventKindEnum": "enterprises.models.ScaleEventKind",
        "RecognitionKindEnum": "enterprises.models.RecognitionKind",
    },
    # Errors (401/403/404/429/400) are described for every endpoint, see config/openapi.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.openapi.document_error_responses"],
    # Schema and docs for signed-in users (a session or an API token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# API tokens (django-rest-knox, enterprises.ApiToken): only a digest is stored; staff choose
# a name, a scope (read/write) and an expiry of at most API_TOKEN_MAX_DAYS days.
KNOX_TOKEN_MODEL = "enterprises.ApiToken"
# knox's own AuthToken is swapped out, but its migrations would still create an unused
# knox_authtoken table (whose foreign key to users would block `flush`): no knox migrations.
MIGRATION_MODULES = {"knox": None}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=API_TOKEN_DEFAULT_DAYS),
    "TOKEN_PREFIX": "xsg_",
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
# Wrong keys from one address: after this many within the window, token requests answer 429.
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW = 15 * 60

# Login throttling (django-axes): 5 failures of one username from one address lock that pair
# for 15 minutes (even the right password is refused); a successful login clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "enterprises.web_auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "enterprises.web_auth.client_ip"
AXES_USERNAME_CALLABLE = "enterprises.web_auth.axes_username"
AXES_HTTP_RESPONSE_CODE = 429
# Behind reverse proxies, how many of them append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy (django-csp 4): nothing from other hosts, no inline script or style
# (a template that needs inline script uses the nonce, {{ request.csp_nonce }}), never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Counters of the token throttle; Redis when there is one, so every worker shares them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL"),
                "KEY_PREFIX": "xsg"}
    if env("REDIS_URL", default="") else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# The public eligibility check's page (django-ratelimit, counters in the cache above): per address.
RATELIMIT_USE_CACHE = "default"
ELIGIBILITY_PAGE_RATE = env("ELIGIBILITY_PAGE_RATE", default="20/m")
# django-ratelimit knows django-redis, not Django's own RedisCache (atomic too); without Redis
# (demo, tests) the counters are per process, which is what a single process wants.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if env("REDIS_URL", default="") else ["django_ratelimit.E003"])

# Celery: without REDIS_URL tasks run in-process, which is what the demo wants.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A monthly check or 免申即享 batch over more enterprises than this is split by county into parts that
# the workers take in parallel, each holding one part in memory (issue 14; README "Monthly checks").
CHECK_PART_ENTERPRISES = env.int("CHECK_PART_ENTERPRISES", default=20_000)
BATCH_PART_ENTERPRISES = env.int("BATCH_PART_ENTERPRISES", default=20_000)
# Named lines per list on the dispatch report's page and PDF; the full lists are its Excel download.
DISPATCH_LIST_LIMIT = env.int("DISPATCH_LIST_LIMIT", default=100)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# A message is acknowledged only when its task finishes; if the worker dies it is
# redelivered after the visibility timeout (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# Exports of API lists (GET …/export/): up to this many rows the file is streamed in the response;
# a larger list becomes a job (202) whose file its owner downloads until it expires.
API_EXPORT_STREAM_MAX_ROWS = env.int("API_EXPORT_STREAM_MAX_ROWS", default=5000)
API_EXPORT_TTL = timedelta(hours=env.int("API_EXPORT_TTL_HOURS", default=24))
