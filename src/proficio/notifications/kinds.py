"""What each kind of notification is: who it is for, what they must be allowed to see,
where it leads, and how it reads.

One table (``SPECS``) answers, per kind:

* ``subject`` and ``guard``: the permission question asked of every recipient, at send
  time and again whenever the notification is shown or emailed: may this person VIEW
  ``subject`` for the notification's student (``guard="student"``) or for the object it
  is about (``guard="object"``)? Nobody is told about a student they may not see.
* ``defaults``: the roles it is addressed to, with each role's default email choice.
  The preferences page lists the kinds of the roles a person holds.
* ``link``: where it leads, for a given recipient.
* ``message``: its sentence, written in the language active at the time of showing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proficio.accounts.roles import Role
from proficio.notifications.models import EmailMode, Kind, Notification
from proficio.policy import Subject

R = Role
IMMEDIATE, DIGEST = EmailMode.IMMEDIATE, EmailMode.DIGEST


@dataclass(frozen=True)
class KindSpec:
    subject: Subject
    guard: str  # "student" or "object"
    defaults: dict[Role, EmailMode]
    link: Callable[[Any, Any, bool], str]  # (object, student, recipient is the student)
    message: Callable[[dict[str, Any], bool], str]  # (params, recipient is the student)


def _day(value: str) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")


def _student_page(anchor: str) -> Callable[[Any, Any, bool], str]:
    """The student's own home (at ``anchor``) for the student; the family report for a
    guardian."""

    def link(obj: Any, student: Any, own: bool) -> str:
        if own:
            return reverse("web:role_home", args=[Role.STUDENT.value]) + anchor
        return reverse("learners:family_report", args=[student.pk])

    return link


def _scheduled(p: dict[str, Any], own: bool) -> str:
    if own:
        return _("Your reassessment on %(target)s is scheduled for %(day)s.") % {
            "target": p["target"],
            "day": _day(p["day"]),
        }
    return _("%(student)s's reassessment on %(target)s is scheduled for %(day)s.") % {
        "student": p["student"],
        "target": p["target"],
        "day": _day(p["day"]),
    }


def _declined(p: dict[str, Any], own: bool) -> str:
    if own:
        return _("Your request to be reassessed on %(target)s was declined: %(reason)s") % {
            "target": p["target"],
            "reason": p["reason"],
        }
    return _("%(student)s's request to be reassessed on %(target)s was declined.") % {
        "student": p["student"],
        "target": p["target"],
    }


def _accepted(p: dict[str, Any], own: bool) -> str:
    if own:
        return _("Your reassessment on %(target)s is recorded and your level is updated.") % {
            "target": p["target"]
        }
    return _("%(student)s was reassessed on %(target)s; the level is updated.") % {
        "student": p["student"],
        "target": p["target"],
    }


def _returned(p: dict[str, Any], own: bool) -> str:
    if own:
        return _("%(teacher)s returned “%(title)s” to you with feedback.") % {
            "teacher": p["teacher"],
            "title": p["title"],
        }
    return _("%(teacher)s returned %(student)s's work “%(title)s” with feedback.") % {
        "teacher": p["teacher"],
        "student": p["student"],
        "title": p["title"],
    }


def _resubmitted(p: dict[str, Any], own: bool) -> str:
    return _("%(student)s resubmitted “%(title)s” (version %(version)s) for your review.") % {
        "student": p["student"],
        "title": p["title"],
        "version": p["version"],
    }


def _samples(p: dict[str, Any], own: bool) -> str:
    # No student is named: moderation is blind, and the samples are anonymous copies.
    return ngettext(
        "You have %(count)s work sample to score in “%(session)s”.",
        "You have %(count)s work samples to score in “%(session)s”.",
        p["count"],
    ) % {"count": p["count"], "session": p["session"]}


def _check_in(p: dict[str, Any], own: bool) -> str:
    return _("The support check-in for %(student)s (%(intervention)s) is due on %(day)s.") % {
        "student": p["student"],
        "intervention": p["intervention"],
        "day": _day(p["day"]),
    }


def _family_report(p: dict[str, Any], own: bool) -> str:
    return _("%(student)s's progress report has changed since you last read it.") % {
        "student": p["student"]
    }


def _off_pace(p: dict[str, Any], own: bool) -> str:
    return _("%(student)s, on your caseload, is newly behind pace.") % {"student": p["student"]}


_FAMILY = {R.STUDENT: IMMEDIATE, R.GUARDIAN: DIGEST}
_EDUCATORS = (R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD)

SPECS: dict[str, KindSpec] = {
    Kind.REASSESSMENT_SCHEDULED: KindSpec(
        Subject.STUDENT,
        "student",
        {R.STUDENT: IMMEDIATE, R.GUARDIAN: IMMEDIATE},
        _student_page("#my-requests"),
        _scheduled,
    ),
    Kind.REASSESSMENT_DECLINED: KindSpec(
        Subject.STUDENT, "student", _FAMILY, _student_page("#my-requests"), _declined
    ),
    Kind.REASSESSMENT_ACCEPTED: KindSpec(
        Subject.STUDENT, "student", _FAMILY, _student_page("#my-requests"), _accepted
    ),
    Kind.WORK_RETURNED: KindSpec(
        Subject.STUDENT, "student", _FAMILY, _student_page("#returned-work"), _returned
    ),
    Kind.WORK_RESUBMITTED: KindSpec(
        Subject.STUDENT,
        "student",
        dict.fromkeys((R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN), DIGEST),
        lambda evidence, student, own: reverse("learners:queue") + "#uploads",
        _resubmitted,
    ),
    Kind.SAMPLES_ASSIGNED: KindSpec(
        Subject.MODERATION,
        "object",
        dict.fromkeys(_EDUCATORS, IMMEDIATE),
        lambda session, student, own: reverse("moderation:detail", args=[session.pk]),
        _samples,
    ),
    Kind.CHECK_IN_DUE: KindSpec(
        Subject.SUPPORT_PLAN,
        "object",
        dict.fromkeys((R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN), DIGEST),
        lambda plan, student, own: reverse("pace:plan", args=[plan.pk]),
        _check_in,
    ),
    Kind.FAMILY_REPORT: KindSpec(
        Subject.FAMILY_REPORT,
        "student",
        {R.GUARDIAN: IMMEDIATE},
        lambda student, _s, own: reverse("learners:family_report", args=[student.pk]),
        _family_report,
    ),
    Kind.OFF_PACE: KindSpec(
        Subject.STUDENT,
        "student",
        {R.ADVISOR: DIGEST},
        lambda flag, student, own: reverse("web:student_detail", args=[student.pk]),
        _off_pace,
    ),
}


def is_own(notification: Notification) -> bool:
    """Whether the notification is about its recipient themself (a student's own)."""
    student = notification.student
    return student is not None and student.user_id == notification.recipient_id


def message(notification: Notification) -> str:
    spec = SPECS[notification.kind]
    try:
        return spec.message(notification.params, is_own(notification))
    except (KeyError, ValueError, TypeError):
        # Facts missing from an old row: the kind's own name still says what it was.
        return str(Kind(notification.kind).label)


def kinds_for(roles: list[Role]) -> list[str]:
    """The kinds addressed to any of these roles, in the table's order."""
    return [kind for kind, spec in SPECS.items() if any(r in spec.defaults for r in roles)]


def default_email(kind: str, roles: list[Role]) -> EmailMode:
    """The default email choice for a person holding ``roles``: the most immediate among
    the roles the kind is addressed to (a teacher who is also a guardian is told as the
    more urgent of the two)."""
    order = [EmailMode.IMMEDIATE, EmailMode.DIGEST, EmailMode.NEVER]
    modes = [mode for role, mode in SPECS[kind].defaults.items() if role in roles]
    return min(modes, key=order.index) if modes else EmailMode.DIGEST
