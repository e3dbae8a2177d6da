"""Intraclass correlation: the six Shrout & Fleiss (1979) forms, with F tests and CIs.

Why ICC: for numeric scores it answers "how much of the spread in scores is
real difference between students rather than rater noise", in single-rater
and averaged-rater versions that map onto moderation decisions (can one
teacher's score stand alone, or only the panel's mean?).

Forms (names as in R's psych::ICC; McGraw & Wong 1996 equivalents):

* ICC1  one-way random, single rater         ICC(1,1)
* ICC2  two-way random, absolute agreement   ICC(A,1)
* ICC3  two-way mixed, consistency           ICC(C,1)
* ICC1k, ICC2k, ICC3k: the same for the mean of k raters.

Data are raters x units (rows are raters, columns are the targets rated).

Missing ratings. ``missing="listwise"`` (the default, what psych and SPSS do)
keeps only the units every rater scored and applies the classical balanced
ANOVA formulas; if fewer than 2 complete units remain it raises
:class:`InsufficientDataError` rather than guess. In school moderation most
raters see a small share of the work, so ``missing="available"`` uses every
unit with at least 2 ratings in an unbalanced ANOVA (method of moments):

* one-way: between/within-unit mean squares, with the Snedecor/Searle
  effective group size n0 = (N - sum m_i^2 / N) / (n - 1) in place of k;
* two-way: Henderson's method III ("fitting constants"). The sums of squares
  for units adjusted for raters, R(t | r), and for raters adjusted for units,
  R(r | t), come from the normal equations with the unit effects absorbed:
  a raters x raters system C r = q, solved through its eigendecomposition
  (C is singular; its rank gives the degrees of freedom, so designs whose
  raters fall into unlinked groups are handled too). Their expectations are
  df_t s_e^2 + (N - k) s_t^2  and  df_r s_e^2 + (N - n) s_r^2, and the error
  mean square estimates s_e^2; each ICC is then the ratio of the variance
  components, exactly as in the balanced case. Units with a single rating
  carry no information about agreement and are left out. Cost: a few passes
  over the k x n matrix plus a bit-counting k x k Gram matrix.

Every formula below is written in terms of the coefficients c (the multiplier
of a component in a mean square's expectation), which are k and n for
balanced data, so both paths share one set of F tests and confidence
intervals: exact F tests (the adjusted mean squares are free of the other
random factor), Shrout & Fleiss / McGraw & Wong intervals, Satterthwaite
degrees of freedom for ICC2. With unbalanced data the intervals are the usual
large-sample approximations. Average-rater forms use the Spearman-Brown step
with k_effective raters (k when balanced; the coefficient c otherwise, so that
ICC1k and ICC3k stay (F - 1) / F as in the balanced formulas).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import BoolArray, FloatArray, as_ratings
from ._distributions import f_ppf, f_sf
from .errors import InsufficientDataError

__all__ = ["ICC_FORMS", "ICCForm", "ICCMissing", "ICCResult", "icc"]

ICCMissing = Literal["listwise", "available"]
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")

# A residual sum of squares this small relative to the total is rounding noise.
_RELATIVE_ZERO = 1e-12


@dataclass(frozen=True, slots=True)
class ICCForm:
    """One ICC form with its F test against ICC = 0 and its confidence interval.

    Values and bounds are never NaN. An average-rater form whose single-rater
    value (or bound) is at or below -1/(k - 1) is -inf: the Spearman-Brown
    step has no finite value there, which only happens when raters disagree
    more than chance. ``p_value`` is 0 and ``f`` infinite when raters agree
    perfectly.
    """

    name: str
    description: str
    value: float
    f: float
    df1: float
    df2: float
    p_value: float
    ci_low: float
    ci_high: float
    raters_averaged: float  # 1 for single-rater forms, k (or k_effective) otherwise


@dataclass(frozen=True)
class ICCResult(Mapping[str, ICCForm]):
    """All six forms keyed ``ICC1`` ... ``ICC3k``, plus what data they used."""

    forms: Mapping[str, ICCForm]
    method: ICCMissing
    n_units: int  # units used
    n_raters: int  # raters used
    n_ratings: int  # ratings used
    units_dropped: int  # units left out (incomplete, or fewer than 2 ratings)
    confidence: float

    def __getitem__(self, name: str) -> ICCForm:
        return self.forms[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.forms)

    def __len__(self) -> int:
        return len(self.forms)


@dataclass(frozen=True, slots=True)
class _MeanSquares:
    """Mean squares, degrees of freedom and expectation coefficients."""

    between: float  # one-way: between units
    within: float  # one-way: within units
    df_between: float
    df_within: float
    c_one_way: float  # E[between] = within + c * s_units^2
    units: float  # two-way: units adjusted for raters
    raters: float  # two-way: raters adjusted for units
    error: float
    df_units: float
    df_raters: float
    df_error: float
    c_units: float  # E[units] = error + c_units * s_units^2
    c_raters: float  # E[raters] = error + c_raters * s_raters^2


def _spearman_brown(rho: float, k: float) -> float:
    """Reliability of the mean of k raters from the single-rater value.

    At and below rho = -1/(k - 1) the mean of k raters has no defined
    reliability; the limit there is -inf (for a confidence bound: no bound).
    """
    denominator = 1.0 + (k - 1.0) * rho
    if denominator <= _RELATIVE_ZERO * k:  # rounding must not turn -inf into -1e16
        return -np.inf
    return k * rho / denominator


def _from_f(f_value: float, c: float) -> float:
    """ICC = (F - 1) / (F - 1 + c): the ratio estimate implied by an F ratio."""
    if np.isinf(f_value):
        return 1.0
    return (f_value - 1.0) / (f_value - 1.0 + c)


def _ratio(numerator: float, denominator: float) -> float:
    return np.inf if denominator == 0.0 else numerator / denominator


def _f_interval(
    f_value: float, df1: float, df2: float, c: float, confidence: float
) -> tuple[float, float]:
    """Shrout & Fleiss interval for ICC1 / ICC3 from the F ratio."""
    upper_tail = 1.0 - (1.0 - confidence) / 2.0
    low = _from_f(f_value / f_ppf(upper_tail, df1, df2), c)
    high = _from_f(f_value * f_ppf(upper_tail, df2, df1), c)
    return low, high


def _absolute_interval(ms: _MeanSquares, rho: float, confidence: float) -> tuple[float, float]:
    """McGraw & Wong (1996) interval for ICC(A,1), Satterthwaite df, general c's.

    At rho, E[MS_units] = a E[MS_raters] + b E[MS_error] with
    theta = c_units rho / (1 - rho), a = theta / c_raters and
    b = 1 + theta (c_raters - 1) / c_raters; the bounds solve
    MS_units / (a MS_raters + b MS_error) = F quantile for rho. With
    c_units = k and c_raters = n this is McGraw & Wong's formula exactly.
    """
    if rho >= 1.0:
        return 1.0, 1.0
    upper_tail = 1.0 - (1.0 - confidence) / 2.0
    # Satterthwaite needs non-negative weights a, b: for a negative estimate
    # its degrees of freedom are taken at rho = 0 (a = 0, b = 1: df = df_error).
    theta = ms.c_units * max(rho, 0.0) / (1.0 - rho)
    a = theta / ms.c_raters
    b = 1.0 + theta * (ms.c_raters - 1.0) / ms.c_raters
    combined = a * ms.raters + b * ms.error
    df = combined**2 / ((a * ms.raters) ** 2 / ms.df_raters + (b * ms.error) ** 2 / ms.df_error)
    f_high = f_ppf(upper_tail, ms.df_units, df)
    f_low = f_ppf(upper_tail, df, ms.df_units)
    spread = ms.raters + (ms.c_raters - 1.0) * ms.error

    def bound(f_star: float, numerator: float) -> float:
        theta_bound = np.float64(ms.c_raters * numerator / (f_star * spread))
        with np.errstate(divide="ignore"):  # theta = -c_units exactly: the limit -inf
            return float(theta_bound / (ms.c_units + theta_bound))

    low = bound(f_high, ms.units - f_high * ms.error)
    high = bound(1.0 / f_low, ms.units - ms.error / f_low)
    return low, high


def _forms(ms: _MeanSquares, confidence: float) -> dict[str, ICCForm]:
    f1 = _ratio(ms.between, ms.within)
    p1 = f_sf(f1, ms.df_between, ms.df_within) if np.isfinite(f1) else 0.0
    f2 = _ratio(ms.units, ms.error)
    p2 = f_sf(f2, ms.df_units, ms.df_error) if np.isfinite(f2) else 0.0

    icc1 = _from_f(f1, ms.c_one_way)
    icc3 = _from_f(f2, ms.c_units)
    unit_part = (ms.units - ms.error) / ms.c_units  # s_units^2
    rater_part = (ms.raters - ms.error) / ms.c_raters  # s_raters^2
    if rater_part < 0.0 and (
        unit_part + rater_part + ms.error <= 0.0 or rater_part + ms.error < 0.0
    ):
        # Method of moments can give a negative rater component. Where it would
        # push ICC2 outside its range (very sparse unbalanced data only; never
        # with balanced data) it is set to 0, as is usual for Henderson III.
        ms = replace(ms, raters=ms.error)
        rater_part = 0.0
    icc2 = unit_part / (unit_part + rater_part + ms.error)

    ci1 = _f_interval(f1, ms.df_between, ms.df_within, ms.c_one_way, confidence)
    ci3 = _f_interval(f2, ms.df_units, ms.df_error, ms.c_units, confidence)
    ci2 = _absolute_interval(ms, icc2, confidence)

    def form(
        name: str,
        text: str,
        value: float,
        test: tuple[float, float, float, float],
        ci: tuple[float, float],
        k: float,
    ) -> ICCForm:
        if k != 1.0:
            value = _spearman_brown(value, k)
            ci = (_spearman_brown(ci[0], k), _spearman_brown(ci[1], k))
        f_value, df1, df2, p = test
        return ICCForm(
            name,
            text,
            float(value),
            float(f_value),
            float(df1),
            float(df2),
            float(p),
            float(ci[0]),
            float(ci[1]),
            float(k),
        )

    one_way = (f1, ms.df_between, ms.df_within, p1)
    two_way = (f2, ms.df_units, ms.df_error, p2)
    c1, c2 = ms.c_one_way, ms.c_units
    return {
        "ICC1": form("ICC1", "one-way random, single rater", icc1, one_way, ci1, 1.0),
        "ICC2": form(
            "ICC2", "two-way random, absolute agreement, single rater", icc2, two_way, ci2, 1.0
        ),
        "ICC3": form("ICC3", "two-way mixed, consistency, single rater", icc3, two_way, ci3, 1.0),
        "ICC1k": form("ICC1k", "one-way random, mean of raters", icc1, one_way, ci1, c1),
        "ICC2k": form(
            "ICC2k", "two-way random, absolute agreement, mean of raters", icc2, two_way, ci2, c2
        ),
        "ICC3k": form(
            "ICC3k", "two-way mixed, consistency, mean of raters", icc3, two_way, ci3, c2
        ),
    }


@dataclass(frozen=True, slots=True)
class _Fit:
    """Mean squares plus what data produced them."""

    ms: _MeanSquares
    n_units: int
    n_raters: int
    n_ratings: int
    variance: float  # of the ratings used: the scale for "numerically zero"


def _listwise(ratings: FloatArray) -> _Fit:
    """Balanced two-way ANOVA on the units every rater scored."""
    n_raters, n_units_all = ratings.shape
    complete = ~np.isnan(ratings).any(axis=0)
    n_complete = int(complete.sum())
    if n_raters < 2 or n_complete < 2:
        missing_share = float(np.isnan(ratings).mean()) if ratings.size else 1.0
        raise InsufficientDataError(
            f"ICC (listwise) needs at least 2 raters and at least 2 units scored by every "
            f"rater; got {n_raters} raters and {n_complete} complete units of {n_units_all} "
            f"({missing_share:.1%} of ratings missing). Use icc(data, missing='available') "
            "to use every unit with 2 or more ratings"
        )
    y = ratings[:, complete]
    k, n = float(n_raters), float(n_complete)
    centred = y - float(y.mean())
    unit_effects = centred.mean(axis=0)
    rater_effects = centred.mean(axis=1)
    ss_units = k * float((unit_effects**2).sum())
    ss_raters = n * float((rater_effects**2).sum())
    residual = centred - unit_effects[None, :] - rater_effects[:, None]
    ss_error = float((residual**2).sum())
    ss_total = float((centred**2).sum())
    ss_within = ss_total - ss_units
    ms = _MeanSquares(
        between=ss_units / (n - 1.0),
        within=ss_within / (n * (k - 1.0)),
        df_between=n - 1.0,
        df_within=n * (k - 1.0),
        c_one_way=k,
        units=ss_units / (n - 1.0),
        raters=ss_raters / (k - 1.0),
        error=ss_error / ((n - 1.0) * (k - 1.0)),
        df_units=n - 1.0,
        df_raters=k - 1.0,
        df_error=(n - 1.0) * (k - 1.0),
        c_units=k,
        c_raters=n,
    )
    return _Fit(ms, n_complete, n_raters, y.size, ss_total / y.size)


def _weighted_gram(scored: BoolArray, per_unit: FloatArray) -> FloatArray:
    """sum_i p_i p_i' / m_i over units (p_i: which raters scored unit i), exactly.

    Units are grouped by their number of ratings m; within a group the 0/1
    Gram matrix is a matrix of whole counts, computed by AND-ing bit-packed
    rows and counting bits, then divided by m. This is exact and avoids a
    k x n by n x k floating-point product: on a 2-core machine shared with
    other work, multithreaded BLAS slows such a product (and so the whole
    ICC) by an order of magnitude, while bit counting stays single-threaded.
    """
    order = np.argsort(per_unit, kind="stable")
    sizes = per_unit[order]
    by_size = scored[:, order]
    starts = np.flatnonzero(np.diff(sizes, prepend=-1.0)).tolist()
    ends = [*starts[1:], sizes.size]
    pieces: list[NDArray[np.uint8]] = []
    group_words: list[int] = []  # first 64-bit word of each group
    n_words = 0
    for start, end in zip(starts, ends, strict=True):
        packed = np.packbits(by_size[:, start:end], axis=1)
        packed = np.pad(packed, ((0, 0), (0, -packed.shape[1] % 8)))  # whole words
        pieces.append(packed)
        group_words.append(n_words)
        n_words += packed.shape[1] // 8
    words = np.ascontiguousarray(np.concatenate(pieces, axis=1)).view(np.uint64)
    weights = 1.0 / sizes[starts]
    n_raters = scored.shape[0]
    gram = np.zeros((n_raters, n_raters))
    for rater in range(n_raters):
        shared = np.bitwise_count(words[rater] & words[rater:])
        counts = np.add.reduceat(shared, group_words, axis=1, dtype=np.int64)
        row = (counts * weights).sum(axis=1)
        gram[rater, rater:] = row
        gram[rater:, rater] = row
    return gram


def _available(ratings: FloatArray) -> _Fit:
    """Unbalanced one-way ANOVA and Henderson method III on all usable ratings."""
    observed = ~np.isnan(ratings)
    usable_units = observed.sum(axis=0) >= 2
    usable_raters = (observed & usable_units[None, :]).any(axis=1)
    n, k = int(usable_units.sum()), int(usable_raters.sum())
    if n < 2 or k < 2:
        raise InsufficientDataError(
            "ICC needs at least 2 units scored by 2 or more raters, and 2 raters; "
            f"got {n} such units and {k} raters"
        )
    if usable_units.all() and usable_raters.all():
        y, scored = ratings, observed
    else:
        y = ratings[np.ix_(usable_raters, usable_units)]
        scored = observed[np.ix_(usable_raters, usable_units)]
    per_unit = scored.sum(axis=0).astype(np.float64)  # m_i
    per_rater = scored.sum(axis=1).astype(np.float64)  # n_j
    total_n = float(per_unit.sum())
    # One full-size float64 buffer: ratings shifted by a rough centre, 0 where
    # missing; sums are then centred exactly with the shifted mean.
    sample = y[:, : min(y.shape[1], 256)]
    sample = sample[~np.isnan(sample)]
    shift = float(sample.mean()) if sample.size else 0.0
    buffer = np.zeros_like(y)
    np.subtract(y, shift, out=buffer, where=scored)
    flat = buffer.reshape(-1)
    mean = float(flat.sum()) / total_n
    unit_totals = buffer.sum(axis=0) - per_unit * mean
    rater_totals = buffer.sum(axis=1) - per_rater * mean
    unit_means = unit_totals / per_unit
    ss_total = float(np.einsum("i,i->", flat, flat)) - total_n * mean * mean  # no BLAS
    ss_between = float((unit_totals**2 / per_unit).sum())
    ss_within = ss_total - ss_between
    ss_raters_plain = float((rater_totals**2 / per_rater).sum())
    np.multiply(scored, unit_means[None, :], out=buffer)  # reuse: p_ij * unit mean
    q = rater_totals - buffer.sum(axis=1)

    # Raters adjusted for units: absorb the unit effects and solve C r = q with
    # C = diag(n_j) - sum_i p_i p_i' / m_i (p_i: which raters scored unit i).
    reduced = np.diag(per_rater) - _weighted_gram(scored, per_unit)
    eigenvalues, eigenvectors = np.linalg.eigh(reduced)
    keep = eigenvalues > eigenvalues.max() * 1e-10
    rank = int(keep.sum())
    projected = eigenvectors[:, keep].T @ q
    ss_raters_adjusted = float((projected**2 / eigenvalues[keep]).sum())
    ss_error = ss_within - ss_raters_adjusted
    ss_units_adjusted = ss_between + ss_raters_adjusted - ss_raters_plain

    df_units = float(n + rank - k)
    df_error = total_n - n - rank
    if df_error < 1 or rank < 1 or df_units < 1:
        raise InsufficientDataError(
            "ICC needs ratings that overlap enough to separate rater and unit effects; "
            f"got {int(total_n)} ratings of {n} units by {k} raters "
            f"(error degrees of freedom {int(df_error)})"
        )
    sum_sq_sizes = float((per_unit**2).sum())
    ms = _MeanSquares(
        between=ss_between / (n - 1.0),
        within=ss_within / (total_n - n),
        df_between=n - 1.0,
        df_within=total_n - n,
        c_one_way=(total_n - sum_sq_sizes / total_n) / (n - 1.0),
        units=ss_units_adjusted / df_units,
        raters=ss_raters_adjusted / rank,
        error=ss_error / df_error,
        df_units=df_units,
        df_raters=float(rank),
        df_error=df_error,
        c_units=(total_n - k) / df_units,
        c_raters=(total_n - n) / rank,
    )
    return _Fit(ms, n, k, int(total_n), ss_total / total_n)


def _cleaned(fit: _Fit) -> _MeanSquares:
    """Snap rounding-noise residuals to exact zero and reject constant data."""
    ms, scale = fit.ms, fit.variance
    if scale == 0.0 or ms.between <= _RELATIVE_ZERO * scale:
        raise InsufficientDataError(
            "ICC is undefined: the units' mean scores do not differ "
            "(no between-unit variance); need units that differ in their scores"
        )
    tiny = _RELATIVE_ZERO * scale
    ms = replace(
        ms,
        within=0.0 if ms.within <= tiny else ms.within,
        error=0.0 if ms.error <= tiny else ms.error,
        raters=0.0 if ms.raters <= tiny else ms.raters,
        units=0.0 if ms.units <= tiny else ms.units,
    )
    if ms.units == 0.0 and ms.error == 0.0:
        raise InsufficientDataError(
            "two-way ICC is undefined: once rater differences are allowed for, the units "
            "do not differ and no residual variation is left; need more overlapping ratings"
        )
    return ms


def icc(data: ArrayLike, missing: ICCMissing = "listwise", confidence: float = 0.95) -> ICCResult:
    """The six Shrout & Fleiss ICCs of a raters x units matrix (NaN = not scored).

    ``missing="listwise"`` uses the units every rater scored (classical,
    balanced formulas, as R's psych::ICC); ``missing="available"`` uses every
    unit with 2 or more ratings through the unbalanced ANOVA described in the
    module docstring, and equals the listwise result on complete data.

    Returns an :class:`ICCResult`, a mapping from ``"ICC1"`` ... ``"ICC3k"``
    to :class:`ICCForm` (value, F, df1, df2, p_value, ci_low, ci_high).

    Raises:
        InsufficientDataError: fewer than 2 usable units or raters, or the
            units do not differ at all.
    """
    ratings = as_ratings(data)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    if missing == "listwise":
        fit = _listwise(ratings)
    elif missing == "available":
        fit = _available(ratings)
    else:
        raise ValueError(f"missing must be 'listwise' or 'available'; got {missing!r}")
    return ICCResult(
        forms=_forms(_cleaned(fit), confidence),
        method=missing,
        n_units=fit.n_units,
        n_raters=fit.n_raters,
        n_ratings=fit.n_ratings,
        units_dropped=ratings.shape[1] - fit.n_units,
        confidence=confidence,
    )
