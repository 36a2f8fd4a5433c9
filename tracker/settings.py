"""Settings for the proposal response tracker, read from the environment.

Defaults run the embedded configuration (SQLite, a filesystem broker) for local use;
production requirements fail loudly instead of falling back.
"""

from __future__ import annotations

import os
from datetime import timedelta
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


# Off unless the environment turns it on: `make run` (and the Procfile) set DEBUG=1 for the
# embedded default, the tests set it in pyproject.toml; a server never shows debug pages.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, its site behind two-step verification.
    "tracker.apps.TrackerAdminConfig",
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "tracker",
    "proposals",
    "responses",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files in production (intranets have no CDN); in
    # development runserver serves them straight from static/.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "csp.middleware.CSPMiddleware",
    # A NUL byte in the path or query string is refused with 400 before any view (or
    # PostgreSQL, which cannot store one) sees it.
    "tracker.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The office's language unless the user picked another in the header (not the browser's).
    "tracker.locale.OfficeLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The security log: downloads of personal data and every superuser request (tracker/audit.py).
    "tracker.audit.AuditMiddleware",
    # After authentication: signs out a session idle or open for too long.
    "tracker.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTPMiddleware: holds a session that still owes its second factor.
    "tracker.mfa.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A statement cut off by DB_STATEMENT_TIMEOUT_MS: a page saying so, not a 500.
    "tracker.middleware.QueryTimeoutMiddleware",
    # Last, as django-axes requires: turns a lockout into tracker.security.lockout_response.
    "axes.middleware.AxesMiddleware",
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
# The search page counts at most this many matches ("1,000+") and pages only that far; it
# ranks only the rows a page shows (proposals.search.RankedResults).
SEARCH_COUNT_CAP = env_int("SEARCH_COUNT_CAP", 1_000)
# Each statement of a search is cut off after this long on PostgreSQL (0: never), in every
# process; the page then asks to narrow the search instead of answering 503 or 500.
SEARCH_STATEMENT_TIMEOUT_MS = env_int("SEARCH_STATEMENT_TIMEOUT_MS", 2_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The cache holds what every process must share: rate limits (password-reset mail, API
# token attempts, DRF throttling) and short-lived flags. CACHE_URL=redis://host:6379/2
# uses Redis (give it a database of its own, not the broker's); without it a database
# table (created by `migrate`) serves the embedded default, web and workers alike.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "tracker",
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
elif CACHE_URL in {"", "db://"}:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracker_cache"}
    }
elif CACHE_URL == "locmem://":
    # One process only: for tests.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://…, db:// or locmem://, got {CACHE_URL!r}")

# Sign-in protection (django-axes, tracker/security.py): a username is locked for
# AXES_COOLOFF_MINUTES after AXES_FAILURE_LIMIT wrong passwords, from any address; an
# address after AXES_IP_FAILURE_LIMIT failures across any usernames. Every attempt is
# recorded (AccessAttempt while it counts, AccessLog for sign-ins, AccessFailureLog for
# every failure).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 30)
if AXES_FAILURE_LIMIT < 1 or AXES_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "AXES_FAILURE_LIMIT must be ≥ 1 and AXES_IP_FAILURE_LIMIT ≥ AXES_FAILURE_LIMIT"
    )
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "tracker.security.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "tracker.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
AXES_USERNAME_CALLABLE = "tracker.security.client_username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The header a reverse proxy puts the client's address in (X-Real-IP, X-Forwarded-For);
# empty: REMOTE_ADDR, for a server facing clients directly. Never set it without a proxy
# that overwrites the header, or clients choose their own address.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# With X-Forwarded-For: how many proxies of yours append to it (the client is that many from the right).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)

# Password-reset mail: per client address and per email address, per window.
PASSWORD_RESET_IP_LIMIT = env_int("PASSWORD_RESET_IP_LIMIT", 10)
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3)
PASSWORD_RESET_WINDOW = env_int("PASSWORD_RESET_WINDOW", 3600)
# Wrong API tokens from one address before every token attempt from it gets 429.
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20)
API_TOKEN_FAILURE_WINDOW = env_int("API_TOKEN_FAILURE_WINDOW", 600)

# Two-step verification (django-otp, tracker/mfa.py).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "人大建议办理")

LANGUAGE_CODE = "zh-hans"
# Follow the browser's Accept-Language instead of the office's language (tracker/locale.py).
LANGUAGE_FROM_BROWSER = env_bool("LANGUAGE_FROM_BROWSER", False)
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
# Uploads (tracker/uploads.py, tracker/archives.py; README "Security: uploads"). Every
# size is checked while the request streams in: a file past its limit is dropped at that
# byte and the form says so; nothing of it is stored.
# Evidence attached to commitment progress reports (PDF, images, Word), per file and per form.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
EVIDENCE_UPLOAD_MAX_BYTES = env_int("EVIDENCE_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
# Reply letters imported into the archive: per letter (.txt, .docx, and each letter inside
# a .zip once unpacked), per .zip, per upload, and files per upload (a .zip counts as one;
# it may hold up to LETTER_ZIP_MAX_MEMBERS letters and LETTER_ZIP_MAX_INFLATED bytes unpacked).
LETTER_MAX_BYTES = env_int("LETTER_MAX_BYTES", 10 * 1024 * 1024)
LETTER_ZIP_MAX_BYTES = env_int("LETTER_ZIP_MAX_BYTES", 50 * 1024 * 1024)
LETTER_UPLOAD_MAX_BYTES = env_int("LETTER_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
LETTER_ZIP_MAX_MEMBERS = env_int("LETTER_ZIP_MAX_MEMBERS", 5000)
LETTER_ZIP_MAX_INFLATED = env_int("LETTER_ZIP_MAX_INFLATED", 100 * 1024 * 1024)
# A suggestion list (交办清单, .xlsx): the file, the rows of its first sheet (title, header
# and blank rows included) and the columns the header is looked for in.
SPREADSHEET_MAX_BYTES = env_int("SPREADSHEET_MAX_BYTES", 20 * 1024 * 1024)
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 20_000)
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 100)
# Any other upload (the admin): per file and per request.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# Word and Excel files are zips: what they may hold once unpacked (all parts together),
# and how much one part larger than 1 MB may grow when unpacked (a zip bomb grows 1000×).
OOXML_MAX_INFLATED = env_int("OOXML_MAX_INFLATED", 100 * 1024 * 1024)
ZIP_MAX_RATIO = env_int("ZIP_MAX_RATIO", 100)
# Uploads never confirmed (imports left at their preview, or discarded) lose their staged
# files this many hours after the upload; the import's row stays, marked expired.
STAGED_UPLOAD_HOURS = env_int("STAGED_UPLOAD_HOURS", 48)
FILE_UPLOAD_HANDLERS = ["tracker.uploads.BoundedUploadHandler"]
# Uploads up to this size are held in memory, larger ones in a temporary file, while the
# request is read (Django's default); form fields other than files, at most this much.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 500)

# Without a mail server configured, each email is written as a file under var/emails/
# (one file per connection), so that `make run`'s terminal stays readable.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
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
    "refresh-statistics-snapshots": {
        "task": "proposals.tasks.refresh_statistics_snapshots",
        # Every ten minutes: the dashboard scopes opened lately (STATISTICS_SNAPSHOT_*).
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    "expire-staged-uploads": {
        "task": "responses.tasks.expire_staged_uploads",
        # Every hour, at minute 17.
        "schedule": crontab(minute=17),
        "options": {"expires": 3000},
    },
}

# Statistics snapshots (proposals/statistics_snapshots.py): a dashboard scope with more
# than STATISTICS_SNAPSHOT_ABOVE suggestions is served from a snapshot computed by a
# worker, labelled with its time; older than STATISTICS_SNAPSHOT_STALE seconds, a page
# queues a refresh; the periodic task refreshes scopes opened in the last
# STATISTICS_SNAPSHOT_KEEP_DAYS days. Smaller scopes are always computed live. Live, a
# scope costs about 30 µs per suggestion at a million (a 76,000-suggestion year: 2.3 s;
# bench/README.md), so 10,000 keeps a live page near the 300 ms target.
STATISTICS_SNAPSHOT_ABOVE = env_int("STATISTICS_SNAPSHOT_ABOVE", 10_000)
STATISTICS_SNAPSHOT_STALE = env_int("STATISTICS_SNAPSHOT_STALE", 900)
STATISTICS_SNAPSHOT_KEEP_DAYS = env_int("STATISTICS_SNAPSHOT_KEEP_DAYS", 7)

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
# Tasks whose identical calls (same arguments) the outbox merges: one transaction queues
# one row per distinct call, and a drain publishes one message for identical rows still
# waiting, marking the others merged into it. Only tasks for which one run does the work
# of every identical call queued before it belong here: a delivery sends everything
# pending for its (person, channel) and queues itself again when it stops at its batch
# limit. Not read from the environment: it is a property of the code, not of a site.
OUTBOX_COALESCE_TASKS = frozenset(
    {
        "responses.tasks.deliver_notices",
        "responses.tasks.deliver_reminders",
    }
)

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
    # Every attempt is in the database (axes' tables); its own INFO lines repeat them.
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# HTTPS (.env.example sets all of these for a server behind a TLS-terminating proxy). Off
# by default so that a trial on plain HTTP works; `manage.py check --deploy` warns until set.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https": trust the proxy's header saying the request came over
# HTTPS. Set it only behind a proxy that always sets (or strips) that header.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])
# HSTS preload (security.W021) is for public sites submitted to the browsers' list; an
# intranet host cannot be listed. SECURE_HSTS_PRELOAD=true still sends the directive.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [] if SECURE_HSTS_PRELOAD else ["security.W021"])
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "tracker.errors.csrf_failure"

# Sessions (tracker/middleware.py): signed out after SESSION_IDLE_TIMEOUT seconds without a
# request, and SESSION_ABSOLUTE_LIFETIME seconds after signing in, whatever the activity.
# The page warns SESSION_IDLE_WARNING seconds before the idle sign-out.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60)
SESSION_IDLE_WARNING = env_int("SESSION_IDLE_WARNING", 60)
if SESSION_IDLE_TIMEOUT <= SESSION_IDLE_WARNING or SESSION_ABSOLUTE_LIFETIME < SESSION_IDLE_TIMEOUT:
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT must be longer than SESSION_IDLE_WARNING and no longer than "
        "SESSION_ABSOLUTE_LIFETIME"
    )
# The cookie outlives neither limit (Django's default was two weeks).
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME

# Content-Security-Policy (django-csp): scripts, styles and images from this site only; no
# inline script, event handler or style attribute. The API's Swagger UI page adds its own
# exception (tracker/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


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

# The security log (tracker.SecurityEvent) keeps rows at least this many days; purge_audit
# removes older ones only. The Cybersecurity Law (art. 21) asks for six months: 180 is the
# floor, and a lower value is refused.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS must be at least 180 (six months of logs), got {AUDIT_RETENTION_DAYS}"
    )

# Names shown for each role group (see tracker.roles).
ROLE_LABELS = {
    "congress_staff": _("Congress staff"),
    "dept_clerk": _("Department clerk"),
    "dept_leader": _("Department leader"),
    "deputy": _("Deputy"),
}
