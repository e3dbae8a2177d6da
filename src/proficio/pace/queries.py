"""Reads of pace data that several pages share: one definition each (the support list,
the home pages' "needs me today" and the check-in reminders on the home pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from proficio import policy
from proficio.pace.models import SupportFlag
from proficio.policy import Act, Subject

# A support check-in shows on its owner's home page from a week before it is due.
CHECK_IN_WINDOW = dt.timedelta(days=7)
# A flag is "new" for a week after the daily job raised it.
NEW_FLAG_WINDOW = dt.timedelta(days=7)


def open_flags(user: Any) -> QuerySet[SupportFlag]:
    """The open support flags (off pace or stalled) of the students ``user`` may support."""
    students = policy.students_reached(user, Act.VIEW, Subject.SUPPORT_PLAN)
    return (
        SupportFlag.objects.filter(resolved_on__isnull=True, student__in=students)
        .select_related("student", "student__school")
        .order_by("student__legal_family_name", "student__legal_given_name", "reason", "pk")
    )


def new_flags(flags: QuerySet[SupportFlag], today: dt.date) -> QuerySet[SupportFlag]:
    """Of ``flags``, those the daily job raised within the last ``NEW_FLAG_WINDOW``."""
    return flags.filter(detected_on__gt=today - NEW_FLAG_WINDOW)


def check_ins_due(user: Any, today: dt.date) -> QuerySet[Any]:
    """Open support plans ``user`` owns whose check-in is overdue or due within the window."""
    return (
        policy.visible(user, Subject.SUPPORT_PLAN)
        .filter(owner=user, closed_on__isnull=True, check_in_on__lte=today + CHECK_IN_WINDOW)
        .select_related("student")
        .order_by("check_in_on", "pk")
    )


def overdue_check_ins(user: Any, today: dt.date) -> QuerySet[Any]:
    """Open support plans ``user`` may see whose check-in date has passed (any owner)."""
    return (
        policy.visible(user, Subject.SUPPORT_PLAN)
        .filter(closed_on__isnull=True, check_in_on__lt=today)
        .select_related("student", "owner")
        .order_by("check_in_on", "pk")
    )
