"""A district's release: every figure any audience can download for one snapshot day.

One function, :func:`plan`, lists the release's tables (district: by school, grade band,
cohort and each subgroup dimension; each school: by grade band, cohort, subgroup,
section and teacher) and the populations their rows are about. From it
:func:`compute` builds every cell and relation (``core.equity.release``), suppresses
and audits them jointly (``core.equity.audit.protect``; with the previous release and
the state's published report cards, ``core.equity.joint.join_published``), and returns
the published rows, in which a withheld figure is ``None`` and named in the row's
``withheld`` list.
:mod:`proficio.insights.actions` stores that as the day's ``PublishedRelease``; every page,
export and API reads only stored rows, so no two surfaces can disagree.

The inputs are plain arrays (:class:`Roster`), read from the daily snapshot by
:func:`read_roster`, so the benchmark can build a large district without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

from proficio.core.equity.audit import (
    AuditState,
    CellSystem,
    Sparse,
    intervals,
)
from proficio.core.equity.joint import Published, held, protect_after
from proficio.core.equity.release import Family, Scoped, build_release
from proficio.core.equity.suppression import suppress_tables
from proficio.core.graduation import COHORT_STATUSES as GRADUATION_STATUSES

MEASURES = ("behind", "proficient", "stalled")
BANDS = ("K–5", "6–8", "9–12")
GRADE_BANDS = {
    **dict.fromkeys(["K", "1", "2", "3", "4", "5"], "K–5"),
    **dict.fromkeys(["6", "7", "8"], "6–8"),
    **dict.fromkeys(["9", "10", "11", "12"], "9–12"),
}
GRADE_ORDER = ["PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
BIAS_METRICS = ("overrides_per_100", "reassessed_share", "experienced", "credentialed")
# Bias checks published as yes/no counts, cells of the joint audit like the measures:
# students taught by a teacher who holds a micro-credential.
ACCESS_MEASURES = ("micro_credentialed",)
CELL_MEASURES = (*MEASURES, *ACCESS_MEASURES)
# Fields of a published row, in the order the exports list them.
COUNT_FIELDS = ("students", *MEASURES)
MEAN_FIELDS = ("growth", "evidence", "unassessed_share")


@dataclass
class Roster:
    """One district's students on the snapshot day, as arrays.

    ``school`` indexes ``schools`` ((pk, name) pairs); ``codes`` are the subgroup codes
    (students × dimensions, in the order of ``dimensions``); ``metrics`` hold per-student
    values with NaN for "none"; ``enrolled`` pairs (student, section) and ``staff``
    (section, teacher) by index into ``sections`` ((pk, school index, name)) and
    ``teachers`` ((pk, name))."""

    district: tuple[int, str]
    ids: np.ndarray
    school: np.ndarray
    schools: list[tuple[int, str]]
    grade: list[str]
    codes: np.ndarray
    dimensions: dict[str, list[str]]
    behind: np.ndarray
    proficient: np.ndarray
    stalled: np.ndarray
    metrics: dict[str, np.ndarray]
    sections: list[tuple[int, int, str]] = field(default_factory=list)
    enrolled: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    teachers: list[tuple[int, str]] = field(default_factory=list)
    staff: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    # Per row of ``enrolled``: behind and proficient on that section's course (None: the
    # by-section rows count the students' own flags).
    course_behind: np.ndarray | None = None
    course_proficient: np.ndarray | None = None
    # Graduation: each student's graduating class (0: no graduation record) and status,
    # an index into GRADUATION_STATUSES (proficio.graduation.actions.cohort_status).
    graduation: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    graduation_status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # Taught by a teacher holding a micro-credential (None: nobody is).
    micro_credentialed: np.ndarray | None = None

    def measures(self) -> dict[str, np.ndarray]:
        """The yes/no counts of every population, in the order of ``CELL_MEASURES``."""
        micro = (
            np.zeros(self.ids.size, bool)
            if self.micro_credentialed is None
            else np.asarray(self.micro_credentialed, bool)
        )
        flags = {"behind": self.behind, "proficient": self.proficient, "stalled": self.stalled}
        return {**flags, "micro_credentialed": micro}


@dataclass
class RowSpec:
    org: int
    breakdown: str
    label: str
    translate: bool
    key: str
    population: int
    total: bool = False
    link: int | None = None


@dataclass
class Plan:
    names: list[str]
    incidence: Sparse
    weight: np.ndarray
    rows: list[RowSpec]
    families: list[Family]
    block: np.ndarray
    # The population of each section (by index) and of each school's "all sections".
    section_pops: dict[int, int] = field(default_factory=dict)
    sections_totals: dict[int, int] = field(default_factory=dict)


def _grade_key(grade: str) -> tuple[int, str]:
    return (GRADE_ORDER.index(grade) if grade in GRADE_ORDER else len(GRADE_ORDER), grade)


def plan(r: Roster) -> Plan:
    """Every table of the release, and the population each of its rows is about."""
    n = r.ids.size
    names: list[str] = []
    weights: list[float] = []
    blocks: list[int] = []
    current_block = -1
    trip_rows: list[np.ndarray] = []
    trip_cols: list[np.ndarray] = []
    trip_data: list[np.ndarray] = []
    index: dict[str, int] = {}

    def population(name: str, members: np.ndarray, weight: float, counts: Any = None) -> int:
        if name in index:
            return index[name]
        p = len(names)
        index[name] = p
        names.append(name)
        weights.append(weight)
        blocks.append(current_block)
        trip_rows.append(np.full(members.size, p, dtype=np.int64))
        trip_cols.append(members.astype(np.int64))
        trip_data.append(
            np.ones(members.size, np.int64) if counts is None else counts.astype(np.int64)
        )
        return p

    rows: list[RowSpec] = []
    section_pop: dict[int, int] = {}
    sections_total: dict[int, int] = {}
    district_pk = r.district[0]
    everyone = np.arange(n, dtype=np.int64)
    grades = sorted(set(r.grade), key=_grade_key)
    grade_of = np.array([grades.index(g) for g in r.grade], dtype=np.int64)
    band_of = np.array([BANDS.index(GRADE_BANDS.get(g, "9–12")) for g in r.grade], dtype=np.int64)
    district = population("district", everyone, 16.0)

    def table(
        org: int,
        breakdown: str,
        groups: Sequence[tuple[str, bool, str, int, int | None]],
        total: int,
        total_label: str,
    ) -> None:
        for label, translate, key, pop, link in groups:
            rows.append(RowSpec(org, breakdown, label, translate, key, pop, link=link))
        rows.append(RowSpec(org, breakdown, total_label, True, "", total, total=True))

    # The district's tables.
    school_pops = [
        population(f"school:{pk}", np.flatnonzero(r.school == s), 8.0)
        for s, (pk, _) in enumerate(r.schools)
    ]
    table(
        district_pk,
        "school",
        [(name, False, str(pk), school_pops[s], pk) for s, (pk, name) in enumerate(r.schools)],
        district,
        gettext_noop("All schools"),
    )
    table(
        district_pk,
        "grade_band",
        [
            (band, False, band, population(f"band:{band}", np.flatnonzero(band_of == b), 8.0), None)
            for b, band in enumerate(BANDS)
        ],
        district,
        gettext_noop("All grades"),
    )
    table(
        district_pk,
        "cohort",
        [
            (
                g,
                False,
                g,
                population(f"grade:{g}", np.flatnonzero(grade_of == k), 8.0),
                None,
            )
            for k, g in enumerate(grades)
        ],
        district,
        gettext_noop("All grades"),
    )
    # Graduating classes on track (the district's graduation page reads these rows):
    # each class's students by status, and all students held to requirements.
    if r.graduation.size and (r.graduation > 0).any():
        held = np.flatnonzero(r.graduation > 0)
        groups = []
        for cohort in sorted({int(c) for c in r.graduation[held]}):
            for k, status in enumerate(GRADUATION_STATUSES):
                in_status = np.flatnonzero((r.graduation == cohort) & (r.graduation_status == k))
                groups.append(
                    (
                        f"{cohort} {status}",
                        False,
                        f"{cohort}:{status}",
                        population(f"graduation:{cohort}:{status}", in_status, 8.0),
                        None,
                    )
                )
        table(
            district_pk,
            "graduation",
            groups,
            population("graduation", held, 8.0),
            gettext_noop("All students held to graduation requirements"),
        )
    for d, (dim, codes) in enumerate(r.dimensions.items()):
        table(
            district_pk,
            dim,
            [
                (
                    code,
                    True,
                    code,
                    population(f"{dim}={code}", np.flatnonzero(r.codes[:, d] == c), 8.0),
                    None,
                )
                for c, code in enumerate(codes)
            ],
            district,
            gettext_noop("All students"),
        )

    # Sections and teachers, per school (a student counts once per section or teacher).
    enrolled = np.asarray(r.enrolled, dtype=np.int64).reshape(-1, 2)
    staff = np.asarray(r.staff, dtype=np.int64).reshape(-1, 2)
    section_school = np.array([s[1] for s in r.sections], dtype=np.int64)
    sections_of: list[list[int]] = [[] for _ in range(n)]
    for student, section in enrolled.tolist():
        sections_of[student].append(section)
    teachers_of_section: list[list[int]] = [[] for _ in r.sections]
    for section, teacher in staff.tolist():
        teachers_of_section[section].append(teacher)

    for s, (school_pk, _) in enumerate(r.schools):
        current_block = s
        mine = np.flatnonzero(r.school == s)
        school = school_pops[s]
        table(
            school_pk,
            "grade_band",
            [
                (
                    band,
                    False,
                    band,
                    population(f"school:{school_pk}|band:{band}", mine[band_of[mine] == b], 4.0),
                    None,
                )
                for b, band in enumerate(BANDS)
            ],
            school,
            gettext_noop("All grades"),
        )
        present = sorted({int(grade_of[i]) for i in mine})
        table(
            school_pk,
            "cohort",
            [
                (
                    grades[k],
                    False,
                    grades[k],
                    population(
                        f"school:{school_pk}|grade:{grades[k]}", mine[grade_of[mine] == k], 4.0
                    ),
                    None,
                )
                for k in present
            ],
            school,
            gettext_noop("All grades"),
        )
        for d, (dim, codes) in enumerate(r.dimensions.items()):
            table(
                school_pk,
                dim,
                [
                    (
                        code,
                        True,
                        code,
                        population(
                            f"school:{school_pk}|{dim}={code}", mine[r.codes[mine, d] == c], 4.0
                        ),
                        None,
                    )
                    for c, code in enumerate(codes)
                ],
                school,
                gettext_noop("All students"),
            )
        here = [k for k, sec in enumerate(r.sections) if sec[1] == s]
        if not here:
            continue
        here.sort(key=lambda k: (r.sections[k][2], r.sections[k][0]))
        section_pops = []
        for k in here:
            members = enrolled[enrolled[:, 1] == k, 0]
            section_pop[k] = population(f"section:{r.sections[k][0]}", np.unique(members), 1.0)
            section_pops.append(
                (r.sections[k][2], False, str(r.sections[k][0]), section_pop[k], None)
            )
        mask = section_school[enrolled[:, 1]] == s
        members, counts = np.unique(enrolled[mask, 0], return_counts=True)
        sections_total[s] = population(f"school:{school_pk}|sections", members, 2.0, counts)
        table(
            school_pk,
            "section",
            section_pops,
            sections_total[s],
            gettext_noop("All sections"),
        )
        by_teacher: dict[int, set[int]] = {}
        for k in here:
            for t in teachers_of_section[k]:
                by_teacher.setdefault(t, set()).update(enrolled[enrolled[:, 1] == k, 0].tolist())
        if not by_teacher:
            continue
        teacher_rows = []
        multiplicity = np.zeros(n, np.int64)
        for t in sorted(by_teacher, key=lambda t: (r.teachers[t][1], r.teachers[t][0])):
            members = np.array(sorted(by_teacher[t]), dtype=np.int64)
            multiplicity[members] += 1
            teacher_rows.append(
                (
                    r.teachers[t][1],
                    False,
                    str(r.teachers[t][0]),
                    population(f"school:{school_pk}|teacher:{r.teachers[t][0]}", members, 1.0),
                    None,
                )
            )
        who = np.flatnonzero(multiplicity)
        table(
            school_pk,
            "teacher",
            teacher_rows,
            population(f"school:{school_pk}|teachers", who, 2.0, multiplicity[who]),
            gettext_noop("All teachers"),
        )

    incidence = Sparse.from_triplets(
        np.concatenate(trip_rows),
        np.concatenate(trip_cols),
        np.concatenate(trip_data),
        (len(names), n),
    )
    # The attacker knows each student's school, grade and sections (the roster atoms),
    # and each student's school and subgroup in one dimension (one family per dimension).
    roster_keys: dict[tuple[int, int, tuple[int, ...]], int] = {}
    roster_atom = np.empty(n, dtype=np.int64)
    for i in range(n):
        sig = (int(r.school[i]), int(grade_of[i]), tuple(sorted(sections_of[i])))
        roster_atom[i] = roster_keys.setdefault(sig, len(roster_keys))
    families = [
        Family(
            roster_atom,
            [
                "roster:{}:{}:{}".format(
                    r.schools[s][0], grades[g], ",".join(str(r.sections[k][0]) for k in secs)
                )
                for (s, g, secs) in roster_keys
            ],
            np.array([s for (s, _, _) in roster_keys], dtype=np.int64),
        )
    ]
    for d, (dim, codes) in enumerate(r.dimensions.items()):
        atom = r.school.astype(np.int64) * len(codes) + r.codes[:, d]
        used, dense = np.unique(atom, return_inverse=True)
        families.append(
            Family(
                dense.astype(np.int64),
                [
                    f"{dim}:{r.schools[int(a) // len(codes)][0]}:{codes[int(a) % len(codes)]}"
                    for a in used
                ],
                (used // len(codes)).astype(np.int64),
            )
        )
    return Plan(
        names,
        incidence,
        np.array(weights),
        rows,
        families,
        np.array(blocks, np.int64),
        section_pop,
        sections_total,
    )


def _course_measures(p: Plan, r: Roster) -> dict[str, Scoped]:
    """The by-section figures on each section's own course: measures of memberships
    (a student counts in each of their sections, with that course's flag), for every
    section and each school's "all sections". None unless the roster carries them."""
    if r.course_behind is None or r.course_proficient is None:
        return {}
    enrolled = np.asarray(r.enrolled, dtype=np.int64).reshape(-1, 2)
    section_school = np.array([sec[1] for sec in r.sections], dtype=np.int64)
    j = np.arange(enrolled.shape[0], dtype=np.int64)
    keep = np.array([k in p.section_pops for k in enrolled[:, 1].tolist()], dtype=bool)
    rows = np.concatenate(
        [
            np.array([p.section_pops[k] for k in enrolled[keep, 1].tolist()], dtype=np.int64),
            np.array(
                [p.sections_totals[int(section_school[k])] for k in enrolled[keep, 1].tolist()],
                dtype=np.int64,
            ),
        ]
    )
    cols = np.concatenate([j[keep], j[keep]])
    members = Sparse.from_triplets(
        rows, cols, np.ones(rows.size, np.int64), (len(p.names), enrolled.shape[0])
    )
    student, context = enrolled[:, 0], enrolled[:, 1]
    return {
        "behind": Scoped(student, context, np.asarray(r.course_behind, bool), members),
        "proficient": Scoped(student, context, np.asarray(r.course_proficient, bool), members),
    }


@dataclass
class Computed:
    """A computed release: the published rows, and what the audit needs tomorrow."""

    rows: list[dict[str, Any]]
    system: CellSystem
    hidden: np.ndarray
    links: dict[str, int]
    summary: dict[str, Any]
    blocks: np.ndarray


def _links(
    plan_: Plan,
    cells: np.ndarray,
    roster: Roster,
    scoped: dict[str, dict[int, tuple[int, int]]] | None = None,
) -> dict[str, int]:
    """Every name a reader could recognise a cell by: its population's name(s) and its
    students (so a renamed section with the same students is the same figure)."""
    out: dict[str, int] = {}
    rows, cols, _ = plan_.incidence.triplets()
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(len(plan_.names) + 1))
    slots = cells.shape[1]
    for p, name in enumerate(plan_.names):
        members = np.sort(roster.ids[cols[order[bounds[p] : bounds[p + 1]]]])
        digest = hashlib.sha1(members.tobytes()).hexdigest()[:16]  # noqa: S324 - not security
        for k in range(slots):
            out[f"{name}#{k}"] = int(cells[p, k])
            out[f"students:{digest}#{k}"] = int(cells[p, k])
        for measure, own in (scoped or {}).items():  # a section's figures on its course
            if p in own:
                out[f"{name}#course-{measure}-yes"] = own[p][0]
                out[f"{name}#course-{measure}-no"] = own[p][1]
    return out


def _group_means(plan_: Plan, roster: Roster) -> dict[str, np.ndarray]:
    """Per population: growth (mean), evidence (sum), unassessed share and the bias
    checks, over the population's students (a student counts as often as in its size)."""
    inc = plan_.incidence
    m = roster.metrics
    out: dict[str, np.ndarray] = {}

    def mean(values: np.ndarray) -> np.ndarray:
        ok = np.isfinite(values)
        n = inc.dot(ok.astype(np.float64))
        total = inc.dot(np.where(ok, values, 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total / np.maximum(n, 1), np.nan)

    out["growth"] = mean(m["growth"])
    out["evidence"] = inc.dot(m["evidence"])
    expected = inc.dot(m["expected"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["unassessed_share"] = np.where(
            expected > 0, 100.0 * inc.dot(m["unassessed"]) / np.maximum(expected, 1), np.nan
        )
    for name in BIAS_METRICS:
        out[name] = mean(m[name])
    return out


def compute(
    roster: Roster,
    threshold: int,
    *,
    previous: tuple[CellSystem, np.ndarray, dict[str, int], np.ndarray] | None = None,
    alongside: Sequence[Published] = (),
) -> Computed:
    """Plan, suppress jointly and audit the release; ``previous`` (the last release's
    cells, hidden cells, links and blocks) makes the audit cover the two together, and
    ``alongside`` adds other publications that share figures with it (the state's report
    cards), fixed as they were published."""
    started = time.perf_counter()
    p = plan(roster)
    release = build_release(
        p.incidence,
        p.names,
        roster.measures(),
        p.families,
        p.weight,
        p.block,
        scoped=_course_measures(p, roster),
    )
    system = release.system
    links = _links(p, release.cells, roster, release.scoped)
    # Start from what each table alone would hide, anywhere it appears.
    start = ~_table_by_table(p, release.cells, system.values, threshold) & ~system.latent
    hidden, result = protect_after(
        None if previous is None else AuditState(*previous),
        system,
        threshold,
        links,
        alongside=alongside,
        cost=release.cost,
        start=start,
        blocks=release.blocks,
    )
    published = ~system.latent
    means = _group_means(p, roster)
    rows = [
        _row(spec, release.cells, system.values, hidden, means, release.scoped) for spec in p.rows
    ]
    summary = {
        "threshold": threshold,
        "cells": int(published.sum()),
        "primary": int((published & (system.values > 0) & (system.values < threshold)).sum()),
        "withheld": int((hidden & published).sum()),
        "rounds": result.rounds,
        "solves": result.solves,
        "unprotected": held(result),  # any: the release is held (``publish_release``)
        "two_day": previous is not None,
        "alongside": len(alongside),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Computed(rows, system, hidden, links, summary, release.blocks)


def _row(
    spec: RowSpec,
    cells: np.ndarray,
    values: np.ndarray,
    hidden: np.ndarray,
    means: dict[str, np.ndarray],
    scoped: dict[str, dict[int, tuple[int, int]]] | None = None,
) -> dict[str, Any]:
    own = cells[spec.population]
    size_hidden = bool(hidden[own[0]])
    row: dict[str, Any] = {
        "org": spec.org,
        "breakdown": spec.breakdown,
        "group": spec.label,
        "translate": spec.translate,
        "key": spec.key,
        "total": spec.total,
        "link": spec.link,
        "students": None if size_hidden else int(values[own[0]]),
    }
    withheld = ["students"] if size_hidden else []
    for k, name in enumerate(CELL_MEASURES):
        yes, no = own[1 + 2 * k], own[2 + 2 * k]
        course = (scoped or {}).get(name, {})
        if spec.breakdown == "section" and spec.population in course:
            yes, no = course[spec.population]  # counted on the section's own course
        if size_hidden or hidden[yes] or hidden[no]:
            row[name] = None
            withheld.append(name)
        else:
            row[name] = int(values[yes])
    p = spec.population
    for name, digits in (
        ("growth", 2),
        ("evidence", 0),
        ("unassessed_share", 1),
        *((b, 1) for b in BIAS_METRICS),
    ):
        value = float(means[name][p])
        if size_hidden:
            row[name] = None
            withheld.append(name)
        elif not np.isfinite(value):
            row[name] = None
        else:
            row[name] = round(value) if digits == 0 else round(value, digits)
    row["withheld"] = withheld
    return row


def _table_by_table(p: Plan, cells: np.ndarray, values: np.ndarray, threshold: int) -> np.ndarray:
    """What suppressing each table on its own would publish (``suppress_tables`` over
    its yes/no counts, sizes as the shared column totals): True for a cell published in
    at least one table."""
    shown = np.zeros(values.size, bool)
    tables: dict[tuple[int, str], list[RowSpec]] = {}
    for spec in p.rows:
        tables.setdefault((spec.org, spec.breakdown), []).append(spec)
    for specs in tables.values():
        parts = [s for s in specs if not s.total]
        total = next(s for s in specs if s.total)
        if not parts:
            continue
        suppressed = suppress_tables(
            [
                [
                    [int(values[cells[s.population, 1 + 2 * k]]) for s in parts],
                    [int(values[cells[s.population, 2 + 2 * k]]) for s in parts],
                ]
                for k in range(len(CELL_MEASURES))
            ],
            threshold,
        )
        for k, table in enumerate(suppressed):
            for i, s in enumerate(parts):
                own = cells[s.population]
                if table.column_totals[i] is not None:
                    shown[own[0]] = True
                if table.cells[0][i] is not None and table.cells[1][i] is not None:
                    shown[own[1 + 2 * k]] = shown[own[2 + 2 * k]] = True
            own = cells[total.population]
            if table.total is not None:
                shown[own[0]] = True
            if table.row_totals[0] is not None and table.row_totals[1] is not None:
                shown[own[1 + 2 * k]] = shown[own[2 + 2 * k]] = True
    return shown


def table_by_table(roster: Roster, threshold: int) -> dict[str, int]:
    """The old, unaudited way, for comparison: each table suppressed on its own. Counts
    the distinct cells withheld from every table they appear in (a cell published in
    any table is published)."""
    system, hidden = table_by_table_pattern(roster, threshold)
    return {"cells": int((~system.latent).sum()), "withheld": int(hidden.sum())}


def table_by_table_pattern(roster: Roster, threshold: int) -> tuple[CellSystem, np.ndarray]:
    """The release's cells and what table-by-table suppression would withhold from them
    (never a zero or a latent cell), for the attack in :func:`attack`."""
    p = plan(roster)
    release = build_release(p.incidence, p.names, roster.measures(), p.families, p.weight)
    values = release.system.values
    shown = _table_by_table(p, release.cells, values, threshold)
    return release.system, ~release.system.latent & ~shown & (values > 0)


def attack(system: CellSystem, hidden: np.ndarray, threshold: int) -> dict[str, int]:
    """What an attacker holding every published cell learns (``core.equity.audit.intervals``,
    the exact whole-number bounds): the hidden counts it narrows to fewer than
    ``threshold`` possible values, and those it pins to one value."""
    low, high = intervals(system, hidden)
    width = (high - low + 1)[hidden & ~system.latent]
    return {
        "hidden": int(width.size),
        "narrowed": int((width < threshold).sum()),
        "pinned": int((width == 1).sum()),
    }


# --- Reading the snapshot -------------------------------------------------------------------


def read_roster(district: Any, day: dt.date) -> Roster:
    """The district's students from the daily snapshot (``StudentPace``), their
    subgroups, and their sections and teachers on ``day``."""
    from proficio.insights import data
    from proficio.orgs.models import Enrollment, Organization, OrganizationKind, active_on
    from proficio.pace import engine

    s = data.students_of(district)
    schools = list(
        Organization.objects.filter(path__startswith=district.path, kind=OrganizationKind.SCHOOL)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    school_index = {pk: k for k, (pk, _) in enumerate(schools)}
    position = {int(x): k for k, x in enumerate(s.ids)}
    pairs = list(
        Enrollment.objects.filter(section__school__path__startswith=district.path)
        .filter(active_on(day))
        .values_list("student_id", "section_id", "section__school_id", "section__name")
    )
    sections: dict[int, int] = {}
    section_list: list[tuple[int, int, str]] = []
    enrolled = []
    for student, section, school, name in pairs:
        if student not in position:
            continue
        if section not in sections:
            sections[section] = len(section_list)
            section_list.append((section, school_index[school], name))
        enrolled.append((position[student], sections[section]))
    staff_rows = list(
        Enrollment.objects.filter(section_id__in=list(sections))
        .filter(active_on(day, "section__staff__"))
        .values_list("section_id", "section__staff__user_id", "section__staff__user__display_name")
        .distinct()
    )
    teachers: dict[int, int] = {}
    teacher_list: list[tuple[int, str]] = []
    staff = []
    for section, user, name in staff_rows:
        if user is None:
            continue
        if user not in teachers:
            teachers[user] = len(teacher_list)
            teacher_list.append((user, name))
        staff.append((sections[section], teachers[user]))
    # Each class on its own course's competencies (its scope), not the whole profile.
    scopes = engine.section_competencies({pk for pk, _, _ in section_list})
    kept = [(int(s.ids[i]), section_list[k][0]) for i, k in enrolled]
    course_proficient, course_behind = engine.course_flags(kept, scopes)
    share = data.share
    from proficio.graduation.actions import cohort_statuses

    statuses = cohort_statuses([int(x) for x in s.ids], day)
    graduation = np.array([statuses.get(int(x), (0, ""))[0] for x in s.ids], dtype=np.int64)
    graduation_status = np.array(
        [
            GRADUATION_STATUSES.index(statuses[int(x)][1]) if int(x) in statuses else 0
            for x in s.ids
        ],
        dtype=np.int64,
    )
    return Roster(
        district=(district.pk, district.name),
        ids=s.ids,
        school=np.array([school_index[int(x)] for x in s.school], dtype=np.int64),
        schools=schools,
        grade=s.grade,
        codes=s.codes,
        dimensions=dict(engine.SUBGROUP_LEVELS),
        behind=s.behind,
        proficient=s.proficient,
        stalled=s.stalled,
        metrics={
            "growth": s.growth,
            "evidence": s.evidence.astype(np.float64),
            "expected": s.expected.astype(np.float64),
            "unassessed": s.unassessed.astype(np.float64),
            "overrides_per_100": share(s.overrides, s.assessed),
            "reassessed_share": share(s.reassessed, s.assessed),
            "experienced": s.experienced * 100,
            "credentialed": s.credentialed * 100,
        },
        sections=section_list,
        enrolled=np.array(enrolled, dtype=np.int64).reshape(-1, 2),
        teachers=teacher_list,
        staff=np.array(staff, dtype=np.int64).reshape(-1, 2),
        course_behind=course_behind,
        course_proficient=course_proficient,
        graduation=graduation,
        graduation_status=graduation_status,
        micro_credentialed=s.micro_credentialed,
    )
