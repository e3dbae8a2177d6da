from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from proficio import policy
from proficio.audit.context import acting


@pytest.fixture
def system():
    with acting(None, route="tests: credentials"):
        yield policy.SYSTEM


def competency_targets(framework, code: str, position: int):
    from proficio.frameworks.models import AssociationType, Item, ItemKind

    return list(
        Item.objects.filter(
            framework=framework,
            kind=ItemKind.TARGET,
            level__position=position,
            archived_at__isnull=True,
            outgoing__association_type=AssociationType.IS_CHILD_OF,
            outgoing__destination_item__human_coding_scheme=code,
        ).order_by("human_coding_scheme")
    )


@pytest.fixture
def ana_reaches_level(world):
    """Ana shows every MATH.1 target at level 1 at proficiency (Ms. Rivera scores them)."""
    from proficio.evidence import actions as evidence

    rivera = world.user("rivera")
    targets = competency_targets(world.district_framework, "MATH.1", 1)
    assert targets
    with acting(rivera, route="tests: credentials evidence"):
        for target in targets:
            for days, kind in ((3, "performance_task"), (2, "project"), (1, "observation")):
                evidence.record_evidence(
                    rivera,
                    student=world.ana,
                    kind=kind,
                    title="Level check",
                    assessed_at=timezone.now() - dt.timedelta(days=days),
                    scores=[evidence.ScoreInput(target, 4.0)],
                    scorer=rivera,
                )
    return targets


@pytest.fixture
def levels_on(world, system):
    from proficio.credentials import actions

    actions.set_credential_settings(system, world.org("riverbend"), issue_level_credentials=True)
