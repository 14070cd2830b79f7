"""Settings for the test suite: the real PostgreSQL and Redis named by the environment."""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR

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
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
