"""Disaggregation: counts, rates and means of student metrics by subgroup, all at once.

Each student is a row; each subgroup dimension (race/ethnicity, English learner,
disability, economic disadvantage, gender) is a column of small integer codes. One
``bincount`` per dimension and metric does the work, so a million students by five
dimensions take a fraction of a second and no loop runs per student or per group.
A metric value of NaN means "no value for this student" (e.g. no pace yet): such a
student counts in the group's size but not in the metric's mean.

The results are raw; anything that leaves a school goes through
:mod:`proficio.core.equity.suppression` first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DIMENSIONS = (
    "race_ethnicity",
    "english_learner",
    "disability",
    "economically_disadvantaged",
    "gender",
)


@dataclass(frozen=True)
class Breakdown:
    """One dimension's groups (columns) within each ``by`` unit (rows, e.g. schools)."""

    dimension: str
    counts: IntArray  # students per (unit, group)
    valued: dict[str, IntArray]  # students with a value, per metric
    sums: dict[str, FloatArray]

    def means(self, metric: str) -> FloatArray:
        """Mean of ``metric`` per (unit, group); NaN where no student has a value."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.valued[metric] > 0, self.sums[metric] / self.valued[metric], np.nan
            )


def disaggregate(
    codes: npt.ArrayLike,
    n_levels: Sequence[int],
    metrics: Mapping[str, npt.ArrayLike],
    *,
    by: npt.ArrayLike | None = None,
    n_by: int = 1,
    dimensions: Sequence[str] = DIMENSIONS,
) -> list[Breakdown]:
    """Group statistics for every dimension (one column of ``codes`` each).

    ``codes`` is (students × dimensions) with values in ``range(n_levels[d])``; ``by``
    (optional) assigns each student a unit in ``range(n_by)``, such as a school.
    A proficiency rate is the mean of a 0/1 metric.
    """
    code_matrix = np.asarray(codes, dtype=np.int64)
    if code_matrix.ndim != 2 or code_matrix.shape[1] != len(n_levels):
        raise ValueError("codes must have one column per dimension")
    n_students = code_matrix.shape[0]
    unit = np.zeros(n_students, np.int64) if by is None else np.asarray(by, dtype=np.int64)
    if unit.shape != (n_students,):
        raise ValueError("by must give one unit per student")
    prepared = {}
    for name, raw in metrics.items():
        values = np.asarray(raw, dtype=np.float64)
        if values.shape != (n_students,):
            raise ValueError(f"metric {name} must give one value per student")
        present = ~np.isnan(values)
        prepared[name] = (present.astype(np.float64), np.where(present, values, 0.0))
    out = []
    for d, levels in enumerate(n_levels):
        key = unit * levels + code_matrix[:, d]
        size = n_by * levels
        shape = (n_by, levels)
        counts = np.bincount(key, minlength=size).reshape(shape)
        valued, sums = {}, {}
        for name, (weights, values) in prepared.items():
            valued[name] = np.bincount(key, weights, minlength=size).astype(np.int64).reshape(shape)
            sums[name] = np.bincount(key, values, minlength=size).astype(np.float64).reshape(shape)
        out.append(Breakdown(dimensions[d], counts.astype(np.int64), valued, sums))
    return out


def predictability(codes: npt.ArrayLike, n_levels: Sequence[int], outcome: npt.ArrayLike) -> float:
    """Share of the variance of ``outcome`` explained by the subgroups: the R² of an OLS
    fit on dummy-coded dimensions (with an intercept). 0 means demographics tell nothing
    about success; 1 means they decide it. Students without an outcome (NaN) are left out.

    The normal equations are assembled from co-occurrence counts (``bincount`` over pairs
    of dimensions) instead of a students × dummies matrix, so memory does not grow with
    the number of students. NaN when fewer than two students have an outcome or it does
    not vary.
    """
    code_matrix = np.asarray(codes, dtype=np.int64)
    y = np.asarray(outcome, dtype=np.float64)
    keep = ~np.isnan(y)
    code_matrix, y = code_matrix[keep], y[keep]
    n = y.size
    if n < 2:
        return float("nan")
    centred = y - y.mean()
    total_ss = float(centred @ centred)
    if total_ss <= 1e-12 * max(1.0, float(y @ y)):
        return float("nan")
    offsets = np.concatenate([[0], np.cumsum(n_levels)]).astype(np.int64)
    width = int(offsets[-1])
    gram = np.zeros((width, width))
    cross = np.zeros(width)
    for a, la in enumerate(n_levels):
        cross[offsets[a] : offsets[a + 1]] = np.bincount(code_matrix[:, a], centred, minlength=la)
        for b in range(a, len(n_levels)):
            lb = n_levels[b]
            block = np.bincount(code_matrix[:, a] * lb + code_matrix[:, b], minlength=la * lb)
            block = block.reshape(la, lb).astype(np.float64)
            gram[offsets[a] : offsets[a + 1], offsets[b] : offsets[b + 1]] = block
            gram[offsets[b] : offsets[b + 1], offsets[a] : offsets[a + 1]] = block.T
    # Centring y absorbs the intercept; every dimension's dummies span the constant,
    # so the fitted values are those of the full model. lstsq copes with the dummies
    # being collinear (the fitted values are unique even though coefficients are not).
    coefficients = np.linalg.lstsq(gram, cross, rcond=None)[0]
    explained = float(coefficients @ cross)
    return min(1.0, max(0.0, explained / total_ss))
