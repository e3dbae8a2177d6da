"""Reads for the account pages: lockouts, roles, and what an administrator may grant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from proficio import policy
from proficio.accounts.roles import MEMBERSHIP_ROLES, Role
from proficio.orgs.models import Organization
from proficio.policy import Act, Subject


def locked_until(usernames: Iterable[str]) -> dict[str, dt.datetime]:
    """For each username locked out now (by Axes, from any address), when that ends."""
    cooloff = settings.AXES_COOLOFF_TIME
    since = timezone.now() - cooloff
    rows = (
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        )
        .values("username")
        .annotate(last=Max("attempt_time"))
    )
    return {r["username"]: r["last"] + cooloff for r in rows}


@dataclass(frozen=True)
class RoleRow:
    membership: Any
    state: str  # current | ended | future

    @property
    def label(self) -> str:
        return str(Role(self.membership.role).label)


def role_rows(person: Any, today: dt.date | None = None) -> list[RoleRow]:
    today = today or timezone.localdate()
    rows = []
    for m in person.memberships.select_related("organization").order_by("-start_date", "pk"):
        if m.start_date > today:
            state = "future"
        elif m.end_date is not None and m.end_date < today:
            state = "ended"
        else:
            state = "current"
        rows.append(RoleRow(m, state))
    return rows


def grant_options(actor: Any) -> tuple[list[Role], list[Organization]]:
    """The roles and organizations to offer ``actor`` in forms (the action checks each
    pair: a role is granted only at a kind of organization that holds it)."""
    w = policy.who(actor)
    offered = {r for role in w.roles for r in policy.GRANTABLE_ROLES.get(role, ())}
    roles = [r for r in MEMBERSHIP_ROLES if r in offered]
    if not roles:
        return [], []
    organizations = list(
        policy.visible(actor, Subject.ORGANIZATION, Act.CHANGE).order_by("path", "name")
    )
    return roles, organizations
