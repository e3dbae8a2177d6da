"""The report cards through the joint publication audit (:mod:`proficio.core.equity.audit`).

The batch marks each report-card table on its own (each indicator's groups of one
school, year and dimension). Here a district's report-card counts, every school, year,
group and indicator, become one system of cells and relations, joined with the
district's latest published dashboard release (``insights``), and the audit's
``protect`` chooses what to withhold so that nobody holding the report cards, their
open data and the dashboards can narrow a hidden count below the threshold.

The cells, per school, year and population (the whole school, or one group of one
subgroup dimension):

* its size (``n``: the group size the report card shows);
* for an indicator that is a share of students (proficiency, on track, English-learner
  progress, chronic absence, school quality): the students counted yes and no, and a
  latent cell for the students with no value, so that ``n = yes + no + none``;
* for growth (a mean shown with its count): the count, and a latent ``none``;
* for the graduation rates and a pilot's calibrated results (their own cohorts and work
  samples): yes and no.

A dimension's groups add up to the whole school in every cell (through a latent
remainder where some groups have no figures at all). The whole school's size and each
group's size in the dashboard's school year are the dashboard's own cells when they
hold the same count (``join_days``: the attacker is assumed to know which ones are the
same figure).

Then the sums (:func:`protect_sums`). A mean shown with its count is a sum, and
opportunity to learn (a share of expected targets, shown with its expected targets)
gives its assessed and expected targets: sums over the group's students that add up
across a dimension's groups like counts, so a withheld one could be the school's minus
the published groups'. Counts of targets are not counts of students, so no threshold of
students applies to them; what a withheld figure protects is its group's value (growth,
or the share of its targets assessed), about students whose group size is itself
withheld or small. So each figure's sums are cells of a second system, and no withheld
one may be determined by the published ones.

The other way round, a dashboard release published after the report cards is audited
with them (:func:`published_cells`, through ``insights.actions.publish_release``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from proficio.core.accountability import indicators as ind
from proficio.core.equity.audit import CellSystem, Sparse, join_days, protect
from proficio.core.equity.joint import Published
from proficio.core.equity.joint import held as held_back

logger = logging.getLogger(__name__)
RATES = frozenset(
    {ind.PROFICIENCY, ind.ON_TRACK, ind.EL_PROGRESS, ind.CHRONIC_ABSENCE, ind.SCHOOL_QUALITY}
)
OWN_POPULATION = frozenset({*ind.GRADUATION, ind.PILOT})
ALL = ("all", "all")
# Figures whose sums the report cards give away (a mean times its count; opportunity to
# learn's share and its expected targets), each with the sums audited by protect_sums.
SUMMED: Mapping[str, tuple[str, ...]] = {
    **{name: ("sum",) for name in ind.MEANS},
    ind.OPPORTUNITY: ("assessed", "expected"),
}
STAND_IN = 1000  # a sum's stand-in per unit of its denominator (see protect_sums)


@dataclass(frozen=True)
class Row:
    """One report-card figure (a ``SchoolFigure``'s fields)."""

    key: int  # the caller's id for the figure
    school: int
    year: int
    dimension: str
    group: str
    indicator: str
    numerator: float
    denominator: int
    students: int
    published: bool
    students_published: bool


@dataclass(frozen=True)
class Dashboard:
    """A district's published dashboard release: its cells, what it withholds, the names
    a reader knows its cells by, and the school year of its snapshot day."""

    system: CellSystem
    hidden: np.ndarray
    links: Mapping[str, int]
    year: int


@dataclass(frozen=True)
class Decision:
    """What the joint audit publishes: per figure key, (published, students_published)."""

    figures: dict[int, tuple[bool, bool]]
    system: CellSystem  # the report cards' cells (for the tests' attacker)
    hidden: np.ndarray  # report-card cells withheld
    links: dict[str, int]  # dashboard link name → report-card cell (the joined ones)
    rounds: int
    sums: Sums  # the sums audit (for the tests' attacker)
    held: int = 0  # figures the audit could not protect: then nothing here is published


class _Cells:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.values: list[int] = []
        self.latent: list[bool] = []
        self.shown: list[bool] = []
        self.index: dict[str, int] = {}
        self.relations: list[list[tuple[int, int]]] = []

    def add(self, key: str, value: int, *, shown: bool = True, latent: bool = False) -> int:
        if key in self.index:
            return self.index[key]
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(int(value))
        self.latent.append(latent)
        self.shown.append(shown and not latent)
        return self.index[key]

    def relate(self, terms: list[tuple[int, int]]) -> None:
        self.relations.append(terms)

    def system(self) -> CellSystem:
        rows, cols, data = [], [], []
        for r, terms in enumerate(self.relations):
            for c, d in terms:
                rows.append(r)
                cols.append(c)
                data.append(d)
        relations = Sparse.from_triplets(
            np.asarray(rows, np.int64),
            np.asarray(cols, np.int64),
            np.asarray(data, np.int64),
            (len(self.relations), len(self.keys)),
        )
        return CellSystem(
            tuple(self.keys),
            np.asarray(self.values, np.int64),
            relations,
            np.asarray(self.latent, bool),
        )


def _kinds(indicator: str) -> tuple[str, ...]:
    if indicator in RATES:
        return ("yes", "no", "none")
    if indicator in ind.MEANS:
        return ("count", "none")
    return ("yes", "no")


def _population(school: int, dimension: str, group: str) -> str:
    return f"school:{school}" if dimension == "all" else f"school:{school}|{dimension}={group}"


@dataclass
class _Built:
    cells: _Cells
    owned: dict[int, tuple[list[int], int]]  # figure key → its cells, its size cell


def _build(rows: Sequence[Row], dimensions: Mapping[str, Sequence[str]]) -> _Built:
    """The report cards' counts as cells and relations; a cell is shown as its figure's
    marks say."""
    cells = _Cells()
    unit_rows: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for r in rows:
        unit_rows[(r.school, r.year)].append(r)
    owned: dict[int, tuple[list[int], int]] = {}
    for (school, year), mine in sorted(unit_rows.items()):
        sizes: dict[tuple[str, str], tuple[int, bool]] = {}
        for r in mine:
            sizes[(r.dimension, r.group)] = (r.students, r.students_published)
        names = sorted({r.indicator for r in mine if r.indicator != ind.OPPORTUNITY})
        grouped = [name for name in names if name != ind.PILOT]  # the pilot: whole school
        by_pop = {(r.dimension, r.group, r.indicator): r for r in mine}

        def cell_name(
            dim: str, group: str, what: str, year: int = year, school: int = school
        ) -> str:
            return f"{year}|{_population(school, dim, group)}|{what}"

        for (dim, group), (n, n_shown) in sorted(sizes.items()):
            size = cells.add(cell_name(dim, group, "n"), n, shown=n_shown)
            for name in names if (dim, group) == ALL else grouped:
                fig = by_pop.get((dim, group, name))
                yes = round(fig.numerator) if fig is not None else 0
                den = fig.denominator if fig is not None else 0
                shown = fig.published if fig is not None else True  # no row: known to be 0
                values = {"yes": yes, "no": den - yes, "count": den, "none": n - den}
                made = {
                    kind: cells.add(
                        cell_name(dim, group, f"{name}|{kind}"),
                        values[kind],
                        shown=shown,
                        latent=kind == "none",
                    )
                    for kind in _kinds(name)
                }
                if "none" in made:
                    parts = [made[k] for k in ("yes", "no", "count") if k in made]
                    cells.relate([(size, 1), *((c, -1) for c in parts), (made["none"], -1)])
                if fig is not None:
                    owned[fig.key] = ([c for k, c in made.items() if k != "none"], size)
            for r in mine:
                if r.indicator == ind.OPPORTUNITY and (r.dimension, r.group) == (dim, group):
                    owned[r.key] = ([], size)
        # Each dimension's groups add up to the whole school.
        for dim, labels in dimensions.items():
            present = [g for g in labels if (dim, g) in sizes]
            if not present or ALL not in sizes:
                continue
            missing = len(present) < len(labels)
            whats = ["n"] + [f"{name}|{kind}" for name in grouped for kind in _kinds(name)]
            for what in whats:
                whole = cells.index[cell_name("all", "all", what)]
                terms = [(whole, 1)] + [(cells.index[cell_name(dim, g, what)], -1) for g in present]
                unknown_rest = what == "n" or what.endswith("|none")
                if missing and unknown_rest:
                    rest_value = cells.values[whole] - sum(
                        cells.values[cells.index[cell_name(dim, g, what)]] for g in present
                    )
                    rest = cells.add(cell_name(dim, "~rest", what), rest_value, latent=True)
                    terms.append((rest, -1))
                # Otherwise a group without figures counts 0 here, as the reader knows.
                cells.relate(terms)
    return _Built(cells, owned)


def _links(cells: _Cells, year: int) -> dict[str, int]:
    """The size cells of school year ``year`` by the names the dashboards give them
    (``school:PK#0``, ``school:PK|dimension=group#0``): the figures both publish."""
    links: dict[str, int] = {}
    for cell_key, cell in cells.index.items():
        year_text, _, tail = cell_key.partition("|")
        if int(year_text) == year and tail.endswith("|n"):
            links[f"{tail[: -len('|n')]}#0"] = cell
    return links


def published_cells(
    rows: Sequence[Row], dimensions: Mapping[str, Sequence[str]], year: int
) -> Published:
    """The report cards of school year ``year`` as they are published (their stored
    marks: a withheld figure's counts and a withheld size are hidden), with the names
    the dashboards know their sizes by: what a later dashboard release is audited with
    (:func:`proficio.core.equity.joint.join_published`). Other years' report cards share
    no relation with that year's dashboards."""
    built = _build([r for r in rows if r.year == year], dimensions)
    system = built.cells.system()
    hidden = ~np.asarray(built.cells.shown, bool) & ~system.latent & (system.values > 0)
    return Published(system, hidden, _links(built.cells, year))


def audit(
    rows: Sequence[Row],
    dimensions: Mapping[str, Sequence[str]],
    threshold: int,
    dashboard: Dashboard | None = None,
) -> Decision:
    """Audit one district's report-card figures jointly (with its dashboards, when it
    has a published release), then their sums (:func:`protect_sums`); the figures'
    marks only ever tighten."""
    built = _build(rows, dimensions)
    cells, owned = built.cells, built.owned
    system = cells.system()
    start = ~np.asarray(cells.shown, bool) & ~system.latent
    links = _links(cells, dashboard.year) if dashboard is not None else {}
    if dashboard is not None and links:
        pairs = sorted({(dashboard.links[k], c) for k, c in links.items() if k in dashboard.links})
        joined = join_days(dashboard.system, dashboard.hidden, system, pairs)
        begin = np.zeros(joined.system.size, bool)
        begin[joined.today] = start
        result = protect(
            joined.system,
            threshold,
            shown=joined.shown,
            withheld=joined.withheld,
            start=begin & ~joined.shown & ~joined.withheld,
        )
        hidden = result.hidden[joined.today]
        rounds = result.rounds
    else:
        result = protect(system, threshold, start=start)
        hidden = result.hidden
        rounds = result.rounds
    hidden = hidden & ~system.latent
    unprotected = held_back(result)
    if unprotected:
        # The dashboards already published narrow a report-card count whatever is hidden
        # here (``core.equity.joint.held``): the district's report cards of this run are
        # held back whole, every figure and size withheld, so nothing new is published.
        logger.warning(
            "report cards held: %s figures could not be protected against the dashboards",
            unprotected,
        )
        hidden = ~system.latent
    decided: dict[int, tuple[bool, bool]] = {}
    by_key = {r.key: r for r in rows}
    for figure, (own, size) in owned.items():
        r = by_key[figure]
        size_shown = r.students_published and not bool(hidden[size])
        published = r.published and size_shown and not any(hidden[c] for c in own)
        decided[figure] = (published, size_shown)
    sums = protect_sums(rows, dimensions, {k for k, (p, _) in decided.items() if not p})
    for figure in sums.withheld:
        decided[figure] = (False, decided[figure][1])
    return Decision(decided, system, hidden, links, rounds, sums, unprotected)


@dataclass(frozen=True)
class Sums:
    """The sums audit: its cells (values stand in for the sums, see
    :func:`protect_sums`), those withheld, each figure's cells, and the figures it
    withholds beyond those already withheld."""

    system: CellSystem
    hidden: np.ndarray
    owned: dict[int, list[int]]
    withheld: frozenset[int]


def protect_sums(
    rows: Sequence[Row], dimensions: Mapping[str, Sequence[str]], withheld: set[int]
) -> Sums:
    """Withhold further mean figures (growth) and opportunity-to-learn figures so that no
    withheld one can be solved from the published ones by differencing.

    A mean shown with its count gives its sum (mean × count); opportunity to learn shows
    its share and its expected targets, so its assessed and expected targets. Each is a
    cell of a linear system of sums per (school, year, indicator): in every dimension the
    groups' sums add up to the whole school's. A withheld figure's sums must not be
    determined by the published ones (the complementary rule, in every relation and
    across dimensions at once). The sums are real numbers without useful bounds, so
    whether one is determined depends only on which cells are withheld: the audit's
    :func:`~proficio.core.equity.audit.protect` checks that with stand-in whole numbers
    (a large multiple of each figure's denominator, which add up like the sums) and a
    threshold of 2, "at least two values possible"."""
    cells = _Cells()
    owned: dict[int, list[int]] = defaultdict(list)
    units: dict[tuple[int, int, str], dict[tuple[str, str], Row]] = defaultdict(dict)
    for r in rows:
        if r.indicator in SUMMED and r.denominator > 0:
            units[(r.school, r.year, r.indicator)][(r.dimension, r.group)] = r
    for (school, year, name), figs in sorted(units.items()):

        def cell(
            dim: str,
            group: str,
            part: str,
            year: int = year,
            school: int = school,
            name: str = name,
        ) -> int:
            return cells.index[f"{year}|{_population(school, dim, group)}|{name}|{part}"]

        for (dim, group), r in sorted(figs.items()):
            for part in SUMMED[name]:
                key = f"{year}|{_population(school, dim, group)}|{name}|{part}"
                owned[r.key].append(
                    cells.add(key, STAND_IN * r.denominator, shown=r.key not in withheld)
                )
        if ALL not in figs:
            continue
        for dim, labels in dimensions.items():
            present = [g for g in labels if (dim, g) in figs]
            if sum(figs[(dim, g)].denominator for g in present) != figs[ALL].denominator:
                continue  # the groups do not make up the school here: no relation to know
            for part in SUMMED[name]:
                cells.relate(
                    [(cell("all", "all", part), 1), *((cell(dim, g, part), -1) for g in present)]
                )
    system = cells.system()
    fixed = ~np.asarray(cells.shown, bool)
    hidden = protect(system, 2, withheld=fixed).hidden if system.size else fixed
    more = frozenset(
        k for k, own in owned.items() if k not in withheld and any(hidden[c] for c in own)
    )
    return Sums(system, hidden, dict(owned), more)


def district_rows(figures: Iterable[object]) -> list[Row]:
    """``SchoolFigure`` objects as rows."""
    return [
        Row(
            key=f.pk,  # type: ignore[attr-defined]
            school=f.school_id,  # type: ignore[attr-defined]
            year=f.year,  # type: ignore[attr-defined]
            dimension=f.dimension,  # type: ignore[attr-defined]
            group=f.group,  # type: ignore[attr-defined]
            indicator=f.indicator,  # type: ignore[attr-defined]
            numerator=f.numerator,  # type: ignore[attr-defined]
            denominator=f.denominator,  # type: ignore[attr-defined]
            students=f.students,  # type: ignore[attr-defined]
            published=f.published,  # type: ignore[attr-defined]
            students_published=f.students_published,  # type: ignore[attr-defined]
        )
        for f in figures
    ]
