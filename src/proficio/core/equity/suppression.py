"""Small-cell suppression for counts that leave a school.

A count is published only when it is zero or at least ``threshold``; a smaller count
could identify a child (primary suppression). When a group of sibling cells is
published with its total, one hidden cell could be recovered by subtraction, so more
cells are hidden until the hidden ones cannot be told apart (complementary suppression):
at least two hidden cells whose hidden total is at least ``threshold`` and can be split
among them in more than one way. If every
cell ends up hidden, the total is hidden too.

This one-dimensional rule protects a list of siblings and their total; two-way tables
with row and column margins use :func:`suppress_table` below.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 10


def check_threshold(threshold: int) -> int:
    if threshold < 1:
        raise ValueError(f"suppression threshold must be at least 1, got {threshold}")
    return threshold


def suppress_count(n: int, threshold: int = DEFAULT_THRESHOLD) -> int | None:
    """``n`` if it may be published on its own, else None ("fewer than threshold")."""
    check_threshold(threshold)
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    return n if n == 0 or n >= threshold else None


@dataclass(frozen=True)
class SuppressedGroup:
    cells: list[int | None]
    total: int | None


def suppress_group(counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> SuppressedGroup:
    """Suppress sibling ``counts`` and their total so no hidden cell can be derived."""
    check_threshold(threshold)
    cells: list[int | None] = [suppress_count(n, threshold) for n in counts]
    total = sum(counts)
    hidden = [i for i, c in enumerate(cells) if c is None]

    def protected() -> bool:
        # Two or more hidden cells whose hidden total is at least the threshold and can
        # be split between them in more than one way (each hidden cell is at least 1).
        hidden_total = sum(counts[i] for i in hidden)
        return len(hidden) >= 2 and hidden_total >= max(threshold, len(hidden) + 1)

    if hidden:
        # Hide the smallest published non-zero cells until the hidden ones protect
        # each other: two or more, together at least the threshold.
        candidates = sorted(
            (i for i, c in enumerate(cells) if c is not None and c > 0), key=lambda i: counts[i]
        )
        while not protected() and candidates:
            i = candidates.pop(0)
            cells[i] = None
            hidden.append(i)
    published_total: int | None = suppress_count(total, threshold)
    if hidden and not protected():
        published_total = None  # nothing left to hide behind: withhold the total too
    return SuppressedGroup(cells=cells, total=published_total)


# --- Two-way tables -------------------------------------------------------------------
#
# A table of counts (for example subgroup × school) is published with its row totals,
# column totals and grand total. Think of it as an (R+1)×(C+1) grid whose last row and
# column are the margins. Negating the margins (and keeping the grand total positive)
# gives a grid whose every row and column sums to zero; the published numbers are the
# known entries and the hidden ones are unknowns tied by those line sums.
#
# View the hidden cells as edges between the grid's row and column nodes. A walk around
# a cycle of hidden cells (row → column → row …) adds 1 to the zero-sum grid on edges
# walked row → column and subtracts 1 on edges walked column → row; every line sum stays
# the same. In counts the sign flips on the margins (not the grand total). Zeros are
# always published, so an attacker knows every hidden count is at least 1: a hidden
# count of exactly 1 may only grow. A hidden cell can be pinned down exactly when no
# such move changes it, which is a reachability question in a small directed graph:
# can the walk leave the cell in one direction and come back to it. (Every feasible
# change of a network-matrix system splits into such cycles, so the check is exact.)
#
# The rule: hide small counts (primary); make each line with a published margin hide
# at least the threshold between its hidden cells (as for one group); then, for each
# hidden cell that could still be solved, hide the cheapest published cells that close
# a cycle through it (complementary). Hiding every positive count is always safe (the
# true table could be doubled), so the loop ends.


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    def grid(self) -> list[list[int | None]]:
        """The (R+1)×(C+1) grid with the margins as last row and column."""
        rows = [[*row, t] for row, t in zip(self.cells, self.row_totals, strict=True)]
        return [*rows, [*self.column_totals, self.total]]


def suppress_table(
    counts: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    hide: Sequence[tuple[int, int]] = (),
) -> SuppressedTable:
    """Suppress a two-way table of counts and its margins so no hidden cell can be solved.

    ``hide`` names extra grid positions (row, column; margins at index R or C) that must be
    hidden, e.g. a school total already hidden in another table that shares it.
    """
    check_threshold(threshold)
    n_rows = len(counts)
    n_cols = len(counts[0]) if n_rows else 0
    if any(len(row) != n_cols for row in counts):
        raise ValueError("every row of the table must have the same number of cells")
    grid = [[int(v) for v in row] for row in counts]
    if any(v < 0 for row in grid for v in row):
        raise ValueError("a count cannot be negative")
    for row in grid:
        row.append(sum(row))
    grid.append([sum(grid[i][j] for i in range(n_rows)) for j in range(n_cols + 1)])

    hidden: set[tuple[int, int]] = {
        (i, j)
        for i, row in enumerate(grid)
        for j, v in enumerate(row)
        if suppress_count(v, threshold) is None
    }
    for i, j in hide:
        if grid[i][j] > 0:
            hidden.add((i, j))
    _complete_suppression(grid, hidden, threshold)
    shown = [
        [None if (i, j) in hidden else v for j, v in enumerate(row)] for i, row in enumerate(grid)
    ]
    return SuppressedTable(
        cells=[row[:n_cols] for row in shown[:n_rows]],
        row_totals=[row[n_cols] for row in shown[:n_rows]],
        column_totals=shown[n_rows][:n_cols],
        total=shown[n_rows][n_cols],
    )


def _complete_suppression(
    grid: list[list[int]], hidden: set[tuple[int, int]], threshold: int
) -> None:
    """Add complementary suppressions to ``hidden`` in place until no hidden cell is exposed."""
    n_r, n_c = len(grid), len(grid[0]) if grid else 0
    while True:
        changed = False
        # Like the one-way rule: where a line's margin is published, the hidden cells of
        # the line must together reach the threshold, so the margin minus the published
        # cells never narrows a hidden cell to a few values. (A line whose margin is
        # hidden tells only differences, which the cycle rule below protects.)
        lines = [([(i, j) for j in range(n_c - 1)], (i, n_c - 1)) for i in range(n_r)]
        lines += [([(i, j) for i in range(n_r - 1)], (n_r - 1, j)) for j in range(n_c)]
        for members, margin in lines:
            if margin in hidden:
                continue
            if _pad_line(grid, hidden, members, margin, threshold):
                changed = True
        exposed = next((p for p in sorted(hidden) if not _can_move(grid, hidden, p)), None)
        if exposed is not None:
            cover = set(_cheapest_cover(grid, hidden, exposed)) - hidden
            if not cover:  # pragma: no cover - a hidden positive count can always move then
                return
            hidden.update(cover)
            changed = True
        if not changed:
            return


def _pad_line(
    grid: list[list[int]],
    hidden: set[tuple[int, int]],
    members: list[tuple[int, int]],
    margin: tuple[int, int],
    threshold: int,
) -> bool:
    """Hide the smallest published cells of a line until its hidden cells reach the threshold."""
    changed = False
    hidden_sum = sum(grid[i][j] for i, j in members if (i, j) in hidden)
    n_hidden = sum(1 for p in members if p in hidden)
    if n_hidden == 0:
        return False
    candidates = sorted(
        (p for p in members if p not in hidden and grid[p[0]][p[1]] > 0),
        key=lambda p: grid[p[0]][p[1]],
    )
    # Zeros are always published, so each hidden cell is known to be at least 1: the
    # hidden sum must also leave room to split it more than one way.
    while hidden_sum < max(threshold, n_hidden + 1) and candidates:
        i, j = candidates.pop(0)
        hidden.add((i, j))
        hidden_sum += grid[i][j]
        n_hidden += 1
        changed = True
    if hidden_sum < max(threshold, n_hidden + 1):
        hidden.add(margin)  # the line cannot hide its cells behind each other: hide its sum
        changed = True
    return changed


Node = tuple[str, int]  # ("r", row) or ("c", column)


def _directions(grid: list[list[int]], cell: tuple[int, int]) -> list[tuple[Node, Node]]:
    """The ways a move may walk over ``cell``: (from, to) node pairs."""
    i, j = cell
    n_r, n_c = len(grid), len(grid[0])
    row_to_col: tuple[Node, Node] = (("r", i), ("c", j))
    col_to_row: tuple[Node, Node] = (("c", j), ("r", i))
    if grid[i][j] > 1:
        return [row_to_col, col_to_row]
    # A count of 1 may only grow. Walking row → column adds 1 to the zero-sum grid,
    # which is +1 for an inner cell or the grand total and -1 for a margin.
    is_margin = (i == n_r - 1) != (j == n_c - 1)
    return [col_to_row] if is_margin else [row_to_col]


def _can_move(grid: list[list[int]], hidden: set[tuple[int, int]], cell: tuple[int, int]) -> bool:
    """Whether some cycle of hidden cells changes ``cell`` while keeping every count >= 1."""
    arcs: dict[Node, list[Node]] = {}
    for other in hidden:
        if other != cell:
            for a, b in _directions(grid, other):
                arcs.setdefault(a, []).append(b)
    for start, end in _directions(grid, cell):
        seen, stack = {end}, [end]
        while stack:
            node = stack.pop()
            if node == start:
                return True
            for nxt in arcs.get(node, []):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return False


def _cheapest_cover(
    grid: list[list[int]], hidden: set[tuple[int, int]], cell: tuple[int, int]
) -> list[tuple[int, int]]:
    """Published cells to hide so that a cycle moves ``cell``, hiding as little as possible.

    Dijkstra over positive cells: hidden ones cost nothing, published ones their count
    plus one (so fewer cells win among equal counts).
    """
    n_r, n_c = len(grid), len(grid[0])
    arcs: dict[Node, list[tuple[Node, tuple[int, int]]]] = {}
    for i in range(n_r):
        for j in range(n_c):
            if (i, j) != cell and grid[i][j] > 0:
                for a, b in _directions(grid, (i, j)):
                    arcs.setdefault(a, []).append((b, (i, j)))
    best_cost, best_path = math.inf, None
    for start, end in _directions(grid, cell):
        cost_to: dict[Node, float] = {end: 0.0}
        via: dict[Node, tuple[Node, tuple[int, int]]] = {}
        queue: list[tuple[float, Node]] = [(0.0, end)]
        while queue:
            cost, node = heapq.heappop(queue)
            if node == start or cost > cost_to.get(node, math.inf):
                continue
            for nxt, step_cell in arcs.get(node, []):
                step = 0.0 if step_cell in hidden else grid[step_cell[0]][step_cell[1]] + 1.0
                if cost + step < cost_to.get(nxt, math.inf):
                    cost_to[nxt] = cost + step
                    via[nxt] = (node, step_cell)
                    heapq.heappush(queue, (cost + step, nxt))
        if start in via and cost_to[start] < best_cost:
            path, node = [], start
            while node != end:
                node, step_cell = via[node]
                if step_cell not in hidden:
                    path.append(step_cell)
            best_cost, best_path = cost_to[start], path
    if best_path is None:  # pragma: no cover - the positive counts always close one
        return [(i, j) for i in range(n_r) for j in range(n_c) if grid[i][j] > 0]
    return best_path


def suppress_tables(
    tables: Sequence[Sequence[Sequence[int]]], threshold: int = DEFAULT_THRESHOLD
) -> list[SuppressedTable]:
    """Suppress several tables that share their column totals and grand total (e.g. one
    per subgroup dimension, each by school; or yes/no counts of several measures by
    group): a shared total hidden in one is hidden in all, since a reader holding every
    table would otherwise read it from another."""
    check_threshold(threshold)
    hide_columns: set[int] = set()  # a table's column count stands for its grand total
    while True:
        results = [
            suppress_table(t, threshold, hide=[(len(t), j) for j in sorted(hide_columns)])
            for t in tables
        ]
        hidden_now = {j for r in results for j, v in enumerate(r.column_totals) if v is None}
        hidden_now |= {len(r.column_totals) for r in results if r.total is None}
        if hidden_now <= hide_columns:
            return results
        hide_columns |= hidden_now
