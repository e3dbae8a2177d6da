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
