"""The leader views of professional learning through the joint publication audit
(:mod:`proficio.core.equity.audit`).

Everything a leader can see for one organization (a school, a district or a state) is
one release: participation, micro-credentials earned and pathways completed per unit,
submissions in review per unit, the equity-of-access table and every pathway's progress
table. Suppressing each table on its own ignores the ties between them (the schools'
rows add up to the district's, the high-need and other schools' educators are sums of
the schools' educators, ...), and an attacker holding every table could solve for a
hidden count. Here the release's counts become one :class:`CellSystem` with those ties
as relations, and ``protect`` chooses what to withhold so that no hidden count can be
narrowed below the threshold.

The cells (their keys name them for the pages and the tests):

* ``unit:k|educators`` and, per measure, ``unit:k|<measure>|yes`` / ``|no`` with
  ``educators = yes + no``; ``all|...`` the same for the whole organization, each the sum
  of the units';
* ``unit:k|in_review`` (submissions in review) and ``all|in_review``, their sum;
* ``equity:g|educators``, ``equity:g|with_award|yes/no``, ``equity:g|credentialed|yes/no``
  for the two groups of schools (``g`` 0: high-need, 1: the others), each group's
  figures the sum of its units' where the units are those schools, and the two groups
  the whole organization's where they cover the same educators;
* ``reviewers|assignments``: the reviewers' load times their number (the dashboard shows
  the mean load), equal to ``all|in_review`` when every submission in review is one
  assignment;
* ``pathway:p|unit:k|stage:s`` with its row (``pathway:p|unit:k``), column
  (``pathway:p|stage:s``) and grand (``pathway:p``) totals.

A relation is added only when the counts satisfy it (the equity tables count an
educator once, at the first school found, while the unit rows count them at their
lowest unit; where the two differ the tie is not there for an attacker either).

Means and rates (median days to award, revision rates, awards per ten educators) are
not counts: they stay shown only for a unit where at least the
threshold of educators stand behind them, and the unit's in-review count is withheld
with them (passed as already withheld to the audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from proficio.core.equity.audit import CellSystem, Protection, Sparse, protect

MEASURE_KEYS = ("participating", "with_award", "pathway_complete")


@dataclass(frozen=True)
class Counts:
    """The counts of one organization's leader views."""

    educators: Sequence[int]  # per unit
    measures: dict[str, Sequence[int]]  # per measure key: educators counted yes per unit
    in_review: Sequence[int]  # submissions in review per unit
    rates_shown: Sequence[bool]  # per unit: enough submitters behind its rates
    total_rates_shown: bool = True
    # Equity of access (two groups: high-need schools, the others), when there is one.
    equity_educators: Sequence[int] | None = None
    equity_with_award: Sequence[int] | None = None
    equity_credentialed: Sequence[int] | None = None
    equity_group_of_unit: Sequence[int | None] | None = None  # when units are the schools
    # Active review assignments of the issuer's submissions in review (the reviewers'
    # load times their number), when any reviewer holds one.
    review_assignments: int | None = None
    # Pathway progress: per pathway, counts[unit][stage].
    pathways: Sequence[Sequence[Sequence[int]]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Decision:
    """What the audit decided: ``hidden`` by cell key; the system and protection for
    the tests' attacker."""

    system: CellSystem
    hidden: np.ndarray
    index: dict[str, int]
    protection: Protection

    def shown(self, key: str) -> bool:
        return not bool(self.hidden[self.index[key]])

    def value(self, key: str) -> int | None:
        """The count behind ``key`` when it is published, else None."""
        i = self.index[key]
        return None if self.hidden[i] else int(self.system.values[i])


class _Cells:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.values: list[int] = []
        self.withheld: list[bool] = []
        self.index: dict[str, int] = {}
        self.relations: list[list[tuple[int, int]]] = []

    def add(self, key: str, value: int, *, withheld: bool = False) -> int:
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(int(value))
        self.withheld.append(withheld)
        return self.index[key]

    def total(self, whole: int, parts: Sequence[int]) -> None:
        """``whole = sum(parts)``, when the counts say so."""
        if not parts or self.values[whole] != sum(self.values[p] for p in parts):
            return
        self.relations.append([(whole, 1), *((p, -1) for p in parts)])

    def system(self) -> CellSystem:
        rows = [r for r, terms in enumerate(self.relations) for _ in terms]
        cols = [c for terms in self.relations for c, _d in terms]
        data = [d for terms in self.relations for _c, d in terms]
        return CellSystem(
            tuple(self.keys),
            np.asarray(self.values, np.int64),
            Sparse.from_triplets(
                np.asarray(rows, np.int64),
                np.asarray(cols, np.int64),
                np.asarray(data, np.int64),
                (len(self.relations), len(self.keys)),
            ),
            np.zeros(len(self.keys), bool),
        )


def build(c: Counts) -> tuple[_Cells, CellSystem]:
    """The release's cells and relations."""
    cells = _Cells()
    units = range(len(c.educators))
    people = [cells.add(f"unit:{k}|educators", c.educators[k]) for k in units]
    everyone = cells.add("all|educators", sum(c.educators))
    cells.total(everyone, people)
    yes_of: dict[str, list[int]] = {}
    for m in MEASURE_KEYS:
        yes = [cells.add(f"unit:{k}|{m}|yes", c.measures[m][k]) for k in units]
        no = [cells.add(f"unit:{k}|{m}|no", c.educators[k] - c.measures[m][k]) for k in units]
        all_yes = cells.add(f"all|{m}|yes", sum(c.measures[m]))
        all_no = cells.add(f"all|{m}|no", sum(c.educators) - sum(c.measures[m]))
        for k in units:
            cells.total(people[k], [yes[k], no[k]])
        cells.total(everyone, [all_yes, all_no])
        cells.total(all_yes, yes)
        cells.total(all_no, no)
        yes_of[m] = yes
    review = [
        cells.add(
            f"unit:{k}|in_review",
            c.in_review[k],
            withheld=not c.rates_shown[k] and c.in_review[k] > 0,
        )
        for k in units
    ]
    all_review = cells.add(
        "all|in_review",
        sum(c.in_review),
        withheld=not c.total_rates_shown and sum(c.in_review) > 0,
    )
    cells.total(all_review, review)
    if c.review_assignments is not None:
        cells.total(cells.add("reviewers|assignments", c.review_assignments), [all_review])
    if c.equity_educators is not None:
        assert c.equity_with_award is not None
        assert c.equity_credentialed is not None
        groups = range(len(c.equity_educators))
        size = [cells.add(f"equity:{g}|educators", c.equity_educators[g]) for g in groups]
        cells.total(everyone, size)
        for name, counts, per_unit in (
            ("with_award", c.equity_with_award, yes_of["with_award"]),
            ("credentialed", c.equity_credentialed, None),
        ):
            yes = [cells.add(f"equity:{g}|{name}|yes", counts[g]) for g in groups]
            no = [
                cells.add(f"equity:{g}|{name}|no", c.equity_educators[g] - counts[g])
                for g in groups
            ]
            for g in groups:
                cells.total(size[g], [yes[g], no[g]])
            if name == "with_award":
                cells.total(cells.index["all|with_award|yes"], yes)
                cells.total(cells.index["all|with_award|no"], no)
            if per_unit is not None and c.equity_group_of_unit is not None:
                for g in groups:
                    mine = [k for k in units if c.equity_group_of_unit[k] == g]
                    cells.total(yes[g], [per_unit[k] for k in mine])
        if c.equity_group_of_unit is not None:
            for g in groups:
                mine = [k for k in units if c.equity_group_of_unit[k] == g]
                cells.total(size[g], [people[k] for k in mine])
    for p, table in enumerate(c.pathways):
        stages = len(table[0]) if table else 0
        grid = [
            [cells.add(f"pathway:{p}|unit:{k}|stage:{s}", table[k][s]) for s in range(stages)]
            for k in units
        ]
        rows = [cells.add(f"pathway:{p}|unit:{k}", sum(table[k])) for k in units]
        cols = [
            cells.add(f"pathway:{p}|stage:{s}", sum(table[k][s] for k in units))
            for s in range(stages)
        ]
        grand = cells.add(f"pathway:{p}", sum(sum(r) for r in table))
        for k in units:
            cells.total(rows[k], grid[k])
        for s in range(stages):
            cells.total(cols[s], [grid[k][s] for k in units])
        cells.total(grand, rows)
        cells.total(grand, cols)
    return cells, cells.system()


def audit(c: Counts, threshold: int) -> Decision:
    """Withhold what the joint audit says must be withheld."""
    cells, system = build(c)
    withheld = np.asarray(cells.withheld, bool)
    result = protect(system, threshold, withheld=withheld)
    return Decision(system, result.hidden | withheld, cells.index, result)
