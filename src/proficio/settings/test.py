"""Test settings: fast hashing, in-memory-friendly, everything else as in production code."""

from proficio.settings import secret_key
from proficio.settings.base import *  # noqa: F403
from proficio.settings.base import DATA_DIR, SECRET_KEY, STATICFILES_DIRS

SECRET_KEY = SECRET_KEY or secret_key.read_or_create(DATA_DIR)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATICFILES_DIRS = STATICFILES_DIRS
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tests read 1EdTech's schemas and the CLR 2.0 context (which no npm package ships) in
# place from the shared fixtures beside the checkout.
_OB3_FIXTURES = PROJECT_DIR.parent / "shared" / "fixtures" / "ob3"  # noqa: F405
if _OB3_FIXTURES.is_dir():
    PROFICIO_CREDENTIAL_SCHEMAS = str(_OB3_FIXTURES / "schemas")
    PROFICIO_JSONLD_EXTRA_CONTEXTS = {
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": str(
            _OB3_FIXTURES / "contexts" / "clr-v2p0-2.0.1.json"
        )
    }
PROFICIO_CREDENTIALS_KEY = "yV1aB2nQ3d0Z8mJ7hP4rS6tU9wX5cE1fG2kL3oN4qT0="

# The state's Parquet store: a fresh folder per test process, and a test key.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

PROFICIO_STATE_STORE = _Path(_tempfile.mkdtemp(prefix="proficio-state-store-"))
PROFICIO_STATE_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
