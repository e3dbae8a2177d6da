"""What the dashboards, exports and state pages show: the district's published release.

Nothing here suppresses anything, and nothing reads raw evidence. The daily job reads
the snapshot (``students_of``, one ``StudentPace`` row per student), and
:mod:`proficio.insights.release` builds, suppresses and audits the whole release at once;
it is stored as a ``PublishedRelease``. Every surface reads that stored release
(``release_of``), so pages, CSV, JSON, the API and the state pages cannot disagree, and
a request can only ever be served figures that were audited together. A withheld
figure is ``None`` here and is named in its row's ``withheld`` list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from proficio.core.equity.suppression import DEFAULT_THRESHOLD, check_threshold
from proficio.core.progression.continuum import proficient_from_share
from proficio.insights.models import HeldRelease, PublishedRelease
from proficio.insights.release import BIAS_METRICS
from proficio.orgs.models import Organization, OrganizationKind
from proficio.pace import engine
from proficio.pace.models import DistrictDay, StudentPace

SUBGROUP_LABELS = {
    "race_ethnicity": {
        "hispanic_latino": gettext_noop("Hispanic or Latino"),
        "american_indian": gettext_noop("American Indian or Alaska Native"),
        "asian": gettext_noop("Asian"),
        "black": gettext_noop("Black or African American"),
        "pacific_islander": gettext_noop("Native Hawaiian or Other Pacific Islander"),
        "white": gettext_noop("White"),
        "two_or_more": gettext_noop("Two or more races"),
        "not_reported": gettext_noop("Not reported"),
    },
    "english_learner": {
        "no": gettext_noop("Not an English learner"),
        "yes": gettext_noop("English learner"),
    },
    "disability": {
        "none": gettext_noop("No disability"),
        "iep": gettext_noop("IEP (IDEA)"),
        "504": gettext_noop("Section 504 plan"),
    },
    "economically_disadvantaged": {
        "no": gettext_noop("Not economically disadvantaged"),
        "yes": gettext_noop("Economically disadvantaged"),
    },
    "gender": {
        "female": gettext_noop("Female"),
        "male": gettext_noop("Male"),
        "nonbinary": gettext_noop("Nonbinary"),
        "not_reported": gettext_noop("Not reported"),
    },
}
DIMENSION_LABELS = {
    "race_ethnicity": gettext_noop("Race / ethnicity"),
    "english_learner": gettext_noop("English learner"),
    "disability": gettext_noop("Disability"),
    "economically_disadvantaged": gettext_noop("Economically disadvantaged"),
    "gender": gettext_noop("Gender"),
}
DIMENSIONS = tuple(DIMENSION_LABELS)


def threshold() -> int:
    """The n-size for suppression (``PROFICIO_MIN_CELL_SIZE``, default 10)."""
    return check_threshold(int(getattr(settings, "PROFICIO_MIN_CELL_SIZE", DEFAULT_THRESHOLD)))


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return round(100.0 * part / whole, 1)


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """100 · part / whole per student, NaN where whole is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, 100.0 * part / np.maximum(whole, 1), np.nan)


def label(row: dict[str, Any]) -> str:
    """A published row's group name, in the reader's language."""
    if not row["translate"]:
        return str(row["group"])
    if not row["total"] and row["breakdown"] in SUBGROUP_LABELS:
        return _(SUBGROUP_LABELS[row["breakdown"]][row["key"]])
    return _(row["group"])


@dataclass
class Row:
    """One published line of a table: counts (None when withheld) and the rates they allow."""

    label: str
    students: int | None
    behind: int | None = None
    proficient: int | None = None
    stalled: int | None = None
    micro_credentialed: int | None = None
    growth: float | None = None
    evidence: int | None = None
    unassessed_share: float | None = None
    key: str = ""
    org_id: int | None = None
    total: bool = False
    withheld: list[str] = field(default_factory=list)
    bias: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, row: dict[str, Any]) -> Row:
        name = label(row)
        if row["breakdown"] == "cohort" and not row["total"]:
            name = _("Grade %(grade)s") % {"grade": row["group"]}
        return cls(
            label=name,
            students=row["students"],
            behind=row["behind"],
            proficient=row["proficient"],
            stalled=row["stalled"],
            # A release stored before this count existed has none.
            micro_credentialed=row.get("micro_credentialed"),
            growth=row["growth"],
            evidence=row["evidence"],
            unassessed_share=row["unassessed_share"],
            key=row["key"],
            org_id=row["link"],
            total=row["total"],
            withheld=list(row["withheld"]),
            bias={
                **{m: row.get(m) for m in BIAS_METRICS},
                # The audited count as a share, from published cells only.
                "micro_credentialed": _rate(row.get("micro_credentialed"), row["students"]),
            },
        )

    @property
    def behind_rate(self) -> float | None:
        return _rate(self.behind, self.students)

    @property
    def proficient_rate(self) -> float | None:
        return _rate(self.proficient, self.students)

    @property
    def stalled_rate(self) -> float | None:
        return _rate(self.stalled, self.students)

    @property
    def micro_credentialed_rate(self) -> float | None:
        return _rate(self.micro_credentialed, self.students)

    @property
    def suppressed(self) -> bool:
        return bool(self.withheld)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.label,
            "students": self.students,
            "behind_pace_percent": self.behind_rate,
            "proficient_percent": self.proficient_rate,
            "stalled_percent": self.stalled_rate,
            "growth_levels_per_year": self.growth,
            "evidence": self.evidence,
            "expected_but_unassessed_percent": self.unassessed_share,
            "taught_by_micro_credentialed_percent": self.micro_credentialed_rate,
            "suppressed": self.suppressed,
            "suppression_reason": SUPPRESSION_REASON if self.suppressed else "",
            "suppressed_fields": [EXPORT_FIELD[f] for f in self.withheld if f in EXPORT_FIELD],
        }


# Why a figure is withheld. One reason for every hidden cell: telling small counts
# (primary) from those hidden to protect them (secondary) would itself tell an
# attacker that a primary cell lies between 1 and the threshold.
SUPPRESSION_REASON = "privacy: fewer than the threshold, or would reveal such a count"
EXPORT_FIELD = {
    "students": "students",
    "behind": "behind_pace_percent",
    "proficient": "proficient_percent",
    "stalled": "stalled_percent",
    "growth": "growth_levels_per_year",
    "evidence": "evidence",
    "unassessed_share": "expected_but_unassessed_percent",
    "micro_credentialed": "taught_by_micro_credentialed_percent",
}


def district_of(org: Organization) -> Organization | None:
    """The district whose release covers ``org`` (itself, or the one above a school)."""
    if org.kind == OrganizationKind.DISTRICT:
        return org
    parts = [p for p in org.path.split("/") if p]
    prefixes = ["/" + "/".join(parts[: k + 1]) + "/" for k in range(len(parts))]
    return Organization.objects.filter(path__in=prefixes, kind=OrganizationKind.DISTRICT).first()


def release_of(org: Organization) -> PublishedRelease | None:
    """The latest published release that covers ``org``."""
    district = district_of(org)
    if district is None:
        return None
    return (
        PublishedRelease.objects.filter(district=district)
        .defer("audit_state")
        .order_by("-day", "-pk")
        .first()
    )


def held_since(org: Organization, release: PublishedRelease | None) -> HeldRelease | None:
    """The latest day's release held back since ``release`` (the current one covering
    ``org``) was published: the audit could not protect it, so ``release`` is still
    current. None when the latest attempt was published."""
    district = district_of(org)
    if district is None:
        return None
    held = HeldRelease.objects.filter(district=district)
    if release is not None:
        held = held.filter(created_at__gt=release.created_at)
    return held.order_by("-created_at", "-pk").first()


def tables(release: PublishedRelease | None, org: Organization) -> dict[str, list[Row]]:
    """The org's tables in the release, by breakdown, each ending with its total row."""
    out: dict[str, list[Row]] = {}
    if release is None:
        return out
    for row in release.rows:
        if row["org"] == org.pk:
            out.setdefault(row["breakdown"], []).append(Row.of(row))
    return out


@dataclass
class Gap:
    metric: str
    group: str
    value: float
    vs_all: float
    vs_best: float
    best_group: str


@dataclass
class Dimension:
    name: str
    label: str
    rows: list[Row]
    gaps: list[Gap]
    bias: list[dict[str, Any]]


def equity(by: dict[str, list[Row]]) -> list[Dimension]:
    """Each dimension's groups, their gaps (from published rates only) and bias checks."""
    out = []
    for name in DIMENSIONS:
        rows = by.get(name, [])
        if not rows:
            continue
        gaps = []
        published = [r for r in rows[:-1] if r.students is not None]
        for metric, higher_is_better in (("proficient_rate", True), ("behind_rate", False)):
            values = [
                (getattr(r, metric), r.label) for r in published if getattr(r, metric) is not None
            ]
            overall = getattr(rows[-1], metric)
            if not values or overall is None:
                continue
            best_value, best_label = (max if higher_is_better else min)(values)
            for value, group in values:
                gaps.append(
                    Gap(
                        metric,
                        group,
                        value,
                        round(value - overall, 1),
                        round(value - best_value, 1),
                        best_label,
                    )
                )
        bias = [{"group": r.label, **r.bias, "withheld": r.students is None} for r in rows[:-1]]
        out.append(Dimension(name, _(DIMENSION_LABELS[name]), rows, gaps, bias))
    return out


def trends(org: Organization) -> list[dict[str, Any]]:
    """Per snapshot day: the org's published total (the last publication of each day)."""
    district = district_of(org)
    if district is None:
        return []
    by_day: dict[dt.date, dict[str, Any]] = {}
    for day, totals in (
        PublishedRelease.objects.filter(district=district)
        .order_by("day", "pk")
        .values_list("day", "totals")
    ):
        row = totals.get(str(org.pk))
        if row is not None:
            by_day[day] = row
    out = []
    for day, row in sorted(by_day.items()):
        r = Row.of(row)
        out.append(
            {
                "day": day.isoformat(),
                "students": r.students,
                "behind_percent": r.behind_rate,
                "proficient_percent": r.proficient_rate,
                "growth": r.growth,
                "evidence": r.evidence,
            }
        )
    return out


def export_rows(org: Organization) -> list[dict[str, Any]]:
    """Every published row about ``org``, flat, for CSV, JSON and the API."""
    out: list[dict[str, Any]] = []
    for breakdown, rows in tables(release_of(org), org).items():
        out += [{"breakdown": breakdown, **r.as_dict()} for r in rows]
    return out


def state_rows(state: Organization) -> list[dict[str, Any]]:
    """The state aggregate export: per district and subgroup, from each district's
    release (no state total is published, so districts' releases stay apart)."""
    out = []
    for district in Organization.objects.filter(
        path__startswith=state.path, kind=OrganizationKind.DISTRICT
    ).order_by("name"):
        by = tables(release_of(district), district)
        for name in DIMENSIONS:
            for row in by.get(name, []):
                out.append(
                    {
                        "district": district.name,
                        "district_code": district.code,
                        "dimension": name,
                        **row.as_dict(),
                    }
                )
    return out


def enrolment(district: Organization) -> tuple[list[Row], Row | None]:
    """The district's schools with their published sizes, and the district's total."""
    rows = tables(release_of(district), district).get("school", [])
    if not rows:
        return [], None
    return rows[:-1], rows[-1]


def predictability_trend(org: Organization) -> list[dict[str, Any]]:
    district = org if org.kind == OrganizationKind.DISTRICT else org.parent
    return [
        {
            "day": d.day.isoformat(),
            "r2_pace": None if d.r2_pace is None else round(d.r2_pace, 3),
            "r2_proficiency": None if d.r2_proficiency is None else round(d.r2_proficiency, 3),
        }
        for d in DistrictDay.objects.filter(district=district).order_by("day")
    ]


@dataclass
class Students:
    """The overall pace rows of an organization's students, as arrays."""

    ids: np.ndarray
    school: np.ndarray
    grade: list[str]
    behind: np.ndarray
    stalled: np.ndarray
    proficient: np.ndarray
    proficiency: np.ndarray
    growth: np.ndarray
    gap: np.ndarray
    evidence: np.ndarray
    expected: np.ndarray
    unassessed: np.ndarray
    assessed: np.ndarray
    reassessed: np.ndarray
    overrides: np.ndarray
    experienced: np.ndarray
    credentialed: np.ndarray
    # Taught by a teacher holding a micro-credential: a yes/no count of the release
    # (no teacher with a profile counts as no), so it goes through the joint audit.
    micro_credentialed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 5), np.int64))


def students_of(org: Organization) -> Students:
    rows = list(
        StudentPace.objects.filter(
            competency__isnull=True, student__school__path__startswith=org.path
        )
        .order_by("student_id")
        .values_list(
            "student_id",
            "student__school_id",
            "student__grade_level",
            "status",
            "stalled",
            "proficiency",
            "growth_per_year",
            "evidence",
            "expected_targets",
            "unassessed_targets",
            "assessed_targets",
            "reassessed_targets",
            "overrides",
            "experienced_teacher",
            "credentialed_teacher",
            "micro_credentialed_teacher",
        )
    )
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(16)]

    def floats(values: Sequence[Any]) -> np.ndarray:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    ids = np.array(cols[0], dtype=np.int64)
    proficiency = floats(cols[5])
    return Students(
        ids=ids,
        school=np.array(cols[1], dtype=np.int64),
        grade=list(cols[2]),
        behind=np.array([s == "behind" for s in cols[3]], dtype=bool),
        stalled=np.array(cols[4], dtype=bool),
        proficient=proficient_from_share(proficiency),
        proficiency=proficiency,
        growth=floats(cols[6]),
        gap=np.array([{"behind": -1.0, "on": 0.0, "ahead": 1.0}.get(s, np.nan) for s in cols[3]]),
        evidence=np.array(cols[7], dtype=np.int64),
        expected=np.array(cols[8], dtype=np.int64),
        unassessed=np.array(cols[9], dtype=np.int64),
        assessed=np.array(cols[10], dtype=np.int64),
        reassessed=np.array(cols[11], dtype=np.int64),
        overrides=np.array(cols[12], dtype=np.int64),
        experienced=floats(cols[13]),
        credentialed=floats(cols[14]),
        micro_credentialed=np.array([v is True for v in cols[15]], dtype=bool),
        codes=engine.subgroup_codes(ids, within=org.path),
    )


def off_pace(user: Any, org: Organization) -> Any:
    """Students behind pace in ``org`` whom the user may open (the policy decides): every
    one of them, in name order (the dashboard pages through them)."""
    from proficio import policy
    from proficio.policy import Act, Subject

    if not policy.may(user, Act.VIEW, Subject.STUDENT):
        return StudentPace.objects.none()
    visible = policy.visible(user, Subject.STUDENT).filter(school__path__startswith=org.path)
    behind = (
        StudentPace.objects.filter(competency__isnull=True, status="behind", student__in=visible)
        .select_related("student", "student__school")
        .order_by("student__legal_family_name", "student__legal_given_name", "student_id")
    )
    return behind


# --- The dashboard's summary and breakdown histories ---------------------------------------

# The headline figures, in order: (row field, rate property or value, unit). What each
# means is said once, in ``proficio.insights.figures``.
SUMMARY_FIELDS = ("students", "behind", "proficient", "stalled", "growth", "unassessed_share")


@dataclass
class Headline:
    """One headline figure: today's published value, the value it is compared with (both
    as the published row and field, so a withheld one reads as withheld) and the change."""

    field: str
    row: Row
    value: float | int | None
    before: float | int | None
    change: float | None


def headline_value(row: Row, name: str) -> float | int | None:
    """The value shown for ``name``: the rate for counts of students, else the figure."""
    if name in ("behind", "proficient", "stalled"):
        rate: float | None = getattr(row, f"{name}_rate")
        return rate
    value: float | int | None = getattr(row, name)
    return value


def _release_before(district: Organization, day: dt.date) -> PublishedRelease | None:
    return (
        PublishedRelease.objects.filter(district=district, day__lt=day)
        .defer("audit_state", "rows")
        .order_by("-day", "-pk")
        .first()
    )


def comparison(org: Organization, release: PublishedRelease) -> PublishedRelease | None:
    """The release a headline's change is measured from: the last one published before
    the current term began (the figure as the last term ended), or, when the history does
    not reach back that far, the earliest one held."""
    from proficio.orgs.models import Term

    district = district_of(org)
    if district is None:
        return None
    term = (
        Term.objects.filter(
            year__district=district, start_date__lte=release.day, end_date__gte=release.day
        )
        .order_by("-start_date")
        .first()
    )
    before = _release_before(district, term.start_date) if term else None
    if before is not None:
        return before
    earliest = (
        PublishedRelease.objects.filter(district=district, day__lt=release.day)
        .defer("audit_state", "rows")
        .order_by("day", "pk")
        .first()
    )
    return earliest


def headlines(
    org: Organization, release: PublishedRelease | None, total: Row | None
) -> tuple[list[Headline], PublishedRelease | None]:
    """The summary's figures for ``org`` with their change since the comparison release."""
    if release is None or total is None:
        return [], None
    earlier = comparison(org, release)
    before_row = None
    if earlier is not None:
        row = earlier.totals.get(str(org.pk))
        before_row = Row.of(row) if row is not None else None
    out = []
    for name in SUMMARY_FIELDS:
        value = headline_value(total, name)
        before = headline_value(before_row, name) if before_row is not None else None
        change = (
            round(float(value) - float(before), 2)
            if value is not None and before is not None
            else None
        )
        out.append(Headline(name, total, value, before, change))
    return out, earlier


def history(org: Organization, breakdown: str) -> list[tuple[dt.date, list[Row]]]:
    """The ``breakdown`` table of ``org`` in each release held, the last of each month
    (and the latest), oldest first: what the breakdown charts draw."""
    district = district_of(org)
    if district is None:
        return []
    days = list(
        PublishedRelease.objects.filter(district=district)
        .order_by("day", "pk")
        .values_list("pk", "day")
    )
    last_of_month: dict[tuple[int, int], int] = {}
    for pk, day in days:
        last_of_month[(day.year, day.month)] = pk
    chosen = set(last_of_month.values())
    if days:
        chosen.add(days[-1][0])
    out = []
    for day, rows in (
        PublishedRelease.objects.filter(pk__in=chosen)
        .order_by("day", "pk")
        .values_list("day", "rows")
    ):
        table = [Row.of(r) for r in rows if r["org"] == org.pk and r["breakdown"] == breakdown]
        out.append((day, table))
    return out


@dataclass
class GapMark:
    """A group's gap against all students on one measure, in percentage points, with its
    95 % interval; ``withheld`` when a figure it needs is withheld (no gap is shown)."""

    group: str
    metric: str
    gap: float | None = None
    low: float | None = None
    high: float | None = None
    withheld: bool = False


def gap_marks(rows: list[Row]) -> list[GapMark]:
    """Each group's gap against all students (the dimension's total row), from published
    counts only: a group or total with a withheld count gets a mark, never a number."""
    from proficio.core.equity.gaps import gap_against_all

    if not rows:
        return []
    total = rows[-1]
    out = []
    for metric in ("proficient", "behind"):
        for row in rows[:-1]:
            hits, n = getattr(row, metric), row.students
            all_hits, all_n = getattr(total, metric), total.students
            if hits is None or n is None or all_hits is None or all_n is None:
                out.append(GapMark(row.label, metric, withheld=True))
                continue
            if n == 0:
                continue  # an empty group has no rate, hence no gap
            g = gap_against_all(hits, n, all_hits, all_n)
            out.append(
                GapMark(row.label, metric, round(g.gap, 1), round(g.low, 1), round(g.high, 1))
            )
    return out
