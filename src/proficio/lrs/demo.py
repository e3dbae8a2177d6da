"""The demo district's learning tools: aligned activities, and a few statements that
``proficio run`` posts to its fresh LRS so the first pull shows evidence arriving."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from proficio.core.standards.xapi import CASE_ITEM_EXTENSION
from proficio.frameworks.models import Item
from proficio.lrs import actions
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM

TOOL = "https://practice.example/activities"
# (activity, target code) the district aligned in its table; MATH.1.3's tool names its
# CASE item itself in the activity definition.
ALIGNED = [(f"{TOOL}/fractions-1", "MATH.1.2"), (f"{TOOL}/fractions-2", "MATH.1.2")]
SELF_NAMED = (f"{TOOL}/ratios-1", "MATH.1.3")


def _target(district: Organization, code: str) -> Item:
    return Item.objects.get(framework__owner=district, human_coding_scheme=code)


def seed_alignments(district: Organization) -> int:
    for activity, code in ALIGNED:
        actions.align_activity(
            SYSTEM, district, activity_id=activity, target=_target(district, code)
        )
    return len(ALIGNED)


def demo_statements(district: Organization) -> list[dict[str, Any]]:
    """Ana and Ben practising with the district's learning tools this week."""
    now = timezone.now()
    ratios = _target(district, SELF_NAMED[1])
    out = []
    for n, (who, activity, scaled) in enumerate(
        [
            ("ana", ALIGNED[0][0], 0.9),
            ("ana", ALIGNED[1][0], 1.0),
            ("ben", ALIGNED[0][0], 0.6),
            ("ana", SELF_NAMED[0], 0.8),
            ("ben", SELF_NAMED[0], 0.5),
            ("ana", f"{TOOL}/free-play", 1.0),  # aligned to nothing: counted, not evidence
        ]
    ):
        definition: dict[str, Any] = {"name": {"en-US": activity.rsplit("/", 1)[-1]}}
        if activity == SELF_NAMED[0]:
            definition["extensions"] = {CASE_ITEM_EXTENSION: ratios.uri}
        out.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{activity}/{who}/{n}")),
                "actor": {"objectType": "Agent", "account": {"homePage": TOOL, "name": who}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {"objectType": "Activity", "id": activity, "definition": definition},
                "result": {"score": {"scaled": scaled}},
                "timestamp": (now - dt.timedelta(days=3 - n % 3)).isoformat(),
            }
        )
    return out
