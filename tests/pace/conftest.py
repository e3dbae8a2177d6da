from __future__ import annotations

import pytest


@pytest.fixture
def paced(world):
    """The world with Ana on pace and Ben behind, after the daily check."""
    from tests.world_pace import add_pace_evidence

    add_pace_evidence()
    return world
