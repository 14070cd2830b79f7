"""Production settings: everything from the environment, nothing insecure by default."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env_bool, env_int

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")

if not os.environ.get("HANKINTA_KEKS"):
    raise ImproperlyConfigured("HANKINTA_KEKS must be set: the key that seals bids until their opening.")

if len(os.environ.get("AUDIT_ANCHOR_KEY", "").split(",")[0].strip()) < 32:
    raise ImproperlyConfigured(
        "AUDIT_ANCHOR_KEY must be set (at least 32 characters): the key that signs the audit chain's anchors."
    )

# gunicorn's workers and Celery's serve one request or task after another in the same thread: each keeps its
# database connection for CONN_MAX_AGE seconds (default 60), checked before it is used again after a request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Behind the TLS proxy: the scheme from its X-Forwarded-Proto. The client's address comes from X-Forwarded-For only
# with TRUSTED_PROXY_COUNT set to the number of our own proxies in front (base; README, Deployment).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
