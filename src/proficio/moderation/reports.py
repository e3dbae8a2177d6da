"""What moderation sessions show: agreement statistics, disagreements, rater feedback and
comparability. Reads only; the numbers come from ``proficio.core.reliability``.

Every statistic is a :class:`Figure`: its value with the plain-language band, or, when
the data cannot support it, the reason (never a silent NaN).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.core.equity.suppression import DEFAULT_THRESHOLD
from proficio.core.reliability import (
    InsufficientDataError,
    category_counts,
    compare_rates,
    compare_scores,
    fleiss_kappa,
    icc,
    interpret,
    krippendorff_alpha,
    percent_agreement,
    rasch_severity,
    rater_drift,
    rater_severity,
)
from proficio.frameworks.models import RubricCriterion
from proficio.moderation.actions import criteria_of
from proficio.moderation.models import (
    Assignment,
    Consensus,
    ModerationSession,
    Rater,
    RaterScore,
    SessionStatus,
    WorkSample,
)


@dataclass
class Figure:
    label: str
    value: float | None = None
    display: str = ""
    band: str = ""
    detail: str = ""
    missing: str = ""  # why there is no value


def figure(
    label: str, compute: Callable[[], Any], show: Callable[[Any], tuple[Any, ...]]
) -> Figure:
    """Run ``compute``; on too little data keep its message instead of a number."""
    try:
        result = compute()
    except InsufficientDataError as exc:
        return Figure(label=label, missing=str(exc))
    value, display, band, detail = show(result)
    return Figure(label=label, value=value, display=display, band=band, detail=detail)


def _pct(x: float) -> str:
    return f"{round(100 * x) + 0:.0f}%"


def _num(x: float, signed: bool = False) -> str:
    """Two decimals, never "-0.00"."""
    value = round(x, 2) + 0.0
    return f"{value:+.2f}" if signed else f"{value:.2f}"


@dataclass
class Grid:
    """All submitted scores of a session, indexed for the kernels."""

    raters: list[Rater]
    samples: list[WorkSample]
    criteria: list[RubricCriterion]
    scores: dict[tuple[int, int, int], float]  # (rater, sample, criterion) -> score
    notes: dict[tuple[int, int, int], str]
    consensus: dict[tuple[int, int], Consensus]  # (sample, criterion)

    def matrix(self, criterion: RubricCriterion) -> np.ndarray:
        """Raters x samples for one criterion; NaN where not (yet) scored."""
        m = np.full((len(self.raters), len(self.samples)), np.nan)
        for i, r in enumerate(self.raters):
            for j, s in enumerate(self.samples):
                v = self.scores.get((r.pk, s.pk, criterion.pk))
                if v is not None:
                    m[i, j] = v
        return m

    def consensus_vector(self, criterion: RubricCriterion) -> np.ndarray:
        return np.array(
            [
                c.score if (c := self.consensus.get((s.pk, criterion.pk))) else np.nan
                for s in self.samples
            ]
        )

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """Raters x (sample, criterion) units, with the consensus per unit."""
        if not self.criteria:
            return np.empty((len(self.raters), 0)), np.empty(0)
        return (
            np.hstack([self.matrix(c) for c in self.criteria]),
            np.concatenate([self.consensus_vector(c) for c in self.criteria]),
        )


def load_grid(session: ModerationSession) -> Grid:
    raters = list(session.raters.select_related("user", "school").order_by("pk"))
    samples = list(session.samples.select_related("origin_school").order_by("code"))
    criteria = criteria_of(session.rubric)
    scores: dict[tuple[int, int, int], float] = {}
    notes: dict[tuple[int, int, int], str] = {}
    rows = RaterScore.objects.filter(
        assignment__rater__session=session, assignment__submitted_at__isnull=False
    ).values_list("assignment__rater_id", "assignment__sample_id", "criterion_id", "score", "note")
    for rater, sample, criterion, score, note in rows:
        scores[(rater, sample, criterion)] = score
        if note:
            notes[(rater, sample, criterion)] = note
    consensus = {
        (c.sample_id, c.criterion_id): c for c in Consensus.objects.filter(sample__session=session)
    }
    return Grid(raters, samples, criteria, scores, notes, consensus)


# -- Session statistics ----------------------------------------------------------------------


@dataclass
class CriterionStatistics:
    criterion: RubricCriterion
    ratings: int
    figures: list[Figure] = field(default_factory=list)


def _icc_show(form: str) -> Callable[[Any], tuple[Any, ...]]:
    def show(result: Any) -> tuple[Any, ...]:
        f = result[form]
        if not math.isfinite(f.value):
            return (None, "—", _("raters disagree more than chance"), "")
        return (
            f.value,
            _num(f.value),
            interpret(form, max(min(f.value, 1.0), -1.0)),
            _("95%% interval %(low)s to %(high)s; F test p = %(p)s")
            % {"low": _num(f.ci_low), "high": _num(f.ci_high), "p": f"{f.p_value:.3f}"},
        )

    return show


def _fleiss(m: np.ndarray) -> float:
    return fleiss_kappa(category_counts(m)[1])


def criterion_statistics(grid: Grid) -> list[CriterionStatistics]:
    out = []
    for criterion in grid.criteria:
        m = grid.matrix(criterion)
        stats = CriterionStatistics(criterion, int((~np.isnan(m)).sum()))
        stats.figures = [
            figure(
                _("Exact agreement"),
                partial(percent_agreement, m, 0),
                lambda v: (v, _pct(v), "", _("share of rater pairs giving the same score")),
            ),
            figure(
                _("Adjacent agreement"),
                partial(percent_agreement, m, 1),
                lambda v: (v, _pct(v), "", _("scores within one level")),
            ),
            figure(
                _("Krippendorff's alpha (ordinal)"),
                partial(krippendorff_alpha, m, "ordinal"),
                lambda v: (v, _num(v), interpret("krippendorff_alpha", v), ""),
            ),
            figure(
                _("Fleiss' kappa"),
                partial(_fleiss, m),
                lambda v: (v, _num(v), interpret("fleiss_kappa", v), _("agreement beyond chance")),
            ),
            figure(
                _("ICC(2,1): one rater's score"),
                partial(icc, m, missing="available"),
                _icc_show("ICC2"),
            ),
            figure(
                _("ICC(2,k): the panel's mean score"),
                partial(icc, m, missing="available"),
                _icc_show("ICC2k"),
            ),
        ]
        out.append(stats)
    return out


# -- Reveal and discuss ----------------------------------------------------------------------


@dataclass
class RevealRow:
    sample: WorkSample
    spread: float  # the largest max - min over criteria
    cells: list[dict[str, Any]]  # per criterion: scores (label, value, mine), consensus


def pseudonyms(grid: Grid) -> dict[int, str]:
    """Raters appear as "Rater A", "Rater B"… in the side-by-side view, by the letter
    each drew at random when scoring opened (never by the order of the panel)."""
    return {r.pk: _("Rater %(letter)s") % {"letter": r.letter or "?"} for r in grid.raters}


def reveal_rows(grid: Grid, viewer: User) -> list[RevealRow]:
    names = pseudonyms(grid)
    rows = []
    for s in grid.samples:
        cells = []
        spread = 0.0
        for c in grid.criteria:
            scores: list[dict[str, Any]] = [
                {
                    "label": names[r.pk],
                    "value": grid.scores[(r.pk, s.pk, c.pk)],
                    "note": grid.notes.get((r.pk, s.pk, c.pk), ""),
                    "mine": r.user_id == viewer.pk,
                }
                for r in grid.raters
                if (r.pk, s.pk, c.pk) in grid.scores
            ]
            values: list[float] = [float(x["value"]) for x in scores]
            if len(values) >= 2:
                spread = max(spread, max(values) - min(values))
            consensus = grid.consensus.get((s.pk, c.pk))
            cells.append(
                {
                    "criterion": c,
                    "scores": scores,
                    "median": float(np.median(values)) if values else None,
                    "spread": (max(values) - min(values)) if values else 0.0,
                    "consensus": consensus,
                }
            )
        rows.append(RevealRow(s, spread, cells))
    # Disagreements first: the discussion starts where the panel is furthest apart.
    rows.sort(key=lambda row: (-row.spread, row.sample.code))
    return rows


# -- Rater feedback --------------------------------------------------------------------------


def _classify(mean: float, se: float, n: int) -> str:
    if n < 2 or not math.isfinite(se) or se == 0:
        return (
            _("not enough scores to tell")
            if n < 2
            else (_("more lenient") if mean > 0 else _("harsher") if mean < 0 else _("in line"))
        )
    if mean - 1.96 * se > 0:
        return _("more lenient than the consensus")
    if mean + 1.96 * se < 0:
        return _("harsher than the consensus")
    return _("in line with the consensus")


@dataclass
class RaterFeedback:
    rater: Rater
    compared: int
    exact: Figure
    severity: Figure
    rasch: Figure
    differences: list[dict[str, Any]]
    drift: Figure
    history: list[dict[str, Any]]


def _deviations(
    grid: Grid, rater: Rater
) -> list[tuple[WorkSample, RubricCriterion, float, Consensus]]:
    out = []
    for s in grid.samples:
        for c in grid.criteria:
            mine = grid.scores.get((rater.pk, s.pk, c.pk))
            consensus = grid.consensus.get((s.pk, c.pk))
            if mine is not None and consensus is not None:
                out.append((s, c, mine - consensus.score, consensus))
    return out


def rater_feedback(session: ModerationSession, grid: Grid, rater: Rater) -> RaterFeedback:
    """One rater's own agreement and severity; shown to that rater only."""
    deviations = _deviations(grid, rater)
    n = len(deviations)
    exact_hits = sum(1 for *_, d, _c in deviations if d == 0)
    exact = (
        Figure(
            _("Agreement with the consensus"),
            exact_hits / n,
            _pct(exact_hits / n),
            "",
            _("%(hits)s of %(n)s scores matched exactly") % {"hits": exact_hits, "n": n},
        )
        if n
        else Figure(
            _("Agreement with the consensus"),
            missing=_("No consensus has been recorded yet on the samples you scored."),
        )
    )
    stacked, consensus = grid.stacked()
    index = grid.raters.index(rater)

    def show_severity(result: Any) -> tuple[Any, ...]:
        mean, se, count = (
            float(result.mean_deviation[index]),
            float(result.se[index]),
            int(result.n[index]),
        )
        if count == 0:
            raise InsufficientDataError("none of your scores has a consensus to compare with")
        return (
            mean,
            _num(mean, signed=True),
            _classify(mean, se, count),
            _("mean of (your score − consensus) over %(n)s scores; standard error %(se)s")
            % {"n": count, "se": f"{se:.2f}" if math.isfinite(se) else "—"},
        )

    try:
        severity = figure(_("Leniency"), lambda: rater_severity(stacked, consensus), show_severity)
    except InsufficientDataError as exc:
        severity = Figure(_("Leniency"), missing=str(exc))

    def show_rasch(result: Any) -> tuple[Any, ...]:
        if not bool(result.rater_estimated[index]):
            raise InsufficientDataError(
                "your scores were all at the top or all at the bottom of the scale"
            )
        value = float(result.severity[index])
        return (
            value,
            _num(value, signed=True),
            _("harsher than the panel") if value > 0 else _("more lenient than the panel"),
            _("many-facet Rasch severity in logits (standard error %(se)s); 0 is the panel")
            % {"se": f"{float(result.se[index]):.2f}"},
        )

    try:
        rasch = figure(_("Severity (Rasch)"), lambda: rasch_severity(np.round(stacked)), show_rasch)
    except InsufficientDataError as exc:
        rasch = Figure(_("Severity (Rasch)"), missing=str(exc))
    differences = [
        {
            "sample": s,
            "criterion": c,
            "mine": d + cons.score,
            "consensus": cons.score,
            "difference": d,
            "rationale": cons.rationale,
        }
        for s, c, d, cons in sorted(deviations, key=lambda x: (-abs(x[2]), x[0].code))
        if d != 0
    ][:5]
    history, drift = rater_history(rater.user)
    return RaterFeedback(rater, n, exact, severity, rasch, differences, drift, history)


def rater_history(user: User) -> tuple[list[dict[str, Any]], Figure]:
    """The user's deviations from consensus in every session they rated, oldest first."""
    seats = (
        Rater.objects.filter(user=user)
        .exclude(session__status__in=[SessionStatus.SETUP, SessionStatus.SCORING])
        .select_related("session")
        .order_by("session__opened_at", "session_id")
    )
    history = []
    series: list[tuple[float, list[float]]] = []
    for i, seat in enumerate(seats):
        grid = load_grid(seat.session)
        deviations = [d for *_, d, _c in _deviations(grid, seat)]
        if deviations:
            series.append((float(i), deviations))
            history.append(
                {
                    "session": seat.session,
                    "n": len(deviations),
                    "mean": float(np.mean(deviations)),
                }
            )

    def show(result: Any) -> tuple[Any, ...]:
        direction = (
            _("drifting towards leniency") if result.slope > 0 else _("drifting towards harshness")
        )
        return (
            result.slope,
            _num(result.slope, signed=True),
            direction if result.significant else _("no clear drift"),
            _("change in mean deviation per session; p = %(p)s") % {"p": f"{result.p_value:.3f}"},
        )

    drift = figure(_("Drift across sessions"), lambda: rater_drift(series), show)
    return history, drift


# A school's pooled drift is shown only when at least this many of its people rated:
# with one or two, the "school" figure is an individual's scores under another name.
MIN_SCHOOL_RATERS = 3


@dataclass
class SchoolDrift:
    school: str
    sessions: int
    figure: Figure


def school_drift(session: ModerationSession) -> list[SchoolDrift]:
    """Each rater school's deviation from consensus across its organizer's sessions.

    Pools the deviations of a school's raters per session (aggregates, never one rater),
    oldest session first, and tests the trend with ``rater_drift``.
    """
    sessions = (
        ModerationSession.objects.filter(
            owner=session.owner, status__in=[SessionStatus.REVEALED, SessionStatus.CLOSED]
        )
        .filter(rubric__framework=session.rubric.framework)
        .order_by("opened_at", "pk")
    )
    series: dict[int, list[tuple[float, list[float]]]] = {}
    names: dict[int, str] = {}
    people: dict[int, set[int]] = {}
    for i, other in enumerate(sessions):
        grid = load_grid(other)
        pooled: dict[int, list[float]] = {}
        for rater in grid.raters:
            if rater.school_id is None:
                continue
            names[rater.school_id] = rater.school.name if rater.school else ""
            people.setdefault(rater.school_id, set()).add(rater.user_id)
            pooled.setdefault(rater.school_id, []).extend(
                d for *_, d, _c in _deviations(grid, rater)
            )
        for school_id, deviations in pooled.items():
            if deviations:
                series.setdefault(school_id, []).append((float(i), deviations))

    def show(result: Any) -> tuple[Any, ...]:
        return (
            result.slope,
            _num(result.slope, signed=True),
            (
                _("drifting towards leniency")
                if result.slope > 0
                else _("drifting towards harshness")
            )
            if result.significant
            else _("no clear drift"),
            _("change in mean deviation per session; p = %(p)s") % {"p": f"{result.p_value:.3f}"},
        )

    def withheld() -> Any:
        raise InsufficientDataError(
            _(
                "Withheld: fewer than %(n)s raters from this school, so the school's figure "
                "would show one person's scores."
            )
            % {"n": MIN_SCHOOL_RATERS}
        )

    return [
        SchoolDrift(
            names[school_id],
            len(points),
            figure(
                _("Drift across sessions"),
                partial(rater_drift, points)
                if len(people[school_id]) >= MIN_SCHOOL_RATERS
                else withheld,
                show,
            ),
        )
        for school_id, points in sorted(series.items(), key=lambda kv: names[kv[0]])
    ]


@dataclass
class PanelSummary:
    raters: int
    lenient: int
    harsh: int
    in_line: int
    unknown: int
    mean_exact: Figure
    deviations: list[float]  # one per rater, unlabelled and sorted


def panel_summary(grid: Grid) -> PanelSummary:
    """Aggregates for leaders: how the panel as a whole compares with the consensus."""
    counts = {"lenient": 0, "harsh": 0, "in_line": 0, "unknown": 0}
    deviations: list[float] = []
    exact_rates: list[float] = []
    for rater in grid.raters:
        devs = [d for *_, d, _c in _deviations(grid, rater)]
        if len(devs) < 2:
            counts["unknown"] += 1
            continue
        mean = float(np.mean(devs))
        se = float(np.std(devs, ddof=1) / math.sqrt(len(devs)))
        deviations.append(round(mean, 2))
        exact_rates.append(sum(1 for d in devs if d == 0) / len(devs))
        if se > 0 and mean - 1.96 * se > 0:
            counts["lenient"] += 1
        elif se > 0 and mean + 1.96 * se < 0:
            counts["harsh"] += 1
        else:
            counts["in_line"] += 1
    mean_exact = (
        Figure(
            _("Mean agreement with the consensus"),
            float(np.mean(exact_rates)),
            _pct(float(np.mean(exact_rates))),
        )
        if exact_rates
        else Figure(
            _("Mean agreement with the consensus"),
            missing=_("No rater has two scores with a consensus yet."),
        )
    )
    return PanelSummary(
        len(grid.raters),
        counts["lenient"],
        counts["harsh"],
        counts["in_line"],
        counts["unknown"],
        mean_exact,
        sorted(deviations),
    )


# -- Comparability ---------------------------------------------------------------------------


@dataclass
class ComparabilityRow:
    group: str
    n: int
    figures: list[Figure]
    adjustment: str = ""
    needed: str = ""
    suppressed: bool = False


def _compare(
    label: str, pairs: list[tuple[float, float]], threshold: int | None
) -> ComparabilityRow:
    n = len(pairs)
    if threshold is not None and 0 < n < threshold:
        return ComparabilityRow(label, n, [], suppressed=True)
    try:
        result = compare_scores([p[0] for p in pairs], [p[1] for p in pairs])
    except InsufficientDataError as exc:
        return ComparabilityRow(label, n, [Figure(_("Exact agreement"), missing=str(exc))])
    d = result.difference
    figures = [
        Figure(
            _("Exact agreement"),
            result.exact,
            _pct(result.exact),
            "",
            _("95%% interval %(low)s to %(high)s")
            % {"low": _pct(result.exact_ci[0]), "high": _pct(result.exact_ci[1])},
        ),
        Figure(
            _("Adjacent agreement"),
            result.adjacent,
            _pct(result.adjacent),
            "",
            _("95%% interval %(low)s to %(high)s")
            % {"low": _pct(result.adjacent_ci[0]), "high": _pct(result.adjacent_ci[1])},
        ),
        Figure(
            _("Local − moderated"),
            d.mean,
            _num(d.mean, signed=True),
            _("local scores run high")
            if d.ci_low > 0
            else _("local scores run low")
            if d.ci_high < 0
            else _("no systematic difference"),
            _("95%% interval %(low)s to %(high)s")
            % {"low": _num(d.ci_low, signed=True), "high": _num(d.ci_high, signed=True)},
        ),
    ]
    adjustment = (
        _("Add %(value)s to local scores") % {"value": f"{result.adjustment:+.2f}"}
        if result.adjustment
        else _("None needed")
    )
    needed = _("%(n)s samples for ±%(margin)s") % {
        "n": result.needed_for_margin,
        "margin": _pct(result.margin),
    }
    return ComparabilityRow(label, n, figures, adjustment, needed)


@dataclass
class GroupGap:
    """Is exact agreement the same for one group of students as for the others?"""

    question: str
    group: str
    others: str
    rate_group: str = ""
    rate_others: str = ""
    difference: str = ""
    interval: str = ""
    verdict: str = ""
    missing: str = ""


def _gap(
    question: str,
    group: str,
    others: str,
    in_group: list[tuple[float, float]],
    rest: list[tuple[float, float]],
    threshold: int,
) -> GroupGap:
    gap = GroupGap(question, group, others)
    if any(0 < len(p) < threshold for p in (in_group, rest)):
        gap.missing = _("Not shown: one of the groups has too few scores to protect privacy.")
        return gap
    try:
        result = compare_rates(
            sum(1 for a, b in in_group if a == b),
            len(in_group),
            sum(1 for a, b in rest if a == b),
            len(rest),
        )
    except InsufficientDataError as exc:
        gap.missing = str(exc)
        return gap
    gap.rate_group, gap.rate_others = _pct(result.rate_a), _pct(result.rate_b)
    gap.difference = f"{round(100 * result.difference) + 0:+d} " + _("points")
    gap.interval = _("95%% interval %(low)s to %(high)s points") % {
        "low": f"{round(100 * result.ci_low) + 0:+d}",
        "high": f"{round(100 * result.ci_high) + 0:+d}",
    }
    gap.verdict = (
        _("Local and moderated scores agree less often for this group.")
        if result.differs and result.difference < 0
        else _("Local and moderated scores agree more often for this group.")
        if result.differs
        else _("No clear difference: comparability looks the same.")
    )
    return gap


@dataclass
class ComparabilityReport:
    by_school: list[ComparabilityRow]
    by_criterion: list[ComparabilityRow]
    by_subgroup: list[ComparabilityRow]
    gaps: list[GroupGap]
    threshold: int
    samples_with_local: int


def comparability_report(grid: Grid, threshold: int = DEFAULT_THRESHOLD) -> ComparabilityReport:
    """Local scores against the consensus, per school, per criterion and per subgroup.

    Subgroup rows describe students, so a group smaller than ``threshold`` is not shown.
    """
    pairs: list[tuple[WorkSample, RubricCriterion, float, float]] = []
    for s in grid.samples:
        for c in grid.criteria:
            local = s.local_scores.get(str(c.pk))
            consensus = grid.consensus.get((s.pk, c.pk))
            if local is not None and consensus is not None:
                pairs.append((s, c, float(local), consensus.score))

    def rows(
        groups: Iterable[tuple[str, Callable[[WorkSample, RubricCriterion], bool]]],
        limit: int | None,
    ) -> list[ComparabilityRow]:
        return [
            _compare(label, [(a, b) for s, c, a, b in pairs if keep(s, c)], limit)
            for label, keep in groups
        ]

    schools = sorted(
        {s.origin_school for s, *_ in pairs if s.origin_school is not None}, key=lambda o: o.name
    )

    def from_school(pk: int) -> Callable[[WorkSample, RubricCriterion], bool]:
        return lambda s, c: s.origin_school_id == pk

    def on_criterion(pk: int) -> Callable[[WorkSample, RubricCriterion], bool]:
        return lambda s, c: c.pk == pk

    by_school = rows([(school.name, from_school(school.pk)) for school in schools], None)
    by_criterion = rows([(str(crit), on_criterion(crit.pk)) for crit in grid.criteria], None)
    by_subgroup = rows(
        [
            (_("All students"), lambda s, c: True),
            (_("English learners"), lambda s, c: s.english_learner is True),
            (_("Not English learners"), lambda s, c: s.english_learner is False),
            (_("Students with disabilities"), lambda s, c: s.disability is True),
            (_("Students without disabilities"), lambda s, c: s.disability is False),
        ],
        threshold,
    )

    def split(flag: str) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        yes = [(a, b) for s, c, a, b in pairs if getattr(s, flag) is True]
        no = [(a, b) for s, c, a, b in pairs if getattr(s, flag) is False]
        return yes, no

    gaps = [
        _gap(
            _("Is comparability the same for English learners?"),
            _("English learners"),
            _("Not English learners"),
            *split("english_learner"),
            threshold,
        ),
        _gap(
            _("Is comparability the same for students with disabilities?"),
            _("Students with disabilities"),
            _("Students without disabilities"),
            *split("disability"),
            threshold,
        ),
    ]
    return ComparabilityReport(
        by_school,
        by_criterion,
        by_subgroup,
        gaps,
        threshold,
        sum(1 for s in grid.samples if s.local_scores),
    )


def my_assignments(session: ModerationSession, user: User) -> list[Assignment]:
    return list(
        Assignment.objects.filter(rater__session=session, rater__user=user)
        .select_related("sample")
        .order_by("sample__code")
    )


def samples_to_score(user: User) -> Any:
    """The samples assigned to ``user`` that they have not scored yet, in the sessions open
    for blind scoring (the ones their score page still accepts)."""
    from proficio.moderation.models import SessionStatus

    return Assignment.objects.filter(
        rater__user=user,
        submitted_at__isnull=True,
        rater__session__status=SessionStatus.SCORING,
    ).select_related("sample", "rater__session")


def rubric_choices(user: User) -> Any:
    """The rubrics ``user`` may choose for a common performance task: those of the
    published frameworks the user can see."""
    from proficio import policy
    from proficio.frameworks.models import PublicationStatus, Rubric

    frameworks = policy.visible(user, policy.Subject.FRAMEWORK).filter(
        status=PublicationStatus.PUBLISHED
    )
    return (
        Rubric.objects.filter(framework__in=frameworks)
        .select_related("framework")
        .order_by("framework__title", "title")
    )
