from __future__ import annotations

from tests.credentials.conftest import ana_reaches_level, competency_targets, levels_on, system

__all__ = ["ana_reaches_level", "competency_targets", "levels_on", "system"]
