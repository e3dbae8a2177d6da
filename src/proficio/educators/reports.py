"""What leaders, districts and states see of professional learning (reads only), and an
educator's renewal credits.

Every count a leader can see for one organization (participation, submissions in review,
completion per unit, equity of access, pathway progress) leaves through the joint
publication audit (:mod:`proficio.educators.publication`, which calls
``core.equity.audit.protect``): all the tables are one release, so a count one table
withholds cannot be worked out from the others. A rate is the ratio of two audited counts
and is shown only when both are; median days to award only over a published count of
awards of at least ``threshold``. ``compute_view`` is what a stored release
(``LeaderRelease``) holds; the pages read that (``View``). Nothing here
names an educator except the reviewer pool's load (the issuer's own programme staff) and
the payroll export, which are ``Subject.EDUCATOR_PROGRAM`` and audited.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.core.equity.access import AccessRate, access_gap, high_need
from proficio.core.equity.audit import AuditState
from proficio.core.equity.suppression import DEFAULT_THRESHOLD, check_threshold
from proficio.core.reliability import InsufficientDataError, agreement_pairs, rater_drift
from proficio.educators import publication
from proficio.educators.models import (
    CalibrationRound,
    CatalogueStatus,
    EnrollmentStatus,
    GrowthPlan,
    Licensure,
    MicroCredential,
    Pathway,
    PathwayEnrollment,
    PlanStatus,
    Review,
    ReviewAssignment,
    Submission,
    SubmissionStatus,
    micro_credential_holders,
)
from proficio.orgs.models import (
    Organization,
    OrganizationKind,
    RoleMembership,
    StudentDemographics,
    active_on,
)
from proficio.pace.models import EducatorProfile


def threshold() -> int:
    """The smallest group a figure is published for (the one setting the insights use)."""
    return check_threshold(int(getattr(settings, "PROFICIO_MIN_CELL_SIZE", DEFAULT_THRESHOLD)))


# ---------------------------------------------------------------- renewal credits


@dataclass
class CreditLine:
    what: str
    on: dt.date
    credits: Decimal


@dataclass
class RenewalProgress:
    license: Licensure
    earned: Decimal
    lines: list[CreditLine]

    @property
    def required(self) -> Decimal:
        return self.license.renewal_credits_required

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.earned, Decimal("0"))

    @property
    def met(self) -> bool:
        return self.earned >= self.required


def renewal_progress(license: Licensure) -> RenewalProgress:
    """Credits earned toward renewing ``license``: each micro-credential awarded while it
    is in force counts its credit value (e.g. 0.5: two micro-credentials are one
    continuing-education credit), and each pathway completed counts its renewal credits."""
    educator = license.profile.user_id
    start, end = license.issued_on, license.expires_on
    lines: list[CreditLine] = []
    for s in (
        Submission.objects.filter(educator_id=educator, status=SubmissionStatus.AWARDED)
        .select_related("micro_credential")
        .order_by("awarded_at")
    ):
        day = timezone.localdate(s.awarded_at) if s.awarded_at else None
        if day is not None and start <= day <= end and s.micro_credential.credit_value:
            lines.append(
                CreditLine(
                    f"{s.micro_credential.code} {s.micro_credential.title}",
                    day,
                    s.micro_credential.credit_value,
                )
            )
    for e in PathwayEnrollment.objects.filter(
        educator_id=educator, status=EnrollmentStatus.COMPLETE
    ).select_related("pathway"):
        day = timezone.localdate(e.completed_at) if e.completed_at else None
        credits = Decimal(str(e.outcomes.get("renewal_credits") or "0"))
        if day is not None and start <= day <= end and credits:
            lines.append(CreditLine(_("Pathway: %(t)s") % {"t": e.pathway.title}, day, credits))
    return RenewalProgress(license, sum((x.credits for x in lines), Decimal("0")), lines)


# ---------------------------------------------------------------- units and educators


def units_of(org: Organization) -> list[Organization]:
    """The rows of a leader's view: a state's districts, a district's schools, or the
    school itself."""
    if org.kind == OrganizationKind.SCHOOL:
        return [org]
    kind = (
        OrganizationKind.DISTRICT if org.kind == OrganizationKind.STATE else OrganizationKind.SCHOOL
    )
    return list(Organization.objects.filter(path__startswith=org.path, kind=kind).order_by("name"))


def _unit_of(path: str | None, units: list[Organization]) -> int | None:
    if not path:
        return None
    for k, u in enumerate(units):
        if path.startswith(u.path):
            return k
    return None


def educators_by_unit(units: list[Organization]) -> dict[int, int]:
    """Each educator (a current educator membership) in one unit: the lowest one."""
    if not units:
        return {}
    within = Q(pk__in=[])
    for u in units:
        within |= Q(organization__path__startswith=u.path)
    rows = (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()), role__in=[r.value for r in policy.EDUCATOR_ROLES]
        )
        .filter(within)
        .values_list("user_id", "organization__path")
        .order_by("user_id", "-organization__path")
    )
    out: dict[int, int] = {}
    for user, path in rows:
        if user in out:
            continue
        k = _unit_of(path, units)
        if k is not None:
            out[user] = k
    return out


# ---------------------------------------------------------------- the dashboard


@dataclass
class Measure:
    key: str
    label: str
    cells: list[int | None]
    total: int | None


@dataclass
class UnitRow:
    unit: Organization
    educators: int | None
    measures: dict[str, int | None]
    in_review: int | None
    median_days: float | None
    revision_rate: float | None
    shown: bool  # submission figures shown (enough educators behind them)


@dataclass
class EquityGroup:
    label: str
    schools: int
    educators: int | None
    with_award: int | None
    fully_credentialed: int | None
    awards_per_10: float | None


@dataclass
class Dashboard:
    org: Organization
    threshold: int
    rows: list[UnitRow]
    totals: UnitRow
    measures: list[tuple[str, str]]
    reviewers: int | None
    load_mean: float | None
    load_max: int | None
    agreement: list[dict[str, Any]]
    drift: dict[str, Any]
    equity: list[EquityGroup] = field(default_factory=list)
    access_gap_award: float | None = None
    access_gap_credentialed: float | None = None


MEASURES = (
    ("participating", "Taking part (an approved plan or a submission)"),
    ("with_award", "Earned at least one micro-credential"),
    ("pathway_complete", "Completed a pathway"),
)


@dataclass(frozen=True)
class _SubmissionFigures:
    in_review: int
    decided: int  # awarded, returned, or ever scored "not yet"
    revised: int  # of those, ever scored "not yet"
    awards: int
    median_days: float | None  # from first submission to award


def _submission_figures(
    subs: list[tuple[int, str, dt.datetime | None, dt.datetime | None, int]],
) -> _SubmissionFigures:
    in_review = sum(1 for _, status, *_rest in subs if status == SubmissionStatus.IN_REVIEW)
    days = [
        (awarded - first).total_seconds() / 86400
        for _, status, first, awarded, _n in subs
        if status == SubmissionStatus.AWARDED and first and awarded
    ]
    decided = [
        (status, not_yet)
        for _, status, _f, _a, not_yet in subs
        if status in (SubmissionStatus.AWARDED, SubmissionStatus.RETURNED) or not_yet
    ]
    return _SubmissionFigures(
        in_review,
        len(decided),
        sum(1 for _, not_yet in decided if not_yet),
        sum(1 for _, status, *_rest in subs if status == SubmissionStatus.AWARDED),
        statistics.median(days) if days else None,
    )


@dataclass
class _Gathered:
    """The raw counts behind one organization's leader views (before the audit)."""

    units: list[Organization]
    where: dict[int, int]
    people: np.ndarray
    groups: dict[str, set[int]]
    per_unit: dict[int, list[tuple[int, str, Any, Any, int]]]
    equity: _EquityCounts | None
    pathways: list[tuple[Pathway, list[list[int]]]]
    loads: list[int]  # each reviewer's submissions in review
    rounds: list[_Round]  # the reviewer pool's calibration rounds, oldest first


@dataclass
class _EquityCounts:
    schools: list[Organization]
    need: list[bool]
    sizes: list[int]
    with_award: list[int]
    credentialed: list[int]
    awards: list[int]
    split: list[dict[int, tuple[int, int, int]]]  # per unit: group -> counts (publication)


def offered_pathways(org: Organization) -> QuerySet[Pathway]:
    """The pathways offered in ``org``: issued by it, above it or within it."""
    from proficio.educators.actions import _ancestors

    return Pathway.objects.filter(
        issuer_id__in=[org.pk, *_ancestors(org)]
    ) | Pathway.objects.filter(issuer__path__startswith=org.path)


def _gather(org: Organization) -> _Gathered:
    units = units_of(org)
    where = educators_by_unit(units)
    people = np.zeros(len(units), dtype=np.int64)
    for k in where.values():
        people[k] += 1
    participating = set(
        GrowthPlan.objects.filter(status=PlanStatus.APPROVED, educator_id__in=where).values_list(
            "educator_id", flat=True
        )
    ) | set(
        Submission.objects.filter(
            educator_id__in=where, first_submitted_at__isnull=False
        ).values_list("educator_id", flat=True)
    )
    # "With a micro-credential": the one rule the teacher-assignment bias check reads too.
    awarded = micro_credential_holders(where, timezone.localdate())
    completed = set(
        PathwayEnrollment.objects.filter(
            educator_id__in=where, status=EnrollmentStatus.COMPLETE
        ).values_list("educator_id", flat=True)
    )
    groups = {"participating": participating, "with_award": awarded, "pathway_complete": completed}
    not_yet = set(Review.objects.filter(met=False).values_list("submission_id", flat=True))
    per_unit: dict[int, list[tuple[int, str, Any, Any, int]]] = defaultdict(list)
    for pk, educator, status, first, done in Submission.objects.filter(
        educator_id__in=where, first_submitted_at__isnull=False
    ).values_list("pk", "educator_id", "status", "first_submitted_at", "awarded_at"):
        k = where[educator]
        per_unit[k].append((pk, status, first, done, int(pk in not_yet)))
    return _Gathered(
        units,
        where,
        people,
        groups,
        per_unit,
        _equity_counts(org, units, where, awarded),
        _pathway_counts(org, units),
        _reviewer_loads(org),
        _calibration_rounds(org),
    )


def _audited(
    org: Organization, limit: int, previous: AuditState | None = None
) -> tuple[_Gathered, publication.Decision]:
    """Everything a leader of ``org`` can see, through the joint publication audit
    (together with the ``previous`` release's when given)."""
    g = _gather(org)
    n = len(g.units)
    subs = [_submission_figures(g.per_unit.get(k, [])) for k in range(n)]
    counts = publication.Counts(
        educators=g.people.tolist(),
        measures={
            key: [
                sum(1 for u, k in g.where.items() if k == j and u in g.groups[key])
                for j in range(n)
            ]
            for key, _l in MEASURES
        },
        in_review=[f.in_review for f in subs],
        decided=[f.decided for f in subs],
        revised=[f.revised for f in subs],
        awards=[f.awards for f in subs],
        equity_educators=g.equity.sizes if g.equity else None,
        equity_with_award=g.equity.with_award if g.equity else None,
        equity_credentialed=g.equity.credentialed if g.equity else None,
        equity_awards=g.equity.awards if g.equity else None,
        equity_split=g.equity.split if g.equity else None,
        reviewers=len(g.loads),
        review_assignments=sum(g.loads),
        pathways=[table for _p, table in g.pathways],
        complete_stage=COMPLETE_STAGE,
        calibration=[r.counts for r in g.rounds],
        unit_ids=[u.pk for u in g.units],
        pathway_ids=[p.pk for p, _t in g.pathways],
        round_ids=[r.round.pk for r in g.rounds],
    )
    return g, publication.audit(counts, limit, previous=previous)


def compute_view(org: Organization, limit: int) -> dict[str, Any]:
    """The leader views of ``org`` as the joint audit publishes them (audited on their
    own: see :func:`compute`)."""
    return compute(org, limit)[0]


def compute(
    org: Organization, limit: int, previous: AuditState | None = None
) -> tuple[dict[str, Any], publication.Decision]:
    """The leader views of ``org`` as the joint audit publishes them, audited together
    with the ``previous`` release when given: what a stored release holds (JSON), and
    all the dashboard and pathway progress pages read, with the audit's decision (whose
    ``state()`` the next release is audited with). No withheld count is in the view,
    nor a figure derived from one."""
    g, decision = _audited(org, limit, previous)
    published = {
        key: decision.value(key)
        for key, latent in zip(decision.system.keys, decision.system.latent, strict=True)
        if not latent
    }
    places = [f"unit:{k}" for k in range(len(g.units))] + ["all"]
    figures = {f"unit:{k}": _submission_figures(g.per_unit.get(k, [])) for k in range(len(g.units))}
    figures["all"] = _submission_figures([s for v in g.per_unit.values() for s in v])
    median = {at: figures[at].median_days if decision.median_shown(at) else None for at in places}
    rate = {
        at: (figures[at].revised / figures[at].decided)
        if decision.rate_shown(at) and figures[at].decided
        else None
        for at in places
    }
    loads = g.loads if g.loads and decision.load_shown() else []
    equity = None
    if g.equity is not None:
        e = g.equity
        equity = {
            "schools": [sum(1 for flag in e.need if flag is (h == 0)) for h in (0, 1)],
            "per_10": [
                (10 * e.awards[h] / e.sizes[h]) if decision.per_10_shown(h) and e.sizes[h] else None
                for h in (0, 1)
            ],
        }
    return {
        "units": [u.pk for u in g.units],
        "pathways": [p.pk for p, _t in g.pathways],
        "rounds": [r.round.pk for r in g.rounds],
        "published": published,
        "median_days": median,
        "revision_rate": rate,
        "load_mean": float(np.mean(loads)) if loads else None,
        "load_max": int(max(loads)) if loads else None,
        "equity": equity,
        "agreement": [
            r.exact if decision.agreement_shown(k) else None for k, r in enumerate(g.rounds)
        ],
        "drift": _published_drift(g.rounds, decision),
    }, decision


def _published_drift(rounds: list[_Round], decision: publication.Decision) -> dict[str, Any]:
    """The pool's drift as the release publishes it: ``missing`` when there is too
    little calibration to fit one, ``withheld`` when the audit does not publish the
    scores it is fitted on, else the slope and whether it is clear."""
    if sum(1 for r in rounds if r.deviations) < 2:
        return {"missing": True}
    if not decision.drift_shown():
        return {"withheld": True}
    drift = _drift(rounds)
    return {"missing": True} if "missing" in drift else drift


class View:
    """A stored (or just computed) release of the leader views, read by the pages."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        ids = list(data["units"])
        found = Organization.objects.in_bulk(ids)
        self.units = [found[i] for i in ids if i in found]
        pids = list(data["pathways"])
        paths = Pathway.objects.in_bulk(pids)
        self.pathways = [paths[i] for i in pids if i in paths]
        rids = list(data.get("rounds", []))
        found_rounds = CalibrationRound.objects.select_related("micro_credential").in_bulk(rids)
        self.rounds = [found_rounds.get(i) for i in rids]

    def value(self, key: str) -> int | None:
        v = self.data["published"].get(key)
        return None if v is None else int(v)


def dashboard(org: Organization, view: View | None = None) -> Dashboard:
    """The dashboard of ``org`` from its release (computed here when none is given)."""
    limit = threshold()
    v = view or View(compute_view(org, limit))
    data = v.data

    def row(unit: Organization, at: str) -> UnitRow:
        median = data["median_days"].get(at)
        rate = data["revision_rate"].get(at)
        return UnitRow(
            unit,
            v.value(f"{at}|educators"),
            {key: v.value(f"{at}|{key}|yes") for key, _l in MEASURES},
            v.value(f"{at}|in_review"),
            median,
            rate,
            median is not None or rate is not None,
        )

    rows = [row(u, f"unit:{k}") for k, u in enumerate(v.units)]
    totals = row(org, "all")
    agreement = [
        {
            "round": found,
            "reviewers": v.value(f"calibration:{k}|reviewers"),
            "exact": exact,
        }
        for k, (found, exact) in enumerate(zip(v.rounds, data["agreement"], strict=True))
        if found is not None
    ]
    dash = Dashboard(
        org,
        limit,
        rows,
        totals,
        [(k, _(label)) for k, label in MEASURES],
        v.value("reviewers|count"),
        data["load_mean"],
        data["load_max"],
        agreement,
        data["drift"],
    )
    if data["equity"] is not None:
        _equity(dash, data["equity"], v)
    return dash


def _reviewer_loads(org: Organization) -> list[int]:
    """Each reviewer's load: the issuer's submissions in review they hold."""
    return list(
        ReviewAssignment.objects.filter(
            active=True,
            submission__status=SubmissionStatus.IN_REVIEW,
            submission__micro_credential__issuer__path__startswith=org.path,
        )
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


@dataclass(frozen=True)
class _Round:
    """One calibration round of the reviewer pool: its counts (cells of the release),
    its exact agreement and the deviations from consensus drift is fitted on."""

    round: CalibrationRound
    counts: publication.Calibration
    exact: float | None
    deviations: list[float]
    status: str


def _calibration_rounds(org: Organization) -> list[_Round]:
    """The reviewer pool's calibration rounds of ``org``'s issuers, oldest first: exact
    agreement between reviewers on met / not yet, pooled over the rubric's parts, and
    the deviations of their scores from the consensus. Each reviewer's own feedback
    stays theirs (moderation)."""
    from proficio.moderation.reports import load_grid

    rounds = list(
        CalibrationRound.objects.filter(micro_credential__issuer__path__startswith=org.path)
        .select_related("session", "micro_credential")
        .order_by("created_at", "pk")
    )
    out = []
    for r in rounds:
        grid = load_grid(r.session)
        stacked, consensus = grid.stacked()
        agreeing, pairs = agreement_pairs(stacked, 0) if stacked.size else (0, 0)
        deviations = (stacked - consensus[np.newaxis, :]) if stacked.size else stacked
        values = [float(v) for v in deviations.ravel() if np.isfinite(v)]
        counts = publication.Calibration(
            reviewers=len(grid.raters),
            samples=len(grid.samples),
            pairs=pairs,
            agreeing=agreeing,
            scores=len(values),
        )
        exact = agreeing / pairs if pairs else None
        out.append(_Round(r, counts, exact, values, r.session.get_status_display()))
    return out


def _drift(rounds: list[_Round]) -> dict[str, Any]:
    """The pool's drift from the consensus across rounds (a round is its place in the
    sequence)."""
    series = [(float(i), r.deviations) for i, r in enumerate(rounds) if r.deviations]
    try:
        result = rater_drift(series)
    except InsufficientDataError as exc:
        return {"missing": str(exc)}
    return {"slope": result.slope, "significant": bool(result.significant), "p": result.p_value}


def _calibration(org: Organization) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The calibration rounds and drift as the issuer's programme staff see them (they
    run the sessions; leaders see the audited figures of the release instead)."""
    rounds = _calibration_rounds(org)
    out = [
        {
            "round": r.round,
            "reviewers": r.counts.reviewers,
            "samples": r.counts.samples,
            "exact": r.exact,
            "status": r.status,
        }
        for r in rounds
    ]
    return out, _drift(rounds)


def _disadvantaged_shares(schools: list[Organization]) -> list[float | None]:
    counts = {
        row["student__school_id"]: row
        for row in StudentDemographics.objects.filter(student__school__in=schools)
        .values("student__school_id")
        .annotate(n=Count("pk"), poor=Count("pk", filter=Q(economically_disadvantaged=True)))
    }
    return [
        (counts[s.pk]["poor"] / counts[s.pk]["n"]) if s.pk in counts and counts[s.pk]["n"] else None
        for s in schools
    ]


def _equity_counts(
    org: Organization, units: list[Organization], where: dict[int, int], awarded: set[int]
) -> _EquityCounts | None:
    """High-need schools (top quarter of their district by economic disadvantage) against
    the rest: educators, those with a micro-credential, those fully credentialed (the
    profile field the teacher-assignment bias check reads), micro-credentials earned.
    Each educator counts at one school, chosen by the rule that places them in a unit
    (:func:`educators_by_unit`), so the groups and the units count the same people."""
    schools = [u for u in units if u.kind == OrganizationKind.SCHOOL]
    if org.kind == OrganizationKind.STATE:
        schools = list(
            Organization.objects.filter(
                path__startswith=org.path, kind=OrganizationKind.SCHOOL
            ).order_by("path")
        )
    if not schools:
        return None
    by_district: dict[int | None, list[int]] = defaultdict(list)
    for k, s in enumerate(schools):
        by_district[s.parent_id].append(k)
    shares = _disadvantaged_shares(schools)
    need = [False] * len(schools)
    for members in by_district.values():
        flags = high_need([shares[k] for k in members])
        for k, flag in zip(members, flags, strict=True):
            need[k] = flag
    school_of = educators_by_unit(schools)
    full = set(
        EducatorProfile.objects.filter(user_id__in=school_of, fully_credentialed=True).values_list(
            "user_id", flat=True
        )
    )
    award_counts = Counter(
        Submission.objects.filter(
            educator_id__in=where, status=SubmissionStatus.AWARDED
        ).values_list("educator_id", flat=True)
    )
    sizes, with_award, credentialed, awards = [], [], [], []
    for flag in (True, False):
        members = [u for u, k in school_of.items() if need[k] is flag]
        sizes.append(len(members))
        with_award.append(sum(1 for u in members if u in awarded))
        credentialed.append(sum(1 for u in members if u in full))
        awards.append(sum(award_counts[u] for u in members))
    split: list[dict[int, list[int]]] = [{} for _ in units]
    for u, k in where.items():
        at = school_of.get(u)
        group = publication.NO_SCHOOL if at is None else (0 if need[at] else 1)
        part = split[k].setdefault(group, [0, 0, 0])
        part[0] += 1
        part[1] += int(u in awarded)
        part[2] += award_counts[u]
    return _EquityCounts(
        schools,
        need,
        sizes,
        with_award,
        credentialed,
        awards,
        [{h: (a, b, c) for h, (a, b, c) in parts.items()} for parts in split],
    )


def _equity(dash: Dashboard, e: dict[str, Any], v: View) -> None:
    """The equity-of-access rows, as the joint audit publishes them, and the gaps."""
    for g, label in enumerate((_("High-need schools"), _("Other schools"))):
        dash.equity.append(
            EquityGroup(
                label,
                e["schools"][g],
                v.value(f"equity:{g}|educators"),
                v.value(f"equity:{g}|with_award|yes"),
                v.value(f"equity:{g}|credentialed|yes"),
                e["per_10"][g],
            )
        )
    high, other = dash.equity
    if high.educators and other.educators:
        if high.with_award is not None and other.with_award is not None:
            dash.access_gap_award = access_gap(
                AccessRate(high.with_award, high.educators),
                AccessRate(other.with_award, other.educators),
            )
        if high.fully_credentialed is not None and other.fully_credentialed is not None:
            dash.access_gap_credentialed = access_gap(
                AccessRate(high.fully_credentialed, high.educators),
                AccessRate(other.fully_credentialed, other.educators),
            )


# ---------------------------------------------------------------- pathway progress


@dataclass
class PathwayTable:
    pathway: Pathway
    stages: list[str]
    units: list[Organization]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    @property
    def rows(self) -> list[tuple[Organization, list[int | None], int | None]]:
        return list(zip(self.units, self.cells, self.row_totals, strict=True))


STAGES = (
    (EnrollmentStatus.ACTIVE, "Working on it"),
    (EnrollmentStatus.IN_REVIEW, "Pathway review requested"),
    (EnrollmentStatus.RETURNED, "Returned with comments"),
    (EnrollmentStatus.COMPLETE, "Complete"),
)
COMPLETE_STAGE = 3  # the stage whose enrolments are completed pathways


def _pathway_counts(
    org: Organization, units: list[Organization]
) -> list[tuple[Pathway, list[list[int]]]]:
    """For each published pathway offered in ``org``: educators at each stage by unit."""
    stage_index = {s.value: i for i, (s, _l) in enumerate(STAGES)}
    out = []
    for pathway in (
        offered_pathways(org).filter(status=CatalogueStatus.PUBLISHED).distinct().order_by("code")
    ):
        counts = [[0] * len(STAGES) for _ in units]
        for status, path in PathwayEnrollment.objects.filter(
            pathway=pathway, school__path__startswith=org.path
        ).values_list("status", "school__path"):
            k = _unit_of(path, units)
            if k is not None:
                counts[k][stage_index[status]] += 1
        out.append((pathway, counts))
    return out


def pathway_progress(org: Organization, view: View | None = None) -> list[PathwayTable]:
    """For each pathway offered in ``org``, educators at each stage by unit with the
    margins, as the joint audit of all of ``org``'s leader views publishes them (from
    its release; computed here when none is given)."""
    v = view or View(compute_view(org, threshold()))
    out = []
    stages = range(len(STAGES))
    units = range(len(v.units))
    for p, pathway in enumerate(v.pathways):
        out.append(
            PathwayTable(
                pathway,
                [_(label) for _s, label in STAGES],
                v.units,
                [[v.value(f"pathway:{p}|unit:{k}|stage:{s}") for s in stages] for k in units],
                [v.value(f"pathway:{p}|unit:{k}") for k in units],
                [v.value(f"pathway:{p}|stage:{s}") for s in stages],
                v.value(f"pathway:{p}") if v.units else None,
            )
        )
    return out


# ---------------------------------------------------------------- the programme (named)


def reviewer_pool(issuer: Organization) -> list[dict[str, Any]]:
    """The issuer's trained reviewers with their load: submissions in review, reviews
    done, and when they trained. Named: this is the programme's own staffing page."""
    from proficio.educators.models import ReviewerQualification

    quals = (
        ReviewerQualification.objects.filter(issuer=issuer, retired_at__isnull=True)
        .select_related("reviewer", "micro_credential")
        .order_by("reviewer__display_name", "reviewer__username", "pk")
    )
    load = dict(
        ReviewAssignment.objects.filter(active=True, submission__status=SubmissionStatus.IN_REVIEW)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    done = dict(
        Review.objects.values("reviewer_id").annotate(n=Count("pk")).values_list("reviewer_id", "n")
    )
    return [
        {
            "qualification": q,
            "reviewer": q.reviewer,
            "scope": q.micro_credential,
            "in_review": load.get(q.reviewer_id, 0),
            "reviews": done.get(q.reviewer_id, 0),
        }
        for q in quals
    ]


def waiting_for_reviewer(issuer: Organization) -> QuerySet[Submission]:
    """Submissions in review with no active reviewer (no trained reviewer was free)."""
    return (
        Submission.objects.filter(
            micro_credential__issuer=issuer, status=SubmissionStatus.IN_REVIEW
        )
        .exclude(assignments__active=True)
        .select_related("micro_credential")
        .order_by("submitted_at", "pk")
    )


def payroll_rows(issuer: Organization) -> list[dict[str, Any]]:
    """Completed pathways with a stipend or a salary step, for the payroll export."""
    rows = []
    for e in (
        PathwayEnrollment.objects.filter(
            status=EnrollmentStatus.COMPLETE, pathway__issuer__path__startswith=issuer.path
        )
        .select_related("educator", "pathway", "school")
        .order_by("completed_at", "pk")
    ):
        stipend = e.outcomes.get("stipend")
        step = bool(e.outcomes.get("salary_step"))
        if stipend is None and not step:
            continue
        rows.append(
            {
                "enrollment": e,
                "employee": e.educator.sourced_id or e.educator.username,
                "name": str(e.educator),
                "school": e.school.code if e.school else "",
                "pathway": e.pathway.code,
                "completed_on": timezone.localdate(e.completed_at).isoformat()
                if e.completed_at
                else "",
                "stipend": stipend or "",
                "salary_step": "yes" if step else "no",
                "role_eligibility": e.outcomes.get("role") or "",
            }
        )
    return rows


def catalogue_counts(org: Organization) -> dict[str, int]:
    return {
        "micro_credentials": MicroCredential.objects.filter(
            issuer__path__startswith=org.path, status=CatalogueStatus.PUBLISHED
        ).count(),
        "pathways": Pathway.objects.filter(
            issuer__path__startswith=org.path, status=CatalogueStatus.PUBLISHED
        ).count(),
    }
