"""Which competency levels a student has reached: the rule the level credentials certify.

A student reaches level L of competency C when C has learning targets at L and every one
of them stands met (proficient or advanced) in the student's record, through the same
standings the student home shows (``learners.reports.competencies``), overrides included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from proficio.frameworks.models import Item, PerformanceLevel
from proficio.learners.reports import MET, CompetencyRow, competencies, competencies_of
from proficio.orgs.models import Student


@dataclass(frozen=True)
class LevelReached:
    competency: Item
    level: PerformanceLevel
    targets: tuple[Item, ...]

    @property
    def subject_key(self) -> str:
        return f"level:{self.competency.identifier}:{self.level.code}"


def levels_reached(student: Student, rows: list[CompetencyRow] | None = None) -> list[LevelReached]:
    """``rows``: the student's ``competencies`` when the caller has already read them."""
    if rows is None:
        rows, _ = competencies(student)
    reached = []
    for row in rows:
        by_level: dict[int, list[tuple[PerformanceLevel, Item, bool]]] = {}
        for t in row.targets:
            if t.target.level is not None:
                by_level.setdefault(t.target.level.pk, []).append(
                    (t.target.level, t.target, t.status in MET)
                )
        for entries in by_level.values():
            if entries and all(met for _, _, met in entries):
                reached.append(
                    LevelReached(row.competency, entries[0][0], tuple(t for _, t, _ in entries))
                )
    return sorted(reached, key=lambda r: (r.competency.pk, r.level.position))


def levels_reached_of(students: Sequence[Student]) -> dict[int, list[LevelReached]]:
    """:func:`levels_reached` for many students (student id → their levels), their
    standings read together (``learners.reports.competencies_of``)."""
    found = competencies_of(students)
    return {s.pk: levels_reached(s, found[s.pk][0]) for s in students}
