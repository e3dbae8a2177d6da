"""Settings for Proficio.

``proficio.settings`` is the development and embedded default (SQLite, WAL).
``proficio.settings.production`` hardens it; ``proficio.settings.test`` speeds it up.
Everything that varies between deployments comes from the environment.
"""

import os

from proficio.settings import secret_key
from proficio.settings.base import *  # noqa: F403
from proficio.settings.base import DATA_DIR, SECRET_KEY

# This package is imported on the way to production.py and test.py too; only the embedded
# default makes a key of its own (on first run, kept in the data folder).
if not SECRET_KEY and os.environ.get("DJANGO_SETTINGS_MODULE") == "proficio.settings":
    SECRET_KEY = secret_key.read_or_create(DATA_DIR)
