"""Mastery rules over millions of evidence rows at once, with no Python loop per group.

A recompute after a policy change, a district report or a Spark partition holds
millions of (student, target) groups. A Python call per group would spend its time in
the interpreter, not the arithmetic. Here every rule of :mod:`.rules` is rewritten as
array operations over the sorted rows: segment boundaries, ``reduceat``, gathers from
small per-length tables, and counting instead of sorting where it can. The results must
equal :func:`proficio.core.mastery.rules.determine` on every group. The property tests
in ``tests/core/test_mastery_batch.py`` hold this module to that.

The rows are processed in blocks of whole groups, about :data:`BLOCK_ROWS` rows each.
The loop runs once per block, so its cost is nothing beside the arithmetic. It matters
for speed: each rule needs several temporary arrays, and at block size they stay in the
CPU cache and reuse the same memory. Whole-column temporaries of tens of megabytes would
go to fresh pages from the operating system every time. Blocks also bound the memory
used, whatever the input size.

Input contract: ``group_ids`` is a 1-D integer array sorted ascending, so each group's
rows are contiguous. Within a group the rows are ordered by ``assessed_at``, oldest
first. ``scores`` is a float array of the same length. The caller encodes (student,
target) pairs as one integer, e.g. ``student_index * n_targets + target_index``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Final

import numpy as np
import numpy.typing as npt

from .rules import DEFAULT_RATE, DEFAULT_WEIGHT, POWER_LAW_FLOOR, as_scores, validate_params

__all__ = ["BLOCK_ROWS", "determine_batch"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BLOCK_ROWS: Final = 1 << 16
"""Rows per block (a block grows to hold a larger group whole). 64 Ki float64 is 512 KiB."""

# Whole, half and quarter points cover the scales schools use. Scaling by a power of
# two is exact in floating point, so such scores become exact integer codes.
_GRID_SCALE: Final = 4.0
_MAX_GRID_CODES: Final = 1 << 20


def determine_batch(
    group_ids: npt.ArrayLike,
    scores: npt.ArrayLike,
    method: str,
    *,
    weight: float = DEFAULT_WEIGHT,
    rate: float = DEFAULT_RATE,
    n: int | None = None,
    threshold: float | None = None,
) -> tuple[IntArray, FloatArray]:
    """Apply ``method`` to every group of rows. Return ``(groups, values)``.

    ``groups`` holds the distinct group ids in ascending order. ``values[i]`` is the
    determination for ``groups[i]``, or NaN where :func:`~.rules.determine` would
    return ``None`` (``n_mastery`` not yet met). Parameters are those of ``determine``.
    """
    validate_params(method, weight=weight, rate=rate, n=n, threshold=threshold)
    g = np.asarray(group_ids)
    if g.ndim != 1 or not (g.size == 0 or np.issubdtype(g.dtype, np.integer)):
        raise ValueError("group_ids must be a one-dimensional integer array")
    s = as_scores(np.asarray(scores))
    if s.shape != g.shape:
        raise ValueError(f"group_ids has {g.size} rows but scores has {s.size}")
    g = g.astype(np.int64, copy=False)
    if g.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    going_back = np.flatnonzero(g[1:] < g[:-1])
    if going_back.size:
        raise ValueError(f"group_ids must be sorted ascending; row {going_back[0] + 1} goes back")

    kernel = _kernel(method, weight=weight, rate=rate, n=n, threshold=threshold)
    groups: list[IntArray] = []
    values: list[FloatArray] = []
    for low, high in _blocks(g):
        block_ids = g[low:high]
        seg = _Segments.of(block_ids)
        groups.append(block_ids[seg.starts])
        values.append(kernel(s[low:high], seg))
    return np.concatenate(groups), np.concatenate(values)


Kernel = Callable[["FloatArray", "_Segments"], "FloatArray"]


def _kernel(
    method: str, *, weight: float, rate: float, n: int | None, threshold: float | None
) -> Kernel:
    if method == "weighted_average":
        return partial(_weighted_average, weight=weight)
    if method == "decaying_average":
        return partial(_decaying_average, rate=rate)
    if method == "n_mastery":
        assert n is not None  # validate_params guarantees n and threshold
        assert threshold is not None
        return partial(_n_mastery, n=n, threshold=threshold)
    kernels: dict[str, Kernel] = {
        "latest": _latest,
        "highest": _highest,
        "mean": _mean,
        "mode": _mode,
        "power_law": _power_law,
    }
    return kernels[method]


def _blocks(g: IntArray) -> list[tuple[int, int]]:
    """Row ranges of about BLOCK_ROWS rows, each starting where a group starts."""
    rough = np.arange(BLOCK_ROWS, g.size, BLOCK_ROWS)
    # Move each cut back to the start of the group it falls in; a long group merges cuts.
    cuts = np.unique(np.searchsorted(g, g[rough], side="left"))
    edges = [0, *cuts[cuts > 0].tolist(), g.size]
    return list(itertools.pairwise(edges))


@dataclass(frozen=True)
class _Segments:
    """Where each group starts and ends within one block of sorted rows."""

    starts: IntArray
    ends: IntArray
    counts: IntArray
    boundary: npt.NDArray[np.bool_]  # boundary[i]: row i + 1 starts a new group

    @classmethod
    def of(cls, g: IntArray) -> _Segments:
        boundary = g[1:] != g[:-1]
        starts = np.concatenate(([0], np.flatnonzero(boundary) + 1))
        ends = np.concatenate((starts[1:] - 1, [g.size - 1]))
        return cls(starts=starts, ends=ends, counts=ends - starts + 1, boundary=boundary)

    @property
    def rows(self) -> int:
        return self.boundary.size + 1

    def rows_from_end(self) -> IntArray:
        """For each row, how many rows of its group come after it (0 for the latest)."""
        return np.repeat(self.ends, self.counts) - np.arange(self.rows)

    def position(self) -> IntArray:
        """For each row, its 0-based position within its group (0 for the oldest)."""
        return np.arange(self.rows) - np.repeat(self.starts, self.counts)


def _latest(s: FloatArray, seg: _Segments) -> FloatArray:
    return s[seg.ends]


def _highest(s: FloatArray, seg: _Segments) -> FloatArray:
    return np.maximum.reduceat(s, seg.starts)


def _mean(s: FloatArray, seg: _Segments) -> FloatArray:
    return np.add.reduceat(s, seg.starts) / seg.counts


def _weighted_average(s: FloatArray, seg: _Segments, *, weight: float) -> FloatArray:
    latest = s[seg.ends]
    earlier = s.copy()
    earlier[seg.ends] = 0.0  # sum the earlier scores directly: no cancellation from total - latest
    earlier_count = seg.counts - 1
    earlier_mean = np.divide(
        np.add.reduceat(earlier, seg.starts),
        earlier_count,
        out=np.zeros(seg.counts.size),
        where=earlier_count > 0,
    )
    return np.where(earlier_count > 0, weight * latest + (1.0 - weight) * earlier_mean, latest)


def _decaying_average(s: FloatArray, seg: _Segments, *, rate: float) -> FloatArray:
    # Closed form: a_n = (1-r)^(n-1) s_1 + sum_{k>=2} r (1-r)^(n-k) s_k. Each exponent counts
    # rows to the end of the group, so it never grows past the group's length and the powers
    # only shrink (towards 0, harmlessly): no overflow, no division. Tabulating the powers
    # once per block replaces a pow per row with a gather.
    keep = 1.0 - rate
    powers = keep ** np.arange(int(seg.counts.max()), dtype=np.float64)
    row_weight = powers[seg.rows_from_end()]
    row_weight *= rate
    row_weight[seg.starts] = powers[seg.counts - 1]  # the first score starts the average
    row_weight *= s
    return np.add.reduceat(row_weight, seg.starts)


def _n_mastery(s: FloatArray, seg: _Segments, *, n: int, threshold: float) -> FloatArray:
    reached = s >= threshold
    count = np.add.reduceat(reached, seg.starts, dtype=np.int64)
    total = np.add.reduceat(np.where(reached, s, 0.0), seg.starts)
    met = count >= n
    mean: FloatArray = np.divide(total, count, out=np.full(count.size, np.nan), where=met)
    return mean


def _mode(s: FloatArray, seg: _Segments) -> FloatArray:
    # For each (group, value) pair: how often the value occurs in the group, and the last
    # row holding it. The mode is the pair with the highest count, ties going to the latest
    # last row. One integer key orders pairs that way: count * rows + last_row.
    rows = s.size
    codes = _grid_codes(s)
    n_groups = seg.starts.size
    if codes is not None and n_groups * codes[1] <= 2 * rows + 1024:
        # Scale scores: count in a dense (group x value) table; no sorting at all.
        value_code, n_codes = codes
        pair = np.repeat(np.arange(0, n_groups * n_codes, n_codes), seg.counts)
        pair += value_code
        count = np.bincount(pair, minlength=n_groups * n_codes)
        last = np.full(count.size, -1, dtype=np.int64)
        np.maximum.at(last, pair, np.arange(rows))
        key = count * rows + last  # a value absent from a group has key -1
        best = key.reshape(n_groups, n_codes).max(axis=1)
    else:
        # Any floats: sort each group's rows by score; equal scores form runs. Sort by
        # score, then stably by group: a block's group index fits 16 bits, for which
        # numpy's stable sort is a radix sort. The order within a run does not matter.
        by_score = np.argsort(s)
        group_dtype = np.uint16 if n_groups <= 1 << 16 else np.int64
        group = np.repeat(np.arange(n_groups, dtype=group_dtype), seg.counts)
        order = by_score[np.argsort(group[by_score], kind="stable")]
        sorted_scores = s[order]
        # Sorting keeps each group's rows where they were, so group boundaries stay put.
        new_run = np.ones(rows, dtype=np.bool_)
        new_run[1:] = (sorted_scores[1:] != sorted_scores[:-1]) | seg.boundary
        run_start = np.flatnonzero(new_run)
        run_length = np.diff(np.append(run_start, rows))
        key = run_length * rows + np.maximum.reduceat(order, run_start)
        best = np.maximum.reduceat(key, np.searchsorted(run_start, seg.starts))
    mode: FloatArray = s[best % rows]
    return mode


def _grid_codes(s: FloatArray) -> tuple[npt.NDArray[np.int32], int] | None:
    """Exact small integer codes for scores on a quarter-point grid (so whole and half
    points too), or None for other scores."""
    low, high = float(s.min()), float(s.max())
    span = (high - low) * _GRID_SCALE
    if max(-low, high) * _GRID_SCALE >= 2.0**31 or span >= _MAX_GRID_CODES:
        return None
    scaled = s * _GRID_SCALE  # exact: the scale is a power of two
    codes = scaled.astype(np.int32)  # truncates, so equal to scaled only for whole numbers
    if not np.array_equal(codes, scaled):
        return None
    codes -= int(low * _GRID_SCALE)
    return codes, int(span) + 1


def _power_law(s: FloatArray, seg: _Segments) -> FloatArray:
    # Least squares on y = ln max(s, floor) against x = ln k. The x statistics depend only
    # on a group's length, so they come from tables indexed by length. Only two sums per
    # group touch the scores: sum(y) and sum((x - mean x) y). Centring keeps the slope
    # free of the cancellation in n*sum(xy) - sum(x)*sum(y).
    longest = int(seg.counts.max())
    log_k = np.log(np.arange(1, longest + 1, dtype=np.float64))
    lengths = np.arange(1, longest + 1, dtype=np.float64)
    mean_x_by_length = np.cumsum(log_k) / lengths
    centred_sq_by_length = np.cumsum(log_k**2) - lengths * mean_x_by_length**2

    mean_x = mean_x_by_length[seg.counts - 1]
    y = np.maximum(s, POWER_LAW_FLOOR)
    np.log(y, out=y)
    x_centred = log_k[seg.position()]
    x_centred -= np.repeat(mean_x, seg.counts)
    x_centred *= y
    sum_y = np.add.reduceat(y, seg.starts)
    sum_xy = np.add.reduceat(x_centred, seg.starts)
    several = seg.counts > 1
    slope = np.divide(
        sum_xy,
        centred_sq_by_length[seg.counts - 1],
        out=np.zeros(seg.counts.size),
        where=several,
    )
    estimate = np.exp(sum_y / seg.counts + slope * (log_k[seg.counts - 1] - mean_x))
    return np.where(several, estimate, s[seg.starts])
