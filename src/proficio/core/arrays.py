"""Sorting helpers for the batch kernels: numpy's own, without the work already done.

The kernels hand each other rows sorted once (by group, then time). ``np.unique`` and
``np.lexsort`` would sort them again; these check the order first (one pass) and sort
only when it is not there. ``np.unique`` without ``return_inverse`` hashes in numpy 2,
which is many times slower than a sort on millions of rows: :func:`distinct` sorts.
Each function returns exactly what the numpy call it names returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Sortable = npt.NDArray[Any]  # integers or floats


def _is_sorted(values: Sortable) -> bool:
    return bool(np.all(values[1:] >= values[:-1]))


def groups(values: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(values, return_inverse=True)``: the distinct values, ascending, and
    each row's index among them."""
    if values.size and _is_sorted(values):
        starts = np.r_[True, values[1:] != values[:-1]]
        return values[starts], (np.cumsum(starts) - 1).astype(np.int64)
    found, index = np.unique(values, return_inverse=True)
    return found, index.reshape(-1).astype(np.int64)


def distinct(values: IntArray) -> IntArray:
    """``np.unique(values)`` for integers, by one sort (none if sorted already)."""
    ordered = values if values.size < 2 or _is_sorted(values) else np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def lex_order(last: Sortable, middle: Sortable, first: Sortable) -> IntArray:
    """``np.lexsort((last, middle, first))``: the identity when the rows are in that order
    already (a stable sort leaves them), else the sort. NaN compares as out of order, so
    rows holding one are sorted by ``lexsort`` itself."""
    a, b = (first[1:], middle[1:], last[1:]), (first[:-1], middle[:-1], last[:-1])
    ordered = (a[0] > b[0]) | ((a[0] == b[0]) & ((a[1] > b[1]) | ((a[1] == b[1]) & (a[2] >= b[2]))))
    if bool(ordered.all()):
        return np.arange(first.size, dtype=np.int64)
    return np.lexsort((last, middle, first)).astype(np.int64)
