"""Base settings shared by every deployment of Proficio."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The checkout root when running from source; instance data lives in var/ beneath it
# unless PROFICIO_DATA_DIR says otherwise.
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("PROFICIO_DATA_DIR", PROJECT_DIR / "var"))

# A development key is fine for the embedded default; production refuses to start without one.
SECRET_KEY = os.environ.get(
    "PROFICIO_SECRET_KEY", "dev-only-insecure-key-change-me-4f1c9b7e2a6d8e0b3c5a7f9d1e3b5c7a"
)
DEBUG = os.environ.get("PROFICIO_DEBUG", "1") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PROFICIO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "proficio.audit",
    "proficio.orgs",
    "proficio.accounts",
    "proficio.frameworks",
    "proficio.evidence",
    "proficio.mastery",
    "proficio.moderation",
    "proficio.learners",
    "proficio.classroom",
    "proficio.pace",
    "proficio.insights",
    "proficio.credentials",
    "proficio.roster",
    "proficio.lrs",
    "proficio.educators",
    "proficio.web",
    "proficio.demo",
]

MIDDLEWARE = [
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
    "proficio.accounts.middleware.PreferredLanguageMiddleware",
    "proficio.audit.middleware.AuditActorMiddleware",
    # Axes must be last: it turns lockouts into a friendly page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proficio.urls"
WSGI_APPLICATION = "proficio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proficio.web.context_processors.navigation",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'proficio.sqlite3'}",
        conn_max_age=int(os.environ.get("PROFICIO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default needs no setup: its folder is created on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins, per username and address.
AXES_FAILURE_LIMIT = int(os.environ.get("PROFICIO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("PROFICIO_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "proficio.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "proficio.accounts.client_ip.client_ip"
PROFICIO_PROXY_COUNT = 0
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions and CSRF: HttpOnly, SameSite, short-lived. Secure flags come with HTTPS (production).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: no inline script, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Español"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("PROFICIO_TIME_ZONE", "America/New_York")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end packages come from the npm registry (package-lock.json) into node_modules;
# only the files we serve are exposed, under vendor/.
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Charts: the UMD builds of Vega, Vega-Lite and vega-embed (which bundles vega-interpreter,
    # the CSP-safe expression evaluator used with `ast: true`).
    ("vendor/vega", NODE_MODULES / "vega" / "build"),
    ("vendor/vega-lite", NODE_MODULES / "vega-lite" / "build"),
    ("vendor/vega-embed", NODE_MODULES / "vega-embed" / "build"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Progress of long work is written here while the work's own transaction is still open
# (its rows are invisible to others until it commits); a file cache is shared by the
# web server and the task worker, whichever database is used.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "progress"),
        "TIMEOUT": 60 * 60 * 24,
    },
}

# Published frameworks are readable by anyone through the CASE provider API.
PROFICIO_CASE_PUBLIC = os.environ.get("PROFICIO_CASE_PUBLIC", "1") == "1"

# Aggregates that leave a school hide groups smaller than this (see proficio.core.equity).
PROFICIO_MIN_CELL_SIZE = int(os.environ.get("PROFICIO_MIN_CELL_SIZE", "10"))
if PROFICIO_MIN_CELL_SIZE < 1:
    raise ImproperlyConfigured("PROFICIO_MIN_CELL_SIZE must be at least 1")

# Verifiable credentials (proficio.credentials). Issuing keys are encrypted at rest with
# PROFICIO_CREDENTIALS_KEY (a Fernet key); without it, a key is generated once into a file
# under the data directory (fine for the demo, not for a deployment).
PROFICIO_CREDENTIALS_KEY = os.environ.get("PROFICIO_CREDENTIALS_KEY", "")
PROFICIO_CREDENTIALS_KEY_FILE = DATA_DIR / "credentials.key"
# With a domain, issuers are did:web (the root issuer's document at /.well-known/did.json);
# without one, did:key.
PROFICIO_CREDENTIALS_DOMAIN = os.environ.get("PROFICIO_CREDENTIALS_DOMAIN", "")
PROFICIO_CREDENTIALS_ROOT_ISSUER = os.environ.get("PROFICIO_CREDENTIALS_ROOT_ISSUER", "")
# Where credential ids and status lists point when there is no domain.
PROFICIO_CREDENTIALS_BASE_URL = os.environ.get(
    "PROFICIO_CREDENTIALS_BASE_URL", "http://127.0.0.1:8000"
)
# JSON-LD contexts: written at install time from the npm context packages; nothing is
# fetched. Contexts no npm package ships (CLR 2.0) can be added as "URL=file,URL=file".
PROFICIO_JSONLD_CONTEXTS = NODE_MODULES / ".proficio" / "jsonld-contexts.json"
PROFICIO_JSONLD_EXTRA_CONTEXTS = dict(
    pair.split("=", 1)
    for pair in os.environ.get("PROFICIO_JSONLD_EXTRA_CONTEXTS", "").split(",")
    if "=" in pair
)
# The folder holding 1EdTech's OB 3.0 and CLR 2.0 JSON schemas (draft 4); without it,
# verification says the schema was not checked.
PROFICIO_CREDENTIAL_SCHEMAS = os.environ.get("PROFICIO_CREDENTIAL_SCHEMAS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROFICIO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Learning-tool data: the Learning Record Store (xAPI) Proficio pulls statements from.
# `make run` starts Ralph (an LRS) on 127.0.0.1:8100 with these credentials; a deployment
# points these at its own LRS. An empty URL turns the pull off.
PROFICIO_LRS_URL = os.environ.get("PROFICIO_LRS_URL", "http://127.0.0.1:8100/xAPI")
PROFICIO_LRS_USERNAME = os.environ.get("PROFICIO_LRS_USERNAME", "proficio")
PROFICIO_LRS_PASSWORD = os.environ.get("PROFICIO_LRS_PASSWORD", "proficio-lrs-dev")
PROFICIO_LRS_PAGE = int(os.environ.get("PROFICIO_LRS_PAGE", "1000"))
PROFICIO_LRS_PULL_SECONDS = int(os.environ.get("PROFICIO_LRS_PULL_SECONDS", "300"))
# Ralph, the LRS `make run` and the tests start: its own virtualenv, built by `make install`.
PROFICIO_RALPH = os.environ.get("PROFICIO_RALPH", str(PROJECT_DIR / ".venv-lrs" / "bin" / "ralph"))
