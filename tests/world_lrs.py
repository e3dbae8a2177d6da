"""The learning-tools feature's part of the test world: one activity alignment in each
district (Riverbend's, and Lakeside's for "another district")."""

from __future__ import annotations

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.frameworks.models import Item
from proficio.lrs import actions
from proficio.lrs.models import ActivityAlignment
from proficio.orgs.models import Organization

ACTIVITIES = {
    "riverbend_alignment": "https://tool.example/world/riverbend",
    "lakeside_alignment": "https://tool.example/world/lakeside",
}


def build() -> None:
    target = Item.objects.get(
        human_coding_scheme="MATH.1.2", framework__title__startswith="Riverbend"
    )
    for username, code, name in (
        ("district.admin", "riverbend", "riverbend_alignment"),
        ("lake.admin", "lakeside", "lakeside_alignment"),
    ):
        user = User.objects.get(username=username)
        with acting(user, route="tests: world"):
            actions.align_activity(
                user,
                Organization.objects.get(code=code),
                activity_id=ACTIVITIES[name],
                target=target,
            )


def lookup(name: str) -> ActivityAlignment | None:
    activity = ACTIVITIES.get(name)
    return ActivityAlignment.objects.get(activity_id=activity) if activity else None
