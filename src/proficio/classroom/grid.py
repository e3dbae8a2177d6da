"""The class grid: students × learning targets, read in a fixed number of queries.

The section's learning targets are the targets of the published frameworks its district
may assess (its own and shared ones; not the educator framework), grouped by competency.
Determinations, active overrides and scale levels are each read in one query for the
whole grid, never per cell.

Pace, shown per student, is plain: how many of the shown targets are at proficient or
above, and how many are rising (the trend of their evidence points up).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from proficio.frameworks.assessable import assessable_targets
from proficio.frameworks.models import Association, AssociationType, Category, ScaleLevel
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

    @property
    def proficient(self) -> bool:
        return self.status in PROFICIENT

    @property
    def status_label(self) -> str:
        return str(DeterminationStatus(self.status).label)

    @property
    def text(self) -> str:
        """The cell in words, for the CSV and for screen readers."""
        if self.level is not None:
            return f"{self.level.value:g} {self.level.label}"
        return self.status_label


@dataclass
class Row:
    student: Student
    cells: list[Cell] = field(default_factory=list)

    @property
    def proficient(self) -> int:
        return sum(c.proficient for c in self.cells)

    @property
    def rising(self) -> int:
        return sum(c.rising for c in self.cells)


def section_columns(section: Section) -> list[Column]:
    """The section's learning targets with their competencies, in framework order."""
    node_fields = ("id", "human_coding_scheme", "abbreviated_statement", "full_statement")
    rows = Association.objects.filter(
        association_type=AssociationType.IS_CHILD_OF,
        origin_item__in=assessable_targets(section.school).values("pk"),
        destination_item__isnull=False,
    ).values_list(
        *(f"origin_item__{f}" for f in node_fields),
        "origin_item__category",
        *(f"destination_item__{f}" for f in node_fields),
        "destination_item__category",
        "destination_item__scale_id",
        "origin_item__framework__scale_id",
        "origin_item__framework__title",
    )
    competencies: dict[int, Node] = {}
    columns = []
    for row in rows:
        target = Node(*row[0:5])
        competency = competencies.setdefault(row[5], Node(*row[5:10]))
        columns.append(
            Column(
                target=target,
                competency=competency,
                scale_id=row[10] or row[11],
                framework_title=row[12],
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
    levels: dict[tuple[int, float], ScaleLevel] = {
        (lv.scale_id, lv.value): lv
        for lv in ScaleLevel.objects.filter(
            scale_id__in={c.scale_id for c in columns if c.scale_id}
        )
    }
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
    for student in students:
        row = Row(student)
        for col in columns:
            key = (student.pk, col.target.pk)
            status, value, trend = found.get(key, (DeterminationStatus.NOT_ASSESSED, None, None))
            override = key in overrides
            if override:
                status, value = overrides[key]
            level = (
                levels.get((col.scale_id, value)) if col.scale_id and value is not None else None
            )
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
