"""Typed wrappers around the SciPy and HiGHS pieces the publication audit uses.

SciPy ships no type information, so the untyped imports are confined to this module
(as in ``core/reliability/_distributions.py``) and the audit sees plain numpy arrays,
one small :class:`Sparse` class and one :class:`Program` class.

The solver is HiGHS. The audit solves many programs over the same constraints with a
different objective or a few different bounds (the smallest and the largest value of
each hidden cell), so :class:`Program` keeps one HiGHS model alive through ``highspy``
(HiGHS's own Python interface) and re-solves it from the previous basis, which is an
order of magnitude faster than building a new ``scipy.optimize.linprog`` problem each
time. :func:`solve_milp` uses ``scipy.optimize.milp`` (HiGHS too) for the rare bound that
sits on a fractional vertex and must be confirmed in whole numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# SciPy and HiGHS are imported on first use, not with this module: a web worker loads the
# audit with the pages that publish, but only the few requests that audit a release need
# the solvers (SciPy's sparse and optimize modules and HiGHS: about 55 MiB a process).
def _sparse() -> Any:
    from scipy import sparse  # type: ignore[import-untyped, unused-ignore]

    return sparse


def _highspy() -> Any:
    import highspy  # type: ignore[import-untyped, unused-ignore]

    return highspy


class Sparse:
    """A sparse integer matrix in compressed-row form (a thin shell over SciPy's)."""

    def __init__(self, matrix: Any) -> None:
        self._m = _sparse().csr_array(matrix, dtype=np.int64)

    @classmethod
    def from_triplets(
        cls, rows: IntArray, cols: IntArray, data: IntArray, shape: tuple[int, int]
    ) -> Sparse:
        return cls(_sparse().coo_array((data, (rows, cols)), shape=shape).tocsr())

    @classmethod
    def stack(cls, blocks: list[Sparse], shape_cols: int, offsets: list[IntArray]) -> Sparse:
        """Rows of each block on top of each other; block k's column j goes to
        ``offsets[k][j]`` of a matrix with ``shape_cols`` columns."""
        rows, cols, data, n = [], [], [], 0
        for block, where in zip(blocks, offsets, strict=True):
            coo = block._m.tocoo()
            rows.append(np.asarray(coo.row, dtype=np.int64) + n)
            cols.append(where[np.asarray(coo.col, dtype=np.int64)])
            data.append(np.asarray(coo.data, dtype=np.int64))
            n += block.shape[0]
        return cls.from_triplets(
            np.concatenate(rows), np.concatenate(cols), np.concatenate(data), (n, shape_cols)
        )

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self._m.shape[0]), int(self._m.shape[1]))

    def triplets(self) -> tuple[IntArray, IntArray, IntArray]:
        coo = self._m.tocoo()
        return (
            np.asarray(coo.row, dtype=np.int64),
            np.asarray(coo.col, dtype=np.int64),
            np.asarray(coo.data, dtype=np.int64),
        )

    def dot(self, x: npt.NDArray[Any]) -> FloatArray:
        return np.asarray(self._m @ np.asarray(x, dtype=np.float64), dtype=np.float64)

    def abs_dot(self, x: npt.NDArray[Any]) -> FloatArray:
        return np.asarray(abs(self._m) @ np.asarray(x, dtype=np.float64), dtype=np.float64)

    def columns(self, cols: IntArray) -> Sparse:
        return Sparse(self._m[:, cols])

    def rows(self, rows: IntArray) -> Sparse:
        return Sparse(self._m[rows, :])

    def row_entries(self, row: int) -> tuple[IntArray, IntArray]:
        start, end = int(self._m.indptr[row]), int(self._m.indptr[row + 1])
        return (
            np.asarray(self._m.indices[start:end], dtype=np.int64),
            np.asarray(self._m.data[start:end], dtype=np.int64),
        )

    def transpose(self) -> Sparse:
        return Sparse(self._m.T.tocsr())

    def first_column_of_rows(self) -> IntArray:
        """The first stored column of each row (every row must hold one)."""
        return np.asarray(self._m.indices[self._m.indptr[:-1]], dtype=np.int64)

    def nonzero_rows(self) -> IntArray:
        return np.flatnonzero(np.diff(self._m.indptr)).astype(np.int64)

    def bipartite_components(self) -> tuple[int, IntArray]:
        """Connected components of the columns, two columns being linked when a row
        holds both: (count, label of each column)."""
        from scipy.sparse.csgraph import (  # type: ignore[import-untyped, unused-ignore]
            connected_components,
        )

        n_rows = self.shape[0]
        pattern = (self._m != 0).astype(np.int8)
        graph = _sparse().block_array([[None, pattern], [pattern.T, None]], format="csr")
        labels = connected_components(graph, directed=False)[1]
        col_labels = np.asarray(labels[n_rows:], dtype=np.int64)
        used, relabelled = np.unique(col_labels, return_inverse=True)
        return int(used.size), np.asarray(relabelled, dtype=np.int64)

    def to_scipy(self) -> Any:
        return self._m


@dataclass(frozen=True)
class Solution:
    """An LP or MILP result: ``status`` 0 solved, 2 infeasible, 3 unbounded."""

    status: int
    x: FloatArray
    value: float


_MAX_NODES = 2**31 - 1  # HiGHS's own default: no cap
_CUT_POOL = 500  # mip_pool_soft_limit (HiGHS's default 10,000): see Program.whole
_CHOOSE = 0  # simplex_strategy: primal or dual, whichever the starting basis suits


class Program:
    """``matrix @ x == rhs`` with bounds on x, kept alive in HiGHS so that many
    objectives (and bounds) can be solved in turn, each from the last basis."""

    def __init__(self, matrix: Sparse, rhs: FloatArray, lower: FloatArray, upper: FloatArray):
        n_rows, n_cols = matrix.shape
        self.n = n_cols
        self._cols = np.arange(n_cols, dtype=np.int32)
        highspy = self._highspy = _highspy()
        self._inf = float(highspy.kHighsInf)
        # The bare solver class: no banner and no callback machinery per model.
        self._h = highspy._Highs()  # exported, not in the stubs
        self._h.setOptionValue("output_flag", False)
        # HiGHS's default is the dual simplex, right for a change of bounds. A change of
        # objective leaves the last basis primal feasible, where the primal simplex
        # needs a few steps and the dual one starts over: let HiGHS choose per solve.
        self._h.setOptionValue("simplex_strategy", _CHOOSE)
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_ = np.asarray(lower, dtype=np.float64)
        lp.col_upper_ = np.minimum(np.asarray(upper, dtype=np.float64), self._inf)
        lp.row_lower_ = np.asarray(rhs, dtype=np.float64)
        lp.row_upper_ = np.asarray(rhs, dtype=np.float64)
        csc = matrix.to_scipy().tocsc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.asarray(csc.indptr, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(csc.indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(csc.data, dtype=np.float64)
        self._h.passModel(lp)
        self._lp = lp
        self._whole: Any = None

    def bounds(self, lower: FloatArray, upper: FloatArray) -> None:
        self._h.changeColsBounds(
            self.n,
            self._cols,
            np.asarray(lower, dtype=np.float64),
            np.minimum(np.asarray(upper, dtype=np.float64), self._inf),
        )

    def minimize(self, objective: FloatArray) -> Solution:
        """Minimize ``objective @ x``: status 0 solved, 2 infeasible, 3 unbounded."""
        highspy = self._highspy
        self._h.changeColsCost(self.n, self._cols, np.asarray(objective, dtype=np.float64))
        self._h.run()
        status = self._h.getModelStatus()
        if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:  # pragma: no cover
            # Presolve could not tell which; the simplex on the full problem can.
            self._h.setOptionValue("presolve", "off")
            self._h.run()
            status = self._h.getModelStatus()
            self._h.setOptionValue("presolve", "choose")
        if status == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(self._h.getSolution().col_value, dtype=np.float64)
            return Solution(0, x, float(objective @ x))
        if status == highspy.HighsModelStatus.kInfeasible:
            return Solution(2, np.zeros(self.n), float("nan"))
        if status == highspy.HighsModelStatus.kUnbounded:
            return Solution(3, np.zeros(self.n), float("nan"))
        raise RuntimeError(  # pragma: no cover - HiGHS gives one of the above here
            f"HiGHS stopped with {self._h.modelStatusToString(status)}"
        )

    def whole(
        self,
        objective: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
        *,
        gap: float = 0.0,
        nodes: int | None = None,
    ) -> Solution:
        """Minimize ``objective @ x`` over whole-number x within these bounds, in a
        second HiGHS model (with integrality) kept alive beside the linear one.

        ``gap`` and ``nodes`` (a cap on the branch-and-bound nodes, which keeps the
        answer the same on a slow or a fast machine) let HiGHS stop early with a good
        whole-number point rather than a proven optimum: status 0 then means "a
        feasible whole-number point", which is all a caller looking for points needs.
        Status 2 is proven infeasible; status 1 means the node cap was reached with no
        point found."""
        highspy = self._highspy
        if self._whole is None:
            self._whole = highspy._Highs()
            self._whole.setOptionValue("output_flag", False)
            # The searches here stop at the first point within the gap, which one of
            # HiGHS's heuristics finds after the root's cut rounds; on the audit's large
            # components those rounds (thousands of cuts for a program of a few thousand
            # unknowns) took most of a search's time. A smaller cut pool ends them
            # sooner (the synthetic 3-school day two: 234 s to 177 s of CPU, the same
            # answers). It counts cuts, not seconds, so answers stay machine-independent.
            # Handing HiGHS the true values as a first point was tried and does not pay:
            # it skips the early heuristics, and the first day took twice as long.
            self._whole.setOptionValue("mip_pool_soft_limit", _CUT_POOL)
            self._lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n
            self._whole.passModel(self._lp)
        h = self._whole
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("mip_max_nodes", _MAX_NODES if nodes is None else int(nodes))
        h.changeColsBounds(
            self.n,
            self._cols,
            np.asarray(lower, dtype=np.float64),
            np.minimum(np.asarray(upper, dtype=np.float64), self._inf),
        )
        h.changeColsCost(self.n, self._cols, np.asarray(objective, dtype=np.float64))
        h.run()
        status = h.getModelStatus()
        found = h.getInfo().primal_solution_status == 2  # a feasible point is known
        if found:
            x: FloatArray = np.asarray(np.round(h.getSolution().col_value), dtype=np.float64)
            return Solution(0, x, float(objective @ x))
        if status == highspy.HighsModelStatus.kInfeasible:
            return Solution(2, np.zeros(self.n), float("nan"))
        if status == highspy.HighsModelStatus.kUnbounded:  # pragma: no cover
            return Solution(3, np.zeros(self.n), float("nan"))
        return Solution(1, np.zeros(self.n), float("nan"))  # pragma: no cover - node cap


def solve_milp(
    objective: FloatArray,
    matrix: Sparse,
    rhs: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
) -> Solution:
    """The same problem in whole numbers."""
    from scipy.optimize import (  # type: ignore[import-untyped, unused-ignore]
        Bounds,
        LinearConstraint,
        milp,
    )

    constraints = [LinearConstraint(matrix.to_scipy(), rhs, rhs)] if matrix.shape[0] else []
    result = milp(
        objective,
        integrality=np.ones(objective.size),
        bounds=Bounds(lower, upper),
        constraints=constraints,
    )
    x = np.zeros(objective.size) if result.x is None else np.asarray(result.x, dtype=np.float64)
    value = float(result.fun) if result.status == 0 else float("nan")
    # milp reports infeasible as 2 and unbounded as 3, like linprog.
    return Solution(int(result.status), x, value)
