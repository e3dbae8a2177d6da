"""The publication audit's per-cell checks on small systems, against brute force.

Each system here is small enough to enumerate: every assignment of whole numbers to the
hidden cells (at least 1, at most a bound no solution can pass) is tried against the
relations, and the true smallest and largest value of each hidden cell read off. The
kernel's per-cell checks (``_uncertified``, with no batch programs so that each cell is
asked on its own) may only certify a cell whose enumerated range holds the threshold,
and the range a pending cell reports must lie inside its enumerated one.

The systems are built so that the whole component's linear program reaches a cell's
target only on a fractional vertex, which sends the question to the cell's
neighbourhood (the rest held at their true values) and then to the whole component.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from proficio.core.equity import audit
from proficio.core.equity._lp import Sparse
from proficio.core.equity.audit import CellSystem


def system(relations: list[dict[int, int]], values: list[int]) -> CellSystem:
    rows, cols, data = [], [], []
    for r, relation in enumerate(relations):
        for c, coefficient in relation.items():
            rows.append(r), cols.append(c), data.append(coefficient)
    matrix = Sparse.from_triplets(
        np.array(rows), np.array(cols), np.array(data), (len(relations), len(values))
    )
    keys = tuple(f"c{k}" for k in range(len(values)))
    return CellSystem(keys, np.array(values), matrix, np.zeros(len(values), bool))


def enumerate_ranges(s: CellSystem, hidden: np.ndarray) -> dict[int, tuple[int, int]]:
    """(smallest, largest) of each hidden cell over every whole assignment. In these
    systems every hidden cell is a part, with a positive coefficient, of a relation whose
    other side is a published total, so no hidden cell exceeds the largest total."""
    cells = np.flatnonzero(hidden)
    top = int(s.values[~hidden].max())
    a = s.relations.to_scipy().toarray()
    grid = np.array(list(itertools.product(range(1, top + 1), repeat=cells.size)))
    x = np.tile(s.values, (grid.shape[0], 1))
    x[:, cells] = grid
    ok = grid[~(x @ a.T).any(axis=1)]
    return {int(c): (int(ok[:, i].min()), int(ok[:, i].max())) for i, c in enumerate(cells)}


# a + 2e + 2b = 15 and e + y = 5 (hidden a, e, b, y; true 3, 3, 3, 2): pushing a up to
# 6 needs e + b = 4.5, so the component's vertex is fractional. Within a's relation
# (y held at 2, so e = 3) a + 2b = 9 reaches 6 only in fractions too, and a whole
# point there (a = 7, b = 1) settles a.
REACHED_NEARBY = (
    system([{0: 1, 1: 2, 2: 2, 4: -1}, {1: 1, 3: 1, 5: -1}], [3, 3, 3, 2, 15, 5]),
    [True, True, True, True, False, False],
)
# a + e + w = 8, 2w = e + y and y + 2z = 6 (hidden a, e, w, y, z; true 3, 2, 3, 4, 1):
# the component lets a reach 6 with y = 1 and z = 2.5. Within a's relation (y held at
# 4) a falls short even in fractions (at most 4.5), and in whole numbers a is at most 4.
# (a is 1, 3 or 4: four values, yet neither target from its true value, 6 or 0, is
# among them, so the check leaves a to the cover search: safe, though not exact.)
SHORT_NEARBY = (
    system(
        [{0: 1, 1: 1, 2: 1, 5: -1}, {2: 2, 1: -1, 3: -1}, {3: 1, 4: 2, 6: -1}],
        [3, 2, 3, 4, 1, 8, 6],
    ),
    [True, True, True, True, True, False, False],
)


@pytest.mark.parametrize("case", [REACHED_NEARBY, SHORT_NEARBY], ids=["reached", "short"])
@pytest.mark.parametrize("depths", [(1,), (1, 2), (2, 4), ()])
def test_single_cell_checks_never_certify_a_narrow_cell(case, depths):
    s, hidden_list = case
    hidden = np.array(hidden_list)
    threshold = 4
    exact = enumerate_ranges(s, hidden)
    certified = np.zeros(s.size, bool)
    pending = audit._uncertified(
        s,
        hidden,
        certified,
        threshold,
        audit._Counter(),
        np.full(s.size, -1, np.int64),
        rounds=0,
        depths=depths,
    )
    wide = {c for c, (lo, hi) in exact.items() if hi - lo + 1 >= threshold}
    assert set(np.flatnonzero(certified).tolist()) <= wide
    assert {p.cell for p in pending} | set(np.flatnonzero(certified).tolist()) == set(exact)
    for p in pending:
        lo, hi = exact[p.cell]
        assert lo <= p.low <= p.high <= hi
    if case is REACHED_NEARBY:
        # Here the checks are exact: every wide cell is found wide.
        assert set(np.flatnonzero(certified).tolist()) == wide == set(exact)
