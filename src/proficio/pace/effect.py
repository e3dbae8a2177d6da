"""Did support help? Growth (levels per year) before a plan started against after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from proficio.core.progression import pace as core
from proficio.pace import engine
from proficio.pace.models import SupportPlan


@dataclass(frozen=True)
class Effect:
    plan: SupportPlan
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def _mean_growth(series: list[list[tuple[dt.date, float]]]) -> float | None:
    rates = [g.per_year for s in series if (g := core.growth(s)) is not None]
    return float(np.mean(rates)) if rates else None


def plan_effect(plan: SupportPlan) -> Effect:
    by_competency = engine.observations(plan.student)
    before, after = [], []
    for obs in by_competency.values():
        before.append([(d, v) for d, v in obs if d < plan.start_on])
        prior = [v for d, v in obs if d < plan.start_on]
        since = [(d, v) for d, v in obs if d >= plan.start_on]
        if since and prior:
            since.insert(0, (plan.start_on, prior[-1]))  # where the student stood at the start
        after.append(since)
    return Effect(plan, _mean_growth(before), _mean_growth(after))


@dataclass(frozen=True)
class Report:
    effects: list[Effect]
    mean_before: float | None
    mean_after: float | None
    compared: int


def report(plans: Sequence[SupportPlan]) -> Report:
    effects = [plan_effect(p) for p in plans]
    both = [e for e in effects if e.change is not None]
    return Report(
        effects,
        float(np.mean([e.before for e in both])) if both else None,
        float(np.mean([e.after for e in both])) if both else None,
        len(both),
    )
