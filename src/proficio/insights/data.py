"""What the dashboards show, read from the daily snapshot, with suppression applied.

Nothing here reads raw evidence: the daily pace job (:mod:`proficio.pace.actions`) keeps
one row per student (``StudentPace``) and per school, grade and day (``SchoolDay``).
Every count and rate that leaves this module has been through
:mod:`proficio.core.equity.suppression`: a figure about fewer than ``threshold``
students, or one that would let such a figure be worked out, is ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Max, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from proficio.core.equity.disaggregate import disaggregate
from proficio.core.equity.suppression import (
    DEFAULT_THRESHOLD,
    check_threshold,
    suppress_count,
    suppress_tables,
)
from proficio.core.progression.continuum import proficient_from_share
from proficio.orgs.models import Organization, OrganizationKind
from proficio.pace import engine
from proficio.pace.models import DistrictDay, SchoolDay, StudentPace

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
GRADE_BANDS = {
    **dict.fromkeys(["K", "1", "2", "3", "4", "5"], "K–5"),
    **dict.fromkeys(["6", "7", "8"], "6–8"),
    **dict.fromkeys(["9", "10", "11", "12"], "9–12"),
}


def threshold() -> int:
    """The n-size for suppression (``PROFICIO_MIN_CELL_SIZE``, default 10)."""
    return check_threshold(int(getattr(settings, "PROFICIO_MIN_CELL_SIZE", DEFAULT_THRESHOLD)))


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return round(100.0 * part / whole, 1)


@dataclass
class Row:
    """One line of a breakdown: suppressed counts and the rates they allow."""

    label: str
    students: int | None
    behind: int | None = None
    proficient: int | None = None
    stalled: int | None = None
    growth: float | None = None
    evidence: int | None = None
    unassessed_share: float | None = None
    key: str = ""
    org_id: int | None = None

    @property
    def behind_rate(self) -> float | None:
        return _rate(self.behind, self.students)

    @property
    def proficient_rate(self) -> float | None:
        return _rate(self.proficient, self.students)

    @property
    def stalled_rate(self) -> float | None:
        return _rate(self.stalled, self.students)

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
        }


def suppressed_rows(
    labels: Sequence[str],
    counts: dict[str, Any],
    means: dict[str, Any],
    limit: int,
    *,
    total_label: str,
) -> list[Row]:
    """Rows for sibling groups plus their total. Each yes/no count (behind, proficient,
    stalled) is a two-way table of yes and no by group whose column totals are the group
    sizes; the three are suppressed together, so a size or a small number of students who
    are (or are not) behind is hidden along with whatever would reveal it."""
    if not labels:
        return [Row(total_label, 0, 0, 0, 0)]
    sizes = [int(v) for v in counts["students"]]
    names = ("behind", "proficient", "stalled")
    tables = []
    for name in names:
        yes = [int(v) for v in counts[name]]
        tables.append([yes, [n - y for y, n in zip(yes, sizes, strict=True)]])
    results = suppress_tables(tables, limit)
    first = results[0]
    rows = [Row(label, first.column_totals[i]) for i, label in enumerate(labels)]
    rows.append(Row(total_label, first.total))
    for name, table in zip(names, results, strict=True):
        for i, row in enumerate(rows[:-1]):
            shown_yes, shown_no = table.cells[0][i], table.cells[1][i]
            both = row.students is not None and shown_no is not None
            setattr(row, name, shown_yes if both else None)
        yes_total, no_total = table.row_totals
        known = yes_total is not None and no_total is not None
        setattr(rows[-1], name, yes_total if rows[-1].students is not None and known else None)
    for name, values in means.items():
        for i, row in enumerate(rows):
            value = float(values[i])
            digits = 1 if name.endswith("share") else 2
            setattr(
                row,
                name,
                round(value, digits) if row.students is not None and np.isfinite(value) else None,
            )
    return rows


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
        )
    )
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(15)]

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
        codes=engine.subgroup_codes(ids, within=org.path),
    )


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, 100.0 * part / np.maximum(whole, 1), np.nan)


def breakdown(
    s: Students, key: np.ndarray, labels: list[str], limit: int, total_label: str
) -> list[Row]:
    """Rows for students grouped by ``key`` (indices into ``labels``)."""
    m = len(labels)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(key[mask], minlength=m)

    def mean(values: np.ndarray) -> tuple[np.ndarray, float]:
        ok = np.isfinite(values)
        n = np.bincount(key[ok], minlength=m)
        total = np.bincount(key[ok], values[ok], minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total / np.maximum(n, 1), np.nan), (
                float(values[ok].mean()) if ok.any() else float("nan")
            )

    everyone = np.ones(key.size, dtype=bool)
    growth, growth_all = mean(s.growth)
    unassessed = _share(
        np.bincount(key, s.unassessed, minlength=m), np.bincount(key, s.expected, minlength=m)
    )
    unassessed_all = float(_share(np.array([s.unassessed.sum()]), np.array([s.expected.sum()]))[0])
    evidence = np.bincount(key, s.evidence, minlength=m)
    rows = suppressed_rows(
        labels,
        {
            "students": count(everyone),
            "behind": count(s.behind),
            "proficient": count(s.proficient),
            "stalled": count(s.stalled),
        },
        {
            "growth": [*growth, growth_all],
            "unassessed_share": [*unassessed, unassessed_all],
        },
        limit,
        total_label=total_label,
    )
    for i, row in enumerate(rows):
        value = int(evidence[i]) if i < m else int(evidence.sum())
        row.evidence = value if row.students is not None else None
    return rows


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


def equity(s: Students, limit: int) -> list[Dimension]:
    """Every dimension's groups, their gaps and the bias checks, all suppressed."""
    out = []
    levels = engine.SUBGROUP_LEVELS
    results = disaggregate(
        s.codes,
        [len(v) for v in levels.values()],
        {
            "overrides_per_100": _share(s.overrides, s.assessed),
            "reassessed_share": _share(s.reassessed, s.assessed),
            "experienced": s.experienced * 100,
            "credentialed": s.credentialed * 100,
        },
    )
    for d, (name, codes) in enumerate(levels.items()):
        labels = [_(SUBGROUP_LABELS[name][c]) for c in codes]
        rows = breakdown(s, s.codes[:, d], labels, limit, _("All students"))
        for row, code in zip(rows, [*codes, ""], strict=True):
            row.key = code
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
            for value, label in values:
                gaps.append(
                    Gap(
                        metric,
                        label,
                        value,
                        round(value - overall, 1),
                        round(value - best_value, 1),
                        best_label,
                    )
                )
        bias = []
        stats = results[d]
        for i, row in enumerate(rows[:-1]):
            entry: dict[str, Any] = {"group": row.label}
            for metric in ("overrides_per_100", "reassessed_share", "experienced", "credentialed"):
                value = float(stats.means(metric)[0, i])
                entry[metric] = (
                    round(value, 1) if row.students is not None and np.isfinite(value) else None
                )
            bias.append(entry)
        out.append(Dimension(name, _(DIMENSION_LABELS[name]), rows, gaps, bias))
    return out


def latest_day(org: Organization) -> dt.date | None:
    day: dt.date | None = SchoolDay.objects.filter(school__path__startswith=org.path).aggregate(
        day=Max("day")
    )["day"]
    return day


def trends(org: Organization, limit: int) -> list[dict[str, Any]]:
    """Per day: students, and the shares behind, proficient and stalled (suppressed)."""
    rows = (
        SchoolDay.objects.filter(school__path__startswith=org.path)
        .values("day")
        .annotate(
            students=Sum("students"),
            behind=Sum("behind"),
            proficient=Sum("proficient"),
            stalled=Sum("stalled"),
            growth_sum=Sum("growth_sum"),
            growth_n=Sum("growth_n"),
            evidence=Sum("evidence"),
        )
        .order_by("day")
    )
    out = []
    for r in rows:
        n = r["students"] or 0
        shown = n > 0 and suppress_count(n, limit) is not None

        def share(part: int, n: int = n, shown: bool = shown) -> float | None:
            # Published only when neither the part nor the rest is a small count.
            small = suppress_count(part, limit) is None or suppress_count(n - part, limit) is None
            return None if not shown or small else _rate(part, n)

        out.append(
            {
                "day": r["day"].isoformat(),
                "students": n if shown else None,
                "behind_percent": share(r["behind"]),
                "proficient_percent": share(r["proficient"]),
                "growth": round(r["growth_sum"] / r["growth_n"], 2)
                if shown and r["growth_n"]
                else None,
                "evidence": r["evidence"] if shown else None,
            }
        )
    return out


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


def by_school(s: Students, org: Organization, limit: int) -> list[Row]:
    schools = list(
        Organization.objects.filter(
            path__startswith=org.path, kind=OrganizationKind.SCHOOL
        ).order_by("name")
    )
    index = {sch.pk: k for k, sch in enumerate(schools)}
    key = np.array([index.get(int(x), 0) for x in s.school], dtype=np.int64)
    rows = breakdown(s, key, [sch.name for sch in schools], limit, _("All schools"))
    for row, sch in zip(rows, schools, strict=False):
        row.org_id = sch.pk
    return rows


def by_grade_band(s: Students, limit: int) -> list[Row]:
    bands = ["K–5", "6–8", "9–12"]
    key = np.array([bands.index(GRADE_BANDS.get(g, "9–12")) for g in s.grade], dtype=np.int64)
    return breakdown(s, key, bands, limit, _("All grades"))


def by_cohort(s: Students, limit: int) -> list[Row]:
    grades = [g for g in GRADE_BANDS if g in set(s.grade)]
    key = np.array([grades.index(g) for g in s.grade], dtype=np.int64)
    labels = [_("Grade %(grade)s") % {"grade": g} for g in grades]
    return breakdown(s, key, labels, limit, _("All grades"))


def by_section_and_teacher(
    s: Students, school: Organization, today: dt.date, limit: int
) -> tuple[list[Row], list[Row]]:
    """For one school: students by their current sections and by their teachers."""
    from proficio.orgs.models import Enrollment, active_on

    pairs = list(
        Enrollment.objects.filter(section__school=school)
        .filter(active_on(today))
        .values_list("student_id", "section_id", "section__name")
    )
    # A class is judged on its course's competencies (its scope), not the whole profile.
    scopes = engine.section_competencies({k for _, k, _ in pairs})
    staff = list(
        Enrollment.objects.filter(section__school=school)
        .filter(active_on(today), active_on(today, "section__staff__"))
        .values_list("student_id", "section__staff__user_id", "section__staff__user__display_name")
        .distinct()
    )
    position = {int(x): k for k, x in enumerate(s.ids)}

    def rows_for(links: list[tuple[int, int, str]], total: str, scoped: bool = False) -> list[Row]:
        keys = sorted({(name or "", k) for _, k, name in links})
        index = {k: i for i, (_, k) in enumerate(keys)}
        picked = [(position[sid], index[k]) for sid, k, _ in links if sid in position]
        if not picked:
            return []
        take = np.array([p for p, _ in picked], dtype=np.int64)
        fields: dict[str, Any] = {
            f: (
                getattr(s, f)[take]
                if isinstance(getattr(s, f), np.ndarray)
                else [s.grade[i] for i in take]
            )
            for f in Students.__dataclass_fields__
        }
        sub = Students(**fields)
        if scoped:
            kept = [(sid, k) for sid, k, _ in links if sid in position]
            sub.proficient, sub.behind = engine.course_flags(kept, scopes)
        key = np.array([k for _, k in picked], dtype=np.int64)
        # Students appear once per section: the total row is a count of memberships.
        return breakdown(sub, key, [name for name, _ in keys], limit, total)

    return rows_for(pairs, _("All sections"), scoped=True), rows_for(staff, _("All teachers"))


def state_rows(state: Organization, limit: int) -> list[dict[str, Any]]:
    """The state aggregate export: per district and subgroup, suppressed."""
    out = []
    for district in Organization.objects.filter(
        path__startswith=state.path, kind=OrganizationKind.DISTRICT
    ).order_by("name"):
        s = students_of(district)
        if s.ids.size == 0:
            continue
        for dim in equity(s, limit):
            for row in dim.rows:
                out.append(
                    {
                        "district": district.name,
                        "district_code": district.code,
                        "dimension": dim.name,
                        **row.as_dict(),
                    }
                )
    return out


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


def export_rows(org: Organization) -> list[dict[str, Any]]:
    limit = threshold()
    students = students_of(org)
    out: list[dict[str, Any]] = []
    if org.kind == OrganizationKind.DISTRICT:
        out += [{"breakdown": "school", **r.as_dict()} for r in by_school(students, org, limit)]
    out += [{"breakdown": "grade_band", **r.as_dict()} for r in by_grade_band(students, limit)]
    for dim in equity(students, limit):
        out += [{"breakdown": dim.name, **r.as_dict()} for r in dim.rows]
    return out
