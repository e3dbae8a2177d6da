"""Pace targets, the support list, support plans and their effectiveness."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from proficio import policy
from proficio.accounts.models import User
from proficio.audit.log import record_reads
from proficio.frameworks.models import Item, ItemKind
from proficio.orgs.models import Organization, OrganizationKind, active_on
from proficio.pace import actions, effect, engine, queries
from proficio.pace.forms import CheckInForm, PaceTargetForm, SupportPlanForm
from proficio.pace.models import FlagReason, SupportPlan
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _district(request: HttpRequest) -> Organization | None:
    """The district whose targets the user manages (the first one they can change)."""
    orgs = policy.visible(request.user, Subject.ORGANIZATION).filter(kind=OrganizationKind.DISTRICT)
    changeable = [o for o in orgs if policy.can(request.user, Act.CHANGE, Subject.ORGANIZATION, o)]
    return changeable[0] if changeable else None


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.PACE_TARGET)
    targets = (
        policy.visible(request.user, Subject.PACE_TARGET)
        .filter(archived_at__isnull=True)
        .select_related("district", "framework", "competency", "level")
    )
    district = (
        _district(request) if policy.may(request.user, Act.CHANGE, Subject.PACE_TARGET) else None
    )
    framework = engine.district_framework(district) if district else None
    if district is not None and framework is None:
        framework = (
            policy.visible(request.user, Subject.FRAMEWORK)
            .filter(owner=district)
            .order_by("pk")
            .first()
        )
    form = None
    status = 200
    if district is not None and framework is not None:
        competencies = [
            (c.pk, str(c))
            for c in Item.objects.filter(framework=framework, kind=ItemKind.COMPETENCY)
        ]
        form = PaceTargetForm(request.POST or None, competencies=competencies)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                competency = (
                    Item.objects.filter(pk=data["competency"], framework=framework).first()
                    if data["competency"]
                    else None
                )
                try:
                    actions.create_pace_target(
                        request.user,
                        district=district,
                        framework=framework,
                        grade_level=data["grade_level"],
                        kind=data["kind"],
                        level_code=data["level_code"],
                        due_on=data["due_on"],
                        competency=competency,
                    )
                except ValidationError as exc:
                    show_errors(form, exc)
                else:
                    messages.success(request, _("Pace target added."))
                    return redirect("pace:targets")
            status = 400
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "pace/targets.html",
        {"targets": targets, "form": form, "framework": framework, "district": district},
        status=status,
    )


def _flags_for(request: HttpRequest) -> Any:
    return queries.open_flags(request.user)


SUPPORT_PAGE = 50  # flags per page of the support list


@login_required
def support_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.SUPPORT_PLAN)
    # Every open flag, a page at a time, filtered by reason if asked.
    reason = request.GET.get("reason", "")
    everyone = _flags_for(request)
    chosen = everyone.filter(reason=reason) if reason in FlagReason.values else everyone
    reason = reason if reason in FlagReason.values else ""
    page = Paginator(chosen, SUPPORT_PAGE).get_page(request.GET.get("page"))
    flags = list(page.object_list)
    planned = set(
        policy.visible(request.user, Subject.SUPPORT_PLAN)
        .filter(closed_on__isnull=True)
        .values_list("student_id", flat=True)
    )
    names = dict(
        Item.objects.filter(
            pk__in={c for f in flags for c in f.detail.get("behind_in", [])}
        ).values_list("pk", "human_coding_scheme")
    )
    gaps = engine.prerequisite_gaps([f.student_id for f in flags])
    rows = [
        {
            "flag": f,
            "behind_in": [names.get(c, "") for c in f.detail.get("behind_in", [])],
            "gaps": gaps.get(f.student_id, []),
            "planned": f.student_id in planned,
        }
        for f in flags
    ]
    plans = list(
        policy.visible(request.user, Subject.SUPPORT_PLAN)
        .filter(closed_on__isnull=True)
        .select_related("student", "owner")
    )
    record_reads(
        {f.student_id for f in flags} | {p.student_id for p in plans}, purpose="support list"
    )
    return render(
        request,
        "pace/supports.html",
        {
            "rows": rows,
            "plans": plans,
            "reasons": FlagReason,
            "reason": reason,
            "page": page,
            "page_query": urlencode({"reason": reason}) if reason else "",
        },
    )


def _owners(student: Any, today: dt.date) -> list[tuple[int, str]]:
    """People who serve the student now: their teachers, advisors and school leaders."""
    people = User.objects.filter(
        Q(section_assignments__section__enrollments__student=student)
        & active_on(today, "section_assignments__")
        | Q(memberships__organization=student.school) & active_on(today, "memberships__")
        | Q(memberships__organization=student.school.parent) & active_on(today, "memberships__")
    ).distinct()
    return [(u.pk, u.display_name or u.username) for u in people.order_by("display_name", "pk")]


@login_required
def new_plan(request: HttpRequest, student_id: int) -> HttpResponse:
    # Only those who may plan support for this student learn that the student exists.
    reached = policy.students_reached(request.user, Act.CHANGE, Subject.SUPPORT_PLAN)
    if not reached.filter(pk=student_id).exists():
        raise Http404("No such student")
    student = policy.access_student(request.user, student_id, purpose="support plan")
    today = policy.who(request.user).today
    owners = _owners(student, today)
    initial = {
        "owner": request.user.pk if request.user.pk in dict(owners) else None,
        "start_on": today,
        "check_in_on": today + dt.timedelta(weeks=2),
        "reason": request.GET.get("reason", "")[:200],
    }
    form = SupportPlanForm(request.POST or None, owners=owners, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            owner = User.objects.filter(pk=data["owner"]).first() if data["owner"] else None
            if owner is not None and owner.pk not in dict(owners):
                owner = None
            try:
                plan = actions.create_support_plan(
                    request.user,
                    student=student,
                    intervention=data["intervention"],
                    owner=owner,
                    start_on=data["start_on"],
                    check_in_on=data["check_in_on"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Support plan created."))
                return redirect("pace:plan", plan_id=plan.pk)
        status = 400
    return render(request, "pace/new_plan.html", {"student": student, "form": form}, status=status)


def _plan(request: HttpRequest, plan_id: int, act: Act = Act.VIEW) -> SupportPlan:
    plan: SupportPlan | None = (
        policy.visible(request.user, Subject.SUPPORT_PLAN, act)
        .select_related("student", "owner", "student__school")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise Http404("No such support plan")
    policy.access_student(request.user, plan.student_id, purpose="support plan")
    return plan


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    can_change = (
        policy.visible(request.user, Subject.SUPPORT_PLAN, Act.CHANGE).filter(pk=plan.pk).exists()
    )
    form = CheckInForm(request.POST or None) if can_change else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.record_check_in(
                    request.user,
                    plan,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    next_check_in=form.cleaned_data["next_check_in"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Check-in recorded."))
                return redirect("pace:plan", plan_id=plan.pk)
        status = 400
    result = effect.plan_effect(plan)
    return render(
        request, "pace/plan.html", {"plan": plan, "form": form, "effect": result}, status=status
    )


@login_required
def effectiveness(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.SUPPORT_PLAN)
    plans = list(
        policy.visible(request.user, Subject.SUPPORT_PLAN)
        .select_related("student")
        .order_by("-start_on")[:200]
    )
    report = effect.report(plans)
    return render(request, "pace/effectiveness.html", {"report": report})
