"""Graduation pages: "My path to graduation" for a student and their family, one student's
path for those who serve them (with the award and rescind forms for leaders), a
counselor's caseload sortable by what is left, and a district's cohorts on track.

Views parse, ask the policy, call an action and render; every student shown to someone
else is an audited read (in the actions)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from proficio import policy
from proficio.accounts.roles import Role
from proficio.core.graduation import on_track
from proficio.graduation import actions
from proficio.graduation.forms import RescindForm
from proficio.graduation.models import GraduationRecord
from proficio.orgs.models import OrganizationKind, Student
from proficio.policy import Act, Subject

SORTS = {
    "left": lambda p: (p.progress.requirements_left, p.progress.levels_left),
    "levels": lambda p: (p.progress.levels_left, p.progress.requirements_left),
    "date": lambda p: (
        p.progress.completion is None,
        p.progress.completion or timezone.localdate(),
    ),
    "name": lambda p: (p.student.legal_family_name, p.student.legal_given_name),
}


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The student's own path, or each of a guardian's children's."""
    w = policy.who(request.user)
    students: list[Student] = []
    if w.student is not None:
        students.append(w.student)
    if Role.GUARDIAN in w.roles:
        students += list(
            Student.objects.filter(guardian_links__guardian=request.user.pk).select_related(
                "school"
            )
        )
    if not students:
        raise PermissionDenied
    paths = [
        actions.path_to_graduation(request.user, s, purpose="family graduation page")
        for s in students
    ]
    return render(request, "graduation/mine.html", {"paths": paths, "can_download": True})


@login_required
@require_GET
def student(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(request.user, Subject.GRADUATION, student_id, purpose="graduation")
    path = actions.path_to_graduation(request.user, found, purpose="graduation")
    may_award = bool(
        policy.students_reached(request.user, Act.CHANGE, Subject.DIPLOMA)
        .filter(pk=found.pk)
        .exists()
    )
    return render(
        request,
        "graduation/student.html",
        {
            "path": path,
            "may_award": may_award,
            "can_download": _can_download(request, path),
            "rescind_form": RescindForm(),
        },
    )


def _can_download(request: HttpRequest, path: actions.Path) -> bool:
    credential = path.diploma.credential if path.diploma else None
    return credential is not None and policy.can(
        request.user, Act.VIEW, Subject.CREDENTIAL, credential
    )


@login_required
@require_POST
def award(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(request.user, Subject.GRADUATION, student_id, purpose="diploma award")
    try:
        actions.award_diploma(request.user, found)
    except PermissionDenied:
        raise Http404("No such student") from None
    except ValidationError as exc:
        unmet = exc.message_dict.get("requirements") or exc.messages
        messages.error(request, _("Not awarded. Requirements not yet met: %s") % "; ".join(unmet))
    else:
        messages.success(request, _("Diploma awarded and its credential issued."))
    return redirect("graduation:student", student_id=found.pk)


@login_required
@require_POST
def rescind(request: HttpRequest, diploma_id: int) -> HttpResponse:
    diploma = policy.access(request.user, Subject.DIPLOMA, diploma_id, act=Act.CHANGE)
    form = RescindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for rescinding, for the record."))
    else:
        try:
            actions.rescind_diploma(request.user, diploma, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Diploma rescinded and its credential revoked."))
    return redirect("graduation:student", student_id=diploma.student_id)


def _served(request: HttpRequest) -> list[Student]:
    """The students with a graduation record whom the person serves (not their own)."""
    if not policy.may(request.user, Act.VIEW, Subject.GRADUATION):
        raise PermissionDenied
    w = policy.who(request.user)
    if not any(r not in (Role.STUDENT, Role.GUARDIAN) for r in w.roles):
        raise PermissionDenied
    reached = policy.students_reached(request.user, Act.VIEW, Subject.GRADUATION)
    mine = {w.student.pk} if w.student else set()
    return list(
        reached.filter(pk__in=GraduationRecord.objects.values("student"))
        .exclude(pk__in=mine)
        .exclude(guardian_links__guardian=request.user.pk)
        .select_related("school")[:500]
    )


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "left")
    if sort not in SORTS:
        sort = "left"
    paths = actions.caseload_paths(request.user, _served(request))
    paths.sort(key=SORTS[sort])
    sorts = [
        ("left", _("Requirements left")),
        ("levels", _("Levels to go")),
        ("date", _("Projected completion")),
        ("name", _("Name")),
    ]
    return render(
        request, "graduation/caseload.html", {"paths": paths, "sort": sort, "sorts": sorts}
    )


@login_required
@require_GET
def cohorts(request: HttpRequest, org_id: int) -> HttpResponse:
    """Each graduating cohort of a district on track. Counts are made only from the
    students the viewer may see by name (each an audited read): not yet through the
    publication audit's release, so it is not shown to those who see aggregates only."""
    w = policy.who(request.user)
    if not policy.may(request.user, Act.VIEW, Subject.GRADUATION) or not any(
        r not in (Role.STUDENT, Role.GUARDIAN) for r in w.roles
    ):
        raise Http404("No such organization")
    district = policy.access_organization(request.user, org_id, Subject.ORGANIZATION)
    if district.kind != OrganizationKind.DISTRICT:
        raise Http404("No such organization")
    students = [s for s in _served(request) if s.school.path.startswith(district.path)]
    paths = actions.caseload_paths(request.user, students)
    today = timezone.localdate()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"met": 0, "on": 0, "off": 0})
    for p in paths:
        assert p.record is not None
        by = today.replace(year=p.record.cohort, month=6, day=30)
        key = "met" if p.progress.met else "on" if on_track(p.progress, by) else "off"
        counts[p.record.cohort][key] += 1
    rows: list[dict[str, Any]] = [
        {"cohort": c, **v, "total": sum(v.values())} for c, v in sorted(counts.items())
    ]
    return render(request, "graduation/cohorts.html", {"district": district, "rows": rows})
