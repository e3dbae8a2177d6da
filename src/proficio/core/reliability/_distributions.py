"""Typed wrappers around the few SciPy distribution functions the kernels use.

Why a wrapper: SciPy ships no type information, so the untyped import is
confined to this module and every caller sees plain ``float`` signatures.
(The ignore also tolerates ``scipy-stubs`` or a config that ignores missing
imports, so the same line passes both the strict and the project mypy runs.)
Why SciPy at all: F and t tail probabilities and quantiles for the ICC and
drift tests need regularized incomplete beta functions and their inverses,
which are easy to get subtly wrong; SciPy's are the reference ones.

Why imported on first use: ``scipy.stats`` costs a process about 20 MiB, and a web
worker imports these kernels with the moderation pages whether or not it computes one.
"""

from __future__ import annotations

from typing import Any


def _stats() -> Any:
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]

    return stats


def f_sf(value: float, df1: float, df2: float) -> float:
    """Upper-tail probability P(F > value) of an F(df1, df2) variable."""
    return float(_stats().f.sf(value, df1, df2))


def f_ppf(probability: float, df1: float, df2: float) -> float:
    """Quantile of the F(df1, df2) distribution."""
    return float(_stats().f.ppf(probability, df1, df2))


def t_two_sided_p(statistic: float, df: float) -> float:
    """Two-sided p-value of a t(df) statistic."""
    return float(2.0 * _stats().t.sf(abs(statistic), df))


def t_ppf(probability: float, df: float) -> float:
    """Quantile of the t(df) distribution."""
    return float(_stats().t.ppf(probability, df))


def norm_ppf(probability: float) -> float:
    """Quantile of the standard normal distribution."""
    return float(_stats().norm.ppf(probability))
