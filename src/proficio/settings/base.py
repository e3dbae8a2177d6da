"""Base settings shared by every deployment of Proficio."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from proficio.settings import secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The checkout root when running from source; instance data lives in var/ beneath it
# unless PROFICIO_DATA_DIR says otherwise.
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("PROFICIO_DATA_DIR", PROJECT_DIR / "var"))

# PROFICIO_SECRET_KEY, else var/secret_key; there is no default. The embedded settings
# create that file on first run, production requires one (see settings/secret_key.py).
SECRET_KEY = secret_key.configured(DATA_DIR)
# Debug is off unless asked for (PROFICIO_DEBUG=1, or `proficio run --debug`).
DEBUG = os.environ.get("PROFICIO_DEBUG", "0") == "1"
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
    "oauth2_provider",
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
    "proficio.transcripts",
    "proficio.graduation",
    "proficio.roster",
    "proficio.lrs",
    "proficio.notifications",
    "proficio.state",
    "proficio.educators",
    "proficio.web",
    "proficio.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files keep their caching), above everything that answers.
    "proficio.web.middleware.NoStoreMiddleware",
    # The per-request memo of the definitions cache (reads nothing until asked).
    "proficio.frameworks.definitions.Middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's memo of what the policy granted (an action's check after a fetch).
    "proficio.policy.GrantsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "proficio.accounts.middleware.PreferredLanguageMiddleware",
    "proficio.audit.middleware.AuditActorMiddleware",
    # Axes must be last: it turns lockouts into a friendly page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proficio.urls"
# Form fields render in the U.S. Web Design System's pattern (proficio/web/forms_render.py).
FORM_RENDERER = "proficio.web.forms_render.SystemFormRenderer"
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
                "proficio.notifications.context_processors.unread",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'proficio.sqlite3'}",
        # Connections are kept between requests (opening one costs more than most queries)
        # and checked before reuse, so a restarted database costs one failed check, not errors.
        conn_max_age=int(os.environ.get("PROFICIO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode a server session lasts one transaction, so cursors
# that outlive one (Django's server-side cursors behind .iterator()) must be off.
if os.environ.get("PROFICIO_DISABLE_SERVER_SIDE_CURSORS", "0") == "1":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Prepared statements: on a kept connection psycopg prepares a statement the second time it
# runs, so PostgreSQL parses and plans it once per connection instead of once per query.
# Measured on the load mix's endpoints (benchmarks/bench_request_cpu.py --prepared), the
# database's CPU per request falls by about half or more. They need server-side binding
# (psycopg sends the parameters apart from the SQL), which Django leaves off by default,
# and a session that outlives a transaction: behind PgBouncer in transaction mode (before
# 1.21's max_prepared_statements) set PROFICIO_PREPARED_STATEMENTS=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    os.environ.get("PROFICIO_PREPARED_STATEMENTS", "1") == "1"
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )
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
    # Password spraying limits, then Axes' per-account lockout, then the password itself.
    "proficio.accounts.backends.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    # Django's password backend, reading each request's user with what the policy needs
    # to know about them in one query.
    "proficio.accounts.backends.PersonBackend",
    # Single sign-on (OpenID Connect): only ever signs in people already on the roster.
    "proficio.accounts.sso.RosterOIDCBackend",
]
# Argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1; see accounts/hashers.py). Hashes
# made with other parameters, or with PBKDF2, are re-hashed with these at the next login.
PASSWORD_HASHERS = [
    "proficio.accounts.hashers.Argon2idHasher",
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

# Lockout after repeated failed logins, per username and address (Axes), plus the limits
# on password spraying in accounts/throttle.py: many accounts from one address, and a
# site-wide burst of failures.
AXES_FAILURE_LIMIT = int(os.environ.get("PROFICIO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("PROFICIO_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "proficio.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "proficio.accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout is not counted again (nor does it extend the lockout).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
PROFICIO_LOGIN_ADDRESS_LIMIT = int(os.environ.get("PROFICIO_LOGIN_ADDRESS_LIMIT", "30"))
PROFICIO_LOGIN_GLOBAL_LIMIT = int(os.environ.get("PROFICIO_LOGIN_GLOBAL_LIMIT", "300"))
# X-Forwarded-For is read only from these proxies (addresses or networks, comma-separated),
# and only PROFICIO_PROXY_COUNT entries deep; see accounts/client_ip.py.
PROFICIO_TRUSTED_PROXIES = os.environ.get("PROFICIO_TRUSTED_PROXIES", "")
PROFICIO_PROXY_COUNT = int(os.environ.get("PROFICIO_PROXY_COUNT", "0"))

# Email: invitations and password resets. SMTP when PROFICIO_EMAIL_HOST is set; otherwise
# each message is written as a file under $PROFICIO_DATA_DIR/mail/ (the demo and laptops).
EMAIL_HOST = os.environ.get("PROFICIO_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_PORT = int(os.environ.get("PROFICIO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PROFICIO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PROFICIO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("PROFICIO_EMAIL_TLS", "starttls") == "starttls"
EMAIL_USE_SSL = os.environ.get("PROFICIO_EMAIL_TLS", "starttls") == "ssl"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("PROFICIO_EMAIL_FROM", "Proficio <proficio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A reset link works for 3 days, an invitation for PROFICIO_INVITATION_DAYS; each only once.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
PROFICIO_INVITATION_DAYS = int(os.environ.get("PROFICIO_INVITATION_DAYS", "14"))

# OAuth 2.0 client credentials for machine clients (django-oauth-toolkit), as the 1EdTech
# security framework asks. Administrators register clients; see accounts/oauth.py.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "urn:proficio:scope:api.readonly": "Read the Proficio JSON API",
        "urn:proficio:scope:api.write": "Write through the Proficio JSON API",
        "https://purl.imsglobal.org/spec/case/v1p1/scope/all.readonly": "Read CASE 1.1",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly": (
            "Read the OneRoster 1.2 gradebook export"
        ),
    },
    "SCOPES_BACKEND_CLASS": "proficio.accounts.oauth.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("PROFICIO_TOKEN_SECONDS", "3600")),
    # The OAuth 2.0 Security BCP (RFC 9700) throughout. Only client credentials are used,
    # but no weaker grant or transport stays available. Tokens are stored only as their
    # SHA-256 checksum, never in plain text.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# OpenID Connect single sign-on (mozilla-django-oidc), off unless an issuer is set. The
# provider's endpoints come from its discovery document; see accounts/sso.py.
PROFICIO_OIDC_ISSUER = os.environ.get("PROFICIO_OIDC_ISSUER", "").rstrip("/")
PROFICIO_OIDC_NAME = os.environ.get("PROFICIO_OIDC_NAME", "your school account")
# Which claim identifies the person, and which account field it must equal: email,
# username, sourced_id (OneRoster) or identifier (a student's OneRoster identifier).
PROFICIO_OIDC_CLAIM = os.environ.get("PROFICIO_OIDC_CLAIM", "email")
PROFICIO_OIDC_MATCH = os.environ.get("PROFICIO_OIDC_MATCH", "email")
if PROFICIO_OIDC_MATCH not in {"email", "username", "sourced_id", "identifier"}:
    raise ImproperlyConfigured(
        "PROFICIO_OIDC_MATCH must be email, username, sourced_id or identifier"
    )
OIDC_RP_CLIENT_ID = os.environ.get("PROFICIO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PROFICIO_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("PROFICIO_OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("PROFICIO_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True  # client_secret_basic, OpenID Connect's default
OIDC_CREATE_USER = False  # people come from the roster, never from a sign-in
OIDC_TIMEOUT = 10
OIDC_CALLBACK_CLASS = "proficio.accounts.sso.CallbackView"
OIDC_AUTHENTICATE_CLASS = "proficio.accounts.sso.AuthenticateView"
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"

# Sessions and CSRF: HttpOnly, SameSite, short-lived. Secure flags come with HTTPS (production).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "proficio.web.views.errors.csrf_failure"
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
    # The U.S. Web Design System, as the package ships it prebuilt: its stylesheet finds the
    # fonts and icons beside it (../fonts, ../img), so the four folders keep their layout.
    *(
        (f"vendor/uswds/{part}", NODE_MODULES / "@uswds" / "uswds" / "dist" / part)
        for part in ("css", "js", "fonts", "img")
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# Uploads (proficio/uploads.py): the largest file any form takes (a CASE package, 50 MB;
# student work is held to 20 MB by its action), and the largest request body at all. Both
# are enforced while the body streams in. Form fields other than files stay within Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
PROFICIO_MAX_UPLOAD_BYTES = int(os.environ.get("PROFICIO_MAX_UPLOAD_MB", "50")) * 1024 * 1024
PROFICIO_MAX_REQUEST_BYTES = PROFICIO_MAX_UPLOAD_BYTES + 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "proficio.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The embedded default serves static files from where they lie (the apps' static folders and
# node_modules), so it needs no collectstatic; production serves what `proficio serve`
# collected into STATIC_ROOT, compressed.
WHITENOISE_USE_FINDERS = True

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
# The state's Parquet store (district submissions as the batch reads them) and the state
# key that pseudonymizes students (hex; the demo uses a published one: never in production).
PROFICIO_STATE_STORE = Path(os.environ.get("PROFICIO_STATE_STORE", DATA_DIR / "state-store"))
PROFICIO_STATE_KEY = os.environ.get("PROFICIO_STATE_KEY", "")
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
# Worker processes that sign a graduating class's credentials (1: sign in the task's own
# process; unset: one per core the worker may use, ``credentials.signing.process_count``).
# Signing is pure computation; the task's database work stays in its process.
_signing_processes = os.environ.get("PROFICIO_SIGNING_PROCESSES", "").strip()
PROFICIO_SIGNING_PROCESSES = int(_signing_processes) if _signing_processes else None
# The folder holding 1EdTech's OB 3.0 and CLR 2.0 JSON schemas (draft 4); without it,
# verification says the schema was not checked.
PROFICIO_CREDENTIAL_SCHEMAS = os.environ.get("PROFICIO_CREDENTIAL_SCHEMAS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROFICIO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "mozilla_django_oidc": {"level": "WARNING"}},
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

# Notifications (see proficio.notifications): links in their emails start with this
# address, and the daily digest goes out at this hour, local time.
PROFICIO_SITE_URL = os.environ.get("PROFICIO_SITE_URL", "http://127.0.0.1:8000")
PROFICIO_DIGEST_HOUR = int(os.environ.get("PROFICIO_DIGEST_HOUR", "17"))
if not 0 <= PROFICIO_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("PROFICIO_DIGEST_HOUR must be an hour from 0 to 23")

# Email (notifications; the accounts work adds invitations and password resets on the same
# settings). SMTP when PROFICIO_EMAIL_HOST is set; otherwise each message is written as a
# file under $PROFICIO_DATA_DIR/mail/, so nothing leaves the machine (the demo, laptops).
EMAIL_HOST = os.environ.get("PROFICIO_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_PORT = int(os.environ.get("PROFICIO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PROFICIO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PROFICIO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("PROFICIO_EMAIL_TLS", "starttls") == "starttls"
EMAIL_USE_SSL = os.environ.get("PROFICIO_EMAIL_TLS", "starttls") == "ssl"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("PROFICIO_EMAIL_FROM", "Proficio <proficio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
