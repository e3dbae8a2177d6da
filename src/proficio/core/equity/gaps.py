"""Confidence intervals for equity gaps: a group's rate against all students' rate.

A group is part of "all students", so the two rates are not independent. With ``w`` the
group's share of all students, ``p_group - p_all = (1 - w) · (p_group - p_rest)``, where
the rest are the students outside the group: two independent samples. The interval is
Newcombe's hybrid score interval for ``p_group - p_rest`` (built from the two Wilson
intervals, :func:`proficio.core.reliability.comparability.wilson_interval`), scaled by
``1 - w``. It stays within [-1, 1], behaves at 0 % and 100 %, and is exact algebra, not
an approximation of the dependence.

The counts are the published ones: a caller passes only figures that survived
suppression, so an interval never reveals a withheld count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from proficio.core.reliability.comparability import wilson_interval


@dataclass(frozen=True)
class GapInterval:
    """A gap in percentage points with its confidence interval (also in points)."""

    gap: float
    low: float
    high: float


def newcombe_difference(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``k1/n1 - k2/n2`` with Newcombe's hybrid score interval (his method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(-1.0, low), min(1.0, high)


def gap_against_all(
    group_hits: int, group_n: int, all_hits: int, all_n: int, confidence: float = 0.95
) -> GapInterval:
    """The gap between a group's rate and all students' rate (the group among them), in
    percentage points, with its interval."""
    if not 0 < group_n <= all_n:
        raise ValueError(f"a group needs 1 to {all_n} students; got {group_n}")
    if not 0 <= group_hits <= group_n or not 0 <= all_hits - group_hits <= all_n - group_n:
        raise ValueError("the counts do not fit: hits must lie within each group")
    if group_n == all_n:
        return GapInterval(0.0, 0.0, 0.0)  # the group is everyone
    weight = 1.0 - group_n / all_n
    d, low, high = newcombe_difference(
        group_hits, group_n, all_hits - group_hits, all_n - group_n, confidence
    )
    return GapInterval(100.0 * weight * d, 100.0 * weight * low, 100.0 * weight * high)


__all__ = ["GapInterval", "gap_against_all", "newcombe_difference"]
