"""What the state's pages and the public report cards show, built from the batch's
figures through :func:`proficio.state.figures.published` (so nothing withheld leaves),
and the identification reasons in plain words."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import altair as alt
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from proficio.core.accountability.indicators import INDICATORS, LOWER_IS_BETTER, MEANS
from proficio.core.accountability.plan import Figures, improvement, parse_plan
from proficio.insights.data import DIMENSION_LABELS, SUBGROUP_LABELS
from proficio.orgs.models import Organization
from proficio.state import figures as read
from proficio.state.models import (
    BatchRun,
    HeldReportCards,
    Identification,
    PlanVersion,
    SchoolFigure,
)
from proficio.web.charts import chart_context

INDICATOR_LABELS = {
    "proficiency": gettext_noop("Proficient on the continuum"),
    "growth": gettext_noop("Growth (levels per year)"),
    "on_track": gettext_noop("On track to graduate"),
    "english_learner_progress": gettext_noop("English learners making progress"),
    "graduation_4": gettext_noop("4-year graduation rate"),
    "graduation_5": gettext_noop("5-year graduation rate"),
    "graduation_6": gettext_noop("6-year graduation rate"),
    "graduation_7": gettext_noop("7-year graduation rate"),
    "chronic_absence": gettext_noop("Chronically absent"),
    "school_quality": gettext_noop("School quality: took part in extended learning"),
    "opportunity_to_learn": gettext_noop("Opportunity to learn: expected targets assessed"),
    "pilot_calibrated": gettext_noop(
        "Pilot performance tasks: calibrated results meeting the standard"
    ),
}


def indicator_label(name: str) -> str:
    return _(INDICATOR_LABELS.get(name, name))


def group_label(dimension: str, group: str) -> str:
    if dimension == "all":
        return _("All students")
    return _(SUBGROUP_LABELS.get(dimension, {}).get(group, group))


def dimension_label(dimension: str) -> str:
    return _(DIMENSION_LABELS.get(dimension, dimension))


def show(value: float | None, indicator: str) -> str:
    """A figure as text: a share as a percent, growth in levels; "*" when withheld."""
    if value is None:
        return "*"
    if indicator in MEANS:
        return f"{value:.2f}"
    return f"{100 * value:.1f}%"


@dataclass
class Cell:
    indicator: str
    label: str
    text: str
    n: int | None
    withheld: bool
    value: float | None = None


@dataclass
class Line:
    label: str
    students: int | None
    cells: list[Cell] = field(default_factory=list)


def _cells(rows: Iterable[SchoolFigure], names: list[str]) -> dict[str, Cell]:
    out = {}
    for f in rows:
        shown = read.published(f)
        out[f.indicator] = Cell(
            f.indicator,
            indicator_label(f.indicator),
            show(shown.value, f.indicator),
            shown.n,
            shown.withheld,
            shown.value,
        )
    return out


@dataclass
class Scorecard:
    org: Organization
    run: BatchRun | None
    years: list[int]
    indicators: list[str]
    trend: list[Line]  # whole school by year
    breakdown: list[tuple[str, list[Line]]]  # dimension label → groups, last year
    improvement: list[tuple[str, str]]  # indicator label, change text
    identification: Identification | None
    reasons: list[str]
    chart: Any = None
    # The pilots whose calibrated results count here (their comparability report is
    # the evidence), with the years they count in.
    pilots: list[Any] = field(default_factory=list)
    # Set when the run held back every figure of the school's district whole
    # (``figures.held_report_cards``): each page showing the card says why.
    held: HeldReportCards | None = None


def scorecard(org: Organization, run: BatchRun | None, version: PlanVersion | None) -> Scorecard:
    figures = read.school_figures(run, org) if run is not None else []
    present = {f.indicator for f in figures}
    names = [n for n in INDICATORS if n in present]
    years = sorted({f.year for f in figures})
    trend = []
    for y in years:
        rows = [f for f in figures if f.year == y and f.dimension == "all"]
        cells = _cells(rows, names)
        students = next((f.students for f in rows if f.students_published), None)
        trend.append(
            Line(
                str(y),
                students,
                [cells.get(n) or Cell(n, indicator_label(n), "—", None, False) for n in names],
            )
        )
    grouped: dict[str, list[Line]] = {}
    if years:
        last = years[-1]
        by_group: dict[tuple[str, str], list[SchoolFigure]] = {}
        for f in figures:
            if f.year == last and f.dimension != "all":
                by_group.setdefault((f.dimension, f.group), []).append(f)
        for (dim, group), rows in by_group.items():
            cells = _cells(rows, names)
            students = next((f.students for f in rows if f.students_published), None)
            grouped.setdefault(dim, []).append(
                Line(
                    group_label(dim, group),
                    students,
                    [cells.get(n) or Cell(n, indicator_label(n), "—", None, False) for n in names],
                )
            )
    order = list(DIMENSION_LABELS)
    breakdown = [
        (dimension_label(dim), grouped[dim])
        for dim in sorted(grouped, key=lambda d: order.index(d) if d in order else 99)
    ]
    change: list[tuple[str, str]] = []
    if len(years) >= 2:

        def as_figures(y: int) -> Figures:
            rows = [f for f in figures if f.year == y and f.dimension == "all"]
            return Figures(
                str(org.pk),
                ("all", "all"),
                0,
                True,
                {
                    f.indicator: (f.numerator / f.denominator if f.denominator else float("nan"))
                    for f in rows
                },
                {f.indicator: f.denominator for f in rows},
                {f.indicator: f.published for f in rows},
            )

        delta = improvement(as_figures(years[-2]), as_figures(years[-1]), names)
        for n in names:
            d = delta[n]
            if d is None:
                text = _("not shown (a figure is withheld to protect privacy, or missing)")
            else:
                better = (d < 0) if n in LOWER_IS_BETTER else (d > 0)
                amount = f"{d:+.2f}" if n in MEANS else f"{100 * d:+.1f} " + _("points")
                text = (
                    amount
                    + " — "
                    + (_("better") if better else _("no better") if d == 0 else _("worse"))
                )
            change.append((indicator_label(n), text))
    ident = (
        Identification.objects.filter(version=version, run=run, school=org).first()
        if version is not None and run is not None
        else None
    )
    card = Scorecard(
        org,
        run,
        years,
        names,
        trend,
        breakdown,
        change,
        ident,
        [reason_text(r) for r in (ident.reasons if ident else [])],
    )
    card.chart = trend_chart(card)
    card.held = read.held_report_cards(run, org)
    pilot_ids = {f.pilot_id for f in figures if f.pilot_id is not None}
    if pilot_ids:
        from proficio.state.models import Pilot

        card.pilots = list(Pilot.objects.filter(pk__in=pilot_ids).order_by("name"))
    return card


def trend_chart(card: Scorecard) -> Any:
    rows = []
    for line in card.trend:
        for cell in line.cells:
            if cell.value is not None and cell.indicator not in MEANS:
                rows.append(
                    {
                        "year": line.label,
                        "indicator": cell.label,
                        "percent": round(100 * cell.value, 1),
                    }
                )
    if not rows:
        return None
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_line(point=alt.OverlayMarkDef(filled=True, aria=False), aria=False)
        .encode(
            x=alt.X("year:O", title=_("School year")),
            y=alt.Y("percent:Q", title=_("Percent"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("indicator:N", title=_("Indicator")),
            strokeDash=alt.StrokeDash("indicator:N", title=_("Indicator")),
        )
    )
    spec = chart.to_dict(validate=False)
    spec.pop("config", None)
    return chart_context(
        spec,
        title=_("Indicators by school year (percent of students; withheld figures are left out)"),
        table_columns=[
            ("year", _("School year")),
            ("indicator", _("Indicator")),
            ("percent", _("Percent")),
        ],
        rows=rows,
    )


def reason_text(reason: Mapping[str, Any]) -> str:
    """One identification reason in plain words (only published figures appear)."""
    code, p = reason["code"], reason.get("params", {})

    def fig(value: Any) -> str:
        return _("withheld to protect privacy") if value is None else f"{value:.3f}"

    if code == "not_rated":
        return _("Not rated: fewer than %(n)s students.") % {"n": p["min_n"]}
    if code == "lowest_share":
        return _(
            "Comprehensive support: among the lowest-performing %(share)s of schools "
            "(composite %(value)s, at or below the cutoff %(cutoff)s)."
        ) % {
            "share": f"{100 * p['share']:g}%",
            "value": fig(p["composite"]),
            "cutoff": fig(p["cutoff"]),
        }
    if code == "above_cutoff":
        return _(
            "Not identified for comprehensive support: composite %(value)s, "
            "above the cutoff %(cutoff)s."
        ) % {"value": fig(p["composite"]), "cutoff": fig(p["cutoff"])}
    if code == "graduation_below_floor":
        return _("Comprehensive support: 4-year graduation rate %(rate)s, below %(floor)s.") % {
            "rate": fig(p["rate"]),
            "floor": f"{100 * p['floor']:g}%",
        }
    if code == "subgroup_underperforming":
        return _(
            "Targeted support: %(group)s at or below the cutoff in %(years)s "
            "(composites %(values)s)."
        ) % {
            "group": dimension_label(p["dimension"])
            + ": "
            + group_label(p["dimension"], p["group"]),
            "years": ", ".join(str(y) for y in p["years"]),
            "values": ", ".join(fig(v) for v in p["composites"]),
        }
    if code == "no_subgroup_underperforming":
        return _("No subgroup at or below the cutoff %(n)s years running.") % {"n": p["years"]}
    return str(code)


def plan_rows(version: PlanVersion) -> list[tuple[str, str]]:
    plan = parse_plan(version.spec)
    rows = [(indicator_label(i.name), f"{100 * i.weight:g}%") for i in plan.indicators]
    rows.append((_("Minimum n"), str(plan.min_n)))
    rows.append(
        (_("Lowest-performing share (comprehensive support)"), f"{100 * plan.lowest_share:g}%")
    )
    rows.append((_("Consecutive years (targeted support)"), str(plan.consecutive_years)))
    if plan.graduation_floor is not None:
        rows.append((_("Graduation floor"), f"{100 * plan.graduation_floor:g}%"))
    rows.append(
        (
            _("Summative rating"),
            _("letters") if plan.summative == "letter" else _("none: a scorecard"),
        )
    )
    return rows


OPEN_DATA_COLUMNS = [
    "district_code",
    "school_code",
    "school_name",
    "school_year",
    "dimension",
    "group",
    "indicator",
    "value",
    "count",
    "n",
    "students",
    "suppressed",
    "district_held",
]


def open_data(run: BatchRun | None, schools: Iterable[Organization]) -> str:
    """Every published figure of ``schools``, with its suppression flag (CSV), and
    ``district_held``: 1 on every row of a district whose report cards this run held back
    whole (``figures.held_districts``: the audit could not protect them against the
    dashboards), so a reader can tell a district withheld whole from small counts."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(OPEN_DATA_COLUMNS)
    if run is None:
        return out.getvalue()
    by_pk = {s.pk: s for s in schools}
    held = read.held_districts(run)
    rows = SchoolFigure.objects.filter(run=run, school_id__in=list(by_pk)).order_by(
        "school__code", "year", "dimension", "group", "indicator"
    )
    for f in rows:
        school = by_pk[f.school_id]
        shown = read.published(f)
        count = None if shown.withheld or f.indicator in MEANS else round(f.numerator)
        w.writerow(
            [
                school.parent.code if school.parent else "",
                school.code,
                school.name,
                f.year,
                f.dimension,
                f.group,
                f.indicator,
                "" if shown.value is None else shown.value,
                "" if count is None else count,
                "" if shown.n is None else shown.n,
                "" if shown.students is None else shown.students,
                "1" if shown.withheld else "0",
                "1" if school.parent_id in held else "0",
            ]
        )
    return out.getvalue()
