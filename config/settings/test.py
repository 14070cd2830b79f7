"""Settings for the test suite: the real PostgreSQL and Redis named by the environment."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR

# Under pytest-xdist (`make test` runs the suite in parallel) each worker process, PYTEST_XDIST_WORKER=gw0, gw1, …,
# has what it writes to of its own: pytest-django gives it its own database (test_<name>_gw0, …), and here it gets a
# Redis database and a media directory of its own.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_redis(url: str) -> str:
    """REDIS_URL's database for this worker: gw<n> takes the n-th one above it (below it from the top, 15, down),
    so REDIS_URL=redis://…/8 gives gw0 8 and gw1 9, and redis://…/15 gives gw0 15 and gw1 14."""
    if not XDIST_WORKER:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(XDIST_WORKER.removeprefix("gw"))
    db = base + number if base + number <= 15 else base - number
    return urlunsplit(parts._replace(path=f"/{db}"))


DEBUG = False
HANKINTA_KEKS = "test1:dGVzdC1vbmx5LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGU="
SECRET_KEY = "test-only-not-secret"  # noqa: S105
AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-not-secret-0123456789"
# Tests roll their transactions back, so the links they make are never committed and never anchored; each test has
# an anchor directory of its own (tests/conftest.py), and the tests of the anchors require them.
AUDIT_ANCHOR_REQUIRED = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The demo data (`manage.py seed_demo`): development and tests only, never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "config.demo"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# CELERY_BROKER_URL, when given, is taken as it is: the tests give their subprocesses (workers, the outbox relay)
# their own process's broker that way.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or _worker_redis(
    os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / (f"test-media-{XDIST_WORKER}" if XDIST_WORKER else "test-media")
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The Market Court's business ID in notices (eForms BT-501, which notice 20 requires for the review body): a
# stand-in that is nobody's, for development and the tests; a deployment sets the real one in the environment.
EFORMS_REVIEW_BODY_BUSINESS_ID = os.environ.get("EFORMS_REVIEW_BODY_BUSINESS_ID", "0000000-0")
HANKINTA_SIGNING_KEYS = ""  # signing is off unless a test turns it on (tests/fixtures/pki.py)
