"""Settings for Proficio.

``proficio.settings`` is the development and embedded default (SQLite, WAL).
``proficio.settings.production`` hardens it; ``proficio.settings.test`` speeds it up.
Everything that varies between deployments comes from the environment.
"""

from proficio.settings.base import *  # noqa: F403
