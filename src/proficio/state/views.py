"""The state analyst's pages (plan versions with preview and adoption, identified
schools, scorecards, pilots) and the public report cards (no login)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.core.accountability.indicators import INDICATORS
from proficio.core.accountability.plan import parse_plan, preview
from proficio.moderation.models import ModerationSession
from proficio.moderation.reports import comparability_report, load_grid, rubric_choices
from proficio.orgs.models import Organization, OrganizationKind
from proficio.policy import Act, Subject
from proficio.state import actions, forms, reports
from proficio.state import figures as read
from proficio.state.models import Identification, Pilot, PlanVersion, StatePlan
from proficio.web.forms import show_errors

FIELDS = (
    "min_n",
    "lowest_share",
    "graduation_floor",
    "consecutive_years",
    "summative",
    "letter_cutoffs",
)


def _plan(request: HttpRequest, act: Act = Act.VIEW) -> StatePlan:
    policy.require(request.user, act, Subject.STATE_PLAN)
    plan = policy.visible(request.user, Subject.STATE_PLAN, act).select_related("state").first()
    if plan is None:
        state = Organization.objects.filter(kind=OrganizationKind.STATE)
        reach = policy.visible(request.user, Subject.ORGANIZATION).filter(pk__in=state)
        first = reach.first()
        if first is None:
            raise Http404("No state")
        plan = actions.plan_of(first)
    return plan


@login_required
def home(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    current = plan.current()
    run = read.latest_run(plan.state)
    identified = (
        Identification.objects.filter(version=current, run=run).select_related(
            "school", "school__parent"
        )
        if current and run
        else Identification.objects.none()
    )
    rows = [
        {
            "i": i,
            "reasons": [
                reports.reason_text(r)
                for r in i.reasons
                if r["code"] not in ("above_cutoff", "no_subgroup_underperforming")
            ],
        }
        for i in identified
        if i.comprehensive or i.targeted
    ]
    return render(
        request,
        "state/home.html",
        {
            "plan": plan,
            "current": current,
            "versions": plan.versions.select_related("created_by").all(),
            "run": run,
            "identified": rows,
            "rated": sum(1 for i in identified if i.rated),
            "submissions": plan.state and _submissions(plan.state),
            "pilots": policy.visible(request.user, Subject.PILOT).filter(state=plan.state),
            "can_change": policy.can(request.user, Act.CHANGE, Subject.STATE_PLAN, plan),
        },
    )


def _submissions(state: Organization) -> Any:
    from proficio.state.models import Submission

    return [
        {
            "district": s.district,
            "submitted_on": s.submitted_on,
            "students": s.counts.get("students.parquet", 0),
            "evidence": s.counts.get("evidence.parquet", 0),
        }
        for s in Submission.objects.filter(district__parent=state).select_related("district")[:20]
    ]


def _spec_from(post: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan as the form wrote it; values that are not numbers are kept as text so
    the plan check names the field."""

    def number(text: str) -> Any:
        text = text.strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return text
        return int(value) if value.is_integer() and "." not in text else value

    spec: dict[str, Any] = {"indicators": {}}
    raw: dict[str, str] = {}
    for name in INDICATORS:
        text = post.get(f"weight_{name}", "")
        raw[f"weight_{name}"] = text
        value = number(text)
        if value is not None:
            entry: dict[str, Any] = {
                "weight": value if isinstance(value, str) else float(value) / 100
            }
            if name == "growth":
                target = number(post.get("growth_target", ""))
                if target is not None:
                    entry["growth_target"] = target
            spec["indicators"][name] = entry
    for name in ("min_n", "consecutive_years"):
        raw[name] = post.get(name, "")
        value = number(raw[name])
        if value is not None:
            spec[name] = value
    for name in ("lowest_share", "graduation_floor"):
        raw[name] = post.get(name, "")
        value = number(raw[name])
        if value is not None:
            spec[name] = value if isinstance(value, str) else float(value) / 100
    spec["summative"] = post.get("summative", "none")
    cutoffs = [number(c) for c in post.get("letter_cutoffs", "").split(",") if c.strip()]
    if spec["summative"] == "letter":
        spec["letter_cutoffs"] = [c if isinstance(c, str) else float(c) / 100 for c in cutoffs]
    raw["letter_cutoffs"] = post.get("letter_cutoffs", "")
    raw["summative"] = spec["summative"]
    raw["note"] = post.get("note", "")
    raw["growth_target"] = post.get("growth_target", "")
    return spec, raw


def _form_values(version: PlanVersion | None) -> dict[str, str]:
    if version is None:
        return {"min_n": "10", "lowest_share": "5", "consecutive_years": "2", "summative": "none"}
    plan = parse_plan(version.spec)
    values = {f"weight_{i.name}": f"{100 * i.weight:g}" for i in plan.indicators}
    if "growth" in plan.names:
        values["growth_target"] = f"{plan.spec('growth').growth_target:g}"
    values["min_n"] = str(plan.min_n)
    values["lowest_share"] = f"{100 * plan.lowest_share:g}"
    if plan.graduation_floor is not None:
        values["graduation_floor"] = f"{100 * plan.graduation_floor:g}"
    values["consecutive_years"] = str(plan.consecutive_years)
    values["summative"] = plan.summative
    values["letter_cutoffs"] = ", ".join(f"{100 * c:g}" for c in plan.letter_cutoffs)
    return values


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    plan = _plan(request, Act.CHANGE)
    errors: dict[str, list[str]] = {}
    values = _form_values(plan.current())
    if request.method == "POST":
        spec, values = _spec_from(request.POST)
        try:
            version = actions.new_plan_version(request.user, plan.state, spec, note=values["note"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = f"weight_{name.split('.')[1]}" if name.startswith("indicators.") else name
                errors.setdefault(key, []).extend(messages)
        else:
            return redirect("state:plan_version", version_id=version.pk)
    indicators = [
        {
            "name": n,
            "label": reports.indicator_label(n),
            "value": values.get(f"weight_{n}", ""),
            "errors": errors.get(f"weight_{n}", []),
        }
        for n in INDICATORS
    ]
    return render(
        request,
        "state/plan_form.html",
        {
            "plan": plan,
            "indicators": indicators,
            "values": values,
            "errors": errors,
            "status": 400 if errors else 200,
        },
        status=400 if errors else 200,
    )


def _version(request: HttpRequest, version_id: Any, act: Act) -> PlanVersion:
    """A version of a plan the user may reach for ``act``; 404 otherwise (a version of
    another state's plan does not exist for this user)."""
    version = (
        PlanVersion.objects.filter(
            plan__in=policy.visible(request.user, Subject.STATE_PLAN, act), pk=_int(version_id)
        )
        .select_related("plan__state")
        .first()
    )
    if version is None:
        raise Http404("No such plan version")
    return version


@login_required
def plan_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Act.VIEW)
    plan = version.plan
    current = plan.current()
    run = read.latest_run(plan.state)
    comparison = None
    problems: list[str] = []
    if run is not None:
        years = read.figures_by_year(run)
        if years:
            try:
                actions.check_spec(version.spec, run)
            except ValidationError as exc:
                problems = [f"{k}: {m}" for k, ms in exc.message_dict.items() for m in ms]
            else:
                result = preview(
                    years,
                    parse_plan(current.spec) if current else None,
                    parse_plan(version.spec),
                    max(years),
                )
                names = dict(
                    Organization.objects.filter(
                        pk__in=[int(r.school) for r in result.rows]
                    ).values_list("pk", "name")
                )
                comparison = {
                    "counts": result.counts,
                    "year": max(years),
                    "rows": [
                        {
                            "school": names.get(int(r.school), r.school),
                            "school_id": int(r.school),
                            "change": r.change,
                            "before": r.current,
                            "after": r.proposed,
                        }
                        for r in result.rows
                        if r.change != "same"
                    ],
                }
    return render(
        request,
        "state/plan_version.html",
        {
            "plan": plan,
            "version": version,
            "current": current,
            "rows": reports.plan_rows(version),
            "comparison": comparison,
            "problems": problems,
            "run": run,
            "can_change": policy.can(request.user, Act.CHANGE, Subject.STATE_PLAN, plan),
        },
    )


@login_required
@require_POST
def plan_adopt(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Act.CHANGE)
    plan = version.plan
    try:
        actions.adopt_plan_version(request.user, version)
    except ValidationError as exc:
        return render(
            request,
            "state/plan_version.html",
            {
                "plan": plan,
                "version": version,
                "current": plan.current(),
                "rows": reports.plan_rows(version),
                "problems": exc.messages,
                "can_change": True,
            },
            status=400,
        )
    return redirect("state:home")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found") from None


@login_required
def scorecard(request: HttpRequest, org_id: int) -> HttpResponse:
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    if org.kind != OrganizationKind.SCHOOL:
        raise Http404("No such school")
    state = read.state_of(org)
    plan = StatePlan.objects.filter(state=state).first() if state else None
    current = plan.current() if plan else None
    run = read.latest_run(state) if state else None
    card = reports.scorecard(org, run, current)
    return render(
        request,
        "state/scorecard.html",
        {
            "org": org,
            "card": card,
            "current": current,
            "has_charts": card.chart is not None,
            "limit": actions.threshold(),
        },
    )


def _pilot_page(
    request: HttpRequest,
    obj: Pilot,
    errors: dict[str, list[str]] | None = None,
    task_errors: dict[int, list[str]] | None = None,
) -> HttpResponse:
    sessions = []
    tasks = list(
        obj.tasks.prefetch_related("sessions").select_related("item", "rubric").order_by("pk")
    )
    district_of = dict(
        Organization.objects.filter(
            kind=OrganizationKind.SCHOOL, parent__parent=obj.state
        ).values_list("name", "parent__name")
    )
    for task in tasks:
        for session in task.sessions.all():
            grid = load_grid(session)
            report = comparability_report(grid, actions.threshold())
            for row in report.by_school:
                row.district = district_of.get(row.group, "")  # type: ignore[attr-defined]
            sessions.append({"task": task, "session": session, "report": report})
    can_change = policy.can(request.user, Act.CHANGE, Subject.PILOT, obj)
    choices = _state_sessions(obj.state) if can_change else ModerationSession.objects.none()
    task_rows = [
        {
            "task": task,
            "errors": (task_errors or {}).get(task.pk, []),
            "form": forms.PilotSessionForm(
                sessions=choices.filter(rubric=task.rubric).exclude(
                    pk__in=[x.pk for x in task.sessions.all()]
                ),
                prefix=f"task{task.pk}",
            ),
        }
        for task in tasks
    ]
    bad = bool(errors or task_errors)
    return render(
        request,
        "state/pilot.html",
        {
            "pilot": obj,
            "sessions": sessions,
            "tasks": task_rows,
            "districts": obj.districts.all(),
            "can_change": can_change,
            "errors": errors or {},
        },
        status=400 if bad else 200,
    )


def _state_sessions(state: Organization) -> Any:
    return ModerationSession.objects.filter(owner=state).order_by("-created_at", "-pk")


@login_required
def pilot(request: HttpRequest, pilot_id: int) -> HttpResponse:
    obj: Pilot = policy.access(request.user, Subject.PILOT, pilot_id)
    return _pilot_page(request, obj)


@login_required
def pilot_new(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.CHANGE, Subject.PILOT)
    state = _plan(request).state
    districts = Organization.objects.filter(parent=state, kind=OrganizationKind.DISTRICT).order_by(
        "name"
    )
    form = forms.PilotForm(request.POST or None, districts=districts)
    if request.method == "POST" and form.is_valid():
        try:
            made = actions.create_pilot(
                request.user,
                state,
                name=form.cleaned_data["name"],
                districts=form.cleaned_data["districts"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return redirect("state:pilot", pilot_id=made.pk)
    return render(
        request,
        "state/pilot_form.html",
        {"form": form, "state": state},
        status=400 if form.errors else 200,
    )


@login_required
def pilot_task_new(request: HttpRequest, pilot_id: int) -> HttpResponse:
    obj: Pilot = policy.access(request.user, Subject.PILOT, pilot_id, act=Act.CHANGE)
    rubrics = rubric_choices(request.user)  # type: ignore[arg-type]
    form = forms.PilotTaskForm(request.POST or None, rubrics=rubrics)
    if request.method == "POST" and form.is_valid():
        try:
            item = actions.find_item(form.cleaned_data["item"])
            actions.add_pilot_task(
                request.user,
                obj,
                title=form.cleaned_data["title"],
                item=item,
                rubric=form.cleaned_data["rubric"],
                standard=form.cleaned_data["standard"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return redirect("state:pilot", pilot_id=obj.pk)
    return render(
        request,
        "state/pilot_task_form.html",
        {"form": form, "pilot": obj},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def pilot_session_add(request: HttpRequest, pilot_id: int, task_id: int) -> HttpResponse:
    obj: Pilot = policy.access(request.user, Subject.PILOT, pilot_id, act=Act.CHANGE)
    task = obj.tasks.filter(pk=_int(task_id)).first()
    if task is None:
        raise Http404("No such task")
    form = forms.PilotSessionForm(
        request.POST, sessions=_state_sessions(obj.state), prefix=f"task{task.pk}"
    )
    if not form.is_valid():
        return _pilot_page(
            request, obj, task_errors={task.pk: [str(e) for e in form.errors.get("session", [])]}
        )
    try:
        actions.add_pilot_session(request.user, task, form.cleaned_data["session"])
    except ValidationError as exc:
        return _pilot_page(request, obj, task_errors={task.pk: exc.messages})
    return redirect("state:pilot", pilot_id=obj.pk)


@login_required
@require_POST
def pilot_accountability(request: HttpRequest, pilot_id: int) -> HttpResponse:
    obj: Pilot = policy.access(request.user, Subject.PILOT, pilot_id, act=Act.CHANGE)
    try:
        actions.set_pilot_in_accountability(request.user, obj, request.POST.get("counted") == "1")
    except ValidationError as exc:
        return _pilot_page(request, obj, errors=exc.message_dict)
    return redirect("state:pilot", pilot_id=obj.pk)


# --- Public report cards (no login) ----------------------------------------------------


def _public_org(org_id: Any) -> Organization:
    org = (
        Organization.objects.filter(
            pk=_int(org_id), kind__in=[OrganizationKind.SCHOOL, OrganizationKind.DISTRICT]
        )
        .select_related("parent")
        .first()
    )
    if org is None:
        raise Http404("No such report card")
    return org


def report_cards(request: HttpRequest) -> HttpResponse:
    districts = (
        Organization.objects.filter(kind=OrganizationKind.DISTRICT)
        .prefetch_related("children")
        .order_by("name")
    )
    return render(request, "state/report_cards.html", {"districts": districts})


def report_card(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _public_org(org_id)
    state = read.state_of(org)
    plan = StatePlan.objects.filter(state=state).first() if state else None
    current = plan.current() if plan else None
    run = read.latest_run(state) if state else None
    context: dict[str, Any] = {
        "org": org,
        "limit": actions.threshold(),
        "current": current,
        "run": run,
    }
    if org.kind == OrganizationKind.SCHOOL:
        card = reports.scorecard(org, run, current)
        context.update({"card": card, "has_charts": card.chart is not None, "held": card.held})
    else:
        schools = list(org.children.filter(kind=OrganizationKind.SCHOOL).order_by("name"))
        lines: list[dict[str, Any]] = []
        first: reports.Line | None = None
        for school in schools:
            card = reports.scorecard(school, run, current)
            last = card.trend[-1] if card.trend else None
            first = first if lines else last
            lines.append({"school": school, "line": last, "identification": card.identification})
        names = [c.indicator for c in first.cells] if first is not None else []
        context.update(
            {
                "schools": lines,
                "indicators": [reports.indicator_label(n) for n in names],
                "held": read.held_report_cards(run, org),
            }
        )
    return render(request, "state/report_card.html", context)


def open_data(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    if org_id is None:
        schools = list(
            Organization.objects.filter(kind=OrganizationKind.SCHOOL).select_related("parent")
        )
        state = Organization.objects.filter(kind=OrganizationKind.STATE).order_by("pk").first()
        name = "state"
    else:
        org = _public_org(org_id)
        state = read.state_of(org)
        schools = (
            [org]
            if org.kind == OrganizationKind.SCHOOL
            else list(org.children.filter(kind=OrganizationKind.SCHOOL).select_related("parent"))
        )
        name = org.code
    run = read.latest_run(state) if state else None
    body = reports.open_data(run, schools)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-card-{name}.csv"'
    return response
