"""Test settings: fast hashing, in-memory-friendly, everything else as in production code."""

from proficio.settings.base import *  # noqa: F403
from proficio.settings.base import STATICFILES_DIRS

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

# The state's Parquet store: a fresh folder per test process, and a test key.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

PROFICIO_STATE_STORE = _Path(_tempfile.mkdtemp(prefix="proficio-state-store-"))
PROFICIO_STATE_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
