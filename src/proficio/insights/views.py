"""Leader dashboards (district and school), equity, and suppressed exports.

A dashboard is opened for an organization the user may see aggregates of
(``Subject.AGGREGATE``); every figure on it has been suppressed by ``insights.data``.
Only the off-pace list names students, and only those the policy lets the user open;
opening one goes through the audited student page.
"""

from __future__ import annotations

import csv
import json
from typing import Any

import altair as alt
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from proficio import policy
from proficio.audit.log import record_reads
from proficio.insights import data
from proficio.orgs.models import Organization, OrganizationKind
from proficio.policy import Act, Subject
from proficio.web.charts import chart_context

OFF_PACE_PAGE = 50  # names per page of the off-pace list


@login_required
def index(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.AGGREGATE)
    orgs = policy.visible(request.user, Subject.AGGREGATE)
    first = orgs.order_by("path").first()
    if first is None:
        raise Http404("No organization to show")
    return redirect("insights:dashboard", org_id=first.pk)


def _spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite dict without Altair's schema validation (a fixed, known-good shape;
    validating costs a quarter of a second per chart) and without Altair's theme."""
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec.pop("config", None)
    return spec


def _trend_chart(rows: list[dict[str, Any]]) -> Any:
    if not rows:
        return None
    long = [
        {"day": r["day"], "measure": label, "percent": r[key]}
        for r in rows
        for key, label in (
            ("behind_percent", _("Behind pace (%)")),
            ("proficient_percent", _("Proficient (%)")),
        )
        if r[key] is not None
    ]
    if not long:
        return None  # every figure withheld: the picture would be empty
    chart = (
        alt.Chart(alt.Data(values=long))  # type: ignore[no-untyped-call]
        .mark_line(point=alt.OverlayMarkDef(filled=True, aria=False), aria=False)
        .encode(
            x=alt.X("day:T", title=_("Day")),
            y=alt.Y("percent:Q", title=_("Percent of students")),
            color=alt.Color("measure:N", title=_("Measure")),
            strokeDash=alt.StrokeDash("measure:N", title=_("Measure")),
        )
    )
    return chart_context(
        _spec(chart),
        title=_("Pace and proficiency over time"),
        table_columns=[
            ("day", _("Day")),
            ("students", _("Students")),
            ("behind_percent", _("Behind pace (%)")),
            ("proficient_percent", _("Proficient (%)")),
            ("growth", _("Growth (levels per year)")),
            ("evidence", _("Evidence")),
        ],
        rows=rows,
    )


def _predictability_chart(rows: list[dict[str, Any]]) -> Any:
    if not rows:
        return None
    long = [
        {"day": r["day"], "measure": label, "r2": r[key]}
        for r in rows
        for key, label in (("r2_pace", _("Pace")), ("r2_proficiency", _("Proficiency")))
        if r[key] is not None
    ]
    if not long:
        return None
    chart = (
        alt.Chart(alt.Data(values=long))  # type: ignore[no-untyped-call]
        .mark_line(point=alt.OverlayMarkDef(filled=True, aria=False), aria=False)
        .encode(
            x=alt.X("day:T", title=_("Day")),
            y=alt.Y("r2:Q", title=_("Share of variance explained by demographics")),
            color=alt.Color("measure:N", title=_("Measure")),
            strokeDash=alt.StrokeDash("measure:N", title=_("Measure")),
        )
    )
    return chart_context(
        _spec(chart),
        title=_("Predictability of success from demographics (R², lower is fairer)"),
        table_columns=[
            ("day", _("Day")),
            ("r2_pace", _("Pace")),
            ("r2_proficiency", _("Proficiency")),
        ],
        rows=rows,
    )


@login_required
def dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    if org.kind == OrganizationKind.STATE:
        return render(request, "insights/state.html", {"org": org, "districts": org.children.all()})
    release = data.release_of(org)
    by = data.tables(release, org)
    context: dict[str, Any] = {
        "org": org,
        "limit": release.threshold if release else data.threshold(),
        "day": release.day if release else None,
        "grade_bands": by.get("grade_band", []),
        "cohorts": by.get("cohort", []),
        "equity": data.equity(by),
        "trend": _trend_chart(data.trends(org)),
        "predictability": _predictability_chart(data.predictability_trend(org)),
        "can_open_students": policy.may(request.user, Act.VIEW, Subject.STUDENT),
    }
    # Every student behind pace, a page at a time, with the total and the way to the next.
    page = Paginator(data.off_pace(request.user, org), OFF_PACE_PAGE).get_page(
        request.GET.get("page")
    )
    context.update({"off_pace": list(page.object_list), "page": page})
    record_reads([row.student for row in context["off_pace"]], purpose="off-pace list")
    context["has_charts"] = bool(context["trend"] or context["predictability"])
    if org.kind == OrganizationKind.DISTRICT:
        context["schools"] = by.get("school", [])
        context["total"] = context["schools"][-1] if context["schools"] else None
    else:
        context.update({"sections": by.get("section", []), "teachers": by.get("teacher", [])})
        context["total"] = context["grade_bands"][-1] if context["grade_bands"] else None
        context["parent"] = (
            org.parent
            if org.parent and policy.can(request.user, Act.VIEW, Subject.AGGREGATE, org.parent)
            else None
        )
    return render(request, "insights/dashboard.html", context)


def _threshold_of(org: Organization) -> int:
    release = data.release_of(org)
    return release.threshold if release else data.threshold()


@login_required
def export(request: HttpRequest, org_id: int, fmt: str) -> HttpResponse:
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    if fmt not in ("csv", "json"):
        raise Http404("No such format")
    rows = data.export_rows(org)
    if fmt == "json":
        return JsonResponse(
            {
                "organization": org.name,
                "suppression_threshold": _threshold_of(org),
                "note": "null means suppressed; see each row's suppressed, "
                "suppression_reason and suppressed_fields",
                "rows": rows,
            }
        )
    return _csv(rows, f"{org.code}-insights.csv")


def _csv(rows: list[dict[str, Any]], filename: str) -> HttpResponse:
    """CSV with the withheld figures spelled out: a withheld cell reads "suppressed",
    never blank (a blank could be read as zero), and each row says whether it has one."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if rows:
        fields = [k for k in rows[0] if k != "suppressed_fields"] + ["suppressed_fields"]
        writer = csv.DictWriter(response, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            withheld = set(row.get("suppressed_fields", []))
            out = {}
            for k in fields:
                v = row.get(k)
                if k == "suppressed_fields":
                    out[k] = ";".join(row.get(k, []))
                elif k in withheld:
                    out[k] = "suppressed"
                elif v is None:
                    out[k] = "n/a"  # no value at all (no student has one), not withheld
                elif isinstance(v, bool):
                    out[k] = "true" if v else "false"
                else:
                    out[k] = v
            writer.writerow(out)
    return response


@login_required
def state_export(request: HttpRequest, org_id: int) -> HttpResponse:
    """Per district and per subgroup, from each district's release: what a state receives."""
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    rows = data.state_rows(org)
    if request.GET.get("format") == "json":
        return HttpResponse(
            json.dumps({"suppression_threshold": data.threshold(), "rows": rows}),
            content_type="application/json",
        )
    return _csv(rows, f"{org.code}-state-aggregates.csv")
