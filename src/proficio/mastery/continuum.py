"""From the database to the continuum kernel (``proficio.core.progression.continuum``):
where each student stands on each competency. Reads only.

Every surface that shows a standing, a next step or "proficient" for a competency (the
student home, the student record, the family report, the class grid, the daily pace
snapshot behind the dashboards, exports and the API) asks :func:`standings`, which reads
in a fixed number of queries whatever the number of students:

- the competencies' learning targets and their levels (``isChildOf`` links);
- the levels each competency describes (a level statement or a target);
- the determinations and active overrides of the students on those targets (an override
  wins, as it does everywhere a level is shown);
- the district's continuum setting (:func:`infers_lower_levels`, versioned);
- the district's time-bound term targets for each grade (``pace.PaceTarget``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proficio.core.progression import continuum as core
from proficio.frameworks import definitions
from proficio.frameworks.models import (
    Association,
    AssociationType,
    Category,
    Item,
    ItemKind,
    LevelStatement,
    PerformanceLevel,
)
from proficio.mastery.models import ContinuumSetting, Determination, Override
from proficio.orgs.models import Organization, Student

MET = frozenset({"proficient", "advanced"})

STATUS_WORDS = {
    core.StandingStatus.NOT_ASSESSED.value: gettext_lazy("not yet assessed"),
    core.StandingStatus.WORKING_TOWARD.value: gettext_lazy("working toward"),
    core.StandingStatus.ON_TRACK.value: gettext_lazy("on track"),
    core.StandingStatus.BEYOND.value: gettext_lazy("beyond"),
    core.StandingStatus.NO_EXPECTATION.value: gettext_lazy("no expectation set"),
}


def infers_lower_levels(district: Organization | int | None) -> bool:
    """The district's newest continuum setting (on when it has none)."""
    if district is None:
        return True
    district_id = district if isinstance(district, int) else district.pk

    def read() -> bool:
        row = (
            ContinuumSetting.objects.filter(district_id=district_id)
            .order_by("-version")
            .values_list("infer_lower_levels", flat=True)
            .first()
        )
        return True if row is None else bool(row)

    return definitions.cached(("infers-lower-levels", district_id), read)


@dataclass
class Structure:
    """The competencies' targets and levels, read once for many students."""

    competencies: list[Item]
    targets: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # comp → (t, pos)
    steps: dict[int, set[int]] = field(default_factory=dict)  # comp → positions described
    levels: dict[int, dict[int, PerformanceLevel]] = field(default_factory=dict)  # fw → pos
    framework_of: dict[int, int] = field(default_factory=dict)  # comp → framework

    def level(self, competency_id: int, position: int | None) -> PerformanceLevel | None:
        if position is None:
            return None
        return self.levels.get(self.framework_of[competency_id], {}).get(position)


def structure(competencies: Iterable[Item]) -> Structure:
    comps = [c for c in competencies if c.kind == ItemKind.COMPETENCY]
    out = Structure(comps)
    ids = tuple(sorted(c.pk for c in comps))
    for c in comps:
        out.targets[c.pk] = []
        out.steps[c.pk] = set()
        out.framework_of[c.pk] = c.framework_id
    links, described, levels = definitions.cached(
        ("continuum-structure", ids), lambda: _read_structure(ids)
    )
    for target_id, comp_id, position in links:
        out.targets[comp_id].append((target_id, position))
        out.steps[comp_id].add(position)
    for comp_id, position in described:
        out.steps[comp_id].add(position)
    frameworks = set(out.framework_of.values())
    for row in levels:
        if row["framework_id"] in frameworks:
            # A fresh instance each time: pages translate the labels in place.
            level = PerformanceLevel(**row)
            out.levels.setdefault(level.framework_id, {})[level.position] = level
    return out


def _read_structure(
    ids: tuple[int, ...],
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]], list[dict[str, Any]]]:
    """The competencies' targets with their level, the levels they describe, and their
    frameworks' levels (definitions only: kept by ``frameworks.definitions``)."""
    links = list(
        Association.objects.filter(
            association_type=AssociationType.IS_CHILD_OF,
            destination_item_id__in=ids,
            origin_item__kind=ItemKind.TARGET,
            origin_item__archived_at__isnull=True,
            origin_item__level__isnull=False,
        ).values_list("origin_item_id", "destination_item_id", "origin_item__level__position")
    )
    described = list(
        LevelStatement.objects.filter(item_id__in=ids).values_list("item_id", "level__position")
    )
    frameworks = set(Item.objects.filter(pk__in=ids).values_list("framework_id", flat=True))
    levels: list[dict[str, Any]] = [
        dict(row)
        for row in PerformanceLevel.objects.filter(framework_id__in=frameworks).values(
            "id", "framework_id", "position", "code", "label", "description"
        )
    ]
    return links, described, levels


def _expectation_points(
    district_ids: set[int], competencies: list[Item]
) -> dict[tuple[int, str, int], list[tuple[dt.date, float]]]:
    """(district, grade, competency id or -framework id for "every competency") → term
    targets as (due, level position)."""
    from proficio.pace.models import PaceTarget, TargetKind

    points: dict[tuple[int, str, int], list[tuple[dt.date, float]]] = defaultdict(list)
    frameworks = {c.framework_id for c in competencies}
    for district_id, grade, comp_id, fw_id, due, position in PaceTarget.objects.filter(
        district_id__in=district_ids,
        framework_id__in=frameworks,
        kind=TargetKind.TERM,
        archived_at__isnull=True,
    ).values_list(
        "district_id", "grade_level", "competency_id", "framework_id", "due_on", "level__position"
    ):
        key = comp_id if comp_id is not None else -fw_id
        points[(district_id, grade, key)].append((due, float(position)))
    return dict(points)


def standings(
    students: Sequence[Student],
    competencies: Iterable[Item] | Structure,
    *,
    today: dt.date | None = None,
    statuses: dict[tuple[int, int], str] | None = None,
) -> dict[int, dict[int, core.Standing]]:
    """student id → competency id → the student's standing, by the one definition.

    ``statuses`` ((student, target) → status, an active override already applied) spares
    the two reads when the caller has just made them (the class grid)."""
    shape = competencies if isinstance(competencies, Structure) else structure(competencies)
    today = today or timezone.localdate()
    status = statuses if statuses is not None else target_statuses(students, shape)
    district_of = {s.pk: _district_id(s) for s in students}
    districts = {d for d in district_of.values() if d is not None}
    infer = {d: infers_lower_levels(d) for d in districts}
    points = definitions.cached(
        (
            "term-targets",
            tuple(sorted(districts)),
            tuple(sorted({c.framework_id for c in shape.competencies})),
        ),
        lambda: _expectation_points(districts, shape.competencies),
    )
    steps = {comp.pk: sorted(shape.steps[comp.pk]) for comp in shape.competencies}
    # The expectation depends on the district, grade and competency only: worked out once
    # for each, not once per student (a class shares them).
    expected: dict[tuple[int, str, int], core.Expectation | None] = {}
    # The standing is a function of the targets' statuses, the expectation and the
    # continuum setting: students alike in all three (many, in a class) share one.
    alike: dict[tuple[Any, ...], core.Standing] = {}
    out: dict[int, dict[int, core.Standing]] = {}
    for student in students:
        sid = student.pk
        district = district_of[sid]
        infer_below = infer.get(district, True) if district is not None else True
        mine: dict[int, core.Standing] = {}
        for comp in shape.competencies:
            comp_id = comp.pk
            pairs = shape.targets[comp_id]
            held = tuple(status.get((sid, t), "not_assessed") for t, _level in pairs)
            key = (district or 0, student.grade_level, comp_id)
            if key in expected:
                expectation = expected[key]
            else:
                grade_points = points.get(key) or points.get(
                    (district or 0, student.grade_level, -comp.framework_id), []
                )
                expectation = expected[key] = core.expectation(grade_points, today)
            case = (comp_id, held, expectation, infer_below)
            found = alike.get(case)
            if found is None:
                targets = [
                    core.Target(t, position, st in MET, st != "not_assessed")
                    for (t, position), st in zip(pairs, held, strict=True)
                ]
                found = alike[case] = core.standing(
                    targets, steps=steps[comp_id], expected=expectation, infer_below=infer_below
                )
            mine[comp_id] = found
        out[sid] = mine
    return out


def target_statuses(students: Sequence[Student], shape: Structure) -> dict[tuple[int, int], str]:
    """(student, target) → the determination's status, an active override winning."""
    student_ids = [s.pk for s in students]
    target_ids = [t for pairs in shape.targets.values() for t, _ in pairs]
    status: dict[tuple[int, int], str] = {
        (s, t): st
        for s, t, st in Determination.objects.filter(
            student_id__in=student_ids, target_id__in=target_ids
        ).values_list("student_id", "target_id", "status")
    }
    for s, t, st in (
        Override.objects.filter(
            student_id__in=student_ids, target_id__in=target_ids, withdrawn_at__isnull=True
        )
        .order_by("at")
        .values_list("student_id", "target_id", "status")
    ):
        status[(s, t)] = st
    return status


def _district_id(student: Student) -> int | None:
    """The student's district: the school's parent (read from the cached school)."""
    school = student.school
    return school.parent_id


def student_competencies(student: Student) -> list[Item]:
    """The competencies a student's standing is reported on: those of the frameworks the
    student may be assessed in at their school (the one assessable-targets rule), without
    educator competencies."""
    from proficio.frameworks.assessable import assessable_targets

    framework_ids = assessable_targets(student.school).values("framework_id")
    return list(
        Item.objects.filter(
            framework_id__in=framework_ids,
            kind=ItemKind.COMPETENCY,
            archived_at__isnull=True,
        )
        .exclude(category=Category.EDUCATOR)
        .select_related("framework")
        .order_by("framework__title", "category", "human_coding_scheme", "pk")
    )


def is_met(status: str) -> bool:
    return status in MET


@dataclass
class Shown:
    """A standing with the levels it names, ready for a page or an export."""

    competency: Item
    standing: core.Standing
    level: PerformanceLevel | None  # the standing
    next_level: PerformanceLevel | None  # the next step
    expected: PerformanceLevel | None  # the next time-bound target's level
    due: dt.date | None

    @property
    def status(self) -> str:
        return self.standing.status.value

    @property
    def proficient(self) -> bool | None:
        return self.standing.proficient

    @property
    def code(self) -> str:
        return self.competency.human_coding_scheme or str(self.competency.pk)

    @property
    def status_words(self) -> str:
        return str(STATUS_WORDS[self.status])

    @property
    def text(self) -> str:
        """The standing in words, as the pages say it (for exports and the API):
        "Level 6 · expected Level 7 by June 2026: on track"."""
        where = self.level.label if self.level else _("No level shown yet")
        if self.expected is not None and self.due is not None:
            where += " · " + _("expected %(level)s by %(when)s") % {
                "level": self.expected.label,
                "when": formats.date_format(self.due, "F Y"),
            }
        return f"{where}: {self.status_words}"


def shown(shape: Structure, competency: Item, standing: core.Standing) -> Shown:
    exp = standing.expectation
    return Shown(
        competency=competency,
        standing=standing,
        level=shape.level(competency.pk, standing.level),
        next_level=shape.level(competency.pk, standing.next_step),
        expected=shape.level(competency.pk, exp.next_level) if exp else None,
        due=exp.next_due if exp else None,
    )


def shown_for(
    students: Sequence[Student], competencies: Iterable[Item], *, today: dt.date | None = None
) -> dict[int, list[Shown]]:
    """student id → the student's standing on each competency, ready to show."""
    shape = structure(competencies)
    found = standings(students, shape, today=today)
    return {
        sid: [shown(shape, c, by_comp[c.pk]) for c in shape.competencies]
        for sid, by_comp in found.items()
    }
