"""Determinations with their explanations, overrides, the time machine, and policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.evidence.forms import OverrideForm
from proficio.evidence.models import Evidence
from proficio.frameworks.models import Item, ItemKind
from proficio.mastery import actions, engine
from proficio.mastery.forms import AsOfForm, BKTFitForm, PolicyVersionForm, RollupForm
from proficio.mastery.models import (
    BKTSpace,
    BKTVariant,
    Determination,
    DeterminationHistory,
    MasteryPolicy,
    Override,
    ReplayJob,
)
from proficio.policy import Act, Subject
from proficio.web.charts import ChartContext, evidence_over_time
from proficio.web.forms import labelled_errors, show_errors


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _target(request: HttpRequest, target_id: int) -> Item:
    target = (
        Item.objects.filter(pk=target_id, kind=ItemKind.TARGET).select_related("framework").first()
    )
    if target is None:
        raise Http404("No such learning target")
    policy.access_framework(request.user, target.framework_id)
    return target


def _levels(target: Item) -> list[Any]:
    scale = engine.scale_for(target)
    return list(scale.levels.all()) if scale else []


def determination_context(
    student: Any, target: Item, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    levels = _levels(target)
    by_value = {lv.value: lv for lv in levels}
    det = (
        Determination.objects.filter(student=student, target=target)
        .select_related("policy_version__policy")
        .first()
    )
    override = (
        Override.objects.filter(student=student, target=target, withdrawn_at__isnull=True)
        .select_related("by")
        .first()
    )
    past = None
    if as_of is not None:
        past = actions.as_of(student, as_of).get(target.pk)
    used = det.explanation.get("used", []) if det else []
    evidence_ids = {int(u["key"].split(":")[0]) for u in used} | {
        int(e["key"].split(":")[0]) for e in (det.explanation.get("excluded", []) if det else [])
    }
    evidence = {e.pk: e for e in Evidence.objects.filter(pk__in=evidence_ids)}
    rows = [
        {
            **u,
            "evidence": evidence.get(int(u["key"].split(":")[0])),
            "percent": round(100 * abs(u["weight"])),
        }
        for u in used
    ]
    excluded = [
        {**e, "evidence": evidence.get(int(e["key"].split(":")[0]))}
        for e in (det.explanation.get("excluded", []) if det else [])
    ]
    return {
        "target": target,
        "det": det,
        "bkt_model": bkt_model_label(det.explanation) if det and "bkt" in det.explanation else None,
        "level": by_value.get(det.level_value) if det and det.level_value is not None else None,
        "override": override,
        "override_level": by_value.get(override.level_value) if override else None,
        "levels": levels,
        "rows": rows,
        "excluded": excluded,
        "past": past,
        "past_level": by_value.get(past.level_value)
        if past and past.level_value is not None
        else None,
        "history": DeterminationHistory.objects.filter(student=student, target=target).order_by(
            "-computed_at"
        )[:20],
    }


def _chart(rows: list[dict[str, Any]], levels: list[Any], title: str) -> ChartContext | None:
    return evidence_over_time(rows, levels, title=title) if rows else None


@login_required
def student_target(request: HttpRequest, student_id: int, target_id: int) -> HttpResponse:
    """One student on one learning target: level, explanation, evidence over time, history."""
    student = policy.access_student(request.user, student_id, purpose="determination")
    target = _target(request, target_id)
    as_of_form = AsOfForm(
        request.GET if "as_of" in request.GET else None,
        label=_("Show the determination as it stood on"),
    )
    as_of = as_of_form.moment()
    context = determination_context(student, target, as_of)
    can_change = policy.can(request.user, Act.CHANGE, Subject.STUDENT, student)
    context.update(
        {
            "student": student,
            "as_of": as_of,
            "as_of_form": as_of_form,
            "can_change": can_change,
            "override_form": OverrideForm(levels=[(lv.value, lv.label) for lv in context["levels"]])
            if can_change
            else None,
            "chart": _chart(context["rows"], context["levels"], _("Evidence over time")),
            "has_charts": bool(context["rows"]),
        }
    )
    return render(request, "mastery/student_target.html", context)


@login_required
@require_POST
def override(request: HttpRequest, student_id: int, target_id: int) -> HttpResponse:
    student = policy.access_student(request.user, student_id, act=Act.CHANGE, purpose="override")
    target = _target(request, target_id)
    context = determination_context(student, target)
    form = OverrideForm(request.POST, levels=[(lv.value, lv.label) for lv in context["levels"]])
    if form.is_valid():
        try:
            actions.override_determination(
                request.user,
                student,
                target,
                level_value=form.cleaned_data["level_value"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Override recorded with your rationale."))
            return redirect("mastery:student_target", student_id=student.pk, target_id=target.pk)
    context.update({"student": student, "can_change": True, "override_form": form, "chart": None})
    return render(request, "mastery/student_target.html", context, status=400)


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.POLICY)
    policies = policy.visible(request.user, Subject.POLICY).select_related(
        "owner", "item", "framework", "organization"
    )
    return render(request, "mastery/policies.html", {"policies": policies})


def _policy(request: HttpRequest, policy_id: int, act: Act = Act.VIEW) -> MasteryPolicy:
    found: MasteryPolicy | None = (
        policy.visible(request.user, Subject.POLICY, act).filter(pk=policy_id).first()
    )
    if found is None:
        raise Http404("No such policy")
    return found


@login_required
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    """A policy's versions, and for administrators a form for the next version."""
    found = _policy(request, policy_id)
    can_change = policy.can(request.user, Act.CHANGE, Subject.POLICY, found)
    current = found.current
    initial = {
        k: getattr(current, k)
        for k in (
            "method",
            "weight",
            "rate",
            "n",
            "window_last",
            "min_evidence",
            "min_kinds",
            "count_self_and_peer",
        )
    }
    form = PolicyVersionForm(request.POST or None, initial=initial) if can_change else None
    if request.method == "POST":
        if not can_change or form is None:
            raise Http404("No such policy")
        if form.is_valid():
            try:
                version = actions.new_policy_version(
                    request.user, found, form.params(), note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Version %(v)s saved. Determinations are being recomputed.")
                    % {"v": version.version},
                )
                job = ReplayJob.objects.filter(policy_version=version).first()
                return (
                    redirect("mastery:replay", job_id=job.pk)
                    if job
                    else redirect("mastery:policy", policy_id=found.pk)
                )
    return render(
        request,
        "mastery/policy.html",
        {
            "policy": found,
            "versions": found.versions.all(),
            "form": form,
            "can_change": can_change,
            "bkt_form": BKTFitForm(initial={"space": _bkt_space(current)}),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def policy_preview(request: HttpRequest, policy_id: int) -> HttpResponse:
    """How many determinations the proposed version would change (HTMX partial)."""
    found = _policy(request, policy_id, Act.CHANGE)
    form = PolicyVersionForm(request.POST)
    summary = None
    error = None
    if form.is_valid():
        try:
            summary = actions.preview_policy_change(request.user, found, form.params())
        except ValidationError as exc:
            error = "; ".join(exc.messages)
    else:
        error = "; ".join(labelled_errors(form))
    return render(request, "mastery/_preview.html", {"summary": summary, "error": error})


@login_required
def replay_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    job = ReplayJob.objects.filter(pk=job_id).select_related("policy_version__policy").first()
    if job is None:
        raise Http404("No such replay")
    _policy(request, job.policy_version.policy_id)
    template = (
        "mastery/_replay.html" if request.headers.get("HX-Request") else "mastery/replay.html"
    )
    return render(request, template, {"job": job})


def _bkt_space(version: Any) -> str:
    """The space of the version's BKT model, for the fit form: identifiable if none yet."""
    return str((version.bkt_params or {}).get("space", BKTSpace.IDENTIFIABLE))


def bkt_model_label(explanation: dict[str, Any]) -> str:
    """The BKT model behind a determination, in the reader's language."""
    bkt = explanation.get("bkt") or {}
    names = [str(BKTVariant(v).label) for v in bkt.get("variants", []) if v in BKTVariant.values]
    model = (
        _("BKT with %(variants)s") % {"variants": ", ".join(names)} if names else _("standard BKT")
    )
    space = bkt.get("space", BKTSpace.IDENTIFIABLE)
    return f"{model} · {BKTSpace(space).label if space in BKTSpace.values else space}"


@login_required
@require_POST
def fit_bkt(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Fit BKT for a learning target's policy in the background; the fit is a new version."""
    found = _policy(request, policy_id, Act.CHANGE)
    if found.item is None or found.item.kind != ItemKind.TARGET:
        messages.error(request, _("BKT is fitted for a policy on one learning target."))
        return redirect("mastery:policy", policy_id=found.pk)
    form = BKTFitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a parameter space and known variants to fit BKT."))
        return redirect("mastery:policy", policy_id=found.pk)
    actions.request_bkt_fit(
        request.user,
        found,
        space=form.cleaned_data["space"],
        variants=form.cleaned_data["variants"],
    )
    messages.info(
        request, _("Fitting BKT from the quiz responses. A new version appears when it is done.")
    )
    return redirect("mastery:policy", policy_id=found.pk)


@login_required
def rollup_rule(request: HttpRequest, item_id: int) -> HttpResponse:
    """How a competency rolls up from its learning targets (district administrators)."""
    item = (
        Item.objects.filter(pk=item_id)
        .exclude(kind=ItemKind.TARGET)
        .select_related("framework")
        .first()
    )
    if item is None:
        raise Http404("No such competency")
    policy.access_framework(request.user, item.framework_id, Act.CHANGE)
    children = engine.children_of(item)
    form = RollupForm(request.POST or None, children=children, initial=_rollup_initial(item))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_rollup_rule(
                request.user,
                item,
                method=data["method"],
                threshold=data["threshold"],
                required=[c.pk for c in data["required"]],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Roll-up rule saved."))
            return redirect("frameworks:item", framework_id=item.framework_id, item_id=item.pk)
    return render(
        request,
        "frameworks/form.html",
        {"form": form, "framework": item.framework, "item": item, "title": _("How this rolls up")},
        status=400 if form.errors else 200,
    )


def _rollup_initial(item: Item) -> dict[str, Any]:
    stored = getattr(item, "rollup_rule", None)
    if stored is None:
        return {"method": "all"}
    return {"method": stored.method, "threshold": stored.threshold, "required": stored.required}
