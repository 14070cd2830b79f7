"""Developer defaults for `make run`: SQLite and a Celery transport that needs no server."""

import os
import socket
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
# A fixed development key: never use it for real bids.
HANKINTA_KEKS = os.environ.get("HANKINTA_KEKS", "dev1:ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcmVhbC11c2U=")
SECRET_KEY = os.environ.get("SECRET_KEY", "local-development-only-not-secret")
# A fixed development key for the audit chain's anchors (make run only).
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "local-development-audit-anchor-key-not-secret")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# The demo data (`manage.py seed_demo`, run by `make run`): development and tests only, never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "config.demo"]

# The demo PKI (`manage.py demo_pki`, which `make run` runs and serves on 127.0.0.1:8099): the documents are signed
# with its keys once it exists; HANKINTA_SIGNING_KEYS in the environment names other keys.
_demo_signing_keys = VAR_DIR / "demo-pki" / "signing-keys.json"
HANKINTA_SIGNING_KEYS = os.environ.get("HANKINTA_SIGNING_KEYS") or (
    str(_demo_signing_keys) if _demo_signing_keys.exists() else ""
)

# `make run` serves with runserver, a thread for each browser connection: a persistent database connection would
# stay open with each of them (see base), so every request closes its own, whatever CONN_MAX_AGE says.
DATABASES["default"]["CONN_MAX_AGE"] = 0

if not os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "hankinta.sqlite3",
            # The web server, the worker and beat share the file: wait for locks and write up front.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


_redis_url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
if _redis_url and _redis_answers(_redis_url):
    CELERY_BROKER_URL = _redis_url
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (remote control) exchanges; without this, kombu writes them into the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

SCAN_INTERVAL_SECONDS = 10.0
for _name in ("tenders-close-due", "timers-run-due", "notifications-relay"):
    CELERY_BEAT_SCHEDULE[_name]["schedule"] = SCAN_INTERVAL_SECONDS
    CELERY_BEAT_SCHEDULE[_name]["options"] = {"expires": SCAN_INTERVAL_SECONDS}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SILENCED_SYSTEM_CHECKS = ["models.W047"]  # SQLite only: the PostgreSQL constraint still applies in production

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The Market Court's business ID in notices (eForms BT-501, which notice 20 requires for the review body): a
# stand-in that is nobody's, for development and the tests; a deployment sets the real one in the environment.
EFORMS_REVIEW_BODY_BUSINESS_ID = os.environ.get("EFORMS_REVIEW_BODY_BUSINESS_ID", "0000000-0")
