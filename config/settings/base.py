"""Settings shared by every environment; everything secret or site-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import schedule
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("HANKINTA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, minimum: int) -> int:
    """A whole number from the environment; anything else stops the start with the variable's name."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# How many reverse proxies of our own stand between the clients and the web server, each adding the address it
# received from to X-Forwarded-For. 0 (the default): none, the header is not trusted at all and the client is the
# socket's peer. The throttles, django-axes and the audit log take the client's address from `procurement.clientip`.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "procurement",
    "tenders",
    "bids",
    "evaluation",
    "documents",
]

MIDDLEWARE = [
    "procurement.middleware.RequestReceivedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "procurement.portal.PortalErrorMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for a locked-out username into its answer.
    "axes.middleware.AxesMiddleware",
]

# Password guessing: besides the per-address rate of sign-in requests (LoginThrottle), django-axes locks a username
# out from one address after a few failures in a row. Locking the pair, not the username alone, keeps an attacker
# from locking a real user out from everywhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
# The client's address as the throttles and the audit log take it (`procurement.clientip`), not django-axes' own.
AXES_CLIENT_IP_CALLABLE = "procurement.clientip.client_ip"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "procurement.api.auth.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log already
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "procurement.portal.navigation",
            ],
            # Every template writes amounts and CPV names one way: `{{ x|money }}`, `{{ code|cpv_name }}`.
            "builtins": [
                "procurement.templatetags.money",
                "procurement.templatetags.languages",
                "procurement.templatetags.labels",
                "tenders.templatetags.cpv_names",
            ],
        },
    },
]

# Persistent connections (CONN_MAX_AGE seconds) only where a process serves request after request in the same
# thread: the production settings turn them on for gunicorn and the workers. Under runserver each browser connection
# is a thread of its own that would keep its database connection open for as long as the browser keeps the socket,
# until PostgreSQL refuses new ones.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default="postgres://postgres@127.0.0.1:5432/hankinta",
        conn_max_age=env_int("CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement on its 5th use in a connection, but only the statements sent with server-side
    # binding: the deadline rush's submission (`procurement.fastpath`); Django's own queries bind on the client
    # and are never prepared. DB_PREPARE_THRESHOLD=off turns it off, for a pooler in transaction mode that does
    # not keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None
        if os.environ.get("DB_PREPARE_THRESHOLD", "").strip().lower() in {"off", "none"}
        else env_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "procurement.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Times are stored in UTC and shown in Helsinki time.
USE_TZ = True
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
LANGUAGE_CODE = "fi"
LANGUAGE_COOKIE_NAME = "hankinta_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "portal:login"
# A link to set a new password is good for this long (Django's reset token; it is void once used or the password
# changes in any other way).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60, minimum=1) * 60
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Content-Security-Policy: no inline scripts or styles, nothing from another origin (no CDN).
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
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Attachments and generated documents go through Django's storage API: the local file system by default, or an
# S3-compatible object store (AWS S3, MinIO, …) when S3_BUCKET is set, so that web servers and Celery workers on
# different machines share them.
if os.environ.get("S3_BUCKET"):
    _s3_endpoint = os.environ.get("S3_ENDPOINT_URL") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": _s3_endpoint,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION", "eu-north-1"),
            "location": os.environ.get("S3_PREFIX", ""),
            # MinIO and other self-hosted stores are addressed by path, not by a bucket sub-domain.
            "addressing_style": "path" if _s3_endpoint else None,
            "signature_version": "s3v4",
            # Objects are private, never overwritten (a document is stored once), and read through the web
            # application, which checks who may see them and logs the download.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procurement.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "procurement.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "procurement.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "procurement.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "procurement.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("LOGIN_THROTTLE_RATE", "20/min"),
        "password_reset": os.environ.get("PASSWORD_RESET_THROTTLE_RATE", "10/hour"),
        "public_record": os.environ.get("PUBLIC_RECORD_THROTTLE_RATE", "120/min"),
    },
    # DRF's own reading of X-Forwarded-For, for a throttle that does not take `procurement.clientip` (ours do).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

# API tokens (django-rest-knox; only a hash of each is stored): one per sign-in, ended by signing out, a new
# password or deactivation. A token expires after API_TOKEN_IDLE_MINUTES without use (each use moves its expiry
# forward, written at most once a minute) and API_TOKEN_LIFETIME_HOURS after the sign-in, whatever its use.
API_TOKEN_IDLE = timedelta(minutes=env_int("API_TOKEN_IDLE_MINUTES", 60, minimum=1))
API_TOKEN_LIFETIME = timedelta(hours=env_int("API_TOKEN_LIFETIME_HOURS", 12, minimum=1))
if API_TOKEN_IDLE > API_TOKEN_LIFETIME:
    raise ImproperlyConfigured("API_TOKEN_IDLE_MINUTES must not be longer than API_TOKEN_LIFETIME_HOURS.")
KNOX_TOKEN_MODEL = "procurement.ApiToken"  # noqa: S105 (a model's name)
# knox's migrations would create its own token table even with the model swapped for ours (procurement's
# migration creates ours); without them nothing of knox's is created.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": API_TOKEN_IDLE,
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": API_TOKEN_LIFETIME,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hankinta API",
    "DESCRIPTION": "E-tendering of integration training: calls, sealed bids, evaluation and award decisions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TenderStatusEnum": "tenders.models.TenderStatus",
        "BidStatusEnum": "bids.models.BidStatus",
        "DocumentStatusEnum": "documents.models.DocumentStatus",
        "LanguageEnum": "procurement.models.Language",
        "ProviderRequestKindEnum": "evaluation.models.ProviderRequest.Kind",
        "SuitabilityKindEnum": "tenders.models.SuitabilityKind",
        "DocumentKindEnum": "documents.models.DocumentKind",
        "AppealOutcomeEnum": "evaluation.models.Appeal.Outcome",
        "AuditOutcomeEnum": "procurement.models.AuditEvent.Outcome",
        "ContractStatusEnum": "evaluation.models.ContractStatus",
        "DeliveryStatusEnum": "procurement.models.DeliveryStatus",
        "LiabilityDocumentKindEnum": "evaluation.models.LiabilityDocumentKind",
        "RoleEnum": "procurement.models.Role",
        "CallDocumentKindEnum": "tenders.models.TenderDocumentKind",
    },
}

# Celery. The database is the source of truth for deadlines: beat only triggers periodic scans.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that then died outright (SIGKILL, power loss) goes back to the queue after this long; it
# must stay above the longest retry countdown (300 s) and the render's time limit (180 s), or tasks run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1)}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# PDFs render on a queue of their own, so that a burst of documents never delays deadlines and receipts.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"documents.render": {"queue": "documents"}}
SCAN_INTERVAL_SECONDS = float(os.environ.get("SCAN_INTERVAL_SECONDS", "30"))
# Who hands the outbox's messages to the broker: each web process right after its commit (the default: nothing more
# to run), or the relay process `manage.py outbox_relay` (OUTBOX_RELAY=true), woken by the commit through
# PostgreSQL's LISTEN/NOTIFY. The relay takes the broker out of the requests, so that under the deadline rush a
# submission only writes to the database; it sends what piles up in batches, on one broker connection.
OUTBOX_RELAY = env_bool("OUTBOX_RELAY")
# A document still queued or rendering after this long has lost its message or its worker and is queued again: above
# the render's own time limit (3 min, with retries) and the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT),
# and above the longest wait the documents queue is expected to have.
DOCUMENT_STUCK_MINUTES = env_int("DOCUMENT_STUCK_MINUTES", 20, minimum=1)
# After this many starts a document that never finishes is marked failed for an officer instead.
DOCUMENT_RENDER_MAX_ATTEMPTS = env_int("DOCUMENT_RENDER_MAX_ATTEMPTS", 5, minimum=1)
# Signing the documents the system issues (documents/signing.py): the JSON file naming each authority's key and the
# system's (outside the repository), the time-stamping service and the trust roots a signature is validated against.
# Without it nothing is signed. A document whose signing failed is tried again by the rescue up to
# DOCUMENT_SIGN_MAX_ATTEMPTS times, then waits for an officer.
HANKINTA_SIGNING_KEYS = os.environ.get("HANKINTA_SIGNING_KEYS", "")
HANKINTA_TSA_URL = os.environ.get("HANKINTA_TSA_URL", "")
HANKINTA_TRUST_ROOTS = os.environ.get("HANKINTA_TRUST_ROOTS", "")
DOCUMENT_SIGN_MAX_ATTEMPTS = env_int("DOCUMENT_SIGN_MAX_ATTEMPTS", 10, minimum=1)
# The audit chain's head is anchored outside the database after each link and at least this often (audit.anchor).
AUDIT_ANCHOR_INTERVAL_SECONDS = env_int("AUDIT_ANCHOR_INTERVAL_SECONDS", 60, minimum=1)


def _every(task: str, seconds: float, *, expires: float | None = None) -> dict:
    """A periodic task; a run not started within `expires` seconds (by default its interval) is dropped: the next
    one comes."""
    return {
        "task": task,
        "schedule": schedule(timedelta(seconds=seconds)),
        "options": {"expires": seconds if expires is None else expires},
    }


# The one place where the periodic work is scheduled.
CELERY_BEAT_SCHEDULE = {
    "tenders-close-due": _every("tenders.close_due", SCAN_INTERVAL_SECONDS),
    "timers-run-due": _every("timers.run_due", SCAN_INTERVAL_SECONDS),
    "notifications-relay": _every("notifications.relay", SCAN_INTERVAL_SECONDS),
    "audit-link": _every("audit.link", SCAN_INTERVAL_SECONDS),
    "outbox-purge": _every("outbox.purge", 24 * 3600, expires=3600),
    "auth-tokens-purge": _every("auth.tokens_purge", 24 * 3600, expires=3600),
    "documents-rescue-stuck": _every("documents.rescue_stuck", 5 * 60),
    "bids-purge-abandoned-uploads": _every("bids.purge_abandoned_uploads", 3600),
    "audit-anchor": _every("audit.anchor", AUDIT_ANCHOR_INTERVAL_SECONDS),
    "notices-follow": _every("notices.follow", SCAN_INTERVAL_SECONDS),
}

# Hilma's ETS (write) API, where the call's eForms notices are sent (tenders/hilma.py). Without both, notices are
# generated, checked and kept, marked unsent. Its test environment: see the README ("Notices in Hilma").
HILMA_BASE_URL = os.environ.get("HILMA_BASE_URL", "")
HILMA_SUBSCRIPTION_KEY = os.environ.get("HILMA_SUBSCRIPTION_KEY", "")
HILMA_TIMEOUT_SECONDS = env_int("HILMA_TIMEOUT_SECONDS", 30, minimum=1)
# A sent notice's state is asked of Hilma this often until it is published (or rejected) by TED.
HILMA_POLL_MINUTES = env_int("HILMA_POLL_MINUTES", 10, minimum=1)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hankinta <noreply@hankinta.invalid>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # each request to Hilma is recorded as a NoticeSending instead
    },
}

# Domain settings.
HANKINTA: dict[str, Any] = {
    # Where a call does not say otherwise, the maximum points of the whole evaluation.
    "TOTAL_POINTS": 100,
    # Demo users with the password "demo" are created only when DEBUG is on.
    "DEMO_PASSWORD": "demo",
    # The tender box: attachment limits, and the ceiling of a plausible unit price.
    "ATTACHMENT_MAX_BYTES": env_int("ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024, minimum=1),
    "BID_ATTACHMENTS_MAX_BYTES": env_int("BID_ATTACHMENTS_MAX_BYTES", 200 * 1024 * 1024, minimum=1),
    "ATTACHMENT_CHUNK_BYTES": env_int("ATTACHMENT_CHUNK_BYTES", 5 * 1024 * 1024, minimum=1),
    "MAX_UNIT_PRICE": os.environ.get("MAX_UNIT_PRICE", "9999999.99"),
    # An offer this many per cent below the mean of the lot's other offers is flagged as abnormally low.
    "ABNORMALLY_LOW_PERCENT": env_int("ABNORMALLY_LOW_PERCENT", 20, minimum=0),
    # How often a bid may be submitted ("N/s", "N/min", "N/h", "N/day"), counted per bid and per submitting user from
    # the submitted versions: beyond it the bid is not reopened (each submission renders a receipt and sends an
    # e-mail) until the window has moved on. The submission itself is never refused for it.
    "BID_SUBMISSIONS_PER_BID": os.environ.get("BID_SUBMISSIONS_PER_BID", "3/min"),
    "BID_SUBMISSIONS_PER_USER": os.environ.get("BID_SUBMISSIONS_PER_USER", "10/min"),
    # The second officer confirms an opening within this many minutes of the first one's request.
    "OPENING_CONFIRMATION_MINUTES": env_int("OPENING_CONFIRMATION_MINUTES", 30, minimum=1),
    # A unit price above these (euros without VAT) is refused as implausible, by pricing unit.
    "PLAUSIBLE_UNIT_PRICE": {
        "per_student": os.environ.get("PLAUSIBLE_PRICE_PER_STUDENT", "60000"),
        "per_student_day": os.environ.get("PLAUSIBLE_PRICE_PER_STUDENT_DAY", "1000"),
        "per_group": os.environ.get("PLAUSIBLE_PRICE_PER_GROUP", "1500000"),
    },
    # Links in e-mails point here.
    "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
    # Reminders before the tender deadline, and before the questions deadline (hours before).
    "DEADLINE_REMINDER_HOURS": (7 * 24, 24, 2),
    "QUESTIONS_REMINDER_HOURS": (24,),
    # The evaluation is overdue when no decision has been made this many days after the opening.
    "EVALUATION_TARGET_DAYS": env_int("EVALUATION_TARGET_DAYS", 30, minimum=1),
    # Delivery attempts of an e-mail before it is marked failed (an officer can send it again).
    "EMAIL_MAX_ATTEMPTS": env_int("EMAIL_MAX_ATTEMPTS", 8, minimum=1),
    # Contractor-liability certificates (Act 1233/2006) may be at most this many months old at signing.
    "LIABILITY_DOCUMENT_MAX_MONTHS": 3,
}

# The key-encryption key of the tender box (32 bytes, base64): it wraps one data key per call.
# Rotate by adding a new id and keeping the old key readable: HANKINTA_KEKS = "id1:key1,id2:key2", newest first.
HANKINTA_KEKS = os.environ.get("HANKINTA_KEKS", "")

# The security log (procurement/securitylog.py): refusals that name no user, at most this many rows per address and
# minute (the rest are counted on the last row).
SECURITY_LOG_PER_MINUTE = env_int("SECURITY_LOG_PER_MINUTE", 10, minimum=1)

# The audit chain's anchors (procurement/auditchain.py): signed checkpoints of its head, written where the database's
# owner cannot rewrite them. The key signs them (HMAC-SHA256; a random secret of at least 32 characters, never in the
# database; to rotate, put the new one first, comma-separated, and keep the old one while its anchors are checked).
# The directory belongs on storage of its own (another volume or host, append-only), not next to the database.
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")
AUDIT_ANCHOR_DIR = Path(os.environ.get("AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchors"))
# A chain with events and no anchor file is reported broken (the file was deleted, or anchoring never worked).
AUDIT_ANCHOR_REQUIRED = env_bool("AUDIT_ANCHOR_REQUIRED", True)

# The OCDS feed (evaluation/ocds.py, /api/v1/ocds/): each call's ocid is this prefix, "-" and the call's procedure
# identifier. A publisher registers its own prefix ("ocds-" and six characters) with the Open Contracting Partnership;
# the default "ocds-hnkdev" is for development and demos only, and must not be published.
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "ocds-hnkdev").strip() or "ocds-hnkdev"
OCDS_PUBLISHER_NAME = os.environ.get("OCDS_PUBLISHER_NAME", "Hankinta")
# Releases per page of /api/v1/ocds/releases/ (and records per page of /api/v1/ocds/records/), and the most a
# client may ask for with page_size.
OCDS_PAGE_SIZE = env_int("OCDS_PAGE_SIZE", 100, minimum=1)
OCDS_MAX_PAGE_SIZE = 1000
# eForms notices for Hilma (tenders.eforms). The SDK's rules: the copy vendored in tenders/eforms/sdk (the files
# notices E3, E4, 20 and 33 need), or a whole SDK 1.13 directory; without its Schematron a notice cannot pass.
EFORMS_SDK_DIR = Path(os.environ["EFORMS_SDK_DIR"]) if os.environ.get("EFORMS_SDK_DIR") else None
# The Schematron compiled per notice subtype (about 9 MB each), rebuilt when the SDK files change.
EFORMS_CACHE_DIR = Path(os.environ.get("EFORMS_CACHE_DIR", VAR_DIR / "eforms"))
# The review body's registration number (BT-501), which notice 20 requires for every organisation it names.
EFORMS_REVIEW_BODY_BUSINESS_ID = os.environ.get("EFORMS_REVIEW_BODY_BUSINESS_ID", "")
