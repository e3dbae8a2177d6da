"""The state plan: which indicators count, their weights, the minimum n, and the rules
that identify schools for comprehensive and targeted support.

A plan is plain data (JSON in the database, one immutable version per change).
:func:`parse_plan` reads it and refuses anything wrong with the field named: weights
that do not add up to 1, an unknown indicator, an indicator the state has no data for,
a minimum n below the publication threshold.

**Composite.** A unit (a school, or one subgroup of a school) is *rated* on an indicator
when the indicator's denominator is at least the minimum n. Its composite is the
weighted mean of the scores (:func:`proficio.core.accountability.indicators.score`) of
the indicators it is rated on, the weights rescaled over those: ``Σ wᵢ sᵢ / Σ wᵢ``.
A school whose students number fewer than the minimum n is not rated at all. Nothing
collapses into a letter unless the plan's ``summative`` is ``"letter"``.

**Comprehensive support.** Among rated schools, the ``ceil(lowest_share × rated)``
lowest composites (ties broken by school key), and any school whose 4-year graduation
rate is rated and below ``graduation_floor``. The *cutoff* is the highest composite
among the lowest-share schools.

**Targeted support.** A school with a subgroup (any value of any subgroup dimension)
rated and at or below that year's cutoff in each of the last ``consecutive_years``
years: a consistently underperforming subgroup.

**Reasons** say why a school is or is not identified. A figure appears in a reason only
when it is published (not suppressed), and a composite only when every figure it is
made of is published; otherwise the reason says the figure is withheld (``None``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise as pairs
from typing import Any

from proficio.core.accountability.indicators import GRADUATION, GROWTH, INDICATORS, score

WEIGHT_TOLERANCE = 1e-6
SUMMATIVE = ("none", "letter")
LETTERS = ("A", "B", "C", "D", "F")
ALL = ("all", "all")  # the group of a school's whole population


class PlanError(ValueError):
    """A plan that cannot be used; ``problems`` pairs each field with what is wrong."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.problems))


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    weight: float
    growth_target: float = 1.0  # growth only: the levels per year that score 1


@dataclass(frozen=True)
class Plan:
    indicators: tuple[IndicatorSpec, ...]
    min_n: int
    lowest_share: float = 0.05
    graduation_floor: float | None = None
    consecutive_years: int = 2
    summative: str = "none"
    letter_cutoffs: tuple[float, ...] = ()  # lower bounds of A, B, C, D (F below)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.indicators)

    def spec(self, name: str) -> IndicatorSpec:
        return next(i for i in self.indicators if i.name == name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_plan(
    data: Mapping[str, Any], *, available: Iterable[str] | None = None, threshold: int = 1
) -> Plan:
    """Read a plan, refusing it with every problem named by field.

    ``available`` lists the indicators the state has data for (None: do not check);
    ``threshold`` is the publication threshold the minimum n may not go below, so that
    every rated figure can be published."""
    problems: list[tuple[str, str]] = []
    raw = data.get("indicators")
    specs: list[IndicatorSpec] = []
    if not isinstance(raw, Mapping) or not raw:
        problems.append(("indicators", "name at least one indicator with its weight"))
        raw = {}
    have = None if available is None else set(available)
    for name, conf in raw.items():
        where = f"indicators.{name}"
        if name not in INDICATORS:
            problems.append((where, f"unknown indicator; choose from {', '.join(INDICATORS)}"))
            continue
        if have is not None and name not in have:
            problems.append((where, "no data: the state holds no submissions for this indicator"))
        conf = conf if isinstance(conf, Mapping) else {"weight": conf}
        weight = _number(conf.get("weight"))
        if weight is None or not 0 < weight <= 1:
            problems.append((f"{where}.weight", "a weight is a number above 0 and at most 1"))
            continue
        target = _number(conf.get("growth_target", 1.0))
        if name == GROWTH and (target is None or target <= 0):
            problems.append((f"{where}.growth_target", "the growth target must be above 0"))
            continue
        specs.append(IndicatorSpec(name, weight, target if target is not None else 1.0))
    if specs and len(specs) == len(raw):
        total = sum(s.weight for s in specs)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.append(
                ("indicators", f"the weights add up to {total:g}; they must add up to 1")
            )

    min_n = data.get("min_n")
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        problems.append(("min_n", "the minimum n is a whole number of at least 1"))
        min_n = 1
    elif min_n < threshold:
        problems.append(
            ("min_n", f"the minimum n may not be below the publication threshold ({threshold})")
        )
    share = _number(data.get("lowest_share", 0.05))
    if share is None or not 0 < share < 1:
        problems.append(("lowest_share", "the lowest-performing share lies between 0 and 1"))
        share = 0.05
    floor_raw = data.get("graduation_floor")
    floor = None if floor_raw is None else _number(floor_raw)
    if floor_raw is not None and (floor is None or not 0 < floor < 1):
        problems.append(("graduation_floor", "the graduation floor lies between 0 and 1"))
        floor = None
    if floor is not None and "graduation_4" not in {s.name for s in specs}:
        problems.append(("graduation_floor", "a graduation floor needs the graduation_4 indicator"))
    years = data.get("consecutive_years", 2)
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 5:
        problems.append(("consecutive_years", "consecutive years is a whole number from 1 to 5"))
        years = 2
    summative = data.get("summative", "none")
    cutoffs: tuple[float, ...] = ()
    if summative not in SUMMATIVE:
        problems.append(("summative", "summative is 'none' or 'letter'"))
    elif summative == "letter":
        raw_cut = data.get("letter_cutoffs")
        values = [_number(v) for v in raw_cut] if isinstance(raw_cut, list) else []
        if (
            len(values) != len(LETTERS) - 1
            or any(v is None or not 0 <= v <= 1 for v in values)
            or any(a is not None and b is not None and a <= b for a, b in pairs(values))
        ):
            problems.append(
                ("letter_cutoffs", "give four falling lower bounds between 0 and 1, for A to D")
            )
        else:
            cutoffs = tuple(float(v) for v in values if v is not None)
    if problems:
        raise PlanError(problems)
    return Plan(tuple(specs), int(min_n), share, floor, int(years), str(summative), cutoffs)


# --- Figures, composite and identification ----------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One unit (a school's students, or one of its subgroups) in one year.

    ``values`` and ``n`` give each indicator's value and denominator; ``published``
    says which values leave the state unsuppressed; ``students`` is the unit's size."""

    school: str
    group: tuple[str, str]
    students: int
    students_published: bool
    values: Mapping[str, float] = field(default_factory=dict)
    n: Mapping[str, int] = field(default_factory=dict)
    published: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Composite:
    value: float  # NaN when not rated
    rated: tuple[str, ...]  # indicators the unit is rated on
    published: bool  # every figure it is made of is published


def composite(f: Figures, plan: Plan) -> Composite:
    """The weighted mean of the scores of the indicators the unit is rated on."""
    if f.students < plan.min_n:
        return Composite(float("nan"), (), False)
    total = weight = 0.0
    rated = []
    for spec in plan.indicators:
        value = f.values.get(spec.name, float("nan"))
        if f.n.get(spec.name, 0) < plan.min_n or math.isnan(value):
            continue
        total += spec.weight * score(spec.name, value, growth_target=spec.growth_target)
        weight += spec.weight
        rated.append(spec.name)
    if not rated:
        return Composite(float("nan"), (), False)
    shown = f.students_published and all(f.published.get(name, False) for name in rated)
    return Composite(total / weight, tuple(rated), shown)


def letter(value: float, plan: Plan) -> str | None:
    """The letter for a composite, only when the plan asks for one."""
    if plan.summative != "letter" or math.isnan(value):
        return None
    for grade, bound in zip(LETTERS, plan.letter_cutoffs, strict=False):
        if value >= bound - 1e-12:
            return grade
    return LETTERS[-1]


@dataclass(frozen=True)
class Reason:
    """Why a school is or is not identified. ``params`` hold only published figures;
    a withheld one is None."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Identification:
    school: str
    comprehensive: bool
    targeted: bool
    composite: float | None  # None when not rated or withheld
    rated: bool
    groups: tuple[tuple[str, str], ...]  # the consistently underperforming subgroups
    reasons: tuple[Reason, ...]
    letter: str | None = None


def _shown(value: float, published: bool, digits: int = 3) -> float | None:
    return round(value, digits) if published and not math.isnan(value) else None


def cutoff(schools: Sequence[Figures], plan: Plan) -> tuple[float, set[str]]:
    """The lowest-share cutoff and the schools at or below it, for one year."""
    scored = []
    for f in schools:
        c = composite(f, plan)
        if not math.isnan(c.value):
            scored.append((c.value, f.school))
    if not scored:
        return float("nan"), set()
    scored.sort()
    k = max(1, math.ceil(plan.lowest_share * len(scored) - 1e-9))
    lowest = scored[:k]
    return lowest[-1][0], {s for _, s in lowest}


def identify(years: Mapping[int, Sequence[Figures]], plan: Plan, year: int) -> list[Identification]:
    """Identify the schools of ``year`` (each year's figures: every school's whole
    population and its subgroups), with the reason for every school."""
    if year not in years:
        raise ValueError(f"no figures for {year}")
    by_year: dict[int, dict[str, list[Figures]]] = {}
    cuts: dict[int, float] = {}
    for y, figures in years.items():
        schools = [f for f in figures if f.group == ALL]
        cuts[y] = cutoff(schools, plan)[0]
        for f in figures:
            by_year.setdefault(y, {}).setdefault(f.school, []).append(f)
    cut, lowest = cutoff([f for f in years[year] if f.group == ALL], plan)
    window = [year - k for k in range(plan.consecutive_years)]
    out = []
    for f in sorted((f for f in years[year] if f.group == ALL), key=lambda f: f.school):
        c = composite(f, plan)
        reasons: list[Reason] = []
        rated = not math.isnan(c.value)
        comprehensive = False
        shown_cut = None if math.isnan(cut) else round(cut, 3)
        if not rated:
            reasons.append(Reason("not_rated", {"min_n": plan.min_n}))
        elif f.school in lowest:
            comprehensive = True
            reasons.append(
                Reason(
                    "lowest_share",
                    {
                        "composite": _shown(c.value, c.published),
                        "cutoff": shown_cut,
                        "share": plan.lowest_share,
                    },
                )
            )
        else:
            reasons.append(
                Reason(
                    "above_cutoff", {"composite": _shown(c.value, c.published), "cutoff": shown_cut}
                )
            )
        grad = "graduation_4"
        if (
            plan.graduation_floor is not None
            and f.n.get(grad, 0) >= plan.min_n
            and f.values.get(grad, float("nan")) < plan.graduation_floor
        ):
            comprehensive = True
            reasons.append(
                Reason(
                    "graduation_below_floor",
                    {
                        "rate": _shown(f.values[grad], f.published.get(grad, False)),
                        "floor": plan.graduation_floor,
                    },
                )
            )
        groups = []
        for g in sorted({x.group for x in by_year[year].get(f.school, []) if x.group != ALL}):
            history = []
            for y in window:
                unit = next((x for x in by_year.get(y, {}).get(f.school, []) if x.group == g), None)
                if unit is None or y not in cuts or math.isnan(cuts[y]):
                    break
                uc = composite(unit, plan)
                if math.isnan(uc.value) or uc.value > cuts[y] + 1e-12:
                    break
                history.append((y, uc))
            if len(history) == plan.consecutive_years:
                groups.append(g)
                reasons.append(
                    Reason(
                        "subgroup_underperforming",
                        {
                            "dimension": g[0],
                            "group": g[1],
                            "years": [y for y, _ in history],
                            "composites": [_shown(uc.value, uc.published) for _, uc in history],
                            "cutoffs": [round(cuts[y], 3) for y, _ in history],
                        },
                    )
                )
        if not groups:
            reasons.append(Reason("no_subgroup_underperforming", {"years": plan.consecutive_years}))
        out.append(
            Identification(
                school=f.school,
                comprehensive=comprehensive,
                targeted=bool(groups),
                composite=_shown(c.value, c.published),
                rated=rated,
                groups=tuple(groups),
                reasons=tuple(reasons),
                letter=letter(c.value, plan) if c.published else None,
            )
        )
    return out


@dataclass(frozen=True)
class PreviewRow:
    school: str
    current: Identification | None
    proposed: Identification

    @property
    def change(self) -> str:
        def kind(i: Identification | None) -> str:
            if i is None:
                return "none"
            return "comprehensive" if i.comprehensive else "targeted" if i.targeted else "none"

        before, after = kind(self.current), kind(self.proposed)
        return "same" if before == after else f"{before}→{after}"


@dataclass(frozen=True)
class Preview:
    rows: tuple[PreviewRow, ...]
    counts: Mapping[str, int]


def preview(
    years: Mapping[int, Sequence[Figures]], current: Plan | None, proposed: Plan, year: int
) -> Preview:
    """What a proposed plan would change against the current one on the same figures:
    every school's identification under both, and how many schools change how."""
    after = identify(years, proposed, year)
    before = {i.school: i for i in identify(years, current, year)} if current else {}
    rows = tuple(PreviewRow(i.school, before.get(i.school), i) for i in after)
    counts = {
        "comprehensive_before": sum(1 for i in before.values() if i.comprehensive),
        "comprehensive_after": sum(1 for i in after if i.comprehensive),
        "targeted_before": sum(1 for i in before.values() if i.targeted),
        "targeted_after": sum(1 for i in after if i.targeted),
        "changed": sum(1 for r in rows if r.change != "same"),
    }
    return Preview(rows, counts)


def improvement(before: Figures, now: Figures, names: Iterable[str]) -> dict[str, float | None]:
    """Change since last year per indicator, only where both years' figures are published
    (so no change reveals a suppressed figure)."""
    out: dict[str, float | None] = {}
    for name in names:
        a, b = before.values.get(name, float("nan")), now.values.get(name, float("nan"))
        shown = before.published.get(name, False) and now.published.get(name, False)
        out[name] = round(b - a, 4) if shown and not (math.isnan(a) or math.isnan(b)) else None
    return out


GRADUATION_INDICATORS = GRADUATION
