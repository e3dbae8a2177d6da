"""Equity of access: which schools are high-need, and how access differs there.

Federal educator-equity reporting compares the schools in the highest quartile of poverty
with the rest. Here a school is *high-need* when its share of economically disadvantaged
students is in the top quarter of its district's schools (at least one school; ties at
the cut are included), and strictly above the district's lowest share, so that a
district whose schools are all alike has no high-need school to compare.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def high_need(shares: Sequence[float | None]) -> list[bool]:
    """For each school's share (0–1, or None when it has no students), whether it is
    high-need among these schools."""
    known = sorted((s for s in shares if s is not None and not math.isnan(s)), reverse=True)
    if not known:
        return [False for _ in shares]
    for s in known:
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"a share lies between 0 and 1, got {s}")
    quarter = max(1, math.ceil(len(known) / 4))
    cut = known[quarter - 1]
    lowest = known[-1]
    return [s is not None and not math.isnan(s) and s >= cut and s > lowest for s in shares]


@dataclass(frozen=True)
class AccessRate:
    """A yes/no count among a group's people, as a rate (None when it has nobody)."""

    yes: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.yes / self.total if self.total else None


def access_gap(high: AccessRate, other: AccessRate) -> float | None:
    """High-need rate minus the other schools' rate, in percentage points (negative:
    high-need schools have less access); None when either group is empty."""
    if high.rate is None or other.rate is None:
        return None
    return (high.rate - other.rate) * 100.0
