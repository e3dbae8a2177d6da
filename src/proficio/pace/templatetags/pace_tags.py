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
    from proficio.pace import queries

    request = context["request"]
    today = policy.who(request.user).today
    return {"plans": list(queries.check_ins_due(request.user, today)[:20]), "today": today}
