"""Comparability: do local scores agree with moderated (rescored) scores?

In a comparability study a sample of each school's scored work is rescored
by raters from other schools, and the moderated (consensus) score is taken
as the reference. For each school, criterion or student subgroup this module
reports

* exact and adjacent agreement between the local and the moderated score,
  each with a Wilson score interval (Wilson 1927; it stays inside [0, 1] and
  behaves at small n, unlike the Wald interval);
* the mean signed difference (local minus moderated) with a t interval: a
  school that scores its own students higher than moderators do has a
  positive difference;
* a suggested calibration adjustment: the negated mean difference, offered
  only when its interval excludes 0 (otherwise the difference is noise);
* how many rescored samples would estimate the agreement rate within a given
  margin (the normal-approximation sample size, n = z^2 p (1 - p) / e^2).

Pure numpy + SciPy; tests check the intervals and sample sizes against
statsmodels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import as_vector
from ._distributions import norm_ppf, t_ppf
from .errors import InsufficientDataError

__all__ = [
    "Comparability",
    "MeanDifference",
    "RateDifference",
    "compare_rates",
    "compare_scores",
    "mean_difference",
    "sample_size_for_proportion",
    "wilson_interval",
]


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    return norm_ppf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``successes / n``."""
    if n < 1:
        raise InsufficientDataError("need at least 1 rescored sample for an agreement interval")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie between 0 and n={n}; got {successes}")
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 or n successes the bound is exactly 0 or 1; keep rounding from crossing it.
    low = 0.0 if successes == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if successes == n else min(1.0, max(p, centre + half))
    return low, high


def sample_size_for_proportion(proportion: float, margin: float, confidence: float = 0.95) -> int:
    """Samples needed to estimate ``proportion`` within +/- ``margin``."""
    if not 0.0 <= proportion <= 1.0:
        raise ValueError(f"proportion must lie between 0 and 1; got {proportion}")
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must lie between 0 and 1; got {margin}")
    z = _z(confidence)
    # At p = 0 or 1 the formula gives 0; plan for at least the p = 0.5 worst case's tenth.
    variance = max(proportion * (1 - proportion), 0.025)
    return math.ceil(z * z * variance / (margin * margin) - 1e-9)


@dataclass(frozen=True, slots=True)
class MeanDifference:
    mean: float
    se: float
    ci_low: float
    ci_high: float
    n: int


def mean_difference(differences: ArrayLike, confidence: float = 0.95) -> MeanDifference:
    """Mean of paired differences with its t interval (NaN pairs dropped)."""
    values = as_vector(differences, "differences")
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n < 2:
        raise InsufficientDataError(
            f"need at least 2 rescored samples for a mean difference; got {n}"
        )
    _z(confidence)
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n))
    t = t_ppf(0.5 + confidence / 2, n - 1)
    return MeanDifference(mean, se, mean - t * se, mean + t * se, n)


@dataclass(frozen=True, slots=True)
class Comparability:
    """Agreement between local and moderated scores for one group of samples."""

    n: int
    exact: float
    exact_ci: tuple[float, float]
    adjacent: float
    adjacent_ci: tuple[float, float]
    difference: MeanDifference
    adjustment: float  # add to local scores; 0.0 when the difference is within noise
    needed_for_margin: int  # samples to know exact agreement within +/- margin
    margin: float


def compare_scores(
    local: ArrayLike,
    moderated: ArrayLike,
    *,
    confidence: float = 0.95,
    margin: float = 0.10,
    tolerance: float = 1.0,
) -> Comparability:
    """Compare paired local and moderated scores (NaN in either drops the pair).

    ``tolerance`` is how far apart two scores may be and still count as
    adjacent agreement (1 rubric level by default).

    Raises:
        InsufficientDataError: fewer than 2 complete pairs.
        ValueError: the two arrays differ in length.
    """
    a = as_vector(local, "local")
    b = as_vector(moderated, "moderated")
    if a.shape != b.shape:
        raise ValueError(
            f"local and moderated scores must pair up; got {a.size} and {b.size} scores"
        )
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = int(a.size)
    if n < 2:
        raise InsufficientDataError(
            f"need at least 2 samples with both a local and a moderated score; got {n}"
        )
    gap = np.abs(a - b)
    exact_hits = int((gap == 0).sum())
    adjacent_hits = int((gap <= tolerance).sum())
    difference = mean_difference(a - b, confidence)
    adjustment = -difference.mean if difference.ci_low > 0 or difference.ci_high < 0 else 0.0
    return Comparability(
        n=n,
        exact=exact_hits / n,
        exact_ci=wilson_interval(exact_hits, n, confidence),
        adjacent=adjacent_hits / n,
        adjacent_ci=wilson_interval(adjacent_hits, n, confidence),
        difference=difference,
        adjustment=adjustment,
        needed_for_margin=sample_size_for_proportion(exact_hits / n, margin, confidence),
        margin=margin,
    )


@dataclass(frozen=True, slots=True)
class RateDifference:
    """Agreement rate of group A minus that of group B, with Newcombe's interval."""

    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    n_a: int
    n_b: int

    @property
    def differs(self) -> bool:
        """Whether the interval excludes 0: the groups' comparability really differs."""
        return self.ci_low > 0 or self.ci_high < 0


def compare_rates(
    hits_a: int, n_a: int, hits_b: int, n_b: int, confidence: float = 0.95
) -> RateDifference:
    """Is agreement the same for two groups (e.g. English learners and the others)?

    The interval is Newcombe's (1998) hybrid score interval for a difference of two
    independent proportions, built from each group's Wilson interval; it behaves at small
    n and near 0 or 1, where the Wald interval does not.

    Raises:
        InsufficientDataError: either group has no samples.
    """
    if n_a < 1 or n_b < 1:
        raise InsufficientDataError(
            f"need samples in both groups to compare them; got {n_a} and {n_b}"
        )
    p_a, p_b = hits_a / n_a, hits_b / n_b
    low_a, high_a = wilson_interval(hits_a, n_a, confidence)
    low_b, high_b = wilson_interval(hits_b, n_b, confidence)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return RateDifference(p_a, p_b, difference, max(-1.0, low), min(1.0, high), n_a, n_b)
