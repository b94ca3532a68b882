"""Settings of the Inference Grid Planner, all driven by environment variables.

Embedded default (no variables set): SQLite in var/ and jobs run in-process (eager Celery).
Production / CI: DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… with real workers.
Every value is checked at start-up; a bad one stops the process with a message naming it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from planner.api.settings_helpers import env_rate
from planner.env import SettingError, broker_from_url, database_from_url, env_bool, env_float, env_int, env_list
from planner.security import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PLANNER_VAR_DIR", BASE_DIR / "var"))

try:
    DEBUG = env_bool("DJANGO_DEBUG", default=False)
    # DJANGO_DEBUG=0 without DJANGO_SECRET_KEY stops here; unset → a random key in var/ (planner/security.py).
    SECRET_KEY = secret_key(var_dir=VAR_DIR)
    # Behind TLS (a reverse proxy that sets X-Forwarded-Proto): secure cookies, HSTS, redirects.
    HTTPS = env_bool("PLANNER_HTTPS", default=False)
    if HTTPS:
        SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = True
        SECURE_HSTS_SECONDS = 31_536_000
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

    _database_url = os.environ.get("DATABASE_URL", "").strip()
    if _database_url:
        DATABASES = {"default": database_from_url(_database_url)}
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": VAR_DIR / "planner.sqlite3",
                "OPTIONS": {"timeout": 20},
                # Reuse the connection across requests, as for PostgreSQL: opening SQLite per
                # request costs about as much as the reads themselves.
                "CONN_MAX_AGE": 60,
            }
        }

    _broker_url = os.environ.get("CELERY_BROKER_URL", "").strip()
    CELERY_BROKER_URL = broker_from_url(_broker_url) if _broker_url else "memory://"
    # No broker configured → jobs run in-process, synchronously, in the web process.
    CELERY_TASK_ALWAYS_EAGER = not _broker_url
    RUN_SOFT_TIME_LIMIT_S = env_int("PLANNER_RUN_SOFT_TIME_LIMIT_S", 300, minimum=1)
    RUN_HARD_TIME_LIMIT_S = env_int("PLANNER_RUN_HARD_TIME_LIMIT_S", 360, minimum=2)
    if RUN_HARD_TIME_LIMIT_S <= RUN_SOFT_TIME_LIMIT_S:
        raise SettingError("PLANNER_RUN_HARD_TIME_LIMIT_S must exceed PLANNER_RUN_SOFT_TIME_LIMIT_S")
    # A run whose worker vanished is requeued after this many seconds without a heartbeat (a running
    # job beats every RUN_STALE_AFTER_S / 4). The fallback: a killed pool child or main process hands
    # its job back at once (planner.jobs.worker); this catches a whole machine or process group lost.
    RUN_STALE_AFTER_S = env_int("PLANNER_RUN_STALE_AFTER_S", 20, minimum=5)
    RUN_MAX_ATTEMPTS = env_int("PLANNER_RUN_MAX_ATTEMPTS", 3, minimum=1)
    # Jobs (planner.jobs, docs/jobs.md): RUN_STALE_AFTER_S and RUN_MAX_ATTEMPTS apply to every kind.
    # Each worker sends the recovery task this often (0 turns its timer off); at most this many jobs a pass.
    JOB_RECOVER_EVERY_S = env_int("PLANNER_JOB_RECOVER_EVERY_S", 5, minimum=0)
    JOB_RECOVER_LIMIT = env_int("PLANNER_JOB_RECOVER_LIMIT", 100, minimum=1)
    # A queued job not picked up this long after its message was sent is sent again (lost message).
    JOB_REDISPATCH_AFTER_S = env_int("PLANNER_JOB_REDISPATCH_AFTER_S", 120, minimum=1)
    JOB_BROKER_CONNECT_RETRIES = env_int("PLANNER_JOB_BROKER_CONNECT_RETRIES", 1, minimum=0)
    # Every broker and result-backend call waits at most this long for a connection or a reply, and
    # a submit spends at most this long (all connection retries together) before answering 503: a
    # hung Redis (stopped process, half-open connection) must not hold a web worker (issue 20 #3).
    BROKER_TIMEOUT_S = env_float("PLANNER_BROKER_TIMEOUT_S", 1.0, minimum=0.05)
    # Embedded mode (no broker): local worker threads; a request waits this long for its job.
    JOB_EMBEDDED_WORKERS = env_int("PLANNER_JOB_EMBEDDED_WORKERS", 2, minimum=1)
    JOB_EMBEDDED_WAIT_S = env_int("PLANNER_JOB_EMBEDDED_WAIT_S", 30, minimum=0)
    # Recovery thread of the embedded mode (off under pytest, where tests call job_recover themselves).
    JOB_EMBEDDED_RECOVER_EVERY_S = env_int(
        "PLANNER_JOB_EMBEDDED_RECOVER_EVERY_S", 0 if "pytest" in sys.modules else 60, minimum=0
    )
    # A shared cache makes the API's per-token rate limits exact across processes and servers;
    # without one each process counts on its own (local memory).
    _cache_url = os.environ.get("PLANNER_CACHE_URL", "").strip()
    CACHES = {
        "default": (
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": broker_from_url(_cache_url, variable="PLANNER_CACHE_URL"),
                # A hung Redis must not hang every API request's rate-limit check (issue 20 #3).
                "OPTIONS": {"socket_timeout": BROKER_TIMEOUT_S, "socket_connect_timeout": BROKER_TIMEOUT_S},
            }
            if _cache_url
            else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "planner"}
        )
    }
except SettingError as error:
    raise ImproperlyConfigured(str(error)) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "accelerators",
    "grid",
    "planner.jobs",
    "planner.scenarios",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served from static (no CDN)
    "planner.reports",
    "planner.portfolios",
    "planner.sites",
    "planner.studies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "planner.middleware.RequestGuardMiddleware",  # NUL / control characters in paths and queries
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "planner.urls"
WSGI_APPLICATION = "planner.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "planner.request_limits.limits",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if "pytest" in sys.modules:
    # Fast test runs: hashing strength is not what the suite checks.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Username/password sign-in, limited per username and client address (planner/login_throttle.py).
AUTHENTICATION_BACKENDS = ["planner.login_throttle.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "scenario-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise warns (an error under the test suite) when STATIC_ROOT is missing on a fresh clone.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Serve static/ straight from the finders, so the embedded default needs no collectstatic.
WHITENOISE_USE_FINDERS = True

# Celery: JSON-only messages; a task is acknowledged after it finishes (acks_late) so that a
# worker killed mid-run gets its message re-delivered; one task at a time per worker process.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None  # results live in the database (Run.result), not in Celery
# …except the chord counter of a study's fan-out (planner.studies): Celery's chord needs a result
# backend, the broker's Redis. Tasks still ignore their results unless they say otherwise.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_IGNORE_RESULT = True
# One queue name for the planner's jobs; tests and parallel deployments can separate theirs.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("PLANNER_CELERY_QUEUE", "planner")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis re-delivers an unacknowledged message after this long; longer than any run.
# Every broker call is bounded by BROKER_TIMEOUT_S (socket connect and read), with one quick retry
# and no retry on a timeout (a stopped Redis accepts the TCP connection but never answers).
_BROKER_RETRY_POLICY = {
    "max_retries": JOB_BROKER_CONNECT_RETRIES,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("PLANNER_VISIBILITY_TIMEOUT_S", 3600, minimum=10),
    "socket_timeout": BROKER_TIMEOUT_S,
    "socket_connect_timeout": BROKER_TIMEOUT_S,
    "retry_on_timeout": False,
    # kombu's Connection.default_channel (the producer pools) retries connecting with these.
    **_BROKER_RETRY_POLICY,
    "connect_retries_timeout": BROKER_TIMEOUT_S,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_S
CELERY_TASK_PUBLISH_RETRY_POLICY = _BROKER_RETRY_POLICY
# The result backend (the study chord's counter, on the broker's Redis): the same bounds.
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_TIMEOUT_S
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT_S
CELERY_REDIS_RETRY_ON_TIMEOUT = False
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _BROKER_RETRY_POLICY}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Inference Grid Planner API",
    "DESCRIPTION": "Capacity, facility power, cooling, carbon and bill impact of AI inference.",
    "VERSION": "1.0.0",
}

# REST API (planner.api): pagination, per-token rate limits, one error body shape, offline docs.
try:
    API_RATE_PER_TOKEN = env_rate("PLANNER_API_RATE", "1200/min")
    API_RATE_ANONYMOUS = env_rate("PLANNER_API_ANON_RATE", "60/min")
    API_RATE_ESTIMATE = env_rate("PLANNER_API_ESTIMATE_RATE", "120/min")
    # Password guessing (planner/login_throttle.py): failures per username and per client address;
    # the address is X-Forwarded-For's entry this many proxies back (0: ignore the header).
    LOGIN_RATE_USERNAME = env_rate("PLANNER_LOGIN_RATE_USERNAME", "10/hour")
    LOGIN_RATE_ADDRESS = env_rate("PLANNER_LOGIN_RATE_ADDRESS", "50/hour")
    TRUSTED_PROXY_COUNT = env_int("PLANNER_TRUSTED_PROXY_COUNT", 0, minimum=0)
except SettingError as error:
    raise ImproperlyConfigured(str(error)) from None
REST_FRAMEWORK.update(
    {
        "DEFAULT_PAGINATION_CLASS": "planner.api.pagination.PagePagination",
        "PAGE_SIZE": 50,
        "DEFAULT_THROTTLE_CLASSES": [
            "planner.api.throttling.TokenRateThrottle",
            "planner.api.throttling.AnonymousRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "token": API_RATE_PER_TOKEN,
            "anonymous": API_RATE_ANONYMOUS,
            "estimate": API_RATE_ESTIMATE,
        },
        "EXCEPTION_HANDLER": "planner.api.errors.exception_handler",
        # JSON bodies are read by planner.engine.documents (depth, long integers, NUL → 400 naming the field).
        "DEFAULT_PARSER_CLASSES": [
            "planner.api.parsers.GuardedJSONParser",
            "rest_framework.parsers.FormParser",
            "rest_framework.parsers.MultiPartParser",
        ],
    }
)
SPECTACULAR_SETTINGS.update(
    {
        "SERVE_INCLUDE_SCHEMA": False,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        # Several components have a "kind" enum (reports; the scenario's uncertainty distributions).
        "ENUM_NAME_OVERRIDES": {"ReportKindEnum": "planner.api.serializers.REPORT_KINDS"},
    }
)
# Reports (planner.reports): generated by a Celery job; time limits like runs.
REPORT_SOFT_TIME_LIMIT_S = env_int("PLANNER_REPORT_SOFT_TIME_LIMIT_S", 120, minimum=1)
REPORT_HARD_TIME_LIMIT_S = env_int("PLANNER_REPORT_HARD_TIME_LIMIT_S", 180, minimum=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PLANNER_LOG_LEVEL", "WARNING")},
}
