"""Reads of the batch's figures: the latest run, the figures as the plan kernel wants
them, and the published view every page and download uses.

:func:`published` is the one door through which a figure leaves: it returns the value
only when the batch's suppression marked it publishable, and ``None`` otherwise, so no
page, open-data file or identification reason can show a withheld figure. The marks are
the batch's table-by-table suppression (each dimension's groups of one school, year and
indicator), tightened by the joint publication audit of each district's report cards
together with its dashboards, and by the audit of their sums (growth, opportunity to
learn), both in :mod:`proficio.state.publication`, run after each batch.
:func:`report_cards_of` hands the published report cards to a later dashboard release's
audit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from proficio.core.accountability.indicators import INDICATORS
from proficio.core.accountability.plan import ALL, Figures
from proficio.core.equity.joint import Published
from proficio.orgs.models import Organization, OrganizationKind
from proficio.state import publication
from proficio.state.models import BatchRun, BatchStatus, HeldReportCards, SchoolFigure


def state_of(org: Organization) -> Organization | None:
    """The state ``org`` belongs to (itself when it is one), or None outside any state."""
    node: Organization | None = org
    while node is not None and node.kind != OrganizationKind.STATE:
        node = node.parent
    return node


def latest_run(state: Organization) -> BatchRun | None:
    return BatchRun.objects.filter(state=state, status=BatchStatus.DONE).first()


def held_report_cards(run: BatchRun | None, org: Organization) -> HeldReportCards | None:
    """Whether ``run`` held back the report cards of ``org``'s district (``org`` a
    district or one of its schools) whole, and how many figures made it."""
    if run is None:
        return None
    district_id = org.pk if org.kind == OrganizationKind.DISTRICT else org.parent_id
    return HeldReportCards.objects.filter(run=run, district_id=district_id).first()


def held_districts(run: BatchRun | None) -> set[int]:
    """The districts whose report cards ``run`` held back whole (``held_report_cards``
    for every district at once, for the open-data file)."""
    if run is None:
        return set()
    return set(HeldReportCards.objects.filter(run=run).values_list("district_id", flat=True))


def available_indicators(run: BatchRun) -> set[str]:
    return set(
        SchoolFigure.objects.filter(run=run, dimension="all", denominator__gt=0)
        .values_list("indicator", flat=True)
        .distinct()
    )


def _value(numerator: float, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def figures_by_year(
    run: BatchRun, schools: Iterable[int] | None = None
) -> dict[int, list[Figures]]:
    """Every school's (and subgroup's) figures by year, for the plan kernel."""
    rows = SchoolFigure.objects.filter(run=run)
    if schools is not None:
        rows = rows.filter(school_id__in=list(schools))
    units: dict[tuple[int, int, str, str], dict[str, object]] = {}
    for school, year, dim, group, name, num, den, students, pub, spub in rows.values_list(
        "school_id",
        "year",
        "dimension",
        "group",
        "indicator",
        "numerator",
        "denominator",
        "students",
        "published",
        "students_published",
    ).iterator(chunk_size=20000):
        unit = units.setdefault(
            (year, school, dim, group),
            {
                "students": students,
                "students_published": spub,
                "values": {},
                "n": {},
                "published": {},
            },
        )
        unit["values"][name] = _value(num, den)  # type: ignore[index]
        unit["n"][name] = den  # type: ignore[index]
        unit["published"][name] = pub  # type: ignore[index]
    out: dict[int, list[Figures]] = defaultdict(list)
    for (year, school, dim, group), u in sorted(units.items()):
        out[year].append(
            Figures(
                school=str(school),
                group=ALL if dim == "all" else (dim, group),
                students=int(u["students"]),  # type: ignore[call-overload]
                students_published=bool(u["students_published"]),
                values=u["values"],  # type: ignore[arg-type]
                n=u["n"],  # type: ignore[arg-type]
                published=u["published"],  # type: ignore[arg-type]
            )
        )
    return dict(out)


@dataclass(frozen=True)
class Shown:
    """A figure as it may be shown: the value (a share 0–1, or levels per year) and its
    n, each None when withheld."""

    indicator: str
    value: float | None
    n: int | None
    students: int | None
    withheld: bool


def published(f: SchoolFigure) -> Shown:
    if not f.published:
        return Shown(f.indicator, None, None, f.students if f.students_published else None, True)
    return Shown(
        f.indicator,
        round(_value(f.numerator, f.denominator), 4),
        f.denominator,
        f.students if f.students_published else None,
        False,
    )


def report_cards_of(district: Organization, threshold: int, day: dt.date) -> Published | None:
    """The state's published report cards of ``district``'s schools for the school year
    of ``day``, as the audit of a dashboard release of that day sees them (their cells,
    what is withheld, the names the dashboards know their sizes by); None when the state
    has published none for that year under this threshold."""
    from proficio.pace.engine import SUBGROUP_LEVELS
    from proficio.state.actions import school_year_of

    state = state_of(district)
    run = latest_run(state) if state is not None else None
    if run is None or run.threshold != threshold:
        return None
    year = school_year_of(day)
    rows = publication.district_rows(
        SchoolFigure.objects.filter(run=run, school__parent=district, year=year).order_by("pk")
    )
    if not rows:
        return None
    return publication.published_cells(rows, SUBGROUP_LEVELS, year)


INDICATOR_ORDER = {name: k for k, name in enumerate(INDICATORS)}


def school_figures(run: BatchRun, school: Organization) -> list[SchoolFigure]:
    return sorted(
        SchoolFigure.objects.filter(run=run, school=school),
        key=lambda f: (
            f.year,
            f.dimension != "all",
            f.dimension,
            f.group,
            INDICATOR_ORDER.get(f.indicator, 99),
        ),
    )
