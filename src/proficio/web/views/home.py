"""Home pages: each role lands on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.accounts.roles import Role
from proficio.orgs.models import OrganizationKind
from proficio.policy import Act, Subject
from proficio.web import today


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = policy.who(request.user).roles
    if not roles:
        return render(request, "web/home_none.html")
    return redirect("web:role_home", role=roles[0].value)


@login_required
def role_home(request: HttpRequest, role: str) -> HttpResponse:
    try:
        chosen = Role(role)
    except ValueError:
        raise Http404("No such role") from None
    w = policy.who(request.user)
    if chosen not in w.roles:
        raise PermissionDenied
    context: dict[str, Any] = {"role": chosen, "today": w.today}
    context.update(_BUILDERS[chosen](request, w))
    return render(request, f"web/home_{chosen.value}.html", context)


HomeBuilder = Callable[[HttpRequest, policy.Who], dict[str, Any]]


def register_home(role: Role, builder: HomeBuilder) -> None:
    """A feature app supplies the home page of a role it owns (the student's home is the
    learners app's), from its AppConfig.ready(), so no view imports another app's views."""
    _BUILDERS[role] = builder


def _guardian_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    from proficio.accounts.actions import note_home_visit

    since = note_home_visit(request.user, Role.GUARDIAN.value)
    return today.guardian(request.user, w.today, since)


def _teacher_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    return today.teacher(request.user, w.today)


def _advisor_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    """The counselor's caseload with each student's pace (last night's check), open support
    flags and graduation progress, filterable, sortable and a page at a time."""
    context = today.caseload(request.user, w.today, request.GET)
    context["sorts"] = [
        ("name", _("Name (A to Z)")),
        ("-name", _("Name (Z to A)")),
        ("pace", _("Behind pace first")),
        ("flags", _("Most open flags first")),
        ("grade", _("Grade level")),
        ("school", _("School")),
    ]
    return context


def _org_overview(request: HttpRequest, w: policy.Who, role: Role) -> dict[str, Any]:
    """Schools in the role's organizations, with enrolment counts and a bar for each."""
    orgs = w.orgs_by_role.get(role, [])
    schools_q = Q(pk__in=[])
    for org in orgs:
        schools_q |= Q(path__startswith=org.path)
    schools = list(
        policy.visible(request.user, Subject.ORGANIZATION)
        .filter(schools_q, kind=OrganizationKind.SCHOOL)
        .annotate(
            student_count=Count("students", distinct=True),
            section_count=Count("sections", distinct=True),
        )
        .order_by("name")
    )
    largest = max((s.student_count for s in schools), default=0) or 1
    # The school at a glance: last night's pace of its students and their open flags.
    from proficio.pace.models import StudentPace, SupportFlag

    ids = [s.pk for s in schools]
    pace: dict[tuple[int, str], int] = {
        (row["student__school_id"], row["status"]): row["n"]
        for row in StudentPace.objects.filter(competency__isnull=True, student__school_id__in=ids)
        .values("student__school_id", "status")
        .annotate(n=Count("student", distinct=True))
    }
    flagged = dict(
        SupportFlag.objects.filter(resolved_on__isnull=True, student__school_id__in=ids)
        .values("student__school_id")
        .annotate(n=Count("student", distinct=True))
        .values_list("student__school_id", "n")
    )
    for s in schools:
        s.bar = round(100 * s.student_count / largest)
        s.behind = pace.get((s.pk, "behind"), 0)
        s.on_or_ahead = pace.get((s.pk, "on"), 0) + pace.get((s.pk, "ahead"), 0)
        s.flagged = flagged.get(s.pk, 0)
    return {
        "organizations": orgs,
        "schools": schools,
        "total_students": sum(s.student_count for s in schools),
        "total_sections": sum(s.section_count for s in schools),
        "total_behind": sum(s.behind for s in schools),
        "total_flagged": sum(s.flagged for s in schools),
    }


def _school_leader_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    context = _org_overview(request, w, Role.SCHOOL_LEADER)
    context.update(today.leader(request.user, w.today, context["organizations"]))
    return context


def _district_admin_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    context = _org_overview(request, w, Role.DISTRICT_ADMIN)
    context.update(today.leader(request.user, w.today, context["organizations"]))
    return context


def _data_lead_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    return _org_overview(request, w, Role.DISTRICT_DATA_LEAD)


def _state_analyst_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    """Aggregates only: enrolment per school, from each district's published release
    (the same audited figures as the insights pages and exports)."""
    from proficio.insights import data

    districts = (
        policy.visible(request.user, Subject.AGGREGATE)
        .filter(kind=OrganizationKind.DISTRICT)
        .order_by("name")
    )
    rows = []
    for district in districts:
        release = data.release_of(district)
        schools, total = data.enrolment(district)
        levels = dict(
            policy.visible(request.user, Subject.AGGREGATE)
            .filter(parent=district)
            .values_list("pk", "school_level")
        )
        rows.append(
            {
                "district": district,
                "day": release.day if release else None,
                "threshold": release.threshold if release else _min_cell_size(),
                "schools": [
                    {"row": r, "level": _level_label(levels.get(r.org_id))} for r in schools
                ],
                "total": total,
                "suppression": today.suppression_status(release),
            }
        )
    return {"districts": rows, "threshold": _min_cell_size()}


def _level_label(level: str | None) -> str:
    from proficio.orgs.models import SchoolLevel

    return str(dict(SchoolLevel.choices).get(level or "", ""))


def _system_admin_home(request: HttpRequest, w: policy.Who) -> dict[str, Any]:
    from proficio.accounts.models import User

    orgs = policy.visible(request.user, Subject.ORGANIZATION).order_by("path")
    return {
        "organizations": orgs,
        "user_count": User.objects.count(),
        "now": timezone.now(),
    }


def _min_cell_size() -> int:
    from django.conf import settings

    return int(settings.PROFICIO_MIN_CELL_SIZE)


_BUILDERS: dict[Role, HomeBuilder] = {
    Role.GUARDIAN: _guardian_home,
    Role.TEACHER: _teacher_home,
    Role.ADVISOR: _advisor_home,
    Role.SCHOOL_LEADER: _school_leader_home,
    Role.DISTRICT_ADMIN: _district_admin_home,
    Role.DISTRICT_DATA_LEAD: _data_lead_home,
    Role.STATE_ANALYST: _state_analyst_home,
    Role.SYSTEM_ADMIN: _system_admin_home,
}

__all__ = ["Act", "home", "role_home"]
