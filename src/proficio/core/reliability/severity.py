"""Rater severity and leniency: who scores harder or softer than their peers.

Two views, because they answer different questions:

* :func:`rater_severity` compares each rater with a consensus score per unit
  (a moderator's score, or the mean of the other raters) and reports the
  mean signed deviation with its standard error. Positive means the rater
  scores *above* consensus (lenient), negative *below* (severe). Simple and
  explainable to a teacher, but a rater who happens to see weaker work looks
  "severe".
* :func:`rasch_severity` fits a many-facet Rasch model (Linacre 1989), rating
  scale version, with facets unit (the student's ability B_u) and rater
  (severity C_r):

      log(P(x) / P(x - 1)) = B_u - C_r - F_x,   x = 1..m,

  by joint maximum likelihood (JMLE). Because abilities are estimated at the
  same time, severity is separated from which students a rater happened to
  score. Severity is in logits, centred at 0 over raters; positive means
  *more severe* (the FACETS convention).

JMLE details: alternating Newton steps for abilities, severities and the
Andrich thresholds F_x (diagonal Hessians, steps capped at 1 logit), a fixed
iteration cap, and convergence when no estimate moves more than
``tolerance``. Units and raters whose every rating is the lowest or the
highest category have infinite maximum-likelihood estimates; as in Winsteps
and FACETS they are set aside (repeatedly, since removing one can make
another extreme) and reported as not estimated. Score values that nobody
used are collapsed so the categories are consecutive.

JMLE bias: with L ratings per unit, JMLE spreads the rater-side estimates
out by about L / (L - 1) (Wright & Douglas 1977; with 6 ratings per unit
that is 20%). By default severities, their standard errors and the
thresholds are multiplied by (L - 1) / L, with L the mean number of ratings
per estimated unit; ``bias_correction=False`` gives the raw JMLE values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import BoolArray, FloatArray, IntArray, as_ratings, as_vector, encode_values
from .errors import InsufficientDataError

__all__ = ["RaschSeverity", "RaterSeverity", "rasch_severity", "rater_severity"]

_MAX_STEP = 1.0  # logits per Newton step


@dataclass(frozen=True, slots=True)
class RaterSeverity:
    """Per rater: mean of (rating - consensus), its standard error, and n.

    A rater with no unit that has a consensus gets ``n == 0`` and NaN
    deviation; with one such unit, NaN standard error.
    """

    mean_deviation: FloatArray
    se: FloatArray
    n: IntArray


def rater_severity(
    data: ArrayLike, consensus: ArrayLike | Literal["mean"] = "mean"
) -> RaterSeverity:
    """Each rater's mean signed deviation from a per-unit consensus score.

    ``consensus`` is either one score per unit (NaN where there is none, e.g.
    a moderator's scores) or ``"mean"``: the mean of the *other* raters who
    scored the unit (leaving the rater out, so they are not compared with
    themselves; units with a single rating then have no consensus).

    Raises:
        InsufficientDataError: no rating could be compared with a consensus.
    """
    ratings = as_ratings(data)
    observed = ~np.isnan(ratings)
    if isinstance(consensus, str):
        if consensus != "mean":
            raise ValueError(f"consensus must be scores per unit or 'mean'; got {consensus!r}")
        totals = np.where(observed, ratings, 0.0).sum(axis=0)
        counts = observed.sum(axis=0)
        others = counts[None, :] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            reference = np.where(
                observed & (others > 0), (totals[None, :] - ratings) / others, np.nan
            )
    else:
        target = as_vector(consensus, "consensus")
        if target.size != ratings.shape[1]:
            raise ValueError(
                f"consensus needs one score per unit ({ratings.shape[1]}); got {target.size}"
            )
        reference = np.broadcast_to(target, ratings.shape)
    deviation = ratings - reference
    usable = ~np.isnan(deviation)
    n = usable.sum(axis=1)
    if not n.any():
        raise InsufficientDataError(
            "need at least 1 rating of a unit that has a consensus score; got 0"
        )
    filled = np.where(usable, deviation, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=1) / n
        squares = np.where(usable, (deviation - mean[:, None]) ** 2, 0.0).sum(axis=1)
        se = np.sqrt(squares / (n - 1) / n)
    mean = np.where(n > 0, mean, np.nan)
    se = np.where(n > 1, se, np.nan)
    return RaterSeverity(mean_deviation=mean, se=se, n=n.astype(np.int64))


@dataclass(frozen=True, slots=True)
class RaschSeverity:
    """Many-facet Rasch (rating scale) estimates in logits.

    ``severity[r]`` is rater r's severity (mean 0 over estimated raters;
    positive = harsher), ``se`` its model standard error; ``ability`` is each
    unit's measure; ``thresholds`` the Andrich thresholds F_1..F_m (sum 0)
    between consecutive ``categories``. Raters and units that could not be
    estimated (extreme or no ratings) have ``rater_estimated`` /
    ``unit_estimated`` False and NaN estimates.
    """

    severity: FloatArray
    se: FloatArray
    ability: FloatArray
    thresholds: FloatArray
    categories: FloatArray
    rater_estimated: BoolArray
    unit_estimated: BoolArray
    iterations: int
    converged: bool


def _prune_extremes(
    rater: IntArray, unit: IntArray, x: IntArray, top: int, shape: tuple[int, int]
) -> BoolArray:
    """Keep-mask over observations after repeatedly dropping extreme raters/units."""
    keep = np.ones(x.size, dtype=bool)
    while True:
        dropped = False
        for index, size in ((unit, shape[1]), (rater, shape[0])):
            count = np.bincount(index[keep], minlength=size)
            lowest = np.bincount(index[keep], weights=(x[keep] == 0), minlength=size)
            highest = np.bincount(index[keep], weights=(x[keep] == top), minlength=size)
            extreme = (count > 0) & ((lowest == count) | (highest == count))
            if extreme.any():
                keep &= ~extreme[index]
                dropped = True
        if not dropped:
            return keep


def _category_probabilities(eta: FloatArray, thresholds: FloatArray) -> FloatArray:
    """P(X = x) for x = 0..m under the rating scale model, one row per observation."""
    steps = np.concatenate([[0.0], np.cumsum(thresholds)])
    logits = np.arange(steps.size)[None, :] * eta[:, None] - steps[None, :]
    logits -= logits.max(axis=1, keepdims=True)
    weights: FloatArray = np.exp(logits)
    totals: FloatArray = weights.sum(axis=1, keepdims=True)
    return weights / totals


def _moments(
    eta: FloatArray, thresholds: FloatArray, scores: FloatArray
) -> tuple[FloatArray, FloatArray]:
    probabilities = _category_probabilities(eta, thresholds)
    expected = probabilities @ scores
    variance = probabilities @ scores**2 - expected**2
    return expected, variance


def _newton(
    residual: FloatArray, information: FloatArray, index: IntArray, size: int
) -> FloatArray:
    gradient = np.bincount(index, weights=residual, minlength=size)
    curvature = np.bincount(index, weights=information, minlength=size)
    step = gradient / np.maximum(curvature, 1e-12)
    return np.clip(step, -_MAX_STEP, _MAX_STEP)


def rasch_severity(
    data: ArrayLike,
    max_iterations: int = 500,
    tolerance: float = 1e-5,
    bias_correction: bool = True,
) -> RaschSeverity:
    """Rater severities from a many-facet Rasch rating scale model fitted by JMLE.

    ``data`` holds whole-number scores (raters x units, NaN = not scored);
    two categories give the dichotomous Rasch model.

    Raises:
        InsufficientDataError: fewer than 2 categories in use, or fewer than
            2 raters left with non-extreme ratings.
    """
    ratings = as_ratings(data)
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1; got {max_iterations}")
    observed = ~np.isnan(ratings)
    values = ratings[observed]
    if (values != np.round(values)).any():
        raise ValueError("rasch_severity needs whole-number scores (rating scale categories)")
    rater_all, unit_all = (index.astype(np.int64) for index in np.nonzero(observed))
    categories, codes = encode_values(values)
    top = categories.size - 1
    if top < 1:
        raise InsufficientDataError(
            f"need at least 2 score categories in use for a Rasch model; got {categories.size}"
        )
    keep = _prune_extremes(rater_all, unit_all, codes, top, ratings.shape)
    rater, unit, x = rater_all[keep], unit_all[keep], codes[keep].astype(np.float64)
    n_raters, n_units = ratings.shape
    rater_ok = np.bincount(rater, minlength=n_raters) > 0
    unit_ok = np.bincount(unit, minlength=n_units) > 0
    if rater_ok.sum() < 2:
        raise InsufficientDataError(
            "need at least 2 raters with ratings that are not all in the lowest or all in "
            f"the highest category; got {int(rater_ok.sum())}"
        )

    scores = np.arange(top + 1, dtype=np.float64)
    # Start abilities at the log-odds of each unit's mean score.
    mean_score = np.bincount(unit, weights=x, minlength=n_units) / np.maximum(
        np.bincount(unit, minlength=n_units), 1
    )
    ability = np.log((mean_score + 0.5) / (top - mean_score + 0.5))
    severity = np.zeros(n_raters)
    thresholds = np.zeros(top)
    at_least = x[:, None] >= scores[None, 1:]  # observation reaches category x
    iterations, converged = 0, False
    while iterations < max_iterations and not converged:
        iterations += 1
        expected, variance = _moments(ability[unit] - severity[rater], thresholds, scores)
        ability_step = _newton(x - expected, variance, unit, n_units)
        ability += ability_step

        expected, variance = _moments(ability[unit] - severity[rater], thresholds, scores)
        severity_step = -_newton(x - expected, variance, rater, n_raters)
        severity += severity_step
        severity -= severity[rater_ok].mean()

        probabilities = _category_probabilities(ability[unit] - severity[rater], thresholds)
        tail = np.cumsum(probabilities[:, ::-1], axis=1)[:, ::-1][:, 1:]  # P(X >= x)
        gradient = tail.sum(axis=0) - at_least.sum(axis=0)
        curvature = (tail * (1.0 - tail)).sum(axis=0)
        threshold_step = np.clip(gradient / np.maximum(curvature, 1e-12), -_MAX_STEP, _MAX_STEP)
        thresholds += threshold_step
        thresholds -= thresholds.mean()

        largest = max(
            float(np.abs(ability_step[unit_ok]).max()),
            float(np.abs(severity_step[rater_ok]).max()),
            float(np.abs(threshold_step).max()),
        )
        converged = largest < tolerance

    _, variance = _moments(ability[unit] - severity[rater], thresholds, scores)
    information = np.bincount(rater, weights=variance, minlength=n_raters)
    with np.errstate(divide="ignore"):
        se = np.where(rater_ok, 1.0 / np.sqrt(information), np.nan)
    if bias_correction:
        per_unit = x.size / float(unit_ok.sum())
        shrink = max(per_unit - 1.0, 0.0) / per_unit
        severity, se, thresholds = severity * shrink, se * shrink, thresholds * shrink
    return RaschSeverity(
        severity=np.where(rater_ok, severity, np.nan),
        se=se,
        ability=np.where(unit_ok, ability, np.nan),
        thresholds=thresholds,
        categories=categories,
        rater_estimated=rater_ok,
        unit_estimated=unit_ok,
        iterations=iterations,
        converged=converged,
    )
