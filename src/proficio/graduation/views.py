"""Graduation pages: "My path to graduation" for a student and their family, one student's
path for those who serve them (with the award and rescind forms for leaders), a
counselor's caseload sortable by what is left, and a district's cohorts on track.

Views parse, ask the policy, call an action and render; every student shown to someone
else is an audited read (in the actions)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from proficio import policy
from proficio.accounts.roles import Role
from proficio.credentials.models import OutsideCredential
from proficio.graduation import actions
from proficio.graduation.forms import (
    AlternativeForm,
    EntryForm,
    OptInForm,
    RequirementFormSet,
    RequirementSetForm,
    RescindForm,
    RubricForm,
)
from proficio.graduation.models import GraduationRecord, Requirement, RequirementSet
from proficio.insights.data import release_of, tables, threshold
from proficio.orgs.models import Organization, OrganizationKind, Student
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors

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
    # The student themself may opt into a newer version of the requirements.
    opt_ins = {
        p.student.pk: OptInForm(choices=actions.opt_in_choices(p.student))
        for p in paths
        if w.student is not None and p.student.pk == w.student.pk
    }
    entries = [(p, opt_ins.get(p.student.pk)) for p in paths]
    return render(request, "graduation/mine.html", {"entries": entries, "can_download": True})


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
            **_record_forms(request, path),
        },
    )


def _record_forms(request: HttpRequest, path: actions.Path) -> dict[str, Any]:
    """The forms of those who keep the student's graduation record: entry to high school,
    a capstone's rubric result, an accepted alternative, a newer version."""
    if not policy.can(request.user, Act.CHANGE, Subject.GRADUATION, path.student):
        return {"may_record": False}
    held = [row.requirement for row in path.rows]
    rubrics = [r for r in held if r.kind == "rubric"]
    alternatives = [r for r in held if r.accepts_alternative]
    verified = [
        c
        for c in OutsideCredential.objects.filter(student=path.student)
        if (c.verdict or {}).get("outcome") == "valid"
    ]
    return {
        "may_record": True,
        "entry_form": EntryForm() if path.record is None else None,
        "rubric_form": RubricForm(requirements=rubrics) if rubrics else None,
        "alternative_form": (
            AlternativeForm(requirements=alternatives, credentials=verified)
            if alternatives
            else None
        ),
        "opt_in_form": (
            OptInForm(choices=choices)
            if (choices := actions.opt_in_choices(path.student))
            else None
        ),
    }


def _said(request: HttpRequest, form: Any, exc: ValidationError | None = None) -> None:
    """A refused form's errors as messages naming each field by its label."""
    if exc is not None:
        show_errors(form, exc)
    for name, errors in form.errors.items():
        label = form[name].label if name in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else str(e))


def _back(student: Student, request: HttpRequest) -> HttpResponse:
    if request.POST.get("next") == "mine":
        return redirect("graduation:mine")
    return redirect("graduation:student", student_id=student.pk)


def _held_requirements(student: Student) -> list[Requirement]:
    record = GraduationRecord.objects.filter(student=student).first()
    if record is None:
        return []
    return list(Requirement.objects.filter(requirement_set__in=record.held_to.all()))


@login_required
@require_POST
def entry(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(
        request.user, Subject.GRADUATION, student_id, act=Act.CHANGE, purpose="graduation record"
    )
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            actions.enter_high_school(
                request.user,
                found,
                entered_on=form.cleaned_data["entered_on"],
                cohort=form.cleaned_data["cohort"],
            )
        except ValidationError as exc:
            _said(request, form, exc)
        else:
            messages.success(request, _("Entry to high school recorded."))
    else:
        _said(request, form)
    return _back(found, request)


@login_required
@require_POST
def rubric(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(
        request.user, Subject.GRADUATION, student_id, act=Act.CHANGE, purpose="capstone result"
    )
    held = [r for r in _held_requirements(found) if r.kind == "rubric"]
    form = RubricForm(request.POST, requirements=held)
    if form.is_valid():
        chosen = next(r for r in held if r.pk == form.cleaned_data["requirement"])
        try:
            actions.record_rubric_result(
                request.user,
                found,
                chosen,
                score=form.cleaned_data["score"],
                judged_on=form.cleaned_data["judged_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _said(request, form, exc)
        else:
            messages.success(request, _("Capstone result recorded."))
    else:
        _said(request, form)
    return _back(found, request)


@login_required
@require_POST
def alternative(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(
        request.user, Subject.GRADUATION, student_id, act=Act.CHANGE, purpose="alternative"
    )
    held = [r for r in _held_requirements(found) if r.accepts_alternative]
    credentials = list(OutsideCredential.objects.filter(student=found))
    form = AlternativeForm(request.POST, requirements=held, credentials=credentials)
    if form.is_valid():
        chosen = next(r for r in held if r.pk == form.cleaned_data["requirement"])
        presented = next(
            (c for c in credentials if c.pk == form.cleaned_data["outside_credential"]), None
        )
        try:
            actions.accept_alternative(
                request.user,
                found,
                chosen,
                name=form.cleaned_data["name"],
                reference=form.cleaned_data["reference"],
                outside_credential=presented,
            )
        except ValidationError as exc:
            _said(request, form, exc)
        else:
            messages.success(request, _("Alternative pathway accepted."))
    else:
        _said(request, form)
    return _back(found, request)


@login_required
@require_POST
def opt_in(request: HttpRequest, student_id: int) -> HttpResponse:
    found = policy.access(request.user, Subject.GRADUATION, student_id, purpose="opt in")
    choices = actions.opt_in_choices(found)
    form = OptInForm(request.POST, choices=choices)
    if form.is_valid():
        chosen = next(s for s in choices if s.pk == form.cleaned_data["requirement_set"])
        try:
            actions.opt_in(request.user, found, chosen)
        except PermissionDenied:
            raise Http404("No such student") from None
        except ValidationError as exc:
            _said(request, form, exc)
        else:
            messages.success(request, _("You are now held to the newer requirements."))
    else:
        _said(request, form)
    return _back(found, request)


# ---------------------------------------------------------------- requirement sets


@login_required
@require_GET
def requirement_sets(request: HttpRequest) -> HttpResponse:
    """The requirement sets the person may read, and where they may write a new version."""
    if not policy.may(request.user, Act.VIEW, Subject.GRADUATION_REQUIREMENTS):
        raise PermissionDenied
    sets = list(
        policy.visible(request.user, Subject.GRADUATION_REQUIREMENTS)
        .select_related("owner")
        .order_by("owner__path", "-version")
    )
    return render(
        request,
        "graduation/requirement_sets.html",
        {"sets": sets, "owners": actions.writable_owners(request.user)},
    )


@login_required
@require_GET
def requirement_set(request: HttpRequest, set_id: int) -> HttpResponse:
    found = policy.access(request.user, Subject.GRADUATION_REQUIREMENTS, set_id)
    may_write = policy.reaches_organization(
        request.user, Act.CHANGE, Subject.GRADUATION_REQUIREMENTS, found.owner
    )
    requirements = found.requirements.select_related("level").prefetch_related("competencies")
    return render(
        request,
        "graduation/requirement_set.html",
        {"set": found, "requirements": requirements, "may_write": may_write},
    )


def _owner_to_write(request: HttpRequest, org_id: int) -> Organization:
    owner = next((o for o in actions.writable_owners(request.user) if o.pk == org_id), None)
    if owner is None:
        raise Http404("No such organization")
    return owner


@login_required
def requirement_set_new(request: HttpRequest, org_id: int) -> HttpResponse:
    """Write a new version of an organization's requirements, starting from its latest
    (or a chosen) version. Versions already written are never changed: students are held
    to them."""
    owner = _owner_to_write(request, org_id)
    latest = RequirementSet.objects.filter(owner=owner).order_by("-version").first()
    if request.method == "POST":
        head = RequirementSetForm(request.POST)
        rows = RequirementFormSet(request.POST, prefix="req")
        if head.is_valid() and rows.is_valid():
            kept = [(n, f) for n, f in enumerate(rows.forms) if not f.is_blank()]
            try:
                made = actions.define_requirement_set(
                    request.user,
                    owner,
                    title=head.cleaned_data["title"] or "",
                    first_cohort=head.cleaned_data["first_cohort"],
                    in_force_from=head.cleaned_data["in_force_from"],
                    requirements=[f.spec() for _, f in kept],
                )
            except ValidationError as exc:
                _place_errors(exc, head, rows, [n for n, _ in kept])
            else:
                messages.success(request, _("Version %(v)s saved.") % {"v": made.version})
                return redirect("graduation:requirement_set", set_id=made.pk)
        status = 400
    else:
        start = latest
        if request.GET.get("from"):
            start = policy.access(
                request.user, Subject.GRADUATION_REQUIREMENTS, request.GET["from"]
            )
            if start.owner_id != owner.pk:
                raise Http404("No such requirement set")
        specs = actions.spec_of(start) if start else []
        head = RequirementSetForm(
            initial={
                "title": start.title if start else "",
                "first_cohort": (start.first_cohort + 1)
                if start
                else timezone.localdate().year + 4,
                "in_force_from": timezone.localdate(),
            }
        )
        blank = {"kind": ""}
        rows = RequirementFormSet(initial=[*specs_for_form(specs), blank, blank], prefix="req")
        status = 200
    return render(
        request,
        "graduation/requirement_set_form.html",
        {"owner": owner, "latest": latest, "head": head, "rows": rows},
        status=status,
    )


def specs_for_form(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**s, "competencies": ", ".join(s["competencies"])} for s in specs]


def _place_errors(
    exc: ValidationError, head: RequirementSetForm, rows: Any, numbers: list[int]
) -> None:
    """An action's errors on the fields they name: ``requirements[n].field`` on the n-th
    requirement kept (its row in the form), the rest on the head of the form."""

    for key, found in exc.message_dict.items():
        match = re.fullmatch(r"requirements\[(\d+)\]\.(\w+)", key)
        if match and int(match[1]) < len(numbers):
            form = rows.forms[numbers[int(match[1])]]
            field = match[2] if match[2] in form.fields else None
            for message in found:
                form.add_error(field, message)
        else:
            for message in found:
                head.add_error(key if key in head.fields else None, message)


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
    page = Paginator(paths, 25).get_page(request.GET.get("page"))  # fits three screens
    return render(
        request,
        "graduation/caseload.html",
        {
            "paths": page.object_list,
            "page": page,
            "page_query": f"sort={sort}",
            "sorts": sorts,
            "sort": sort,
        },
    )


@login_required
@require_GET
def cohorts(request: HttpRequest, org_id: int) -> HttpResponse:
    """Each graduating class of a district on track, as the district's published release
    has it: counted by the daily job and passed through the publication audit with every
    other published figure, so a withheld count is marked, never shown."""
    w = policy.who(request.user)
    if not policy.may(request.user, Act.VIEW, Subject.GRADUATION) or not any(
        r not in (Role.STUDENT, Role.GUARDIAN) for r in w.roles
    ):
        raise Http404("No such organization")
    district = policy.access_organization(request.user, org_id, Subject.ORGANIZATION)
    if district.kind != OrganizationKind.DISTRICT:
        raise Http404("No such organization")
    release = release_of(district)
    by_cohort: dict[str, dict[str, Any]] = {}
    total = None
    for row in tables(release, district).get("graduation", []):
        if row.total:
            total = row
            continue
        cohort, _sep, status = row.key.partition(":")
        by_cohort.setdefault(cohort, {"cohort": cohort})[status] = row
    return render(
        request,
        "graduation/cohorts.html",
        {
            "district": district,
            "release": release,
            "rows": [by_cohort[c] for c in sorted(by_cohort)],
            "total": total,
            "limit": release.threshold if release else threshold(),
        },
    )
