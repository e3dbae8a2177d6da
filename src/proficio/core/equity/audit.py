"""The publication audit: the attacker's linear program, and joint suppression against it.

A *release* is every count one audience can download for one snapshot: every level,
every breakdown, every format. Its counts ("cells") are tied by linear relations (school
tables sum to the district's, a group's size is its students behind plus those not behind,
a section is the sum of the roster classes in it, ...). Suppressing table by table
ignores those ties, and an attacker who downloads everything can solve for hidden
counts. This module treats the release as one system, :class:`CellSystem`, and audits
it the way statistical agencies do (τ-Argus, sdcTable):

* **The attacker** knows every published cell, every relation, that every count is a
  whole number and at least 0, that zeros are always published (so a hidden cell is at
  least 1), and nothing about *latent* cells (counts that are never published, such as
  the students of one roster class, but whose existence is known). For a hidden cell the
  smallest and largest value consistent with all that come from two linear programs
  (HiGHS); when a linear bound sits on a fractional vertex it is confirmed with an
  integer program. :func:`intervals` computes them.
* **Protection**: every hidden cell's interval must hold at least ``threshold`` whole
  numbers. :func:`protect` hides small counts (primary suppression), then repeats
  "audit, then hide the cheapest published cells that widen each interval that is too
  narrow" (secondary suppression) until the audit passes.

Speed comes from structure rather than from solving two programs per hidden cell:
the unknowns split into independent components (a relation links only its own
unknowns); within a component, a few programs that push all unchecked cells up or down
at once give feasible whole-number points, and a cell whose values across those points
already span the threshold needs no program of its own. Hiding more cells only widens
intervals (it removes knowns), so a cell once certified stays certified.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from proficio.core.equity._lp import (
    BoolArray,
    FloatArray,
    IntArray,
    Program,
    Solution,
    Sparse,
    solve_milp,
)
from proficio.core.equity.suppression import check_threshold

__all__ = [
    "AuditState",
    "CellSystem",
    "Protection",
    "Sparse",
    "intervals",
    "join_days",
    "protect",
]

_EPS = 1e-6
_BATCH_ROUNDS = 12  # programs per component that certify many cells at once
_LOCAL_LIMIT = 5000  # larger components are checked one block at a time
_BATCH_GAP = 0.05  # a batch's whole-number point may be this much short of the optimum
_POINT_NODES = 200  # a search for a whole-number point gives up (the cell stays open)
_LOCAL_DEPTHS = (2, 4)  # neighbourhoods a fractional single-cell vertex is made whole in


@dataclass(frozen=True)
class CellSystem:
    """The cells of a release and the linear relations between them.

    ``relations`` is a sparse (relations × cells) integer matrix with
    ``relations @ values == 0``: each row says a total minus its parts is zero.
    ``latent`` marks cells that are never published (their size is unknown to anyone
    reading the release) but which the relations mention. ``keys`` name the cells, so
    that two days' releases can be matched."""

    keys: tuple[str, ...]
    values: IntArray
    relations: Sparse
    latent: BoolArray

    def __post_init__(self) -> None:
        n = len(self.keys)
        if self.values.shape != (n,) or self.latent.shape != (n,):
            raise ValueError("values and latent must give one entry per cell")
        if self.relations.shape[1] != n:
            raise ValueError("relations must have one column per cell")
        if (self.values < 0).any():
            raise ValueError("a count cannot be negative")
        if len(set(self.keys)) != n:
            raise ValueError("cell keys must be unique")
        if np.abs(self.relations.dot(self.values)).max(initial=0.0) > _EPS:
            raise ValueError("the values do not satisfy the relations")

    @property
    def size(self) -> int:
        return len(self.keys)


# --- The attacker ----------------------------------------------------------------------


@dataclass
class _Component:
    """One independent piece of the attacker's program: its unknown cells (indices into
    the system), the relations that hold them, and the right-hand sides."""

    cells: IntArray
    matrix: Sparse
    rhs: FloatArray
    lower: FloatArray
    _program: Program | None = None

    def program(self) -> Program:
        if self._program is None:
            self._program = Program(
                self.matrix, self.rhs, self.lower, np.full(self.cells.size, np.inf)
            )
        return self._program

    def solve(self, objective: FloatArray, upper: FloatArray | None = None) -> Solution:
        """Minimize ``objective`` over the attacker's feasible set (optionally capped)."""
        cap = np.full(self.cells.size, np.inf) if upper is None else upper
        program = self.program()
        program.bounds(self.lower, cap)
        return program.minimize(objective)

    def point(
        self,
        objective: FloatArray,
        lower: FloatArray | None = None,
        upper: FloatArray | None = None,
        *,
        gap: float = 0.0,
        nodes: int | None = None,
    ) -> FloatArray | None:
        """A whole-number point of the attacker's feasible set (within these bounds),
        good for ``objective`` (optimal up to ``gap``), or None if none was found within
        ``nodes`` branch-and-bound nodes. The point is checked against every relation
        and bound here, so a caller may take it as proof that the attacker cannot rule
        it out."""
        low = self.lower if lower is None else np.maximum(self.lower, lower)
        cap = np.full(self.cells.size, np.inf) if upper is None else upper
        found = self.program().whole(objective, low, cap, gap=gap, nodes=nodes)
        if found.status != 0:
            return None
        x = found.x
        ok = (
            bool(np.all(x >= low))
            and bool(np.all(x <= cap))
            and bool(np.all(np.abs(self.matrix.dot(x) - self.rhs) <= _EPS))
        )
        return x if ok else None  # pragma: no cover - HiGHS points are feasible


def _components(system: CellSystem, hidden: BoolArray) -> list[_Component]:
    unknown = np.flatnonzero(hidden | system.latent)
    if unknown.size == 0:
        return []
    sub = system.relations.columns(unknown)
    used = sub.nonzero_rows()
    sub = sub.rows(used)
    # Published cells move to the right-hand side: A_u x_u = -A_p x_p = A_u x_u(true).
    truth = system.values[unknown].astype(np.float64)
    rhs_all = sub.dot(truth)
    count, labels = sub.bipartite_components()
    row_label = labels[sub.first_column_of_rows()]
    order = np.argsort(row_label, kind="stable")
    starts = np.searchsorted(row_label[order], np.arange(count + 1))
    out = []
    lower_all = np.where(system.latent[unknown], 0.0, 1.0)
    for k in range(count):
        cols = np.flatnonzero(labels == k)
        rows = order[starts[k] : starts[k + 1]]
        matrix = sub.rows(rows).columns(cols)
        out.append(_Component(unknown[cols], matrix, rhs_all[rows], lower_all[cols]))
    return out


def _integral(x: FloatArray) -> bool:
    return bool(np.all(np.abs(x - np.round(x)) <= _EPS))


@dataclass
class _Counter:
    solves: int = 0


def _bound(
    comp: _Component, k: int, sense: float, counter: _Counter
) -> tuple[float, FloatArray | None]:
    """The exact whole-number bound of local cell ``k`` (sense 1: minimum, -1: maximum),
    and a whole-number point attaining it (None when unbounded)."""
    objective = np.zeros(comp.cells.size)
    objective[k] = sense
    upper = np.full(comp.cells.size, np.inf)
    counter.solves += 1
    lp = comp.solve(objective)
    if lp.status == 3:
        return (math.inf if sense < 0 else -math.inf), None
    if lp.status != 0:  # pragma: no cover - the true values are always feasible
        raise RuntimeError(f"the attacker's program failed (status {lp.status})")
    if _integral(lp.x):
        return float(round(lp.x[k])), np.round(lp.x)
    counter.solves += 1
    ip = solve_milp(objective, comp.matrix, comp.rhs, comp.lower, upper)
    if ip.status == 3:  # pragma: no cover - an LP bound exists, so the MILP is bounded
        return (math.inf if sense < 0 else -math.inf), None
    return float(round(ip.x[k])), np.round(ip.x)


def intervals(system: CellSystem, hidden: BoolArray) -> tuple[FloatArray, FloatArray]:
    """The attacker's smallest and largest whole value for every hidden cell (NaN for the
    others; the largest may be infinite), given everything not hidden or latent."""
    low = np.full(system.size, np.nan)
    high = np.full(system.size, np.nan)
    counter = _Counter()
    hidden = hidden & ~system.latent
    for comp in _components(system, hidden):
        for k in np.flatnonzero(hidden[comp.cells]):
            low[comp.cells[k]] = _bound(comp, int(k), 1.0, counter)[0]
            high[comp.cells[k]] = _bound(comp, int(k), -1.0, counter)[0]
    return low, high


@dataclass
class _Pending:
    """A hidden cell the programs could not certify, with the range of whole values
    seen so far."""

    cell: int
    low: float
    high: float


def _uncertified(
    system: CellSystem,
    hidden: BoolArray,
    certified: BoolArray,
    threshold: int,
    counter: _Counter,
    blocks: IntArray,
    *,
    rounds: int | None = None,
    depths: tuple[int, ...] | None = None,
) -> list[_Pending]:
    """Certify hidden cells in batches (marking ``certified`` in place) and return the
    rest. Each batch program pushes every unchecked cell of a component the way it has
    moved least so far (up, capped so the program stays bounded, or down to its lower
    bound), with random weights to vary the vertex; every whole-number point found
    widens every cell's seen range at once. A cell whose seen values span the threshold
    is safe: two whole-number solutions prove it."""
    need = threshold - 1  # the largest value minus the smallest must reach this
    rounds = _BATCH_ROUNDS if rounds is None else rounds
    depths = _LOCAL_DEPTHS if depths is None else depths
    pending: list[_Pending] = []
    for comp in _components(system, hidden):
        check = hidden[comp.cells] & ~certified[comp.cells]
        if not check.any():
            continue
        if comp.cells.size <= _LOCAL_LIMIT:
            pending += _certify(
                system, hidden, certified, comp, check, need, counter, rounds, depths
            )
            continue
        # A large component (tied together through the district's figures): check each
        # block (school) on its own with the shared cells, holding the other blocks'
        # unknowns at their true values. That only shrinks what the attacker could
        # choose from, so a cell safe there is safe in the whole release.
        cell_block = blocks[comp.cells]
        for b in np.unique(cell_block[check]):
            keep = (cell_block == b) | (cell_block < 0)
            local = _restrict(system, comp, keep)
            mine = check[keep] & (cell_block[keep] == b)
            pending += _certify(
                system, hidden, certified, local, mine, need, counter, rounds, depths
            )
    return pending


def _restrict(
    system: CellSystem, comp: _Component, keep: BoolArray, at: FloatArray | None = None
) -> _Component:
    """The component with only the ``keep`` unknowns left free (the others fixed at
    their true values, or at their values in ``at``, a whole-number point)."""
    fixed = np.flatnonzero(~keep)
    held = system.values[comp.cells[fixed]].astype(np.float64) if at is None else at[fixed]
    rhs = comp.rhs - comp.matrix.columns(fixed).dot(held)
    sub = comp.matrix.columns(np.flatnonzero(keep))
    rows = sub.nonzero_rows()
    return _Component(comp.cells[keep], sub.rows(rows), rhs[rows], comp.lower[keep])


def _whole_point(
    system: CellSystem,
    comp: _Component,
    transposed: Sparse,
    x: FloatArray,
    objective: FloatArray,
    low: FloatArray | None,
    cap: FloatArray,
    gap: float = 0.0,
) -> FloatArray | None:
    """A whole-number point of ``comp`` within ``low`` and ``cap``, good for
    ``objective`` (up to ``gap``), near ``x``, a fractional point within those bounds.
    It is searched first with only the unknowns fractional in ``x`` and those sharing a
    relation with them left free, the rest held at their (whole) values in ``x``: a
    point found there is one of the whole component, and the search is small. Only
    when none is found there is the whole component searched."""
    fractional = np.abs(x - np.round(x)) > _EPS
    free = _near(comp, transposed, fractional, 1)
    if not free.all():
        at = np.round(x)
        local = _restrict(system, comp, free, at)
        found = local.point(
            objective[free],
            None if low is None else low[free],
            cap[free],
            gap=gap,
            nodes=_POINT_NODES,
        )
        if found is not None:
            at[free] = found
            return at
    return comp.point(objective, low, cap, gap=gap, nodes=_POINT_NODES)


def _certify(
    system: CellSystem,
    hidden: BoolArray,
    certified: BoolArray,
    comp: _Component,
    check: BoolArray,
    need: int,
    counter: _Counter,
    rounds: int,
    depths: tuple[int, ...],
) -> list[_Pending]:
    """Certify the ``check`` cells of one component (marking ``certified``); return the
    ones that could not be."""
    pending: list[_Pending] = []
    truth = system.values[comp.cells].astype(np.float64)
    seen_low = truth.copy()
    seen_high = truth.copy()
    cap = np.where(hidden[comp.cells], truth + need, np.inf)
    rng = np.random.default_rng(comp.cells.size)
    stale = 0
    transposed = comp.matrix.transpose()

    def widen(point: FloatArray) -> None:
        np.minimum(seen_low, point, out=seen_low)
        np.maximum(seen_high, point, out=seen_high)

    for _ in range(rounds):
        todo = check & (seen_high - seen_low < need - _EPS)
        if not todo.any() or stale >= 2:
            break
        up = (seen_high - truth) <= (truth - seen_low)
        weights = rng.uniform(0.5, 1.5, todo.size)
        objective = np.where(todo, np.where(up, -1.0, 1.0), 0.0) * weights
        counter.solves += 1
        lp: Solution = comp.solve(objective, cap)
        if lp.status == 0 and _integral(lp.x):
            widen(np.round(lp.x))
        elif lp.status == 0:
            # A fractional vertex proves nothing about whole numbers; a whole-number
            # point that is nearly as good (within the gap) does the same work.
            counter.solves += 1
            point = _whole_point(system, comp, transposed, lp.x, objective, None, cap, _BATCH_GAP)
            if point is not None:
                widen(point)
        left = int(np.count_nonzero(check & (seen_high - seen_low < need - _EPS)))
        stale = 0 if left < int(np.count_nonzero(todo)) else stale + 1
    # The rest one at a time: can the cell reach its lowest seen value plus the
    # threshold, or its highest minus it? (Each answer is another point too.) The
    # question goes first to the component's own linear program, kept alive and
    # re-solved from its last basis (a few milliseconds): a target out of reach even in
    # fractions settles that side (the cell is pinned there), a whole-number vertex is a
    # point. Only a fractional vertex that reaches the target needs a whole-number
    # point: it is sought first in the cell's neighbourhoods (the rest held at their
    # true values: a whole-number point there is one of the whole component, and its
    # programs are small), then near the fractional vertex in the whole component.
    for k in np.flatnonzero(check):
        for sense in (-1.0, 1.0):
            if seen_high[k] - seen_low[k] >= need - _EPS:
                break
            target = seen_low[k] + need if sense < 0 else seen_high[k] - need
            aimed = _aim(comp, int(k), sense, target, counter)
            if aimed is None:
                continue  # even in fractions it falls short this way
            if _integral(aimed.x):
                widen(np.round(aimed.x))
                continue
            tried = 0
            for depth in depths:
                keep = _near(comp, transposed, np.arange(comp.cells.size) == k, depth)
                size = int(np.count_nonzero(keep))
                if size == keep.size or size == tried:
                    continue  # the whole component, or asked already
                tried = size
                local = _restrict(system, comp, keep)
                spot = int(np.count_nonzero(keep[:k]))
                point = _reach(
                    system, local, local.matrix.transpose(), spot, sense, target, counter
                )
                if point is not None:
                    lifted = truth.copy()
                    lifted[keep] = point
                    widen(lifted)
                    if seen_high[k] - seen_low[k] >= need - _EPS:
                        break
            else:
                found = _whole_at(system, comp, transposed, aimed.x, int(k), sense, target, counter)
                if found is not None:
                    widen(found)
    safe = check & (seen_high - seen_low >= need - _EPS)
    certified[comp.cells[safe]] = True
    for k in np.flatnonzero(check & ~safe):
        pending.append(_Pending(int(comp.cells[k]), float(seen_low[k]), float(seen_high[k])))
    return pending


def _near(comp: _Component, transposed: Sparse, start: BoolArray, depth: int) -> BoolArray:
    """The component's unknowns within ``depth`` relations of the ``start`` ones."""
    mask = start.astype(np.float64)
    for _ in range(depth):
        rows = (comp.matrix.abs_dot(mask) > 0).astype(np.float64)
        grown = np.maximum(mask, (transposed.abs_dot(rows) > 0).astype(np.float64))
        if np.array_equal(grown, mask):
            break
        mask = grown
    return mask > 0


def _aim(
    comp: _Component, k: int, sense: float, target: float, counter: _Counter
) -> Solution | None:
    """The linear program pushing unknown ``k`` of ``comp`` towards ``target`` (sense
    -1: up to it, sense 1: down as far as it goes): its optimum, or None when even in
    fractions the cell cannot reach the target, unless that optimum is whole (a point
    all the same)."""
    objective = np.zeros(comp.cells.size)
    objective[k] = sense
    upper = np.full(comp.cells.size, np.inf)
    if sense < 0:
        upper[k] = target  # enough to certify; keeps it bounded
    counter.solves += 1
    lp = comp.solve(objective, upper)
    if lp.status != 0:  # pragma: no cover - the true values are feasible
        return None
    if _integral(lp.x):
        return lp
    reach = -lp.value if sense < 0 else lp.value
    if (sense < 0 and reach < target - _EPS) or (sense > 0 and reach > target + _EPS):
        return None
    return lp


def _reach(
    system: CellSystem,
    comp: _Component,
    transposed: Sparse,
    k: int,
    sense: float,
    target: float,
    counter: _Counter,
) -> FloatArray | None:
    """A whole-number point of ``comp`` with unknown ``k`` at least ``target`` (sense
    -1) or at most it (sense 1), or else the whole-number optimum of that side when the
    program's optimum is whole (it then falls short); None when the program shows the
    target is out of reach even in fractions, or no whole point was found."""
    lp = _aim(comp, k, sense, target, counter)
    if lp is None:
        return None  # even in fractions it falls short this way
    if _integral(lp.x):
        return np.round(lp.x)
    return _whole_at(system, comp, transposed, lp.x, k, sense, target, counter)


def _whole_at(
    system: CellSystem,
    comp: _Component,
    transposed: Sparse,
    x: FloatArray,
    k: int,
    sense: float,
    target: float,
    counter: _Counter,
) -> FloatArray | None:
    """A whole-number point of ``comp`` with unknown ``k`` at least ``target`` (sense
    -1) or at most it (sense 1), searched near ``x``, a fractional point that reaches
    it. A search for any such point is much cheaper than an optimum."""
    counter.solves += 1
    low = np.full(comp.cells.size, -np.inf)
    cap = np.full(comp.cells.size, np.inf)
    if sense < 0:
        low[k] = target
    else:
        cap[k] = target
    return _whole_point(system, comp, transposed, x, np.zeros(comp.cells.size), low, cap)


# --- Secondary suppression --------------------------------------------------------------


def _neighbourhood(system: CellSystem, transposed: Sparse, cell: int, depth: int) -> IntArray:
    """Cells reachable from ``cell`` through at most ``depth`` relations."""
    cells = np.array([cell], dtype=np.int64)
    for _ in range(depth):
        mask = np.zeros(system.size)
        mask[cells] = 1.0
        rows = np.flatnonzero(system.relations.abs_dot(mask) > 0)
        row_mask = np.zeros(system.relations.shape[0])
        row_mask[rows] = 1.0
        reached = np.flatnonzero(transposed.abs_dot(row_mask) > 0)
        grown = np.union1d(cells, reached)
        if grown.size == cells.size:
            break
        cells = grown
    return cells


class _CoverModel:
    """The search for secondary suppressions around some cells, kept alive in HiGHS.

    Variables: ``d``, the change of each movable cell (hidden, latent or a published
    candidate), then ``p`` and ``q``, how far each candidate moves up and down
    (``d - p + q = 0``), each unit priced at the candidate's cost (0 once hidden). Every
    relation touching a movable cell must still hold; cells outside stay as they are,
    so an answer here is an answer in the whole release. Hidden counts stay at least 1,
    latent ones at least 0."""

    def __init__(self, search: _Search, movable: IntArray) -> None:
        system = search.system
        self.movable = movable
        self.where = {int(c): k for k, c in enumerate(movable)}
        n = movable.size
        cand = np.flatnonzero(search.candidate[movable])
        self.cand = cand
        m = cand.size
        values = system.values[movable].astype(np.float64)
        self.base_lower = np.concatenate(
            [np.where(system.latent[movable], 0.0, 1.0) - values, np.zeros(2 * m)]
        )
        self.base_upper = np.full(n + 2 * m, np.inf)
        self.values = values
        sub = system.relations.columns(movable)
        rows = sub.nonzero_rows()
        a_rows, a_cols, a_data = sub.rows(rows).triplets()
        k = np.arange(m, dtype=np.int64)
        matrix = Sparse.from_triplets(
            np.concatenate([a_rows, rows.size + k, rows.size + k, rows.size + k]),
            np.concatenate([a_cols, cand, n + k, n + m + k]),
            np.concatenate(
                [a_data, np.ones(m, np.int64), -np.ones(m, np.int64), np.ones(m, np.int64)]
            ),
            (rows.size + m, n + 2 * m),
        )
        self.program = Program(matrix, np.zeros(rows.size + m), self.base_lower, self.base_upper)
        self.n = n

    def solve(self, search: _Search, cell: int, target: float) -> _Route | None:
        k = self.where[cell]
        lower = self.base_lower.copy()
        upper = self.base_upper.copy()
        lower[k] = upper[k] = target - self.values[k]
        self.program.bounds(lower, upper)
        price = search.cost[self.movable[self.cand]] * ~search.hidden[self.movable[self.cand]]
        objective = np.concatenate([np.zeros(self.n), price, price])
        search.counter.solves += 1
        lp = self.program.minimize(objective)
        if lp.status != 0:
            return None
        d = lp.x[: self.n]
        moved = (np.abs(d[self.cand]) > _EPS) & ~search.hidden[self.movable[self.cand]]
        return _Route(self.movable[self.cand[moved]], _integral(d), self.movable, self.values + d)


@dataclass(frozen=True)
class _Route:
    """A cover's answer: the published cells to ``hide``, whether the change is in
    whole numbers, and the point it reaches (``at``: the values of the ``movable``
    cells; every other cell at its true value)."""

    hide: IntArray
    whole: bool
    movable: IntArray
    at: FloatArray


def _whole_near(search: _Search, route: _Route, cell: int, target: float) -> bool:
    """Whether a whole-number point of the attacker's program puts ``cell`` at
    ``target`` or beyond (away from its true value), searched near ``route.at``, a
    fractional point that hides nothing more: only the unknowns fractional there and
    those sharing a relation with them are left free, every other cell held at its
    (whole) value in that point or, if published, at its true value. The point found is
    checked against every relation and bound of the release, so True is proof."""
    system = search.system
    whole = system.values.astype(np.float64)
    whole[route.movable] = np.round(route.at)
    fractional = np.zeros(system.size)
    fractional[route.movable[np.abs(route.at - np.round(route.at)) > _EPS]] = 1.0
    rows = system.relations.abs_dot(fractional) > 0
    unknown = search.hidden | system.latent
    free = np.flatnonzero((search.transposed.abs_dot(rows.astype(np.float64)) > 0) & unknown)
    if free.size == 0:  # pragma: no cover - a fractional point has a fractional unknown
        return False
    fixed = whole.copy()
    fixed[free] = 0.0
    sub = system.relations.columns(free)
    used = sub.nonzero_rows()
    local = _Component(
        free,
        sub.rows(used),
        -system.relations.rows(used).dot(fixed),
        np.where(system.latent[free], 0.0, 1.0),
    )
    low = np.full(free.size, -np.inf)
    cap = np.full(free.size, np.inf)
    up = target > system.values[cell]
    here = np.flatnonzero(free == cell)
    if here.size:
        (low if up else cap)[here[0]] = target
    elif (whole[cell] < target) if up else (whole[cell] > target):  # pragma: no cover
        return False  # the cell is whole in the point, at the target (the cover's bound)
    search.counter.solves += 1
    point = local.point(np.zeros(free.size), low, cap, nodes=_POINT_NODES)
    if point is None:
        return False
    whole[free] = point
    return bool(
        np.all(np.abs(system.relations.dot(whole)) <= _EPS)
        and np.all(whole[unknown] >= np.where(system.latent, 0.0, 1.0)[unknown])
        and ((whole[cell] >= target) if up else (whole[cell] <= target))
    )


def _cover(search: _Search, cell: int, target: float) -> _Route | None:
    """Published cells to hide so that ``cell`` could take the value ``target``: the
    cheapest change to the release (each unit a published candidate moves costs its
    ``cost``) that keeps every relation, keeps hidden counts at least 1 and latent ones
    at least 0, and leaves fixed and zero cells alone. None if no such change exists;
    else its :class:`_Route`: the cells to hide, whether the change is in whole numbers
    and the point it reaches. An empty answer in whole numbers proves the cell can
    already reach ``target``; an empty one in fractions is a place to look for a whole
    one (:func:`_whole_near`).

    The program first looks only at the cell's block (its school, say) and the shared
    cells, or for a shared cell at those within two relations, holding the rest at
    their values; then at the whole release."""
    block = int(search.blocks[cell])
    models = search.models
    key = block if block >= 0 else -1 - cell
    if key not in models:
        if block >= 0:
            movable = np.flatnonzero(
                ((search.blocks == block) | (search.blocks < 0)) & search.movable
            )
        else:
            near = _neighbourhood(search.system, search.transposed, cell, 2)
            movable = near[search.movable[near]]
        models[key] = _CoverModel(search, movable)
    found = models[key].solve(search, cell, target)
    if found is not None:
        return found
    if "all" not in models:
        models["all"] = _CoverModel(search, np.flatnonzero(search.movable))
    return models["all"].solve(search, cell, target)


def _close_lines(
    system: CellSystem, hidden: BoolArray, candidate: BoolArray, cost: FloatArray, threshold: int
) -> bool:
    """Cheap rules before any program: a relation whose unknowns are all hidden cells on
    the same side (the parts of a published total, say) fixes their sum, so each one lies
    between 1 and that sum minus the others' 1s. Where that is too narrow, or a single
    cell is left, hide the cheapest published cell of the relation (a further part worth
    at least 2, else the other side). Returns whether anything was hidden."""
    matrix = system.relations
    unknown = hidden | system.latent
    n_unknown = matrix.abs_dot(unknown)
    n_latent = matrix.abs_dot(system.latent)
    rows = np.flatnonzero((n_unknown > 0) & (n_latent == 0))
    changed = False
    for r in rows:
        cols, coef = matrix.row_entries(int(r))
        in_row = hidden[cols]  # not empty: hidden cells only ever get added
        signs = np.sign(coef[in_row])
        if signs.min() != signs.max() or np.abs(coef[in_row]).max() != 1:
            continue  # the hidden sum is not fixed by this relation
        total = float(system.values[cols[in_row]].sum())
        count = int(in_row.sum())
        if total - count + 1 >= threshold and count > 1:
            continue
        same = candidate[cols] & ~hidden[cols] & (coef * signs[0] > 0) & (system.values[cols] >= 2)
        other = candidate[cols] & ~hidden[cols] & (coef * signs[0] < 0)
        order = np.argsort(cost[cols] * system.values[cols], kind="stable")
        for j in order:
            if not same[j] or (total - count + 1 >= threshold and count > 1):
                continue
            hidden[cols[j]] = True
            total += float(system.values[cols[j]])
            count += 1
            changed = True
        if total - count + 1 >= threshold and count > 1:
            continue
        pick = [j for j in order if other[j]]
        if pick:
            hidden[cols[pick[0]]] = True
            changed = True
    return changed


@dataclass(frozen=True)
class Protection:
    """The result of :func:`protect`.

    ``hidden`` marks the cells to withhold (never a latent one), ``primary`` those
    withheld for being small, ``unprotected`` hidden cells whose interval is still too
    narrow, confirmed against their whole component with every open cell hidden (only
    possible when cells fixed by an earlier release narrow them, for example a count
    that changed since, narrowed by yesterday's published zeros and sizes; a count
    they pin to one value that is not small is published instead), ``rounds``
    the audit rounds, ``solves`` the linear and integer programs solved and
    ``secondary_by_round`` the cells hidden in each round beyond the small ones."""

    hidden: BoolArray
    primary: BoolArray
    unprotected: BoolArray
    rounds: int
    solves: int
    secondary_by_round: list[int] = field(default_factory=list)


@dataclass
class _Search:
    """What one call of :func:`protect` works with."""

    system: CellSystem
    transposed: Sparse
    hidden: BoolArray
    candidate: BoolArray
    cost: FloatArray
    threshold: int
    counter: _Counter
    blocks: IntArray
    movable: BoolArray = field(default_factory=lambda: np.zeros(0, bool))
    models: dict[int | str, _CoverModel] = field(default_factory=dict)


_SAFE = np.zeros(0, dtype=np.int64)


def _confirm(
    system: CellSystem,
    hidden: BoolArray,
    certified: BoolArray,
    stuck: list[int],
    threshold: int,
    counter: _Counter,
    pins: set[int],
) -> tuple[list[int], list[int]]:
    """The ``stuck`` cells that really are too narrow: each is checked against its
    whole component, by whole-number points first and then by the attacker's exact
    bounds (:func:`_bound`); a cell found wide enough is marked ``certified``. Returns
    the narrow ones (``pins`` collects those the attacker knows exactly) and the
    unchecked ones: a component larger than ``_LOCAL_LIMIT`` gets only the whole-number
    points (each point is proof, and the searches are capped by nodes), not the exact
    bounds (whole-number programs over the district, which can take minutes each), so
    its cells no point certifies stay stuck, treated as narrow."""
    need = threshold - 1
    todo = np.zeros(system.size, bool)
    todo[stuck] = True
    narrow: list[int] = []
    unchecked: list[int] = []
    for comp in _components(system, hidden):
        check = todo[comp.cells]
        if not check.any():
            continue
        if comp.cells.size > _LOCAL_LIMIT:
            unchecked += [
                p.cell
                for p in _certify(
                    system, hidden, certified, comp, check, need, counter, _BATCH_ROUNDS, (0,)
                )
            ]
            continue
        for p in _certify(
            system, hidden, certified, comp, check, need, counter, _BATCH_ROUNDS, (0,)
        ):
            k = int(np.flatnonzero(comp.cells == p.cell)[0])
            low = _bound(comp, k, 1.0, counter)[0]
            high = _bound(comp, k, -1.0, counter)[0]
            if high - low >= need:
                certified[p.cell] = True
            else:
                narrow.append(p.cell)
                if high == low:
                    pins.add(p.cell)
    return narrow, unchecked


def _settle(search: _Search, p: _Pending) -> IntArray | None:
    """Decide one uncertified cell: an empty array when it is safe after all, the cells
    to hide when it is not, None when nothing can be done for it."""
    need = search.threshold - 1
    targets = [p.low + need]
    if p.high - need >= 1:
        targets.append(p.high - need)
    for target in targets:
        found = _cover(search, p.cell, target)
        if found is None:
            continue
        if found.hide.size:
            return found.hide
        if found.whole:
            return _SAFE  # a whole-number solution reaches the target as things are
        if _whole_near(search, found, p.cell, target):
            return _SAFE  # so does one near the fractional answer
        break  # reachable only in fractions: treat it as not reachable
    # No route found (or only in fractions): hide the cheapest published cell sharing
    # a relation with this one; the next round checks again.
    near = _neighbourhood(search.system, search.transposed, p.cell, 1)
    near = near[search.candidate[near] & ~search.hidden[near]]
    if near.size == 0:
        return None
    return near[[int(np.argmin(search.cost[near] * search.system.values[near]))]]


def protect(
    system: CellSystem,
    threshold: int,
    *,
    shown: BoolArray | None = None,
    withheld: BoolArray | None = None,
    cost: Sequence[float] | FloatArray | None = None,
    start: BoolArray | None = None,
    blocks: IntArray | None = None,
) -> Protection:
    """Choose the cells to withhold so that no hidden count can be narrowed to fewer than
    ``threshold`` possible values by anyone holding every published cell.

    ``shown`` and ``withheld`` fix cells an earlier release already published or hid
    (they keep that state); ``cost`` is the price of moving each cell by one unit in the
    search for secondary suppressions (default 1: hide as little as possible).
    ``start`` proposes open cells to hide from the outset (for example what each table
    alone would hide): a good start leaves the audit less to repair. ``blocks`` groups
    cells (one school's figures, say; -1 for figures shared across blocks, such as the
    district's) so that the search for secondary suppressions can look at one block at a
    time; it changes where the search looks first, never what the audit checks."""
    check_threshold(threshold)
    n = system.size
    fixed_shown = np.zeros(n, bool) if shown is None else np.asarray(shown, bool).copy()
    fixed_hidden = np.zeros(n, bool) if withheld is None else np.asarray(withheld, bool).copy()
    if (fixed_shown & fixed_hidden).any() or ((fixed_shown | fixed_hidden) & system.latent).any():
        raise ValueError("a cell cannot be both shown and withheld, nor fix a latent cell")
    prices = np.ones(n) if cost is None else np.asarray(cost, dtype=np.float64)
    if prices.shape != (n,) or (prices <= 0).any():
        raise ValueError("cost must give one positive price per cell")
    values = system.values
    open_cells = ~(fixed_shown | fixed_hidden | system.latent)
    primary = open_cells & (values > 0) & (values < threshold)
    search = _Search(
        system=system,
        transposed=system.relations.transpose(),
        hidden=fixed_hidden | primary,
        candidate=open_cells & (values > 0),
        cost=prices,
        threshold=threshold,
        counter=_Counter(),
        blocks=np.full(n, -1, np.int64) if blocks is None else np.asarray(blocks, np.int64),
    )
    if search.blocks.shape != (n,):
        raise ValueError("blocks must give one block per cell")
    search.movable = search.hidden | system.latent | search.candidate
    hidden = search.hidden
    if start is not None:
        hidden |= np.asarray(start, bool) & search.candidate
    certified = np.zeros(n, bool)
    unprotected = np.zeros(n, bool)
    rounds = 0
    per_round: list[int] = []
    while True:
        rounds += 1
        before = int(hidden.sum())
        while _close_lines(system, hidden, search.candidate, prices, threshold):
            pass
        pending = _uncertified(
            system,
            hidden,
            certified,
            threshold,
            search.counter,
            search.blocks,
        )
        stuck: list[int] = []
        changed = False
        for p in sorted(pending, key=lambda p: (values[p.cell], p.cell)):
            outcome = _settle(search, p)
            if outcome is None:
                stuck.append(p.cell)
            elif outcome.size == 0:
                certified[p.cell] = True
            else:
                hidden[outcome] = True
                changed = True
        per_round.append(int(hidden.sum()) - before)
        if not pending:
            break
        if not changed and stuck:
            # The checks above see a large component one block at a time (a shared cell
            # with every school held at its value), and a cover may exist only in
            # fractions: ask the whole component before hiding anything more.
            pins: set[int] = set()
            narrow, unchecked = _confirm(
                system, hidden, certified, stuck, threshold, search.counter, pins
            )
            stuck = narrow + unchecked
            if not stuck:
                continue
            rest = search.candidate & ~hidden
            if rest.any():
                hidden |= rest  # last resort: hide everything that may be hidden
                continue
            if not (fixed_shown.any() or fixed_hidden.any()):
                # Every open count is hidden and nothing is fixed: only zeros are
                # published, and the relations are sums (homogeneous), so the true
                # values times any whole factor are consistent with what is published
                # too. No hidden count then has an upper bound: every one is wide. A
                # cell confirmed narrow would be a fault of the audit, never a state to
                # publish; one merely too large to confirm whole is wide by the same
                # argument, and certified.
                if narrow:
                    raise RuntimeError("a hidden count stays narrow with nothing published")
                certified[unchecked] = True
                break
            # What is left is narrowed by the fixed cells (and zeros) alone. A count
            # they pin to one value, not small, is published: hiding it hides nothing.
            known = np.array(stuck, np.int64)
            exact = np.isin(known, np.array(sorted(pins), np.int64))
            shown_anyway = known[exact & search.candidate[known] & ~primary[known]]
            hidden[shown_anyway] = False
            unprotected[np.setdiff1d(known, shown_anyway)] = True
            break
    return Protection(
        hidden=hidden & ~system.latent,
        primary=primary,
        unprotected=unprotected,
        rounds=rounds,
        solves=search.counter.solves,
        secondary_by_round=per_round,
    )


# --- Two days ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    """Two days' systems as one: ``system`` holds yesterday's cells then today's new ones;
    ``today`` maps each of today's cells to its column; ``shown`` and ``withheld`` fix
    yesterday's published and hidden cells."""

    system: CellSystem
    today: IntArray
    shown: BoolArray
    withheld: BoolArray


def join_days(
    yesterday: CellSystem,
    yesterday_hidden: BoolArray,
    today: CellSystem,
    links: Sequence[tuple[int, int]],
) -> Joined:
    """The attacker's view of two consecutive releases. ``links`` pairs a cell of
    yesterday with a cell of today that a reader could take for the same figure (same
    name, or same students). A linked pair with the same value is one unknown: the
    attacker is assumed to know which counts did not change, which is more than a
    reader can know. So a count hidden yesterday and unchanged stays hidden, and one
    published yesterday and unchanged is known today. Counts that changed are separate
    unknowns, tied only by each day's relations."""
    n_old = yesterday.size
    same: dict[int, list[int]] = {}
    for i, j in links:
        if yesterday.values[i] == today.values[j] and yesterday.latent[i] == today.latent[j]:
            same.setdefault(j, []).append(i)
    mapping = np.empty(today.size, dtype=np.int64)
    extra: list[int] = []
    equal: list[tuple[int, int]] = []
    for j in range(today.size):
        olds = sorted(set(same.get(j, [])))
        if olds:
            mapping[j] = olds[0]
            equal += [(olds[0], other) for other in olds[1:]]
        else:
            mapping[j] = n_old + len(extra)
            extra.append(j)
    new = np.array(extra, dtype=np.int64)
    keys = tuple(yesterday.keys) + tuple(f"{today.keys[j]}@today" for j in new)
    values = np.concatenate([yesterday.values, today.values[new]])
    latent = np.concatenate([yesterday.latent, today.latent[new]])
    k = len(equal)
    pairs = np.array(equal, dtype=np.int64).reshape(k, 2)
    ties = Sparse.from_triplets(
        np.repeat(np.arange(k, dtype=np.int64), 2),
        pairs.reshape(-1),
        np.tile(np.array([1, -1], dtype=np.int64), k),
        (k, values.size),
    )
    relations = Sparse.stack(
        [yesterday.relations, today.relations, ties],
        values.size,
        [np.arange(n_old, dtype=np.int64), mapping, np.arange(values.size, dtype=np.int64)],
    )
    old_hidden = np.asarray(yesterday_hidden, bool) & ~yesterday.latent
    shown = np.concatenate([~old_hidden & ~yesterday.latent, np.zeros(new.size, bool)])
    withheld = np.concatenate([old_hidden, np.zeros(new.size, bool)])
    return Joined(CellSystem(keys, values, relations, latent), mapping, shown, withheld)


@dataclass(frozen=True)
class AuditState:
    """What the next release's audit needs of a published one, kept privately beside
    it: the cells with their true values and relations, which were hidden, ``links``
    (every name a reader could recognise a cell by, to its index) and ``blocks``."""

    system: CellSystem
    hidden: BoolArray
    links: Mapping[str, int]
    blocks: IntArray

    def pack(self) -> bytes:
        rows, cols, data = self.system.relations.triplets()
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            values=self.system.values,
            latent=self.system.latent,
            hidden=np.asarray(self.hidden, bool),
            rows=rows,
            cols=cols,
            data=data,
            shape=np.array(self.system.relations.shape, dtype=np.int64),
            blocks=np.asarray(self.blocks, np.int64),
            keys=np.array(json.dumps(list(self.system.keys))),
            links=np.array(json.dumps(dict(self.links))),
        )
        return buffer.getvalue()

    @classmethod
    def unpack(cls, blob: bytes | memoryview) -> AuditState:
        with np.load(io.BytesIO(bytes(blob))) as f:
            shape = tuple(int(x) for x in f["shape"])
            relations = Sparse.from_triplets(f["rows"], f["cols"], f["data"], (shape[0], shape[1]))
            keys = tuple(json.loads(str(f["keys"])))
            system = CellSystem(keys, f["values"], relations, f["latent"])
            links = {k: int(v) for k, v in json.loads(str(f["links"])).items()}
            return cls(system, f["hidden"], links, f["blocks"])
