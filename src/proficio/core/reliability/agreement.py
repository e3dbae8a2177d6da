"""Agreement between raters on categorical or ordinal scores.

Why these three: percent agreement is what teachers understand at a glance;
Cohen's kappa corrects it for chance for one pair of raters (e.g. a teacher
against a moderator); Fleiss' kappa does the same for a whole panel, where
each unit may have been scored by different people. All follow the
published formulas so results can be checked against SAS, R and statsmodels.

Orientation: ratings matrices have raters as rows and units as columns,
NaN meaning "not scored".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import FloatArray, IntArray, as_ratings, as_vector, encode_values
from .errors import InsufficientDataError

__all__ = [
    "KappaResult",
    "KappaWeights",
    "agreement_pairs",
    "category_counts",
    "cohen_kappa",
    "cohen_kappa_table",
    "fleiss_kappa",
    "percent_agreement",
]

KappaWeights = Literal["linear", "quadratic"] | None


@dataclass(frozen=True, slots=True)
class KappaResult:
    """Cohen's kappa, its asymptotic standard error and the units it used.

    ``se`` is the large-sample (non-null) standard error of Fleiss, Cohen &
    Everitt (1969), the "ASE" SAS PROC FREQ reports; use it for confidence
    intervals (kappa +/- 1.96 se).
    """

    kappa: float
    se: float
    n: int


def percent_agreement(data: ArrayLike, tolerance: float = 0) -> float:
    """Share of rater pairs that agree on a unit, pooled over all units.

    Every pair of raters who both scored a unit is one comparison; a pair
    agrees when their scores differ by at most ``tolerance`` (0 for exact
    agreement, 1 for "adjacent" agreement on an integer rubric). Pooling the
    pairs (rather than averaging per-unit rates) weights a unit by how many
    comparisons it offers.

    Raises:
        InsufficientDataError: no unit was scored by two or more raters.
    """
    agreeing, total = agreement_pairs(data, tolerance)
    if total == 0:
        raise InsufficientDataError(
            "need at least 2 raters who scored the same unit; got 0 pairable units"
        )
    return agreeing / total


def agreement_pairs(data: ArrayLike, tolerance: float = 0) -> tuple[int, int]:
    """The two counts :func:`percent_agreement` is the ratio of: the agreeing pairs
    and all pairs (both 0 when no unit was scored by two raters)."""
    ratings = as_ratings(data)
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance}")
    observed = ~np.isnan(ratings)
    per_unit = observed.sum(axis=0).astype(np.int64)
    total_pairs = int((per_unit * (per_unit - 1) // 2).sum())
    if total_pairs == 0:
        return 0, 0
    # Sort the observations by (unit, value) as exact integer keys; then each
    # observation counts the earlier ones of its unit whose value lies within
    # the tolerance. O(N log N) in the number of ratings, no loop over units.
    units = np.nonzero(observed)[1].astype(np.int64)
    distinct, codes = encode_values(ratings[observed])
    size = distinct.size
    lowest_within = np.searchsorted(distinct, distinct - tolerance, side="left")
    keys = np.sort(units * size + codes)
    low_keys = keys - keys % size + lowest_within[keys % size]
    first_within = np.searchsorted(keys, low_keys, side="left")
    agreeing_pairs = int((np.arange(keys.size) - first_within).sum())
    return agreeing_pairs, total_pairs


def _agreement_weights(n_categories: int, weights: KappaWeights) -> FloatArray:
    """Agreement weights (1 on the diagonal) over category positions."""
    positions = np.arange(n_categories, dtype=np.float64)
    distance = np.abs(positions[:, None] - positions[None, :]) / max(n_categories - 1, 1)
    if weights is None:
        return np.eye(n_categories)
    if weights == "linear":
        return 1.0 - distance
    if weights == "quadratic":
        return 1.0 - distance**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic'; got {weights!r}")


def cohen_kappa_table(table: ArrayLike, weights: KappaWeights = None) -> KappaResult:
    """Cohen's kappa from a square contingency table (rows: rater A's category).

    ``weights`` ``"linear"`` or ``"quadratic"`` give partial credit by the
    distance between category positions (Cohen 1968), as scikit-learn and
    statsmodels do. The standard error is the asymptotic (non-null) one of
    Fleiss, Cohen & Everitt (1969) in its weighted form, which reduces to the
    unweighted formula for identity weights.

    Raises:
        InsufficientDataError: the table is empty, or chance agreement is 1
            (both raters used one and the same category), so kappa is 0/0.
    """
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"table must be square; got shape {counts.shape}")
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("table must hold finite, non-negative counts")
    n = float(counts.sum())
    if n == 0:
        raise InsufficientDataError("need at least 1 unit scored by both raters; got 0")
    w = _agreement_weights(counts.shape[0], weights)
    p = counts / n
    row = p.sum(axis=1)
    col = p.sum(axis=0)
    p_observed = float((w * p).sum())
    p_chance = float((w * np.outer(row, col)).sum())
    if np.isclose(p_chance, 1.0, rtol=0.0, atol=1e-12):
        raise InsufficientDataError(
            "kappa is undefined: chance agreement is 1 because both raters used "
            "only one category; need at least 2 categories in use"
        )
    kappa = (p_observed - p_chance) / (1.0 - p_chance)
    mean_w_row = w @ col  # for each category i of rater A: sum_j p.j w_ij
    mean_w_col = row @ w  # for each category j of rater B: sum_i pi. w_ij
    spread = w - (mean_w_row[:, None] + mean_w_col[None, :]) * (1.0 - kappa)
    variance = (float((p * spread**2).sum()) - (kappa - p_chance * (1.0 - kappa)) ** 2) / (
        n * (1.0 - p_chance) ** 2
    )
    return KappaResult(kappa=float(kappa), se=float(np.sqrt(max(variance, 0.0))), n=int(n))


def cohen_kappa(
    rater_a: ArrayLike,
    rater_b: ArrayLike,
    weights: KappaWeights = None,
    categories: ArrayLike | None = None,
) -> KappaResult:
    """Cohen's kappa between two raters' scores of the same units.

    ``rater_a[i]`` and ``rater_b[i]`` are the two scores of unit ``i``; units
    that either rater left blank (NaN) are skipped. Categories default to the
    sorted values either rater used; pass ``categories`` (the whole scale)
    when a weighted kappa must count unused levels in its distances.

    Raises:
        InsufficientDataError: no unit scored by both, or only one category
            in use.
    """
    a = as_vector(rater_a, "rater_a")
    b = as_vector(rater_b, "rater_b")
    if a.shape != b.shape:
        raise ValueError(f"rater_a and rater_b must be the same length; got {a.size} and {b.size}")
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if a.size == 0:
        raise InsufficientDataError("need at least 1 unit scored by both raters; got 0")
    if categories is None:
        levels = np.unique(np.concatenate([a, b]))
    else:
        levels = np.unique(as_vector(categories, "categories"))
        if np.isnan(levels).any():
            raise ValueError("categories must not contain NaN")
    size = levels.size
    if size == 0:
        raise ValueError("categories must not be empty")
    code_a = np.minimum(np.searchsorted(levels, a), size - 1)
    code_b = np.minimum(np.searchsorted(levels, b), size - 1)
    if (levels[code_a] != a).any() or (levels[code_b] != b).any():
        raise ValueError("a score is not among the given categories")
    table = np.bincount(code_a * size + code_b, minlength=size * size).reshape(size, size)
    return cohen_kappa_table(table, weights)


def category_counts(
    data: ArrayLike, categories: ArrayLike | None = None
) -> tuple[FloatArray, IntArray]:
    """Turn a raters x units matrix into (categories, units x categories counts).

    The counts matrix is what :func:`fleiss_kappa` takes.
    """
    ratings = as_ratings(data)
    observed = ~np.isnan(ratings)
    if categories is None:
        levels = np.unique(ratings[observed])
    else:
        levels = np.unique(as_vector(categories, "categories"))
    units = np.nonzero(observed)[1]
    values = ratings[observed]
    codes = np.minimum(np.searchsorted(levels, values), max(levels.size - 1, 0))
    if values.size and (levels.size == 0 or (levels[codes] != values).any()):
        raise ValueError("a score is not among the given categories")
    n_units = ratings.shape[1]
    counts = np.bincount(units * levels.size + codes, minlength=n_units * levels.size)
    return levels, counts.reshape(n_units, levels.size).astype(np.int64)


def fleiss_kappa(counts: ArrayLike) -> float:
    """Fleiss' (1971) kappa from a subjects x categories matrix of counts.

    ``counts[i, j]`` is how many raters put subject (unit) ``i`` in category
    ``j``. Fleiss assumed the same number of raters per subject; when the row
    totals differ, each subject's agreement uses its own total and category
    shares are pooled over all ratings (the usual generalization; identical
    to Fleiss' formula for equal totals). Subjects with fewer than 2 ratings
    offer no pair to compare and are left out.

    Raises:
        InsufficientDataError: no subject has 2 ratings, or every rating is in
            one category (chance agreement 1).
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError(f"counts must be 2-D (subjects x categories); got shape {table.shape}")
    if not np.isfinite(table).all() or (table < 0).any() or (table != np.round(table)).any():
        raise ValueError("counts must be non-negative whole numbers")
    totals = table.sum(axis=1)
    table, totals = table[totals >= 2], totals[totals >= 2]
    if totals.size == 0:
        raise InsufficientDataError(
            "need at least 1 subject rated by 2 or more raters; got 0 pairable subjects"
        )
    per_subject = ((table**2).sum(axis=1) - totals) / (totals * (totals - 1))
    p_observed = float(per_subject.mean())
    shares = table.sum(axis=0) / totals.sum()
    p_chance = float((shares**2).sum())
    if np.isclose(p_chance, 1.0, rtol=0.0, atol=1e-12):
        raise InsufficientDataError(
            "Fleiss' kappa is undefined: every rating is in one category; "
            "need at least 2 categories in use"
        )
    return (p_observed - p_chance) / (1.0 - p_chance)
