"""Complementary suppression of two-way tables, checked by linear programming.

The attacker's view: every published cell and margin, every hidden cell at least 1
(zeros are always published), and the line sums. For each hidden cell the smallest
and largest value it can take under those constraints comes from scipy's linprog, an
implementation independent of the graph rule used by the code. The constraint matrix
of a table with margins is a network matrix (totally unimodular), so the LP bounds are
attained by whole-number tables: differing bounds mean the count cannot be recovered.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from proficio.core.equity.suppression import suppress_table, suppress_tables


def hidden_ranges(grid_published, grid_true):
    """(position, min, max) for every hidden position of the (R+1)×(C+1) grid."""
    n_r, n_c = len(grid_published), len(grid_published[0])
    hidden = [(i, j) for i in range(n_r) for j in range(n_c) if grid_published[i][j] is None]
    if not hidden:
        return []
    index = {p: k for k, p in enumerate(hidden)}
    rows_a, rhs = [], []

    def equation(members, margin):
        a = np.zeros(len(hidden))
        b = 0.0
        for p in members:
            if p in index:
                a[index[p]] += 1
            else:
                b -= grid_published[p[0]][p[1]]
        if margin in index:
            a[index[margin]] -= 1
        else:
            b += grid_published[margin[0]][margin[1]]
        rows_a.append(a)
        rhs.append(b)

    for i in range(n_r):
        equation([(i, j) for j in range(n_c - 1)], (i, n_c - 1))
    for j in range(n_c):
        equation([(i, j) for i in range(n_r - 1)], (n_r - 1, j))
    a_eq, b_eq = np.array(rows_a), np.array(rhs)
    truth = np.array([grid_true[i][j] for i, j in hidden], dtype=float)
    assert np.allclose(a_eq @ truth, b_eq)  # the true table satisfies the attacker's system
    out = []
    for k, p in enumerate(hidden):
        c = np.zeros(len(hidden))
        c[k] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        assert low.status == 0
        top = np.inf if high.status == 3 else -high.fun
        out.append((p, low.fun, top))
    return out


def true_grid(counts):
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(grid[i][j] for i in range(len(counts))) for j in range(len(grid[0]))])
    return grid


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda c: st.lists(
        st.lists(st.one_of(st.integers(0, 12), st.integers(0, 60)), min_size=c, max_size=c),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.integers(min_value=1, max_value=12))
def test_no_small_cell_is_published_and_no_hidden_cell_can_be_solved(counts, threshold):
    table = suppress_table(counts, threshold)
    published = table.grid()
    truth = true_grid(counts)
    for row_p, row_t in zip(published, truth, strict=True):
        for shown, real in zip(row_p, row_t, strict=True):
            assert shown is None or shown == real
            assert shown is None or shown == 0 or shown >= threshold
            assert shown is not None or real > 0  # zeros are never hidden
    for position, low, high in hidden_ranges(published, truth):
        assert high - low >= 1 - 1e-6, (position, low, high)


def test_a_small_subgroup_in_one_school_hides_a_partner_row_and_column():
    counts = [[40, 35, 3], [50, 44, 31], [22, 18, 27]]
    table = suppress_table(counts, 10)
    assert table.cells[0][2] is None
    hidden = [(i, j) for i, row in enumerate(table.cells) for j, v in enumerate(row) if v is None]
    assert len({i for i, _ in hidden}) >= 2
    assert len({j for _, j in hidden}) >= 2
    assert table.total == sum(map(sum, counts))  # the grand total survives


def test_linked_margin_is_hidden_when_asked():
    table = suppress_table([[30, 40], [25, 35]], 10, hide=[(2, 0)])
    assert table.column_totals[0] is None
    assert sum(v is None for row in table.grid() for v in row) >= 4


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        suppress_table([[5]], 0)
    with pytest.raises(ValueError, match="same number"):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError, match="negative"):
        suppress_table([[1, -2]])


def split(column_totals, n_rows, rng):
    """A table with ``n_rows`` rows whose columns sum to ``column_totals``."""
    columns = [
        rng.multinomial(total, rng.dirichlet(np.ones(n_rows) * 0.5)) for total in column_totals
    ]
    return [[int(col[i]) for col in columns] for i in range(n_rows)]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=2, max_size=5),
    st.integers(0, 2**32 - 1),
    st.integers(1, 12),
)
def test_tables_sharing_column_totals_hide_them_together(column_totals, seed, threshold):
    rng = np.random.default_rng(seed)
    group = [split(column_totals, k, rng) for k in (2, 3, 5)]
    results = suppress_tables(group, threshold)
    shown = [r.column_totals for r in results]
    for j in range(len(column_totals)):
        assert len({row[j] for row in shown}) == 1  # the same everywhere
    assert len({r.total for r in results}) == 1
    for table, result in zip(group, results, strict=True):
        for _, low, high in hidden_ranges(result.grid(), true_grid(table)):
            assert high - low >= 1 - 1e-6
