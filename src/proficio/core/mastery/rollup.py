"""Roll-up: learning targets to competencies, competencies to graduate-profile domains.

A competency's standing comes from its children's, by a rule set per competency:

``all``     proficient when every child is (advanced when every child is advanced);
``points``  each proficient child earns its points; required children must be
            proficient; proficient once the points reach the threshold;
``mean``    the mean of the children's values, read on the scale;
``min``     the lowest child value, read on the scale.

Children that are not assessed yet count as not yet proficient for ``all`` and
``points``, and are left out of ``mean`` and ``min`` (which need at least one value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .policy import Scale, Status

MET = frozenset({Status.PROFICIENT, Status.ADVANCED})


@dataclass(frozen=True)
class Child:
    key: str
    status: Status
    value: float | None = None


@dataclass(frozen=True)
class RollupRule:
    method: str = "all"
    points: Mapping[str, float] = field(default_factory=dict)  # per child; 1 when absent
    threshold: float | None = None  # for "points"
    required: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.method not in ("all", "points", "mean", "min"):
            raise ValueError(f"unknown roll-up rule {self.method!r}; use all, points, mean or min")
        if self.method == "points" and (self.threshold is None or self.threshold <= 0):
            raise ValueError("the points rule needs a positive threshold")


@dataclass(frozen=True)
class Rolled:
    status: Status
    value: float | None
    met: int
    of: int


def rollup(children: Sequence[Child], rule: RollupRule, scale: Scale) -> Rolled:
    met = sum(c.status in MET for c in children)
    if not children or all(c.status is Status.NOT_ASSESSED for c in children):
        return Rolled(Status.NOT_ASSESSED, None, met, len(children))
    if rule.method == "all":
        if met == len(children):
            advanced = all(c.status is Status.ADVANCED for c in children)
            return Rolled(
                Status.ADVANCED if advanced else Status.PROFICIENT, None, met, len(children)
            )
        return Rolled(Status.NOT_YET, None, met, len(children))
    if rule.method == "points":
        assert rule.threshold is not None
        earned = sum(rule.points.get(c.key, 1.0) for c in children if c.status in MET)
        required_met = all(c.status in MET for c in children if c.key in rule.required)
        status = Status.PROFICIENT if earned >= rule.threshold and required_met else Status.NOT_YET
        return Rolled(status, earned, met, len(children))
    values = [c.value for c in children if c.value is not None]
    if not values:
        return Rolled(Status.INSUFFICIENT, None, met, len(children))
    value = sum(values) / len(values) if rule.method == "mean" else min(values)
    if scale.advanced is not None and value + 1e-9 >= scale.advanced:
        status = Status.ADVANCED
    elif value + 1e-9 >= scale.mastery:
        status = Status.PROFICIENT
    else:
        status = Status.NOT_YET
    return Rolled(status, value, met, len(children))
