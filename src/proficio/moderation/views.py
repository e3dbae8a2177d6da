"""Moderation sessions: set up, score blind, reveal and agree, learn from the results.

Views parse, ask the policy and call ``moderation.actions``; the numbers come from
``moderation.reports``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.moderation import actions, reports
from proficio.moderation.forms import AnchorForm, DrawForm, RaterForm, SessionForm
from proficio.moderation.models import (
    Anchor,
    Assignment,
    ModerationSession,
    SessionKind,
    SessionStatus,
    WorkSample,
)
from proficio.orgs.models import Organization
from proficio.policy import Act, Subject
from proficio.web.charts import chart_context
from proficio.web.forms import show_errors


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def _sample(session: ModerationSession, sample_id: int) -> WorkSample:
    sample = session.samples.filter(pk=sample_id).first()
    if sample is None:
        raise Http404("No such work sample")
    return sample


def _is_organizer(request: HttpRequest, session: ModerationSession) -> bool:
    return policy.organizes(request.user, session)


# -- Sessions --------------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.MODERATION)
    sessions = (
        policy.visible(request.user, Subject.MODERATION)
        .select_related("owner", "rubric")
        .annotate(
            n_raters=Count("raters", distinct=True), n_samples=Count("samples", distinct=True)
        )
    )
    mine = set(
        ModerationSession.objects.filter(raters__user=_user(request)).values_list("pk", flat=True)
    )
    return render(
        request,
        "moderation/list.html",
        {
            "sessions": sessions,
            "mine": mine,
            "can_create": policy.may(request.user, Act.CHANGE, Subject.MODERATION),
        },
    )


def _owner_choices(user: User) -> Any:
    w = policy.who(user)
    rules = policy.rules_for(Subject.MODERATION, Act.CHANGE)
    if any(r in w.roles and policy.Scope.EVERYWHERE in s for r, s in rules.items()):
        return Organization.objects.filter(kind__in=["state", "district"]).order_by("path")
    pks = [org.pk for role in rules if role in w.roles for org in w.orgs_by_role.get(role, [])]
    return Organization.objects.filter(pk__in=pks).order_by("path")


def _rubric_choices(user: User) -> Any:
    return reports.rubric_choices(user)


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.CHANGE, Subject.MODERATION)
    user = _user(request)
    owners = _owner_choices(user)
    form = SessionForm(
        request.POST or None,
        rubrics=_rubric_choices(user),
        owners=owners,
        initial={
            "design": "full",
            "kind": SessionKind.MODERATION,
            # Most organizers hold one organization: choose it for them.
            "owner": owners.first() if owners.count() == 1 else None,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = actions.create_session(request.user, **data)
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(
                    request, _("Session created. Add raters and work samples, then open scoring.")
                )
                return redirect("moderation:detail", session_id=session.pk)
        return render(request, "moderation/create.html", {"form": form}, status=400)
    return render(request, "moderation/create.html", {"form": form})


def _eligible_raters(session: ModerationSession) -> list[tuple[str, str]]:
    taken = set(session.raters.values_list("user_id", flat=True))
    memberships = (
        policy.eligible_raters(session)
        .exclude(user_id__in=taken)
        .select_related("user", "organization")
        .order_by("organization__name", "user__display_name", "user__username")
    )
    seen: dict[int, tuple[str, str]] = {}
    for m in memberships[:2000]:
        if m.user_id not in seen:
            seen[m.user_id] = (
                str(m.user_id),
                f"{m.user} ({m.user.username}) · {m.organization.name}",
            )
    return list(seen.values())


def _detail_context(
    request: HttpRequest, session: ModerationSession, **extra: Any
) -> dict[str, Any]:
    organizer = _is_organizer(request, session)
    seat = session.raters.filter(user=_user(request)).first()
    samples = session.samples.select_related("origin_school").annotate(
        n_assigned=Count("assignments", distinct=True),
        n_submitted=Count(
            "assignments", filter=Q(assignments__submitted_at__isnull=False), distinct=True
        ),
    )
    raters = session.raters.select_related("user", "school").annotate(
        n_assigned=Count("assignments", distinct=True),
        n_submitted=Count(
            "assignments", filter=Q(assignments__submitted_at__isnull=False), distinct=True
        ),
    )
    assigned = sum(r.n_assigned for r in raters)
    submitted = sum(r.n_submitted for r in raters)
    context = {
        "session": session,
        "organizer": organizer,
        "seat": seat,
        "samples": samples if organizer else [],
        "raters": raters,
        "schools": len({r.school_id for r in raters}),
        "mine": reports.my_assignments(session, _user(request)) if seat else [],
        "assigned": assigned,
        "submitted": submitted,
        "percent": round(100 * submitted / assigned) if assigned else 0,
        "criteria": actions.criteria_of(session.rubric),
    }
    if organizer and session.status == SessionStatus.SETUP:
        context.setdefault("rater_form", RaterForm(choices=_eligible_raters(session)))
        context.setdefault("anchor_form", AnchorForm())
        context.setdefault("draw_form", DrawForm())
    context.update(extra)
    return context


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    return render(request, "moderation/detail.html", _detail_context(request, session))


@login_required
@require_POST
def add_rater(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    form = RaterForm(request.POST, choices=_eligible_raters(session))
    if form.is_valid():
        user = User.objects.get(pk=int(form.cleaned_data["user"]))
        try:
            actions.add_rater(request.user, session, user)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("%(user)s joins the panel.") % {"user": user})
            return redirect("moderation:detail", session_id=session.pk)
    context = _detail_context(request, session, rater_form=form)
    return render(request, "moderation/detail.html", context, status=400)


@login_required
@require_POST
def add_sample(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    form = AnchorForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            sample = actions.add_anchor_sample(
                request.user,
                session,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Work sample %(code)s added.") % {"code": sample.code})
            return redirect("moderation:detail", session_id=session.pk)
    context = _detail_context(request, session, anchor_form=form)
    return render(request, "moderation/detail.html", context, status=400)


@login_required
@require_POST
def draw_samples(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            made = actions.draw_samples(request.user, session, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(n)s de-identified work samples copied into the session.") % {"n": len(made)},
            )
            return redirect("moderation:detail", session_id=session.pk)
    context = _detail_context(request, session, draw_form=form)
    return render(request, "moderation/detail.html", context, status=400)


def _simple_action(
    request: HttpRequest, session: ModerationSession, run: Any, done: str
) -> HttpResponse:
    try:
        result = run()
    except ValidationError as exc:
        context = _detail_context(request, session, errors=_messages(exc))
        return render(request, "moderation/detail.html", context, status=400)
    messages.success(request, done % {"n": result} if "%(n)s" in done else done)
    return redirect("moderation:detail", session_id=session.pk)


@login_required
@require_POST
def open_scoring(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    return _simple_action(
        request,
        session,
        lambda: actions.open_scoring(request.user, session, seed=session.pk),
        _("Blind scoring is open: %(n)s assignments were made."),
    )


@login_required
@require_POST
def reveal(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    try:
        unscored = actions.reveal(request.user, session)
    except ValidationError as exc:
        context = _detail_context(request, session, errors=_messages(exc))
        return render(request, "moderation/detail.html", context, status=400)
    if unscored:
        messages.warning(
            request,
            _("Scores revealed. %(n)s assignments were never scored and are left out.")
            % {"n": unscored},
        )
    else:
        messages.success(request, _("Scores revealed. Start with the largest disagreements."))
    return redirect("moderation:discuss", session_id=session.pk)


@login_required
@require_POST
def close(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    return _simple_action(
        request,
        session,
        lambda: actions.close_session(request.user, session),
        _("The session is closed."),
    )


# -- Scoring ---------------------------------------------------------------------------------


def _posted_scores(
    request: HttpRequest, criteria: list[Any]
) -> tuple[dict[int, Any], dict[int, str]]:
    scores = {c.pk: request.POST.get(f"criterion_{c.pk}") for c in criteria}
    notes = {c.pk: request.POST.get(f"note_{c.pk}", "") for c in criteria}
    return scores, notes


@login_required
def score(request: HttpRequest, session_id: int, sample_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    sample = _sample(session, sample_id)
    user = _user(request)
    criteria = actions.criteria_of(session.rubric)
    assignment = (
        Assignment.objects.filter(sample=sample, rater__user=user, rater__session=session)
        .prefetch_related("scores")
        .first()
    )
    context: dict[str, Any] = {"session": session, "sample": sample, "criteria": criteria}
    if assignment is None and not session.raters.filter(user=user).exists():
        raise Http404("Only the session's raters have a scoring page")
    if assignment is None:
        context["refusal"] = _(
            "Sample %(code)s is not assigned to you; you can score only the samples on your list."
        ) % {"code": sample.code}
        return render(request, "moderation/score.html", context, status=403)
    given = {s.criterion_id: s for s in assignment.scores.all()}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        scores, notes = _posted_scores(request, criteria)
        try:
            actions.submit_scores(request.user, sample, scores, notes)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            given = {}
            status = 400
            context["posted"] = {"scores": scores, "notes": notes}
        else:
            following = next(
                (
                    a
                    for a in reports.my_assignments(session, user)
                    if a.submitted_at is None and a.sample_id != sample.pk
                ),
                None,
            )
            messages.success(
                request,
                _("Your scores for %(code)s are saved. Nobody sees them until the reveal.")
                % {"code": sample.code},
            )
            if following is not None:
                return redirect(
                    "moderation:score", session_id=session.pk, sample_id=following.sample_id
                )
            return redirect("moderation:detail", session_id=session.pk)
    posted = context.get("posted")
    rows = []
    for c in criteria:
        if posted:
            current = posted["scores"].get(c.pk) or ""
            note = posted["notes"].get(c.pk) or ""
        else:
            current = f"{given[c.pk].score:g}" if c.pk in given else ""
            note = given[c.pk].note if c.pk in given else ""
        rows.append(
            {
                "criterion": c,
                "levels": [
                    {"value": f"{lv.score:g}", "level": lv}
                    for lv in sorted(c.levels.all(), key=lambda lv: lv.score or 0)
                    if lv.score is not None
                ],
                "current": current,
                "note": note,
                "errors": errors.get(f"criterion_{c.pk}", []),
            }
        )
    context.update(
        {
            "rows": rows,
            "assignment": assignment,
            "open": session.status == SessionStatus.SCORING,
            "general_errors": errors.get("__all__", []),
        }
    )
    return render(request, "moderation/score.html", context, status=status)


@login_required
def sample_file(request: HttpRequest, session_id: int, sample_id: int) -> HttpResponseBase:
    session = policy.access_session(request.user, session_id)
    sample = _sample(session, sample_id)
    if not policy.may_open_sample(request.user, sample):
        raise Http404("No such work sample")
    if not sample.file:
        raise Http404("This sample has no file")
    response = FileResponse(
        sample.file.open("rb"),
        as_attachment=True,
        filename=sample.file.name.rsplit("/", 1)[-1],
        content_type=sample.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- Reveal, discuss, agree ------------------------------------------------------------------


def _discuss_context(
    request: HttpRequest, session: ModerationSession, **extra: Any
) -> dict[str, Any]:
    user = _user(request)
    organizer = _is_organizer(request, session)
    revealed = session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED)
    rows: list[reports.RevealRow] = []
    if revealed:
        grid = reports.load_grid(session)
        rows = reports.reveal_rows(grid, user)
        shown = policy.revealed_samples(user, session)
        if shown is not None:
            rows = [row for row in rows if row.sample.pk in shown]
    context = {
        "session": session,
        "organizer": organizer,
        "revealed": revealed,
        "rows": rows,
        "can_record": organizer and session.status == SessionStatus.REVEALED,
        "anchors": {
            (a.sample_id, a.criterion_id) for a in Anchor.objects.filter(sample__session=session)
        },
        "errors_for": None,
        "errors": [],
    }
    context.update(extra)
    return context


@login_required
def discuss(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    return render(request, "moderation/discuss.html", _discuss_context(request, session))


@login_required
@require_POST
def consensus(request: HttpRequest, session_id: int, sample_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    sample = _sample(session, sample_id)
    scores, _notes = _posted_scores(request, actions.criteria_of(session.rubric))
    rationale = request.POST.get("rationale", "")

    def record() -> str:
        actions.record_consensus(request.user, sample, scores, rationale)
        return _("Consensus recorded for %(code)s.") % {"code": sample.code}

    return _on_sample(request, session, sample, record)


@login_required
@require_POST
def anchor(request: HttpRequest, session_id: int, sample_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id, act=Act.CHANGE)
    sample = _sample(session, sample_id)
    posted = request.POST.get("criterion")
    criterion = next((c for c in actions.criteria_of(session.rubric) if str(c.pk) == posted), None)

    def choose() -> str:
        if criterion is None:
            raise ValidationError({"criterion": _("Choose a criterion of this session's rubric.")})
        made = actions.choose_anchor(request.user, sample, criterion)
        return _("%(code)s is now an anchor on the continuum for “%(target)s”.") % {
            "code": sample.code,
            "target": made.exemplar.item,
        }

    return _on_sample(request, session, sample, choose)


def _on_sample(
    request: HttpRequest, session: ModerationSession, sample: WorkSample, run: Any
) -> HttpResponse:
    """Run an organizer's action on one sample; back to it on the discussion page."""
    try:
        done = run()
    except ValidationError as exc:
        context = _discuss_context(request, session, errors_for=sample.pk, errors=_messages(exc))
        return render(request, "moderation/discuss.html", context, status=400)
    messages.success(request, done)
    return redirect(reverse("moderation:discuss", args=[session.pk]) + f"#sample-{sample.pk}")


# -- What the session tells us ---------------------------------------------------------------


def _agreement_chart(stats: list[reports.CriterionStatistics]) -> Any:
    rows = []
    for s in stats:
        for fig in s.figures[:2]:
            if fig.value is not None:
                rows.append(
                    {
                        "criterion": str(s.criterion),
                        "measure": fig.label,
                        "percent": round(100 * fig.value),
                    }
                )
    if not rows:
        return None
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_bar()
        .encode(
            y=alt.Y("criterion:N", title=_("Criterion")),
            yOffset="measure:N",
            x=alt.X("percent:Q", title=_("Agreement (%)"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("measure:N", title=_("Measure")),
            tooltip=["criterion:N", "measure:N", "percent:Q"],
        )
        .properties(width=460)
    )
    return chart_context(
        chart,
        title=_("How often raters agreed, per criterion"),
        table_columns=[
            ("criterion", _("Criterion")),
            ("measure", _("Measure")),
            ("percent", _("Agreement (%)")),
        ],
        rows=rows,
    )


def _revealed_or_notice(
    request: HttpRequest, session: ModerationSession, template: str
) -> HttpResponse | None:
    if session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED):
        return None
    return render(request, template, {"session": session, "hidden": True})


@login_required
def statistics(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    hidden = _revealed_or_notice(request, session, "moderation/statistics.html")
    if hidden is not None:
        return hidden
    grid = reports.load_grid(session)
    stats = reports.criterion_statistics(grid)
    return render(
        request,
        "moderation/statistics.html",
        {
            "session": session,
            "stats": stats,
            "panel": reports.panel_summary(grid),
            "drift": reports.school_drift(session),
            "chart": _agreement_chart(stats),
            "has_charts": True,
        },
    )


@login_required
def feedback(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    hidden = _revealed_or_notice(request, session, "moderation/feedback.html")
    if hidden is not None:
        return hidden
    grid = reports.load_grid(session)
    seat = next((r for r in grid.raters if r.user_id == request.user.pk), None)
    mine = reports.rater_feedback(session, grid, seat) if seat else None
    context: dict[str, Any] = {
        "session": session,
        "mine": mine,
        # Leaders see how the panel did as a whole, never one named rater.
        "panel": reports.panel_summary(grid) if _is_organizer(request, session) else None,
        "chart": None,
    }
    if mine and len(mine.history) >= 2:
        rows = [
            {
                "session": str(h["session"]),
                "order": i + 1,
                "mean": round(h["mean"], 2),
                "n": h["n"],
            }
            for i, h in enumerate(mine.history)
        ]
        chart = (
            alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
            .mark_line(point=True)
            .encode(
                x=alt.X("order:O", title=_("Session, oldest first")),
                y=alt.Y("mean:Q", title=_("Your score − consensus (mean)")),
                tooltip=["session:N", "mean:Q", "n:Q"],
            )
        )
        context["chart"] = chart_context(
            chart,
            title=_("Your leniency across sessions"),
            table_columns=[
                ("session", _("Session")),
                ("mean", _("Mean difference")),
                ("n", _("Scores compared")),
            ],
            rows=rows,
        )
        context["has_charts"] = True
    return render(request, "moderation/feedback.html", context)


@login_required
def comparability(request: HttpRequest, session_id: int) -> HttpResponse:
    session = policy.access_session(request.user, session_id)
    hidden = _revealed_or_notice(request, session, "moderation/comparability.html")
    if hidden is not None:
        return hidden
    grid = reports.load_grid(session)
    return render(
        request,
        "moderation/comparability.html",
        {"session": session, "report": reports.comparability_report(grid)},
    )
