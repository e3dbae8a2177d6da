from __future__ import annotations

import pytest

from proficio.audit.context import acting
from proficio.orgs import actions as orgs
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM


@pytest.fixture
def oak_valley(world):
    """An empty district in the test world's state, ready for its roster."""
    with acting(None, route="tests: roster"):
        return orgs.create_organization(
            SYSTEM,
            kind="district",
            name="Oak Valley Unified",
            code="oak-valley",
            parent=Organization.objects.get(code="columbia"),
        )
