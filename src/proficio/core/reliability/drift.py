"""Drift: is a rater (or a school) getting harsher or softer over sessions?

Why a slope: calibration happens in sessions (each moderation round), and a
rater's deviation from consensus in one session is noisy. A least-squares
line through all of the rater's deviations against the session index shows a
trend; its t test says whether the trend is larger than that noise.

Each deviation is one observation (ordinary least squares over the pooled
deviations, df = n - 2), so sessions with more scored units weigh more. The
test assumes deviations are independent around the line; if whole sessions
shift together for reasons unrelated to the rater (an unusual task), pass
one mean deviation per session instead, which makes the test about sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import as_vector
from ._distributions import t_two_sided_p
from .errors import InsufficientDataError

__all__ = ["DriftResult", "rater_drift"]


@dataclass(frozen=True, slots=True)
class DriftResult:
    """Trend of deviations per session step, with its test.

    ``slope`` is the change in mean deviation per unit of session index
    (positive: drifting towards leniency when deviations are rating minus
    consensus). ``significant`` is ``p_value < alpha``.
    """

    slope: float
    se: float
    intercept: float
    t: float
    df: int
    p_value: float
    significant: bool
    n_observations: int
    n_sessions: int


def rater_drift(sessions: Iterable[tuple[float, ArrayLike]], alpha: float = 0.05) -> DriftResult:
    """Fit deviation = intercept + slope * session and test slope = 0 (two-sided).

    ``sessions`` yields ``(session_index, deviations)`` pairs; deviations are
    signed differences from consensus (e.g. rating minus moderator's score)
    for the units scored in that session. NaN deviations are ignored.

    Raises:
        InsufficientDataError: fewer than 2 distinct sessions with data, or
            fewer than 3 deviations in all.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for index, deviations in sessions:
        values = as_vector(np.atleast_1d(np.asarray(deviations, dtype=np.float64)), "deviations")
        values = values[~np.isnan(values)]
        if not np.isfinite(float(index)):
            raise ValueError(f"session index must be a finite number; got {index!r}")
        xs.append(np.full(values.size, float(index)))
        ys.append(values)
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    n_sessions = int(np.unique(x).size)
    if n_sessions < 2 or x.size < 3:
        raise InsufficientDataError(
            "drift needs deviations from at least 2 different sessions and at least 3 in all; "
            f"got {n_sessions} sessions with data and {x.size} deviations"
        )
    x_centred = x - x.mean()
    sxx = float(x_centred @ x_centred)
    slope = float(x_centred @ (y - y.mean())) / sxx
    intercept = float(y.mean()) - slope * float(x.mean())
    residual = y - intercept - slope * x
    df = x.size - 2
    se = float(np.sqrt(float(residual @ residual) / df / sxx))
    if se > 0.0:
        t = slope / se
        p_value = t_two_sided_p(t, df)
    else:  # every deviation lies on the line
        t = 0.0 if slope == 0.0 else float(np.copysign(np.inf, slope))
        p_value = 1.0 if slope == 0.0 else 0.0
    return DriftResult(
        slope=slope,
        se=se,
        intercept=intercept,
        t=t,
        df=df,
        p_value=p_value,
        significant=p_value < alpha,
        n_observations=int(x.size),
        n_sessions=n_sessions,
    )
