"""Pace on other apps' pages: a panel on the student page and check-ins on home pages."""

from __future__ import annotations

from typing import Any

from django import template

from proficio import policy
from proficio.pace import engine
from proficio.policy import Act, Subject

register = template.Library()


@register.inclusion_tag("pace/_pace_panel.html", takes_context=True)
def pace_panel(context: dict[str, Any], student: Any) -> dict[str, Any]:
    """The student's pace; the page already fetched the student through access_student."""
    request = context["request"]
    today = policy.who(request.user).today
    return {
        "rows": engine.student_pace(student, today),
        "today": today,
        "student": student,
        "can_plan": policy.students_reached(request.user, Act.CHANGE, Subject.SUPPORT_PLAN)
        .filter(pk=student.pk)
        .exists(),
    }


@register.inclusion_tag("pace/_checkins_due.html", takes_context=True)
def checkins_due(context: dict[str, Any]) -> dict[str, Any]:
    """Open support plans the user owns whose check-in is due within a week."""
    import datetime as dt

    request = context["request"]
    today = policy.who(request.user).today
    plans = (
        policy.visible(request.user, Subject.SUPPORT_PLAN)
        .filter(
            owner=request.user,
            closed_on__isnull=True,
            check_in_on__lte=today + dt.timedelta(days=7),
        )
        .select_related("student")
        .order_by("check_in_on")[:20]
    )
    return {"plans": list(plans), "today": today}
