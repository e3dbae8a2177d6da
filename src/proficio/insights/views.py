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
from urllib.parse import urlencode

import altair as alt
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from proficio import policy
from proficio.audit.log import record_reads
from proficio.insights import data, figures
from proficio.insights.templatetags.insights_tags import withheld_text
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


OFF_PACE_FIRST = 10  # names on the dashboard itself; the rest are on the full list

# The breakdowns a dashboard offers (``?by=``), in order; the first is the default.
DISTRICT_BREAKDOWNS = ("school", "grade_band", "cohort", *data.DIMENSIONS, "fairness")
SCHOOL_BREAKDOWNS = ("grade_band", "cohort", "section", "teacher", *data.DIMENSIONS, "fairness")
MEASURES = ("proficient", "behind")


def _breakdown_label(name: str) -> str:
    if name in data.DIMENSION_LABELS:
        return _(data.DIMENSION_LABELS[name])
    return {
        "school": _("School"),
        "grade_band": _("Grade band"),
        "cohort": _("Cohort"),
        "section": _("Section"),
        "teacher": _("Teacher"),
        "fairness": _("Predictability"),
    }[name]


def _breakdown_caption(name: str) -> str:
    return {
        "section": _("By section (a student counts in each of their sections)"),
        "teacher": _("By teacher (a student counts for each of their teachers)"),
        "cohort": _("By cohort (grade level)"),
    }.get(name, _("By %(breakdown)s") % {"breakdown": _breakdown_label(name).lower()})


def _history_chart(org: Organization, by: str, measure: str) -> Any:
    """The breakdown's groups over the releases held; None when there is one day or
    fewer with a figure (a single dot says nothing: the table holds the figure)."""
    title = (
        _("Proficient (%%) over time, by %(breakdown)s")
        if measure == "proficient"
        else _("Behind pace (%%) over time, by %(breakdown)s")
    ) % {"breakdown": _breakdown_label(by).lower()}
    series = data.history(org, by)
    rows: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for day, table in series:
        for r in table:
            rate = getattr(r, f"{measure}_rate")
            withheld = measure in r.withheld or "students" in r.withheld
            rows.append(
                {
                    "day": day.isoformat(),
                    "group": r.label,
                    "value": withheld_text(0, False) if withheld else rate,
                }
            )
            if rate is not None and not withheld:
                values.append({"day": day.isoformat(), "group": r.label, "percent": rate})
    if len({v["day"] for v in values}) < 2:
        return None
    chart = (
        alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
        .mark_line(point=alt.OverlayMarkDef(filled=True, aria=False), aria=False)
        .encode(
            x=alt.X("day:T", title=_("Day of the daily check")),
            y=alt.Y("percent:Q", title=_("Percent of students"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("group:N", title=_breakdown_label(by)),
            strokeDash=alt.StrokeDash("group:N", title=_breakdown_label(by)),
        )
        .properties(width=560, height=220)
    )
    return chart_context(
        _spec(chart),
        title=title,
        table_columns=[
            ("day", _("Day")),
            ("group", _breakdown_label(by)),
            ("value", _("Proficient (%)") if measure == "proficient" else _("Behind pace (%)")),
        ],
        rows=rows,
    )


def _gap_chart(dimension: str, marks: list[data.GapMark]) -> Any:
    """Each group's gap against all students with its 95 % interval; a withheld gap is a
    labelled mark at zero, never a number."""
    if not marks:
        return None
    measure = {"proficient": _("Proficient"), "behind": _("Behind pace")}
    mark_text = withheld_text(0, False)
    values = [
        {
            "group": m.group,
            "measure": measure[m.metric],
            "gap": m.gap,
            "low": m.low,
            "high": m.high,
            "withheld": m.withheld,
            "mark": mark_text if m.withheld else "",
            "zero": 0,
        }
        for m in marks
    ]
    base = alt.Chart().encode(y=alt.Y("group:N", title=None, sort=None))
    zero = base.mark_rule(color="#4a5360", aria=False).encode(
        x=alt.X("zero:Q", axis=alt.Axis(format="+.0f"))
    )
    interval = (
        base.transform_filter("!datum.withheld")
        .mark_rule(strokeWidth=2, aria=False)
        .encode(
            x=alt.X(
                "low:Q",
                # xgettext:no-python-format
                title=_("Gap against all students (percentage points, 95% interval)"),
                axis=alt.Axis(format="+.0f"),
            ),
            x2="high:Q",
        )
    )
    point = (
        base.transform_filter("!datum.withheld")
        .mark_point(filled=True, size=80, aria=False)
        .encode(x="gap:Q")
    )
    marks_text = (
        base.transform_filter("datum.withheld")
        .mark_text(align="left", dx=4, fontStyle="italic", aria=False)
        .encode(x="zero:Q", text="mark:N")
    )
    chart = (
        alt.layer(zero, interval, point, marks_text, data=alt.Data(values=values))  # type: ignore[no-untyped-call]
        .properties(width=480)
        .facet(row=alt.Row("measure:N", title=None))
    )
    return chart_context(
        _spec(chart),
        title=_("Gaps by %(dimension)s, against all students, with 95%% intervals")
        % {"dimension": _(data.DIMENSION_LABELS[dimension]).lower()},
        table_columns=[
            ("group", _("Group")),
            ("measure", _("Measure")),
            ("gap_text", _("Gap (percentage points)")),
            ("low_text", _("Interval from")),
            ("high_text", _("Interval to")),
        ],
        rows=[
            {
                **v,
                "gap_text": mark_text if v["withheld"] else v["gap"],
                "low_text": mark_text if v["withheld"] else v["low"],
                "high_text": mark_text if v["withheld"] else v["high"],
            }
            for v in values
        ],
    )


def _headline(h: data.Headline, earlier: Any) -> dict[str, Any]:
    """A headline's words: its name, definition and change (in points for a percentage)."""
    unit = figures.unit(h.field)
    change = ""
    direction = ""
    if earlier is None:
        change = _("No earlier daily check to compare with.")
    elif h.change is None:
        change = _("No change to show: a figure is withheld or missing.")
    else:
        amount = abs(h.change)
        day = date_format(earlier.day, "DATE_FORMAT")
        size = _("%(n)s points") % {"n": f"{amount:g}"} if unit == "%" else f"{amount:g}"
        if h.change == 0:
            change = _("No change since %(day)s.") % {"day": day}
        elif h.change > 0:
            change = _("Up %(size)s since %(day)s.") % {"size": size, "day": day}
        else:
            change = _("Down %(size)s since %(day)s.") % {"size": size, "day": day}
        if h.change and h.field != "students":
            good = (h.change < 0) == figures.better_when_lower(h.field)
            direction = "better" if good else "worse"
    return {
        "h": h,
        "label": figures.label(h.field),
        "unit": unit,
        "definition": figures.definition(h.field),
        "change": change,
        "direction": direction,
    }


def _tab_query(by: str, measure: str) -> str:
    return urlencode({"by": by, "measure": measure})


@login_required
def dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    if org.kind == OrganizationKind.STATE:
        return render(request, "insights/state.html", {"org": org, "districts": org.children.all()})
    release = data.release_of(org)
    tables = data.tables(release, org)
    district = org.kind == OrganizationKind.DISTRICT
    total_key = "school" if district else "grade_band"
    total = tables[total_key][-1] if tables.get(total_key) else None
    offered = DISTRICT_BREAKDOWNS if district else SCHOOL_BREAKDOWNS
    by = request.GET.get("by", offered[0])
    if by not in offered:
        by = offered[0]
    measure = request.GET.get("measure", MEASURES[0])
    if measure not in MEASURES:
        measure = MEASURES[0]
    headlines, earlier = data.headlines(org, release, total)
    context: dict[str, Any] = {
        "org": org,
        "limit": release.threshold if release else data.threshold(),
        "day": release.day if release else None,
        "held": data.held_since(org, release),
        "total": total,
        "headlines": [_headline(h, earlier) for h in headlines],
        "since": earlier.day if earlier else None,
        "tabs": [
            {
                "name": name,
                "label": _breakdown_label(name),
                "query": _tab_query(name, measure),
                "current": name == by,
            }
            for name in offered
        ],
        "by": by,
        "measure": measure,
        "measures": [
            {
                "name": m,
                "label": _("Proficient") if m == "proficient" else _("Behind pace"),
                "query": _tab_query(by, m),
                "current": m == measure,
            }
            for m in MEASURES
        ],
        "by_label": _breakdown_label(by),
        "can_open_students": policy.may(request.user, Act.VIEW, Subject.STUDENT),
    }
    if by == "fairness":
        context["predictability"] = _predictability_chart(data.predictability_trend(org))
    else:
        rows = tables.get(by, [])
        context.update(
            {
                "rows": rows,
                "caption": _breakdown_caption(by),
                "link_orgs": by == "school",
                "history": _history_chart(org, by, measure),
            }
        )
        if by in data.DIMENSIONS:
            context["gaps"] = _gap_chart(by, data.gap_marks(rows))
            context["dimension"] = True
    context["has_charts"] = any(context.get(k) for k in ("history", "gaps", "predictability"))
    # The first students behind pace; the full list pages through the rest.
    behind = data.off_pace(request.user, org)
    context["off_pace"] = list(behind[:OFF_PACE_FIRST])
    context["off_pace_count"] = behind.count() if context["off_pace"] else 0
    record_reads([row.student for row in context["off_pace"]], purpose="off-pace list")
    if not district:
        context["parent"] = (
            org.parent
            if org.parent and policy.can(request.user, Act.VIEW, Subject.AGGREGATE, org.parent)
            else None
        )
    return render(request, "insights/dashboard.html", context)


@login_required
def off_pace(request: HttpRequest, org_id: int) -> HttpResponse:
    """Every student behind pace in ``org`` whom the user serves, a page at a time."""
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    page = Paginator(data.off_pace(request.user, org), OFF_PACE_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    record_reads([row.student for row in rows], purpose="off-pace list")
    return render(
        request,
        "insights/off_pace.html",
        {
            "org": org,
            "off_pace": rows,
            "page": page,
            "can_open_students": policy.may(request.user, Act.VIEW, Subject.STUDENT),
        },
    )


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
