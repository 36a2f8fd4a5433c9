"""Settings for the proposal response tracker, read from the environment.

Defaults run the embedded configuration (SQLite, a filesystem broker) for local use;
production requirements fail loudly instead of falling back.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRACKER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_hours(value: str) -> tuple[int, int] | None:
    """'9-18' → (9, 18): the hours in which email and SMS may go out; '' → any time."""
    if not value.strip():
        return None
    try:
        start, end = (int(part) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"REMINDER_SEND_HOURS must look like 9-18, not {value!r}.") from None
    if not 0 <= start < end <= 24:
        raise ImproperlyConfigured(f"REMINDER_SEND_HOURS {value!r} is not a range of hours within a day.")
    return start, end


def database_from_url(url: str, *, statement_timeout_ms: int = 0) -> dict[str, object]:
    """Turn DATABASE_URL (postgres://user:pass@host:port/name or sqlite:///path) into a dict.
    On PostgreSQL a positive ``statement_timeout_ms`` cancels any statement running longer."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        options = "-c jit=off"
        if statement_timeout_ms > 0:
            options += f" -c statement_timeout={statement_timeout_ms}"
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            # JIT compilation costs more than it saves on short OLTP queries (measured
            # on the list page's count query: 72 of 88 ms spent compiling).
            "OPTIONS": {"options": options},
        }
    if parsed.scheme == "sqlite":
        path = parsed.path[1:] if parsed.path.startswith("//") else parsed.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or VAR_DIR / "tracker.sqlite3",
            # Web, worker and beat share the file: WAL lets readers run beside a writer,
            # IMMEDIATE takes the write lock at BEGIN (no lock-upgrade deadlocks), and a
            # writer waits up to 20 s for another instead of failing at once.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme must be postgres:// or sqlite://, got {url!r}")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tracker",
    "proposals",
    "responses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files in production (intranets have no CDN); in
    # development runserver serves them straight from static/.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A statement cut off by DB_STATEMENT_TIMEOUT_MS: a page saying so, not a 500.
    "tracker.middleware.QueryTimeoutMiddleware",
]

ROOT_URLCONF = "tracker.urls"

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
                "tracker.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

# Web requests on PostgreSQL give up on a statement after this long (0: never), so that
# no filter or search term can hold a worker for minutes; the user is told to narrow the
# query (tracker.middleware.QueryTimeoutMiddleware). Only web processes: tracker/wsgi.py and
# asgi.py set TRACKER_WEB_PROCESS. Workers, beat and management commands (migrations that
# build indexes, the annual exports) run without it.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 5000)
if DB_STATEMENT_TIMEOUT_MS < 0:
    raise ImproperlyConfigured("DB_STATEMENT_TIMEOUT_MS must be 0 (off) or a number of milliseconds.")
DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"),
        statement_timeout_ms=DB_STATEMENT_TIMEOUT_MS if env_bool("TRACKER_WEB_PROCESS", False) else 0,
    )
}
# List pages count at most this many rows and show "10,000+" beyond (tracker/paging.py).
LIST_COUNT_CAP = env_int("LIST_COUNT_CAP", 10_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; the plain storage needs no
        # collectstatic during development and tests.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# Evidence attached to commitment progress reports (PDF, images, Word), per file.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Reply letters imported into the archive: per letter, and files per upload (a .zip of
# letters counts as one file; it may hold up to 5,000).
LETTER_MAX_BYTES = env_int("LETTER_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 500)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# An unreachable mail server fails the delivery (recorded, retried) instead of hanging a worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))

# Celery: Redis in production; the embedded default uses kombu's filesystem transport
# so that a worker and beat run with no server at all.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        # Without this kombu writes its broadcast exchange files into ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A stalled Redis must not hang the worker or beat for long. Web requests publish
    # through the outbox, with shorter limits of their own (OUTBOX_* below).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
        "visibility_timeout": 3600,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Beat's own publishes give up after about two seconds with Redis down (the next tick
# tries again); everything else is enqueued through the outbox (tracker/outbox.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
_scan_seconds = env_int("REMINDER_SCAN_SECONDS", 0)
# The outbox drain's period (tracker/outbox.py); scripts shorten it.
OUTBOX_DRAIN_SECONDS = env_int("OUTBOX_DRAIN_SECONDS", 30)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "send-due-reminders": {
        "task": "responses.tasks.send_due_reminders",
        # Every five minutes, around the clock (REMINDER_SCAN_SECONDS overrides it for tests).
        "schedule": float(_scan_seconds) if _scan_seconds else crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "drain-outbox": {
        "task": "tracker.tasks.drain_outbox",
        # Every 30 seconds, around the clock (OUTBOX_DRAIN_SECONDS).
        "schedule": float(OUTBOX_DRAIN_SECONDS),
        "options": {"expires": max(OUTBOX_DRAIN_SECONDS - 5, 1)},
    },
}

# The outbox (tracker/outbox.py): tasks are written to the database in the transaction
# that needs them and handed to the broker after it commits. A web request spends at
# most OUTBOX_PUBLISH_BUDGET seconds on that (each broker step gives up after half of
# it, with no retry); what is left goes out with the drain, which takes messages at
# least OUTBOX_DRAIN_AFTER seconds old, for up to OUTBOX_DRAIN_BUDGET seconds, each
# broker step giving up after OUTBOX_DRAIN_TIMEOUT. OUTBOX_BROKER_URL, when set, is the
# broker the outbox publishes to (default: CELERY_BROKER_URL).
OUTBOX_BROKER_URL = os.environ.get("OUTBOX_BROKER_URL", "")
OUTBOX_PUBLISH_BUDGET = env_float("OUTBOX_PUBLISH_BUDGET", 1.0)
OUTBOX_DRAIN_AFTER = env_int("OUTBOX_DRAIN_AFTER", 10)
OUTBOX_DRAIN_BUDGET = env_float("OUTBOX_DRAIN_BUDGET", 60.0)
OUTBOX_DRAIN_TIMEOUT = env_float("OUTBOX_DRAIN_TIMEOUT", 2.0)

# A confirmed suggestion-list import that no worker has finished this many seconds later
# is "stuck": its page offers staff to queue it again or discard it, and the outbox drain
# queues it again (once per this period) in case the broker lost its task.
IMPORT_STUCK_AFTER = env_int("IMPORT_STUCK_AFTER", 300)

# Reminders (design.md §5). Links in emails and SMS start with SITE_URL.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "tracker.localhost")
# Email and SMS go out between these hours on working days ("9-18"); "" sends any time.
REMINDER_SEND_HOURS = parse_hours(os.environ.get("REMINDER_SEND_HOURS", "9-18"))
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)
# A reminder still pending this long after it could be sent is queued again by the scan.
REMINDER_REDISPATCH_AFTER = env_int("REMINDER_REDISPATCH_AFTER", 120)
REMINDER_SCAN_BATCH = env_int("REMINDER_SCAN_BATCH", 200)
# Seconds without a finished scan before /health/ reports trouble.
REMINDER_SCAN_STALE_AFTER = env_int("REMINDER_SCAN_STALE_AFTER", 900)
HEALTH_CHECK_TOKEN = os.environ.get("HEALTH_CHECK_TOKEN", "")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "tracker.sms.LoggingSmsBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "人大建议办理")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as '60/minute': a count per second, minute, hour or day."""
    value = os.environ.get(name) or default
    count, _slash, period = value.partition("/")
    if not count.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"{name} must look like 60/minute, got {value!r}")
    return value


# The REST API (tracker/api): read-only, token or session authentication.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials gets 401 with WWW-Authenticate.
        "tracker.api.authentication.ApiTokenAuthentication",
        # For the interactive docs page, used while signed in.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumber",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 20),
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.AnonThrottle",
        "tracker.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/minute"),
        "user": env_rate("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Proposal response tracker API",
    "DESCRIPTION": (
        "Read-only access to deputy suggestions (建议), their assignments, reply letters and "
        "commitments, with the visibility of the pages: congress staff see everything, a "
        "department what was assigned to it (never another unit's drafts), a deputy their own "
        "suggestions. Without a token only published (主动公开) replies and their commitments "
        "can be read. Authenticate with `Authorization: Token <key>`; a user creates or revokes "
        "their key at /accounts/api-token/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package: no CDN, no validator badge.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "proposals.models.Proposal.Status",
        "AssignmentStatusEnum": "proposals.models.Assignment.Status",
        "AssignmentRoleEnum": "proposals.models.Assignment.Role",
        "ReplyStatusEnum": "responses.models.Reply.Status",
        "ReplyGradeEnum": "responses.models.Reply.Grade",
        "CommitmentStatusEnum": "responses.models.Commitment.Status",
    },
}

# Names shown for each role group (see tracker.roles).
ROLE_LABELS = {
    "congress_staff": _("Congress staff"),
    "dept_clerk": _("Department clerk"),
    "dept_leader": _("Department leader"),
    "deputy": _("Deputy"),
}
