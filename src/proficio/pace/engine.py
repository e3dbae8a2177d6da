"""Read what pace needs from the database as arrays, and hand it to core.progression.

A student's place in a competency, from one score on one learning target, is the
target's level on the continuum minus one plus the share of mastery shown (a score at
the mastery value on a level-5 target puts the student at 5.0). Their place over time is
the highest shown so far; growth is that place's slope in levels per year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from proficio.core.progression import pace as core
from proficio.frameworks.models import AssociationType, Framework, Item, ItemKind
from proficio.orgs.models import Organization, Student
from proficio.pace.models import PaceTarget, TargetKind

EPOCH = dt.date(2000, 1, 1)


def years(day: dt.date) -> float:
    return core.years_between(EPOCH, day)


def day_of(value: float) -> dt.date | None:
    if value is None or not np.isfinite(value):
        return None
    return EPOCH + dt.timedelta(days=round(float(value) * core.DAYS_PER_YEAR))


@dataclass
class Continuum:
    """Where each learning target of a framework sits: its competency and level."""

    framework: Framework
    competencies: list[Item]
    competency_of: dict[int, int] = field(default_factory=dict)  # target id → index
    position_of: dict[int, int] = field(default_factory=dict)  # target id → level position
    mastery_value: float = 3.0
    # targets per (competency index, level position), for "expected but never assessed"
    targets_at: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.competencies) + 1

    def place(self, target_id: int, score: float) -> float:
        share = min(1.0, max(0.0, score / self.mastery_value))
        return self.position_of[target_id] - 1 + share

    def expected_targets(self, competency: int, level: float) -> int:
        return sum(n for (c, p), n in self.targets_at.items() if c == competency and p <= level)


def continuum(framework: Framework) -> Continuum:
    competencies = list(
        Item.objects.filter(framework=framework, kind=ItemKind.COMPETENCY).order_by(
            "category", "human_coding_scheme", "pk"
        )
    )
    index = {c.pk: k for k, c in enumerate(competencies)}
    result = Continuum(framework, competencies)
    positions = dict(framework.levels.values_list("pk", "position"))
    links = framework.associations.filter(
        association_type=AssociationType.IS_CHILD_OF, origin_item__kind=ItemKind.TARGET
    ).values_list("origin_item_id", "origin_item__level_id", "destination_item_id")
    for target_id, level_id, parent_id in links:
        if parent_id in index and level_id in positions:
            result.competency_of[target_id] = index[parent_id]
            result.position_of[target_id] = positions[level_id]
            key = (index[parent_id], positions[level_id])
            result.targets_at[key] = result.targets_at.get(key, 0) + 1
    scale = framework.scale
    if scale is not None:
        mastery = scale.levels.filter(meets_mastery=True).order_by("value").first()
        if mastery is not None and mastery.value > 0:
            result.mastery_value = mastery.value
    return result


@dataclass
class Expectations:
    """A district's targets by (grade, competency index or -1 for every competency)."""

    term: dict[tuple[str, int], list[tuple[dt.date, float]]]
    graduation: dict[tuple[str, int], list[tuple[dt.date, float]]]

    def for_(self, grade: str, competency: int, kind: str) -> list[tuple[dt.date, float]]:
        table = self.term if kind == TargetKind.TERM else self.graduation
        return table.get((grade, competency)) or table.get((grade, -1)) or []

    def expected(self, grade: str, competency: int, today: dt.date) -> float:
        points = self.for_(grade, competency, TargetKind.TERM)
        return core.expected_level(points, today) if points else float("nan")

    def goal(self, grade: str, competency: int) -> tuple[float, dt.date | None]:
        points = self.for_(grade, competency, TargetKind.GRADUATION)
        if not points:
            return float("nan"), None
        day, level = max(points)
        return level, day


def expectations(district: Organization, cont: Continuum) -> Expectations:
    index = {c.pk: k for k, c in enumerate(cont.competencies)}
    term: dict[tuple[str, int], list[tuple[dt.date, float]]] = defaultdict(list)
    graduation: dict[tuple[str, int], list[tuple[dt.date, float]]] = defaultdict(list)
    for t in PaceTarget.objects.filter(
        district=district, framework=cont.framework, archived_at__isnull=True
    ).select_related("level"):
        k = -1 if t.competency_id is None else index.get(t.competency_id)
        if k is None:
            continue
        table = term if t.kind == TargetKind.TERM else graduation
        table[(t.grade_level, k)].append((t.due_on, float(t.level.position)))
    return Expectations(dict(term), dict(graduation))


def district_framework(district: Organization) -> Framework | None:
    """The framework a district's pace targets refer to (the one with most targets)."""
    row = (
        PaceTarget.objects.filter(district=district, archived_at__isnull=True)
        .values_list("framework_id", flat=True)
        .first()
    )
    return Framework.objects.filter(pk=row).select_related("scale").first() if row else None


@dataclass
class CompetencyPace:
    competency: Item | None
    result: core.PaceResult
    goal_level: float | None
    goal_due: dt.date | None
    last_progress: dt.date | None


def student_pace(student: Student, today: dt.date) -> list[CompetencyPace]:
    """One student's pace in each competency with targets, then overall (last row)."""
    district = student.school.parent
    if district is None:
        return []
    framework = district_framework(district)
    if framework is None:
        return []
    cont = continuum(framework)
    exp = expectations(district, cont)
    by_competency: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    from proficio.evidence.models import EvidenceScore

    for target_id, score, at in EvidenceScore.objects.filter(
        student=student, target_id__in=list(cont.position_of)
    ).values_list("target_id", "score", "assessed_at"):
        by_competency[cont.competency_of[target_id]].append(
            (at.date(), cont.place(target_id, score))
        )
    # Pace's place is kept within the student's standing, as the daily snapshot does, so
    # the record and the dashboards (which read the snapshot) tell the same story.
    from proficio.mastery import continuum as standing_of

    stood = standing_of.standings([student], list(cont.competencies), today=today)[student.pk]
    rows = []
    for k, competency in enumerate(cont.competencies):
        points = exp.for_(student.grade_level, k, TargetKind.TERM)
        goal, due = exp.goal(student.grade_level, k)
        obs = sorted(by_competency.get(k, []))
        if not points:
            continue  # no time-bound target (e.g. habits of success): not paced
        places, best = [], -np.inf
        last_progress = None
        for day, place in obs:
            if place > best:
                best, last_progress = place, day
            places.append((day, best))
        standing = stood.get(competency.pk)
        result = core.pace(
            places,
            points,
            today=today,
            goal=None if np.isnan(goal) else goal,
            within_standing=standing is not None,
            standing=standing.level if standing is not None else None,
        )
        rows.append(
            CompetencyPace(competency, result, None if np.isnan(goal) else goal, due, last_progress)
        )
    if rows:
        rows.append(overall(rows))
    return rows


def overall(rows: Sequence[CompetencyPace]) -> CompetencyPace:
    """The whole picture: mean distance from expectations, mean growth, and the date by
    which every competency with a graduation requirement is projected to meet it."""
    gaps = [
        r.result.level_now - r.result.expected_now
        for r in rows
        if r.result.level_now is not None and r.result.expected_now is not None
    ]
    rates = [r.result.growth.per_year for r in rows if r.result.growth is not None]
    status = core.PaceStatus.UNKNOWN
    if gaps:
        mean_gap = float(np.mean(gaps))
        status = core.status_for_gap(mean_gap)
    with_goal = [r for r in rows if r.goal_level is not None]
    projection = None
    if with_goal:
        dates = [r.result.projection for r in with_goal]
        if all(p is not None and p.date is not None for p in dates):
            projection = core.Projection(
                max(p.date for p in dates if p and p.date),
                max((p.earliest for p in dates if p and p.earliest), default=None),
                None
                if any(p is None or p.latest is None for p in dates)
                else max(p.latest for p in dates if p and p.latest),
            )
        else:
            projection = core.Projection(None, None, None)
    growth = core.Growth(float(np.mean(rates)), float("nan"), 0.0, len(rates)) if rates else None
    progress = [r.last_progress for r in rows if r.last_progress is not None]
    level = [r.result.level_now for r in rows if r.result.level_now is not None]
    expected = [r.result.expected_now for r in rows if r.result.expected_now is not None]
    result = core.PaceResult(
        status,
        float(np.mean(level)) if level else None,
        float(np.mean(expected)) if expected else None,
        growth,
        projection,
    )
    return CompetencyPace(None, result, None, None, max(progress) if progress else None)


def as_int_array(values: Iterable[int]) -> npt.NDArray[np.int64]:
    return np.fromiter(values, dtype=np.int64)


# --- Subgroups for equity ----------------------------------------------------------------

RACE_CODES = [
    "hispanic_latino",
    "american_indian",
    "asian",
    "black",
    "pacific_islander",
    "white",
    "two_or_more",
    "not_reported",
]
SUBGROUP_LEVELS: dict[str, list[str]] = {
    "race_ethnicity": RACE_CODES,
    "english_learner": ["no", "yes"],
    "disability": ["none", "iep", "504"],
    "economically_disadvantaged": ["no", "yes"],
    "gender": ["female", "male", "nonbinary", "not_reported"],
}


def subgroup_codes(student_ids: npt.NDArray[np.int64], within: str = "") -> npt.NDArray[np.int64]:
    """(students × 5) subgroup codes in the order of ``SUBGROUP_LEVELS``, for the sorted
    ``student_ids``; students without a demographic record count as "not reported", "no"
    or "none". ``within`` (an organization path) reads a whole subtree instead of a long
    list of ids."""
    from proficio.orgs.models import StudentDemographics

    codes = np.zeros((len(student_ids), 5), dtype=np.int64)
    if len(student_ids) == 0:
        return codes
    codes[:, 0] = RACE_CODES.index("not_reported")
    codes[:, 4] = SUBGROUP_LEVELS["gender"].index("not_reported")
    rows = StudentDemographics.objects.all()
    if within:
        rows = rows.filter(student__school__path__startswith=within)
    else:
        rows = rows.filter(student_id__in=[int(s) for s in student_ids])
    race_code = {r: k for k, r in enumerate(RACE_CODES)}
    disability = {d: k for k, d in enumerate(SUBGROUP_LEVELS["disability"])}
    gender = {g: k for k, g in enumerate(SUBGROUP_LEVELS["gender"])}
    unknown_race, unknown_gender = race_code["not_reported"], gender["not_reported"]
    found = []
    for sid, hispanic, races, el, dis, econ, gen in rows.values_list(
        "student_id",
        "hispanic_latino",
        "races",
        "english_learner",
        "disability",
        "economically_disadvantaged",
        "gender",
    ).iterator(chunk_size=10000):
        if hispanic:
            race = race_code["hispanic_latino"]
        elif len(races) > 1:
            race = race_code["two_or_more"]
        else:
            race = race_code.get(races[0], unknown_race) if races else unknown_race
        found.append(
            (sid, race, int(el), disability.get(dis, 0), int(econ), gender.get(gen, unknown_gender))
        )
    if found:
        table = np.array(found, dtype=np.int64)
        index = np.searchsorted(student_ids, table[:, 0])
        index = np.minimum(index, len(student_ids) - 1)
        match = student_ids[index] == table[:, 0]
        codes[index[match]] = table[match, 1:]
    return codes


# --- For the support list and the effectiveness report ----------------------------------------


def observations(student: Student) -> dict[int, list[tuple[dt.date, float]]]:
    """A student's place over time in each competency (highest shown so far), by index."""
    district = student.school.parent
    framework = district_framework(district) if district else None
    if framework is None:
        return {}
    cont = continuum(framework)
    from proficio.evidence.models import EvidenceScore

    raw: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for target_id, score, at in EvidenceScore.objects.filter(
        student=student, target_id__in=list(cont.position_of)
    ).values_list("target_id", "score", "assessed_at"):
        raw[cont.competency_of[target_id]].append((at.date(), cont.place(target_id, score)))
    out = {}
    for k, obs in raw.items():
        best, series = -np.inf, []
        for day, place in sorted(obs):
            best = max(best, place)
            series.append((day, best))
        out[k] = series
    return out


def prerequisite_gaps(student_ids: Sequence[int], limit: int = 4) -> dict[int, list[str]]:
    """For each student, the learning targets at or below the expected level of a
    competency they are behind in that they have not yet shown at mastery."""
    from proficio.mastery.models import Determination, DeterminationStatus
    from proficio.pace.models import StudentPace

    behind = list(
        StudentPace.objects.filter(
            student_id__in=list(student_ids), status="behind", competency__isnull=False
        ).values_list("student_id", "competency_id", "expected_now")
    )
    if not behind:
        return {}
    competency_ids = {c for _, c, _ in behind}
    targets: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    from proficio.frameworks.models import Association

    for target_id, parent_id, position, code in Association.objects.filter(
        association_type=AssociationType.IS_CHILD_OF,
        destination_item_id__in=competency_ids,
        origin_item__kind=ItemKind.TARGET,
    ).values_list(
        "origin_item_id",
        "destination_item_id",
        "origin_item__level__position",
        "origin_item__human_coding_scheme",
    ):
        if position is not None:
            targets[parent_id].append((position, target_id, code or ""))
    mastered = set(
        Determination.objects.filter(
            student_id__in=list(student_ids),
            status__in=[DeterminationStatus.PROFICIENT, DeterminationStatus.ADVANCED],
        ).values_list("student_id", "target_id")
    )
    gaps: dict[int, list[str]] = defaultdict(list)
    for student_id, competency_id, expected in behind:
        if expected is None:
            continue
        for position, target_id, code in sorted(targets.get(competency_id, [])):
            missing = position <= expected and (student_id, target_id) not in mastered
            if missing and len(gaps[student_id]) < limit:
                gaps[student_id].append(code)
    return dict(gaps)


# --- A class's figures over its course's competencies ---------------------------------------


def course_flags(
    pairs: Sequence[tuple[int, int]], competencies: dict[int, set[int]]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """For (student, section) pairs and each section's course competencies (item ids;
    empty: every competency), whether the student is proficient in every one of them
    (the continuum's definition, from last night's snapshot; a competency with nothing
    assessed is not proficient) and whether behind pace in any."""
    from proficio.pace.models import StudentPace

    students = {s for s, _ in pairs}
    rows: dict[int, dict[int, tuple[bool | None, str]]] = defaultdict(dict)
    for sid, cid, is_proficient, status in StudentPace.objects.filter(
        student_id__in=students, competency__isnull=False
    ).values_list("student_id", "competency_id", "proficient", "status"):
        rows[sid][cid] = (is_proficient, status)
    judged = {cid for mine in rows.values() for cid, (p, _s) in mine.items() if p is not None}
    proficient = np.zeros(len(pairs), dtype=bool)
    behind = np.zeros(len(pairs), dtype=bool)
    for k, (sid, section) in enumerate(pairs):
        scope = competencies.get(section) or judged
        mine = rows.get(sid, {})
        wanted = [c for c in scope if c in judged]
        proficient[k] = bool(wanted) and all(mine.get(c, (False, ""))[0] for c in wanted)
        behind[k] = any(mine.get(c, (None, ""))[1] == "behind" for c in scope)
    return proficient, behind


def section_competencies(section_ids: set[int]) -> dict[int, set[int]]:
    """Each section's course competencies as item ids (from the CASE identifiers the
    course names; empty when it names none)."""
    from proficio.orgs.models import Section

    scopes = dict(
        Section.objects.filter(pk__in=section_ids).values_list("pk", "course__competencies")
    )
    identifiers = {i for ids in scopes.values() for i in (ids or [])}
    by_identifier = {
        str(i): pk
        for pk, i in Item.objects.filter(
            identifier__in=identifiers, kind=ItemKind.COMPETENCY
        ).values_list("pk", "identifier")
    }
    return {
        section: {by_identifier[i] for i in (ids or []) if i in by_identifier}
        for section, ids in scopes.items()
    }
