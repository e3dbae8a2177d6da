"""Mastery rules: how one learner's evidence on one learning target becomes one score.

A mastery policy names a rule (the latest score, the highest, a decaying average,
Marzano's power law, …). The rule changes the determination a student and their
family see, so each rule is written once, here, as a pure function of the scores
ordered by ``assessed_at``, oldest first. The web app calls :func:`determine` for one
student and target. Analytics call :func:`proficio.core.mastery.batch.determine_batch`,
which must agree with this module on every group. :func:`explain` gives each score's
weight in the result, so the UI can show *why* a determination is what it is.

Rules (``scores`` is ordered oldest to newest):

``latest``
    the most recent score.
``highest``
    the highest score.
``mean``
    the arithmetic mean.
``mode``
    the most frequent score. A tie goes to the value seen most recently.
``weighted_average``
    ``weight * latest + (1 - weight) * mean(earlier scores)``. This is Canvas's
    "decaying average". With one score the result is that score.
``decaying_average``
    exponential smoothing ``a <- (1 - rate) * a + rate * score``, starting from the first
    score. Equivalently ``(1-r)^(n-1) s_1 + sum_{k>=2} r (1-r)^(n-k) s_k``.
``n_mastery``
    the mean of the scores at or above ``threshold``, once at least ``n`` of them exist.
    Before that there is no determination (``None``).
``power_law``
    Marzano's trend. Least squares on ``ln s_k = ln a + b ln k`` for ``k = 1..n``. The
    estimate is ``a * n^b``, the fitted value at the latest opportunity. The logarithm
    is undefined at 0, so **scores at or below 0 count as** :data:`POWER_LAW_FLOOR`
    ("almost nothing"). A zero therefore pulls the trend down hard: a recent zero
    drags the estimate towards 0, while an early zero makes the growth look steep.
    The floor keeps the logarithm finite without dropping evidence. With a single
    score the result is that score, even when it is 0. The estimate is **not** clamped
    to the scale: a rising trend can project above the top of the scale (1, 2, 3, 4, 5
    gives 5). The caller, who knows the scale, clamps it.

An empty history has no determination (``None``). A bad method or parameter raises
``ValueError`` and names the parameter, because such values come from stored policies
and imports, and a silent fallback would misreport a student.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_RATE",
    "DEFAULT_WEIGHT",
    "METHODS",
    "POWER_LAW_FLOOR",
    "ScoresLike",
    "as_scores",
    "determine",
    "explain",
    "power_law_weights",
    "trend",
    "validate_params",
]

ScoresLike = Sequence[float] | npt.NDArray[Any]
"""Scores for one student and target, oldest first: a list or a 1-D numeric array."""

METHODS: Final = (
    "latest",
    "highest",
    "mean",
    "mode",
    "weighted_average",
    "decaying_average",
    "n_mastery",
    "power_law",
)
"""Every rule :func:`determine` knows, in the order the UI lists them."""

DEFAULT_WEIGHT: Final = 0.65
"""Weight of the latest score in ``weighted_average``; 65 % is Canvas's default."""

DEFAULT_RATE: Final = 0.65
"""Smoothing rate of ``decaying_average``; the same 65 %, so both rules start alike."""

POWER_LAW_FLOOR: Final = 0.01
"""The value that scores at or below 0 take in ``power_law``.

It is a hundredth of a point, below any half-point a scale uses. It is small enough
to read as "nothing shown" and large enough that one zero does not swamp the fit
(ln 0.01 is about -4.6, against ln 4, about 1.4).
"""


def validate_params(
    method: str,
    *,
    weight: float = DEFAULT_WEIGHT,
    rate: float = DEFAULT_RATE,
    n: int | None = None,
    threshold: float | None = None,
) -> None:
    """Raise ``ValueError`` naming the first bad parameter.

    Every parameter given is checked, even if ``method`` does not use it. A policy
    stored with ``weight=2`` is wrong whatever rule it currently names.
    """
    if method not in METHODS:
        raise ValueError(f"unknown mastery method {method!r}; expected one of {', '.join(METHODS)}")
    for name, value in (("weight", weight), ("rate", rate)):
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1):
        raise ValueError(f"n must be a whole number of at least 1, got {n!r}")
    if threshold is not None and not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    if method == "n_mastery":
        if n is None:
            raise ValueError("n_mastery needs n, the number of scores required at the threshold")
        if threshold is None:
            raise ValueError("n_mastery needs threshold, the score that counts as mastery")


def as_scores(scores: ScoresLike) -> npt.NDArray[np.float64]:
    """Return ``scores`` as a 1-D float64 array. Raise ``ValueError`` if it is not finite."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"scores must be finite numbers; position {bad[0]} is {float(array[bad[0]])}"
        )
    return array


def determine(
    scores: ScoresLike,
    method: str,
    *,
    weight: float = DEFAULT_WEIGHT,
    rate: float = DEFAULT_RATE,
    n: int | None = None,
    threshold: float | None = None,
) -> float | None:
    """Summarise one student's scores on one target, oldest first, with ``method``.

    Return ``None`` when there is no determination yet: no scores, or ``n_mastery``
    before ``n`` scores reach ``threshold``. See the module docstring for each rule.

    >>> determine([1, 2, 3, 4, 5], "weighted_average", weight=0.65)
    4.125
    """
    validate_params(method, weight=weight, rate=rate, n=n, threshold=threshold)
    s = as_scores(scores)
    if s.size == 0:
        return None
    if method == "latest":
        return float(s[-1])
    if method == "highest":
        return float(s.max())
    if method == "mean":
        return float(s.sum() / s.size)
    if method == "mode":
        return _mode(s)
    if method == "weighted_average":
        if s.size == 1:
            return float(s[0])
        return float(weight * s[-1] + (1.0 - weight) * (s[:-1].sum() / (s.size - 1)))
    if method == "decaying_average":
        average = float(s[0])
        for score in s[1:].tolist():
            average = (1.0 - rate) * average + rate * score
        return average
    if method == "n_mastery":
        assert n is not None  # validate_params guarantees n and threshold
        assert threshold is not None
        reached = s[s >= threshold]
        if reached.size < n:
            return None
        return float(reached.sum() / reached.size)
    # power_law, the only method left
    if s.size == 1:
        return float(s[0])
    log_scores = np.log(np.maximum(s, POWER_LAW_FLOOR))
    return float(np.exp(power_law_weights(s.size) @ log_scores))


def explain(
    scores: ScoresLike,
    method: str,
    *,
    weight: float = DEFAULT_WEIGHT,
    rate: float = DEFAULT_RATE,
    n: int | None = None,
    threshold: float | None = None,
) -> list[float]:
    """Return each score's weight in ``determine(scores, method, ...)``, oldest first.

    For every rule except ``power_law`` the result is ``sum(w_k * s_k)`` and the weights
    sum to 1. ``highest`` and ``mode`` share the weight equally among the scores that
    hold the chosen value. For ``power_law`` the weights are exact in log space: the
    estimate is ``exp(sum(w_k * ln max(s_k, POWER_LAW_FLOOR)))``, a weighted geometric
    mean. Its weights still sum to 1, but early scores may weigh less than nothing
    (a low start makes the trend steeper). When there is no determination every weight
    is 0, and an empty history gives an empty list.
    """
    validate_params(method, weight=weight, rate=rate, n=n, threshold=threshold)
    s = as_scores(scores)
    size = s.size
    if size == 0:
        return []
    weights = np.zeros(size)
    if method == "latest" or (method in ("weighted_average", "power_law") and size == 1):
        weights[-1] = 1.0
    elif method in ("highest", "mode"):
        chosen = s.max() if method == "highest" else _mode(s)
        holders = s == chosen
        weights[holders] = 1.0 / np.count_nonzero(holders)
    elif method == "mean":
        weights[:] = 1.0 / size
    elif method == "weighted_average":
        weights[:-1] = (1.0 - weight) / (size - 1)
        weights[-1] = weight
    elif method == "decaying_average":
        weights[:] = rate * (1.0 - rate) ** np.arange(size - 1, -1, -1, dtype=np.float64)
        weights[0] = (1.0 - rate) ** (size - 1)
    elif method == "n_mastery":
        assert n is not None  # validate_params guarantees n and threshold
        assert threshold is not None
        reached = s >= threshold
        if np.count_nonzero(reached) >= n:
            weights[reached] = 1.0 / np.count_nonzero(reached)
    else:  # power_law with at least two scores
        weights = power_law_weights(size)
    return [float(w) for w in weights]


def trend(scores: ScoresLike) -> float | None:
    """Return the least-squares slope of score against opportunity (points per opportunity).

    ``None`` for fewer than two scores, where no slope exists.
    """
    s = as_scores(scores)
    if s.size < 2:
        return None
    centred = np.arange(s.size, dtype=np.float64) - (s.size - 1) / 2.0
    return float(centred @ s / (centred @ centred))


def power_law_weights(size: int) -> npt.NDArray[np.float64]:
    """Weights ``w_k`` with ``ln(estimate) = sum(w_k * ln s_k)`` for a history of ``size >= 2``.

    The fitted value of a linear least-squares line at one point is linear in the
    observations. At ``x = ln n``, with ``x_k = ln k``, it is
    ``w_k = 1/n + (ln n - mean(x)) (x_k - mean(x)) / sum((x_j - mean(x))^2)``.
    """
    log_k = np.log(np.arange(1, size + 1, dtype=np.float64))
    centred = log_k - log_k.mean()
    weights: npt.NDArray[np.float64] = 1.0 / size + centred[-1] * centred / (centred @ centred)
    return weights


def _mode(s: npt.NDArray[np.float64]) -> float:
    values = s.tolist()
    counts = Counter(values)
    most = max(counts.values())
    # The last score whose value reaches the top count is the most recent of the tied values.
    return next(float(v) for v in reversed(values) if counts[v] == most)
