"""Resubmitting returned work, in the test world: Ana's poster, sent by her from outside
school and returned by Ms. Rivera with feedback, waiting for a new version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

RETURNED_TITLE = "Budget poster from the library"
FEEDBACK = "Show how you worked out the totals, then send it again."


def build() -> None:
    from proficio.accounts.models import User
    from proficio.audit.context import acting
    from proficio.evidence import actions as evidence
    from proficio.frameworks.models import Item
    from proficio.notifications.models import Kind, Notification
    from proficio.orgs.models import Student

    ana = Student.objects.get(user__username="ana")
    rivera = User.objects.get(username="rivera")
    target = Item.objects.get(
        human_coding_scheme="MATH.1.3", framework__title__startswith="Riverbend Unified"
    )
    with acting(ana.user, route="tests: world resubmit"):
        work = evidence.record_evidence(
            ana.user,
            student=ana,
            kind="extended_learning",
            title=RETURNED_TITLE,
            assessed_at=timezone.now() - dt.timedelta(days=3),
            scores=[evidence.ScoreInput(target, 3)],
            partner_organization="Riverbend Library",
            submitted_by_student=True,
            url="https://example.org/poster",
        )
    with acting(rivera, route="tests: world resubmit"):
        evidence.return_evidence(rivera, work, feedback=FEEDBACK)
    # The world's notifications are other features' (their tests count them): the ones
    # this return sent are not part of it.
    Notification.objects.filter(kind=Kind.WORK_RETURNED, object_id=work.pk).delete()


def lookup(name: str) -> Any:
    from proficio.evidence.models import Evidence

    if name == "ana_returned_work":
        return Evidence.objects.get(title=RETURNED_TITLE)
    return None
