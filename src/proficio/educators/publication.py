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
* submissions: ``unit:k|in_review``, ``unit:k|decided`` = ``|revised|yes`` +
  ``|revised|no`` (the revision rate is shown only when both of its counts are), and
  ``unit:k|awards`` (awarded submissions, at least the educators with an award: a latent
  surplus), with ``all|...`` their sums;
* ``equity:g|educators``, ``equity:g|with_award|yes/no``, ``equity:g|credentialed|yes/no``
  and ``equity:g|awards`` for the two groups of schools (``g`` 0: high-need, 1: the
  others; awards per ten educators are shown only when ``awards`` and ``educators`` are).
  Each unit splits into latent parts by group (a school is wholly in one group; a
  district's educators split over its schools' groups, and those with no school are a
  part of their own), so each group is tied to the units as well as to the total;
* ``reviewers|assignments`` (the mean load times the reviewers), equal to
  ``all|in_review`` when every submission in review is one assignment, and
  ``reviewers|count``, at most the assignments (the load is shown only when both are
  published);
* ``pathway:p|unit:k|stage:s`` with its row (``pathway:p|unit:k``), column
  (``pathway:p|stage:s``) and grand (``pathway:p``) totals; a unit's complete enrolments
  over the pathways are at least its educators who completed a pathway;
* per calibration round ``r`` of the reviewer pool: ``calibration:r|reviewers``,
  ``calibration:r|samples``, ``calibration:r|pairs`` (pairs of reviewers who both scored
  a part of a common submission) = ``|agree|yes`` + ``|agree|no`` (exact agreement is
  their ratio, shown only when both are published) and ``calibration:r|scores`` (the
  scores whose deviations from consensus the pool's drift is fitted on: drift is shown
  only when every round's is published and at least the threshold, as median days to
  award is).

A relation is added only when the counts satisfy it (a count the units and the groups
take from different places would not give the attacker the tie either). Every figure a
leader page shows is one of these cells or a ratio of two of them shown only when both
are, except median days to award and drift (see :meth:`Decision.median_shown`).

Consecutive releases of one organization are audited together (``audit(...,
previous=...)``, through ``core.equity.joint.protect_after``): someone who saw the
figures before and after an award could otherwise difference the two to narrow a hidden
count. Cells are matched across the two by names a reader recognises them by
(:func:`links`: the unit, pathway and calibration round by their ids, not their places
in today's lists).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from proficio.core.equity.audit import AuditState, CellSystem, Protection, Sparse
from proficio.core.equity.joint import protect_after

MEASURE_KEYS = ("participating", "with_award", "pathway_complete")
NO_SCHOOL = -1  # the equity split's group for educators with no school membership


@dataclass(frozen=True)
class Calibration:
    """The counts of one calibration round of the reviewer pool."""

    reviewers: int
    samples: int  # common submissions
    pairs: int  # pairs of reviewers who both scored one part of one common submission
    agreeing: int  # of those, the pairs that gave the same score (exact agreement)
    scores: int  # scores with a consensus to deviate from (what drift is fitted on)


@dataclass(frozen=True)
class Counts:
    """The counts of one organization's leader views (one entry per unit where a field
    is per unit; an empty sequence is all zeros)."""

    educators: Sequence[int]  # per unit
    measures: dict[str, Sequence[int]]  # per measure key: educators counted yes per unit
    in_review: Sequence[int]  # submissions in review per unit
    # Submissions decided (awarded, returned, or ever scored "not yet") and, of those,
    # revised (ever scored "not yet"): the revision rate is revised / decided.
    decided: Sequence[int] = ()
    revised: Sequence[int] = ()
    awards: Sequence[int] = ()  # awarded submissions (what median days to award is over)
    # Equity of access (two groups: high-need schools, the others), when there is one.
    equity_educators: Sequence[int] | None = None
    equity_with_award: Sequence[int] | None = None
    equity_credentialed: Sequence[int] | None = None
    equity_awards: Sequence[int] | None = None  # awarded submissions (awards per 10)
    # Per unit, per group (``NO_SCHOOL`` for educators with no school): (educators,
    # with a micro-credential, awarded submissions). Never published; it ties each
    # group's figures to the units' (a school is in one group, a district's educators
    # split over its schools' groups).
    equity_split: Sequence[dict[int, tuple[int, int, int]]] | None = None
    # Reviewers holding a submission in review, and their active assignments (the mean
    # load is assignments / reviewers), when any reviewer holds one.
    reviewers: int | None = None
    review_assignments: int | None = None
    # Pathway progress: per pathway, counts[unit][stage]; ``complete_stage`` is the stage
    # whose enrolments are completed pathways.
    pathways: Sequence[Sequence[Sequence[int]]] = field(default_factory=tuple)
    complete_stage: int | None = None
    # The reviewer pool's calibration rounds, oldest first.
    calibration: Sequence[Calibration] = ()
    # What a reader knows the units, pathways and calibration rounds by (their ids), to
    # match today's cells with the previous release's; positions when not given.
    unit_ids: Sequence[int] = ()
    pathway_ids: Sequence[int] = ()
    round_ids: Sequence[int] = ()


@dataclass(frozen=True)
class Decision:
    """What the audit decided: ``hidden`` by cell key; the system and protection for
    the tests' attacker."""

    system: CellSystem
    hidden: np.ndarray
    index: dict[str, int]
    protection: Protection
    threshold: int
    links: dict[str, int] = field(default_factory=dict)

    def state(self) -> AuditState:
        """What the next release's audit needs of this one."""
        return AuditState(
            self.system, self.hidden, self.links, np.full(self.system.size, -1, np.int64)
        )

    def shown(self, key: str) -> bool:
        return key in self.index and not bool(self.hidden[self.index[key]])

    def value(self, key: str) -> int | None:
        """The count behind ``key`` when it is published, else None."""
        if key not in self.index:
            return None
        i = self.index[key]
        return None if self.hidden[i] else int(self.system.values[i])

    def rate_shown(self, at: str) -> bool:
        """The revision rate at ``at`` (``unit:k`` or ``all``) may be shown: both counts
        it is the ratio of are published, so it tells nothing they do not."""
        return self.shown(f"{at}|revised|yes") and self.shown(f"{at}|decided")

    def median_shown(self, at: str) -> bool:
        """Median days to award at ``at`` may be shown: the awards it is the median of
        are published and at least the threshold. A median is one of the durations (or
        the midpoint of two), not a function of how many there are, so it gives back no
        count; the threshold keeps any one educator's duration from standing alone."""
        n = self.value(f"{at}|awards")
        return n is not None and n >= self.threshold

    def per_10_shown(self, g: int) -> bool:
        """Awards per ten educators for equity group ``g``: numerator and denominator
        both published."""
        return self.shown(f"equity:{g}|awards") and self.shown(f"equity:{g}|educators")

    def agreement_shown(self, r: int) -> bool:
        """Round ``r``'s exact agreement: the agreeing pairs and all pairs are both
        published."""
        return self.shown(f"calibration:{r}|agree|yes") and self.shown(f"calibration:{r}|pairs")

    def drift_shown(self) -> bool:
        """The pool's drift across rounds: every round's scores are published and each
        (when any) at least the threshold. Like a median, a fitted slope is not a
        function of the counts, so it gives none back; the threshold keeps any one
        reviewer's scores in a round from standing alone."""
        r = 0
        while f"calibration:{r}|scores" in self.index:
            n = self.value(f"calibration:{r}|scores")
            if n is None or 0 < n < self.threshold:
                return False
            r += 1
        return r > 0

    def load_shown(self) -> bool:
        """The reviewers' mean and largest load: the assignments (mean x reviewers) and
        the number of reviewers are both published."""
        return self.shown("reviewers|assignments") and self.shown("reviewers|count")


class _Cells:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.values: list[int] = []
        self.latent: list[bool] = []
        self.index: dict[str, int] = {}
        self.relations: list[list[tuple[int, int]]] = []

    def add(self, key: str, value: int, *, latent: bool = False) -> int:
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(int(value))
        self.latent.append(latent)
        return self.index[key]

    def total(self, whole: int, parts: Sequence[int]) -> None:
        """``whole = sum(parts)``, when the counts say so."""
        if not parts or self.values[whole] != sum(self.values[p] for p in parts):
            return
        self.relations.append([(whole, 1), *((p, -1) for p in parts)])

    def at_least(self, key: str, big: int, small: int) -> None:
        """``big >= small``, as ``big = small + slack`` with a latent slack, when the
        counts say so."""
        gap = self.values[big] - self.values[small]
        if gap >= 0:
            self.total(big, [small, self.add(key, gap, latent=True)])

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
            np.asarray(self.latent, bool),
        )


def _per_unit(values: Sequence[int], n: int) -> list[int]:
    return [int(v) for v in values] if values else [0] * n


def _split_pair(cells: _Cells, at: str, whole: int, parts: list[int]) -> tuple[int, int]:
    """``at|yes`` and ``at|no`` cells of ``whole`` with ``whole = yes + no``."""
    yes = cells.add(f"{at}|yes", parts[0])
    no = cells.add(f"{at}|no", parts[1])
    cells.total(whole, [yes, no])
    return yes, no


def build(c: Counts) -> tuple[_Cells, CellSystem]:
    """The release's cells and relations."""
    cells = _Cells()
    n = len(c.educators)
    units = range(n)
    people = [cells.add(f"unit:{k}|educators", c.educators[k]) for k in units]
    everyone = cells.add("all|educators", sum(c.educators))
    cells.total(everyone, people)
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
    # Submissions: in review, decided = revised + not revised, awards.
    in_review = _per_unit(c.in_review, n)
    decided = _per_unit(c.decided, n)
    revised = _per_unit(c.revised, n)
    awards = _per_unit(c.awards, n)
    for at, r, d, v, a in [
        *((f"unit:{k}", in_review[k], decided[k], revised[k], awards[k]) for k in units),
        ("all", sum(in_review), sum(decided), sum(revised), sum(awards)),
    ]:
        cells.add(f"{at}|in_review", r)
        whole = cells.add(f"{at}|decided", d)
        _split_pair(cells, f"{at}|revised", whole, [v, d - v])
        cells.add(f"{at}|awards", a)
        # each educator with a micro-credential holds at least one award
        cells.at_least(
            f"{at}|awards|beyond_first",
            cells.index[f"{at}|awards"],
            cells.index[f"{at}|with_award|yes"],
        )
    for key in ("in_review", "decided", "revised|yes", "revised|no", "awards"):
        cells.total(cells.index[f"all|{key}"], [cells.index[f"unit:{k}|{key}"] for k in units])
    if c.review_assignments is not None:
        assignments = cells.add("reviewers|assignments", c.review_assignments)
        cells.total(assignments, [cells.index["all|in_review"]])
        if c.reviewers is not None:
            # each reviewer counted holds at least one assignment
            count = cells.add("reviewers|count", c.reviewers)
            cells.at_least("reviewers|beyond_first", assignments, count)
    if c.equity_educators is not None:
        _equity(cells, c, people)
    _pathways(cells, c, n)
    for r, round_ in enumerate(c.calibration):
        at = f"calibration:{r}"
        cells.add(f"{at}|reviewers", round_.reviewers)
        cells.add(f"{at}|samples", round_.samples)
        pairs = cells.add(f"{at}|pairs", round_.pairs)
        _split_pair(cells, f"{at}|agree", pairs, [round_.agreeing, round_.pairs - round_.agreeing])
        cells.add(f"{at}|scores", round_.scores)
    return cells, cells.system()


def _equity(cells: _Cells, c: Counts, people: list[int]) -> None:
    assert c.equity_educators is not None
    assert c.equity_with_award is not None
    assert c.equity_credentialed is not None
    groups = range(len(c.equity_educators))
    units = range(len(people))
    size = [cells.add(f"equity:{g}|educators", c.equity_educators[g]) for g in groups]
    cells.total(cells.index["all|educators"], size)
    award_yes: list[int] = []
    for name, counts in (
        ("with_award", c.equity_with_award),
        ("credentialed", c.equity_credentialed),
    ):
        for g in groups:
            yes, _no = _split_pair(
                cells, f"equity:{g}|{name}", size[g], [counts[g], c.equity_educators[g] - counts[g]]
            )
            if name == "with_award":
                award_yes.append(yes)
    for g in groups:
        cells.add(f"equity:{g}|awards", c.equity_awards[g] if c.equity_awards else 0)
        cells.at_least(
            f"equity:{g}|awards|beyond_first", cells.index[f"equity:{g}|awards"], award_yes[g]
        )
    cells.total(cells.index["all|with_award|yes"], award_yes)
    cells.total(cells.index["all|awards"], [cells.index[f"equity:{g}|awards"] for g in groups])
    if c.equity_split is None:
        return
    # The split of each unit over the groups (latent): each group's figures are the sum
    # of its parts over the units, each unit's the sum of its parts over the groups.
    by_group: dict[int, dict[str, list[int]]] = {}
    for k in units:
        by_unit: dict[str, list[int]] = {"educators": [], "with_award": [], "awards": []}
        for g, (e, w, a) in sorted(c.equity_split[k].items()):
            name = f"equity:{g}|unit:{k}" if g != NO_SCHOOL else f"no_school|unit:{k}"
            parts = {
                "educators": cells.add(f"{name}|educators", e, latent=True),
                "with_award": cells.add(f"{name}|with_award|yes", w, latent=True),
                "awards": cells.add(f"{name}|awards", a, latent=True),
            }
            for key, i in parts.items():
                by_unit[key].append(i)
                by_group.setdefault(g, {}).setdefault(key, []).append(i)
        cells.total(people[k], by_unit["educators"])
        cells.total(cells.index[f"unit:{k}|with_award|yes"], by_unit["with_award"])
        cells.total(cells.index[f"unit:{k}|awards"], by_unit["awards"])
    for g in groups:
        mine = by_group.get(g, {})
        cells.total(size[g], mine.get("educators", []))
        cells.total(award_yes[g], mine.get("with_award", []))
        cells.total(cells.index[f"equity:{g}|awards"], mine.get("awards", []))


def _pathways(cells: _Cells, c: Counts, n: int) -> None:
    units = range(n)
    complete: list[list[int]] = [[] for _ in units]
    complete_total: list[int] = []
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
        if c.complete_stage is not None and stages:
            for k in units:
                complete[k].append(grid[k][c.complete_stage])
            complete_total.append(cols[c.complete_stage])
    if not complete_total:
        return
    # Every educator who completed a pathway holds at least one complete enrolment:
    # the enrolments complete are those educators plus a latent surplus (an educator
    # who completed two pathways), where the counts say so.
    for at, parts in [*((f"unit:{k}", complete[k]) for k in units), ("all", complete_total)]:
        enrolments = cells.add(
            f"{at}|complete_enrolments", sum(cells.values[i] for i in parts), latent=True
        )
        cells.total(enrolments, parts)
        cells.at_least(
            f"{at}|complete_enrolments|beyond_first",
            enrolments,
            cells.index[f"{at}|pathway_complete|yes"],
        )


_PLACE = re.compile(r"^(unit|pathway|calibration):(\d+)$")


def links(c: Counts, keys: Sequence[str]) -> dict[str, int]:
    """Each cell under the name a reader knows it by: its key with every unit, pathway
    and calibration round named by its id rather than its place in today's lists (a new
    school shifts the places, not the ids)."""
    ids = {"unit": c.unit_ids, "pathway": c.pathway_ids, "calibration": c.round_ids}

    def named(part: str) -> str:
        found = _PLACE.match(part)
        if found is None or not ids[found[1]]:
            return part
        return f"{found[1]}#{ids[found[1]][int(found[2])]}"

    return {"|".join(named(part) for part in key.split("|")): i for i, key in enumerate(keys)}


def audit(c: Counts, threshold: int, *, previous: AuditState | None = None) -> Decision:
    """Withhold what the joint audit says must be withheld, together with the
    ``previous`` release's decisions when given (so the two cannot be differenced)."""
    _cells, system = build(c)
    named = links(c, system.keys)
    hidden, result = protect_after(previous, system, threshold, named)
    return Decision(system, hidden, _cells.index, result, threshold, named)
