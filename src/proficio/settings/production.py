"""Production settings: HTTPS only, secrets from the environment, PostgreSQL expected.

``manage.py check --deploy`` is clean with these settings (a test asserts it).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from proficio.settings import secret_key
from proficio.settings.base import *  # noqa: F403
from proficio.settings.base import DATA_DIR

DEBUG = False
# From PROFICIO_SECRET_KEY or $PROFICIO_DATA_DIR/secret_key, never made up here: every app
# server behind a load balancer must use the same key.
SECRET_KEY = secret_key.configured(DATA_DIR)
if len(SECRET_KEY) < secret_key.MIN_LENGTH:
    raise ImproperlyConfigured(
        "PROFICIO_SECRET_KEY must be set to a random string of 50+ characters "
        "(or put one in the secret_key file of PROFICIO_DATA_DIR)"
    )

# Static files come from STATIC_ROOT, filled (and compressed) by collectstatic, which
# `proficio serve` runs before starting.
WHITENOISE_USE_FINDERS = False

SECURE_SSL_REDIRECT = os.environ.get("PROFICIO_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Behind a reverse proxy the client address comes from X-Forwarded-For, read only when the
# request arrives from a trusted proxy (by default one on this machine); lockout then counts
# failures per username *and* real client, so nobody can lock out a colleague.
PROFICIO_TRUSTED_PROXIES = os.environ.get("PROFICIO_TRUSTED_PROXIES", "127.0.0.1,::1")
PROFICIO_PROXY_COUNT = int(os.environ.get("PROFICIO_PROXY_COUNT", "1"))

# Mail goes out by SMTP in production, from the PROFICIO_EMAIL_* variables.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("PROFICIO_EMAIL_HOST", "localhost")
