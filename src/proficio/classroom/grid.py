"""The class grid: students × learning targets, read in a fixed number of queries.

The section's learning targets are its course's scope (the competencies the course names
by CASE identifier, within the targets the school may assess), grouped by competency; a
teacher may widen it deliberately to every assessable target.
Determinations and active overrides are each read in one query for the whole grid, never
per cell; the scales' levels and the competencies come from the definitions cache.

Per student the grid shows where they stand on each competency shown, by the one
definition (``mastery.continuum``): how many competencies are at or above the level
expected now, how many targets are met (a target below the standing counts as met
through the higher level's evidence when the district infers lower levels), and how
many are rising (the trend of their evidence points up).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from proficio.frameworks import definitions
from proficio.frameworks.assessable import scope_targets
from proficio.frameworks.models import Association, AssociationType, Category, ScaleLevel
from proficio.mastery import continuum
from proficio.mastery.models import Determination, DeterminationStatus, Override
from proficio.orgs.models import Section, Student

RISING = 0.05  # the same threshold the determination page uses for "rising"
PROFICIENT = {DeterminationStatus.PROFICIENT.value, DeterminationStatus.ADVANCED.value}
STATUS_ORDER = [
    DeterminationStatus.NOT_ASSESSED,
    DeterminationStatus.INSUFFICIENT,
    DeterminationStatus.NOT_YET,
    DeterminationStatus.PROFICIENT,
    DeterminationStatus.ADVANCED,
]


@dataclass(frozen=True)
class Node:
    """The few fields of a framework item the grid shows (read as plain values: building
    full Item instances, with their many JSON fields, cost more than the rest of the grid)."""

    pk: int
    human_coding_scheme: str | None
    abbreviated_statement: str | None
    full_statement: str
    category: str
    framework_id: int | None = None


@dataclass(frozen=True)
class Column:
    target: Node
    competency: Node | None
    scale_id: int | None
    framework_title: str = ""

    @property
    def code(self) -> str:
        return self.target.human_coding_scheme or str(self.target.pk)


@dataclass
class Cell:
    status: str
    level: ScaleLevel | None = None
    value: float | None = None
    override: bool = False
    rising: bool = False
    inferred: bool = False  # met through evidence at a higher level of the competency

    @property
    def proficient(self) -> bool:
        return self.status in PROFICIENT or self.inferred

    @property
    def status_label(self) -> str:
        return str(DeterminationStatus(self.status).label)

    @property
    def text(self) -> str:
        """The cell in words, for the CSV and for screen readers."""
        if self.level is not None:
            return f"{self.level.value:g} {self.level.label}"
        if self.inferred:
            return str(_("Met through a higher level's evidence"))
        return self.status_label


@dataclass
class Row:
    student: Student
    cells: list[Cell] = field(default_factory=list)
    standings: list[continuum.Shown] = field(default_factory=list)

    @property
    def proficient(self) -> int:
        """Targets met, directly or through a higher level's evidence."""
        return sum(c.proficient for c in self.cells)

    @property
    def on_track(self) -> int:
        """Competencies at or above the level expected now."""
        return sum(1 for s in self.standings if s.proficient)

    @property
    def judged(self) -> int:
        return sum(1 for s in self.standings if s.proficient is not None)

    @property
    def working_toward(self) -> bool:
        return any(s.status == "working_toward" for s in self.standings)

    @property
    def rising(self) -> int:
        return sum(c.rising for c in self.cells)


def section_columns(section: Section, *, widen: bool = False) -> list[Column]:
    """The section's learning targets with their competencies, in framework order: its
    course's scope, or every assessable target when ``widen``.

    Kept in the definitions cache: the scope reads definitions (targets, links,
    frameworks) and the school's and owners' paths, which never change once an
    organization is made (as ``assessable_ids`` keeps its answers); the course's
    competencies are part of the key."""
    key = (
        "grid-columns",
        section.school.path,
        tuple(section.course.competencies or []),
        widen,
    )
    return list(definitions.cached(key, lambda: _read_columns(section, widen)))


def _read_columns(section: Section, widen: bool) -> list[Column]:
    node_fields = ("id", "human_coding_scheme", "abbreviated_statement", "full_statement")
    rows = Association.objects.filter(
        association_type=AssociationType.IS_CHILD_OF,
        origin_item__in=scope_targets(section, widen=widen).values("pk"),
        destination_item__isnull=False,
    ).values_list(
        *(f"origin_item__{f}" for f in node_fields),
        "origin_item__category",
        *(f"destination_item__{f}" for f in node_fields),
        "destination_item__category",
        "destination_item__framework_id",
        "destination_item__scale_id",
        "origin_item__framework__scale_id",
        "origin_item__framework__title",
    )
    competencies: dict[int, Node] = {}
    columns = []
    for row in rows:
        target = Node(*row[0:5])
        competency = competencies.setdefault(row[5], Node(*row[5:11]))
        columns.append(
            Column(
                target=target,
                competency=competency,
                scale_id=row[11] or row[12],
                framework_title=row[13],
            )
        )
    # Academic competencies first, then habits of success and social-emotional learning.
    rank: dict[str, int] = {Category.ACADEMIC: 0, Category.HABITS: 1, Category.SEL: 2}
    columns.sort(
        key=lambda c: (
            c.framework_title,
            rank.get(c.target.category, 3),
            _natural(c.competency.human_coding_scheme if c.competency else ""),
            _natural(c.code),
        )
    )
    return columns


def _natural(code: str | None) -> tuple[Any, ...]:
    """Sort MATH.1.10 after MATH.1.9."""
    return tuple(int(p) if p.isdigit() else p for p in (code or "").split("."))


def build_rows(students: list[Student], columns: list[Column]) -> list[Row]:
    """One row per student, one cell per column: three queries whatever the size."""
    student_ids = [s.pk for s in students]
    target_ids = [c.target.pk for c in columns]
    scale_ids = tuple(sorted({c.scale_id for c in columns if c.scale_id}))
    # The scales' levels are definitions: kept by the definitions cache (read only).
    levels: dict[tuple[int, float], ScaleLevel] = definitions.cached(
        ("grid-scale-levels", scale_ids),
        lambda: {
            (lv.scale_id, lv.value): lv for lv in ScaleLevel.objects.filter(scale_id__in=scale_ids)
        },
    )
    found: dict[tuple[int, int], tuple[str, float | None, float | None]] = {
        (sid, tid): (status, level_value, trend)
        for sid, tid, status, level_value, trend in Determination.objects.filter(
            student_id__in=student_ids, target_id__in=target_ids
        ).values_list("student_id", "target_id", "status", "level_value", "trend")
    }
    overrides: dict[tuple[int, int], tuple[str, float]] = {
        (sid, tid): (status, level_value)
        for sid, tid, status, level_value in Override.objects.filter(
            student_id__in=student_ids, target_id__in=target_ids, withdrawn_at__isnull=True
        )
        .order_by("at")
        .values_list("student_id", "target_id", "status", "level_value")
    }
    rows = []
    column_keys = [(c.target.pk, c.scale_id) for c in columns]
    for student in students:
        row = Row(student)
        sid = student.pk
        for target_id, scale_id in column_keys:
            key = (sid, target_id)
            status, value, trend = found.get(key, (DeterminationStatus.NOT_ASSESSED, None, None))
            override = key in overrides
            if override:
                status, value = overrides[key]
            level = levels.get((scale_id, value)) if scale_id and value is not None else None
            row.cells.append(
                Cell(
                    status=status,
                    level=level,
                    value=value,
                    override=override,
                    rising=trend is not None and trend > RISING,
                )
            )
        rows.append(row)
    return rows


def distribution(rows: list[Row], columns: list[Column]) -> list[dict[str, Any]]:
    """How many students are at each status on each target (for the chart and its table)."""
    out = []
    for i, col in enumerate(columns):
        counts = Counter(row.cells[i].status for row in rows)
        out.append(
            {"target": col.code, **{str(s.value): counts.get(s.value, 0) for s in STATUS_ORDER}}
        )
    return out


def attach_standings(rows: list[Row], columns: list[Column]) -> None:
    """Each row's standing on the competencies of the shown columns, and the cells met
    through a higher level's evidence (a fixed number of queries for the whole grid)."""
    comps = {c.competency.pk: c.competency for c in columns if c.competency}  # in order
    if not rows or not comps:
        return
    # The competencies as the definitions cache keeps them (read only): no query.
    shape = continuum.structure(definitions.item(c) for c in comps.values())
    # The cells already hold each status (an override applied): no second read.
    target_ids = [col.target.pk for col in columns]
    statuses: dict[tuple[int, int], str] = {}
    for row in rows:
        sid = row.student.pk
        for cell, target_id in zip(row.cells, target_ids, strict=True):
            statuses[(sid, target_id)] = cell.status
    found = continuum.standings([r.student for r in rows], shape, statuses=statuses)
    column_keys = [
        (col.competency.pk if col.competency else None, col.target.pk) for col in columns
    ]
    for row in rows:
        mine = found[row.student.pk]
        row.standings = [continuum.shown(shape, c, mine[c.pk]) for c in shape.competencies]
        for cell, (comp_id, target_id) in zip(row.cells, column_keys, strict=True):
            standing = mine.get(comp_id) if comp_id is not None else None
            if standing is not None and target_id in standing.inferred:
                cell.inferred = True
