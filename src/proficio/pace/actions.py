"""The only code that writes pace targets, the daily pace snapshot and support plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.audit.log import record_bulk
from proficio.audit.models import AuditAction
from proficio.bulk import insert_rows
from proficio.core.equity.disaggregate import predictability
from proficio.core.progression import continuum
from proficio.core.progression import pace as core
from proficio.evidence.models import EvidenceScore
from proficio.frameworks.models import Framework, Item, ItemKind, PerformanceLevel
from proficio.mastery.models import Determination, DeterminationStatus, Override
from proficio.notifications import actions as notifications
from proficio.orgs.models import (
    Enrollment,
    Organization,
    OrganizationKind,
    Student,
    Term,
    active_on,
)
from proficio.pace import engine
from proficio.pace.models import (
    EXPERIENCED_YEARS,
    DistrictDay,
    FlagReason,
    PaceTarget,
    PlanOutcome,
    SchoolDay,
    StudentPace,
    SupportFlag,
    SupportPlan,
    TargetKind,
)
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_in, authorize_students

STALLED_WEEKS = 6


# --- Targets ------------------------------------------------------------------------------


@transaction.atomic
def create_pace_target(
    actor: Actor,
    *,
    district: Organization,
    framework: Framework,
    grade_level: str,
    kind: str,
    level_code: str,
    due_on: dt.date,
    competency: Item | None = None,
    term: Term | None = None,
) -> PaceTarget:
    """Add a time-bound target; refuse one that names a missing level or contradicts the
    district's other targets for the same grade and competency."""
    authorize_in(actor, Act.CHANGE, Subject.PACE_TARGET, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("Pace targets belong to a district.")})
    if kind not in TargetKind.values:
        raise ValidationError({"kind": _("Choose a kind of target.")})
    if not grade_level.strip():
        raise ValidationError({"grade_level": _("Give the grade level the target is for.")})
    level = PerformanceLevel.objects.filter(framework=framework, code=level_code).first()
    if level is None:
        raise ValidationError(
            {
                "level": _("Level %(code)s is not on this framework's continuum.")
                % {"code": level_code}
            }
        )
    if competency is not None and (
        competency.framework_id != framework.pk or competency.kind != ItemKind.COMPETENCY
    ):
        raise ValidationError({"competency": _("Choose a competency of this framework.")})
    same = PaceTarget.objects.filter(
        district=district,
        framework=framework,
        grade_level=grade_level,
        competency=competency,
        archived_at__isnull=True,
    ).select_related("level")
    points = [(t.due_on, float(t.level.position)) for t in same] + [(due_on, float(level.position))]
    positions = list(framework.levels.values_list("position", flat=True))
    problems = core.check_expectations(points, [float(p) for p in positions])
    if problems:
        raise ValidationError(
            {
                "level": _("These targets contradict each other: %(problems)s")
                % {"problems": "; ".join(problems)}
            }
        )
    return PaceTarget.objects.create(
        district=district,
        framework=framework,
        competency=competency,
        grade_level=grade_level,
        kind=kind,
        level=level,
        due_on=due_on,
        term=term,
    )


@transaction.atomic
def archive_pace_target(actor: Actor, target: PaceTarget) -> None:
    authorize(actor, Act.CHANGE, Subject.PACE_TARGET, target)
    target.archived_at = timezone.now()
    target.save(update_fields=["archived_at"])


# --- The daily job -------------------------------------------------------------------------


def _chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    return [ids[k : k + size] for k in range(0, len(ids), size)]


def refresh_pace(
    district: Organization, *, today: dt.date | None = None, stalled_weeks: int = STALLED_WEEKS
) -> dict[str, int]:
    """Recompute every student's pace in a district, the day's aggregates, and the support
    flags (off pace; stalled: no progress in ``stalled_weeks`` weeks). Run daily."""
    if stalled_weeks < 1:
        raise ValidationError({"stalled_weeks": _("The number of weeks must be at least 1.")})
    today = today or timezone.localdate()
    framework = engine.district_framework(district)
    if framework is None:
        return {"students": 0, "flags": 0}
    cont = engine.continuum(framework)
    exp = engine.expectations(district, cont)
    width = cont.width
    students = list(
        Student.objects.filter(school__path__startswith=district.path)
        .order_by("pk")
        .values_list("pk", "school_id", "grade_level")
    )
    if not students:
        return {"students": 0, "flags": 0}
    student_ids = np.array([s[0] for s in students], dtype=np.int64)
    school_of = np.array([s[1] for s in students], dtype=np.int64)
    grades = sorted({s[2] for s in students})
    grade_of = np.array([grades.index(s[2]) for s in students], dtype=np.int64)
    n = len(students)

    # Expected level today and graduation goal for each (grade, competency).
    expected_table = np.array([[exp.expected(g, k, today) for k in range(width)] for g in grades])
    goal_table = np.array([[exp.goal(g, k)[0] for k in range(width)] for g in grades])

    # Evidence scores as arrays, read a slice of students at a time.
    target_ids = np.array(sorted(cont.position_of), dtype=np.int64)
    comp_of_target = np.array([cont.competency_of[t] for t in target_ids], dtype=np.int64)
    pos_of_target = np.array([cont.position_of[t] for t in target_ids], dtype=np.float64)
    epoch = dt.datetime.combine(engine.EPOCH, dt.time(), tzinfo=dt.UTC).timestamp()
    seconds_per_year = 86400 * core.DAYS_PER_YEAR
    parts: list[tuple[np.ndarray, ...]] = []
    # Pace as of ``today``: evidence assessed after the day does not count yet (a check
    # run for an earlier day sees what was known then).
    day_ends = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    for chunk in _chunks(student_ids.tolist(), 5000):
        rows = list(
            EvidenceScore.objects.filter(
                student_id__in=chunk, target_id__in=target_ids.tolist(), assessed_at__lt=day_ends
            ).values_list("student_id", "target_id", "score", "assessed_at")
        )
        if rows:
            columns = list(zip(*rows, strict=True))
            parts.append(
                (
                    np.array(columns[0], dtype=np.int64),
                    np.array(columns[1], dtype=np.int64),
                    np.array(columns[2], dtype=np.float64),
                    (np.array([a.timestamp() for a in columns[3]]) - epoch) / seconds_per_year,
                )
            )
    sid, tid, score, t = (
        np.concatenate([p[i] for p in parts])
        if parts
        else np.zeros(0, np.int64 if i < 2 else float)
        for i in range(4)
    )
    s_index = np.searchsorted(student_ids, sid)
    t_index = np.searchsorted(target_ids, tid)
    comp = comp_of_target[t_index]
    place = pos_of_target[t_index] - 1 + np.clip(score / cont.mastery_value, 0, 1)
    evidence_per_student = np.bincount(s_index, minlength=n)
    pair_keys, pair_counts = np.unique(s_index * len(target_ids) + t_index, return_counts=True)
    assessed_targets = np.bincount(pair_keys // len(target_ids), minlength=n)
    reassessed = np.bincount(pair_keys[pair_counts >= 2] // len(target_ids), minlength=n)
    overrides = _per_student(
        student_ids,
        Override.objects.filter(
            student__school__path__startswith=district.path, withdrawn_at__isnull=True
        ).values_list("student_id", flat=True),
    )
    experienced, credentialed, micro_credentialed = _teachers(district, student_ids, today)

    g, gt, best = core.highest_so_far(s_index * width + comp, t, place)

    def lookup(table: np.ndarray) -> Any:
        return lambda groups: table[grade_of[groups // width], groups % width]

    # Where each student stands on each competency, by the one definition; pace's fitted
    # place is kept within that standing, so the two never disagree on the level.
    stand = _standings(cont, exp, student_ids, grade_of, grades, today)
    flat_standing = stand.level.ravel()

    batch = core.pace_batch(
        g,
        gt,
        best,
        expected=lookup(expected_table),
        goal=lookup(goal_table),
        today=engine.years(today),
        standing=lambda groups: flat_standing[(groups // width) * (width - 1) + groups % width],
    )
    group_student = batch.groups // width
    group_comp = batch.groups % width
    expected_now = expected_table[grade_of[group_student], group_comp]
    level_now = batch.level_now

    # Opportunity to learn: targets at or below the expected level never assessed.
    pairs = np.unique(s_index * len(target_ids) + t_index)
    p_student, p_target = pairs // len(target_ids), pairs % len(target_ids)
    p_comp = comp_of_target[p_target]
    p_expected = expected_table[grade_of[p_student], p_comp]
    within = pos_of_target[p_target] <= np.floor(p_expected + 1e-9)
    assessed_within = np.bincount(p_student[within], minlength=n)
    expected_count = np.zeros(n, dtype=np.int64)
    for gi in range(len(grades)):
        total = 0
        for k in range(width - 1):
            level = expected_table[gi, k]
            if np.isfinite(level):
                total += cont.expected_targets(k, float(np.floor(level + 1e-9)))
        expected_count[grade_of == gi] = total
    unassessed = np.maximum(expected_count - assessed_within, 0)

    # Overall per student: mean distance from expectations, mean growth, latest projection.
    gap = level_now - expected_now
    has_gap = np.isfinite(gap)
    gap_sum = np.bincount(group_student[has_gap], gap[has_gap], minlength=n)
    gap_n = np.bincount(group_student[has_gap], minlength=n)
    has_rate = np.isfinite(batch.per_year)
    rate_sum = np.bincount(group_student[has_rate], batch.per_year[has_rate], minlength=n)
    rate_n = np.bincount(group_student[has_rate], minlength=n)
    last = np.full(n, -np.inf)
    np.fmax.at(last, group_student, batch.last_progress)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(gap_n > 0, gap_sum / np.maximum(gap_n, 1), np.nan)
        mean_rate = np.where(rate_n > 0, rate_sum / np.maximum(rate_n, 1), np.nan)
    overall = core.status_codes_for_gaps(mean_gap)
    has_goal = np.isfinite(goal_table[grade_of[group_student], group_comp])
    proj = np.full(n, -np.inf)
    np.fmax.at(proj, group_student[has_goal], batch.projected[has_goal])
    missing = np.zeros(n, dtype=bool)
    np.logical_or.at(missing, group_student[has_goal], np.isnan(batch.projected[has_goal]))
    proj[missing | ~np.isfinite(proj)] = np.nan
    cutoff = engine.years(today - dt.timedelta(weeks=stalled_weeks))
    stalled = np.isfinite(last) & (last < cutoff)

    # Proficient: at or above the level expected now, in every judged competency.
    with np.errstate(invalid="ignore", divide="ignore"):
        judged = stand.judged.sum(axis=1)
        proficiency = np.where(
            judged > 0, stand.proficient.sum(axis=1) / np.maximum(judged, 1), np.nan
        )
    proficient_student = continuum.proficient_from_share(proficiency)

    statuses = [s.value for s in core.STATUS_CODES]
    comp_ids = [c.pk for c in cont.competencies]
    pace_rows: list[dict[str, Any]] = []
    for k in range(batch.groups.size):
        pace_rows.append(
            {
                "student_id": int(student_ids[group_student[k]]),
                "competency_id": comp_ids[group_comp[k]],
                "status": statuses[batch.status[k]],
                "level_now": _num(level_now[k]),
                "expected_now": _num(expected_now[k]),
                **stand.row(int(group_student[k]), int(group_comp[k])),
                "growth_per_year": _num(batch.per_year[k]),
                "projected_on": engine.day_of(batch.projected[k]),
                "earliest_on": engine.day_of(batch.earliest[k]),
                "latest_on": engine.day_of(batch.latest[k]),
                "last_progress_on": engine.day_of(batch.last_progress[k]),
                "stalled": bool(batch.last_progress[k] < cutoff),
                "proficiency": None,
                "evidence": 0,
                "expected_targets": 0,
                "unassessed_targets": 0,
                "assessed_targets": 0,
                "reassessed_targets": 0,
                "overrides": 0,
                "experienced_teacher": None,
                "credentialed_teacher": None,
                "micro_credentialed_teacher": None,
                "computed_on": today,
            }
        )
    for k in range(n):
        pace_rows.append(
            {
                "student_id": int(student_ids[k]),
                "competency_id": None,
                "status": statuses[overall[k]],
                "level_now": None,
                "expected_now": None,
                "standing": None,
                "expected_level": None,
                "standing_status": "",
                "proficient": None if np.isnan(proficiency[k]) else bool(proficient_student[k]),
                "growth_per_year": _num(mean_rate[k]),
                "projected_on": engine.day_of(proj[k]),
                "earliest_on": None,
                "latest_on": None,
                "last_progress_on": engine.day_of(last[k]),
                "stalled": bool(stalled[k]),
                "proficiency": _num(proficiency[k]),
                "evidence": int(evidence_per_student[k]),
                "expected_targets": int(expected_count[k]),
                "unassessed_targets": int(unassessed[k]),
                "assessed_targets": int(assessed_targets[k]),
                "reassessed_targets": int(reassessed[k]),
                "overrides": int(overrides[k]),
                "experienced_teacher": experienced.get(int(student_ids[k])),
                "credentialed_teacher": credentialed.get(int(student_ids[k])),
                "micro_credentialed_teacher": micro_credentialed.get(int(student_ids[k])),
                "computed_on": today,
            }
        )

    # The day's aggregates per school and grade.
    schools = np.unique(school_of)
    cell = np.searchsorted(schools, school_of) * len(grades) + grade_of
    size = len(schools) * len(grades)

    def per_cell(mask: np.ndarray | None = None, weights: np.ndarray | None = None) -> Any:
        keep = np.ones(n, bool) if mask is None else mask
        w = None if weights is None else weights[keep]
        return np.bincount(cell[keep], w, minlength=size)

    status_code = {s: core.STATUS_CODES.index(s) for s in core.PaceStatus}
    aggregates = {
        "students": per_cell(),
        "ahead": per_cell(overall == status_code[core.PaceStatus.AHEAD]),
        "on_pace": per_cell(overall == status_code[core.PaceStatus.ON]),
        "behind": per_cell(overall == status_code[core.PaceStatus.BEHIND]),
        "unknown": per_cell(overall == status_code[core.PaceStatus.UNKNOWN]),
        "stalled": per_cell(stalled),
        "proficient": per_cell(proficient_student),
        "growth_sum": per_cell(np.isfinite(mean_rate), mean_rate),
        "growth_n": per_cell(np.isfinite(mean_rate)),
        "evidence": per_cell(None, evidence_per_student.astype(float)),
        "expected_targets": per_cell(None, expected_count.astype(float)),
        "unassessed_targets": per_cell(None, unassessed.astype(float)),
    }
    day_rows = []
    for c in range(size):
        if aggregates["students"][c] == 0:
            continue
        day_row: dict[str, Any] = {
            "day": today,
            "school_id": int(schools[c // len(grades)]),
            "grade_level": grades[c % len(grades)],
        }
        for name, values in aggregates.items():
            day_row[name] = float(values[c]) if name == "growth_sum" else int(values[c])
        day_rows.append(day_row)

    codes = engine.subgroup_codes(student_ids, within=district.path)
    levels = [len(v) for v in engine.SUBGROUP_LEVELS.values()]
    r2_pace = predictability(codes, levels, mean_gap)
    r2_proficiency = predictability(codes, levels, proficiency)

    with transaction.atomic():
        off_pace_before = _open_off_pace(district)
        StudentPace.objects.filter(student__school__path__startswith=district.path).delete()
        insert_rows(StudentPace, pace_rows)
        SchoolDay.objects.filter(day=today, school_id__in=schools.tolist()).delete()
        insert_rows(SchoolDay, day_rows)
        DistrictDay.objects.filter(day=today, district=district).delete()
        DistrictDay.objects.create(
            day=today,
            district=district,
            students=n,
            r2_pace=_num(r2_pace),
            r2_proficiency=_num(r2_proficiency),
        )
        flags = _update_flags(
            district,
            student_ids,
            overall == status_code[core.PaceStatus.BEHIND],
            stalled,
            batch,
            group_student,
            group_comp,
            comp_ids,
            today,
        )
        record_bulk(
            AuditAction.UPDATE,
            "pace.studentpace",
            len(pace_rows),
            org_path=district.path,
            detail={"day": today.isoformat()},
        )
        # The day's aggregates, suppressed and audited once, for every page and export.
        from proficio.insights.actions import publish_release

        publish_release(SYSTEM, district, day=today)
        _tell_advisors(district, off_pace_before, today)
    return {"students": n, "flags": flags}


@dataclass
class _Standings:
    """Every student's standing on every competency of the continuum, as (students ×
    competencies) arrays."""

    level: np.ndarray  # highest level shown (0: none)
    expected: np.ndarray  # the whole level expected now (NaN: none)
    status: np.ndarray  # indexes of continuum.STATUS_CODES
    proficient: np.ndarray
    judged: np.ndarray  # an expectation exists

    def row(self, student: int, comp: int) -> dict[str, Any]:
        level = int(self.level[student, comp])
        expected = self.expected[student, comp]
        return {
            "standing": level or None,
            "expected_level": int(expected) if np.isfinite(expected) else None,
            "standing_status": continuum.STATUS_CODES[int(self.status[student, comp])].value,
            "proficient": bool(self.proficient[student, comp])
            if self.judged[student, comp]
            else None,
        }


def _standings(
    cont: engine.Continuum,
    exp: engine.Expectations,
    student_ids: np.ndarray,
    grade_of: np.ndarray,
    grades: list[str],
    today: dt.date,
) -> _Standings:
    """The batch twin of ``mastery.continuum.standings`` for a whole district: the same
    determinations (an active override winning), the same term targets, the same kernel
    (``highest_shown_batch`` and ``status_batch``, property-tested against ``standing``)."""
    n, m = student_ids.size, len(cont.competencies)
    target_ids = np.array(sorted(cont.position_of), dtype=np.int64)
    t_comp = np.array([cont.competency_of[t] for t in target_ids], dtype=np.int64)
    t_pos = np.array([cont.position_of[t] for t in target_ids], dtype=np.int64)
    met = np.zeros((n, target_ids.size), dtype=bool)
    assessed = np.zeros((n, target_ids.size), dtype=bool)
    proficient_codes = {DeterminationStatus.PROFICIENT.value, DeterminationStatus.ADVANCED.value}
    for chunk in _chunks(student_ids.tolist(), 5000):
        found: dict[tuple[int, int], str] = {
            (s, t): st
            for s, t, st in Determination.objects.filter(
                student_id__in=chunk, target_id__in=target_ids.tolist()
            ).values_list("student_id", "target_id", "status")
        }
        for s, t, st in (
            Override.objects.filter(
                student_id__in=chunk, target_id__in=target_ids.tolist(), withdrawn_at__isnull=True
            )
            .order_by("at")
            .values_list("student_id", "target_id", "status")
        ):
            found[(s, t)] = st
        if found:
            keys = np.array(list(found), dtype=np.int64)
            i = np.searchsorted(student_ids, keys[:, 0])
            j = np.searchsorted(target_ids, keys[:, 1])
            values = list(found.values())
            met[i, j] = [v in proficient_codes for v in values]
            assessed[i, j] = [v != DeterminationStatus.NOT_ASSESSED for v in values]
    rows_student = np.repeat(np.arange(n), target_ids.size)
    rows_comp = np.tile(t_comp, n)
    groups = rows_student * m + rows_comp
    got, best = continuum.highest_shown_batch(groups, np.tile(t_pos, n), met.ravel())
    level = np.zeros(n * m, dtype=np.int64)
    level[got] = best
    any_assessed = np.zeros(n * m, dtype=bool)
    np.logical_or.at(any_assessed, groups, assessed.ravel())
    expected = np.full((len(grades), m), np.nan)
    upcoming = np.full((len(grades), m), np.nan)
    for gi, grade in enumerate(grades):
        for k in range(m):
            e = continuum.expectation(exp.for_(grade, k, TargetKind.TERM), today)
            if e is not None:
                expected[gi, k], upcoming[gi, k] = e.level, e.next_level
    exp_level = expected[grade_of].ravel()
    next_level = upcoming[grade_of].ravel()
    status, proficient = continuum.status_batch(level, any_assessed, exp_level, next_level)
    shape = (n, m)
    return _Standings(
        level=level.reshape(shape),
        expected=exp_level.reshape(shape),
        status=status.reshape(shape),
        proficient=proficient.reshape(shape),
        judged=~np.isnan(exp_level).reshape(shape),
    )


def _open_off_pace(district: Organization) -> set[int] | None:
    """The district's open off-pace flags before this check; None when it is the
    district's first check (then no flag is "newly" off pace: there was nothing before)."""
    if not DistrictDay.objects.filter(district=district).exists():
        return None
    return set(
        SupportFlag.objects.filter(
            student__school__path__startswith=district.path,
            reason=FlagReason.OFF_PACE,
            resolved_on__isnull=True,
        ).values_list("pk", flat=True)
    )


def _tell_advisors(district: Organization, before: set[int] | None, today: dt.date) -> None:
    """Advisors hear about students on their caseload whom this check found newly off pace."""
    if before is None:
        return
    new = SupportFlag.objects.filter(
        student__school__path__startswith=district.path,
        reason=FlagReason.OFF_PACE,
        resolved_on__isnull=True,
    ).exclude(pk__in=before)
    notifications.advisees_newly_off_pace(SYSTEM, new, today)


def _per_student(student_ids: np.ndarray, ids: Any) -> np.ndarray:
    found = np.fromiter(ids, dtype=np.int64)
    index = np.searchsorted(student_ids, found)
    last = student_ids.size - 1
    ok = (index <= last) & (student_ids[np.minimum(index, last)] == found)
    return np.bincount(index[ok], minlength=student_ids.size)


def _teachers(
    district: Organization, student_ids: np.ndarray, today: dt.date
) -> tuple[dict[int, bool], dict[int, bool], dict[int, bool]]:
    """Whether each student has, now, a teacher with five or more years' experience, one
    who is fully credentialed, and one who holds a micro-credential (by the educators'
    one rule, ``micro_credential_holders``); students whose teachers have no profile
    are left out. Two queries, whatever the number of students."""
    from proficio.educators.models import micro_credential_holders

    rows = list(
        Enrollment.objects.filter(student__school__path__startswith=district.path)
        .filter(active_on(today))
        .filter(active_on(today, "section__staff__"))
        .filter(section__staff__user__educator_profile__isnull=False)
        .values_list(
            "student_id",
            "section__staff__user_id",
            "section__staff__user__educator_profile__years_experience",
            "section__staff__user__educator_profile__fully_credentialed",
        )
        .iterator(chunk_size=10000)
    )
    holders = micro_credential_holders({teacher for _, teacher, _, _ in rows}, today)
    experienced: dict[int, bool] = {}
    credentialed: dict[int, bool] = {}
    micro_credentialed: dict[int, bool] = {}
    for sid, teacher, years_taught, full in rows:
        experienced[sid] = experienced.get(sid, False) or years_taught >= EXPERIENCED_YEARS
        credentialed[sid] = credentialed.get(sid, False) or bool(full)
        micro_credentialed[sid] = micro_credentialed.get(sid, False) or teacher in holders
    return experienced, credentialed, micro_credentialed


def _num(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _update_flags(
    district: Organization,
    student_ids: np.ndarray,
    behind: np.ndarray,
    stalled: np.ndarray,
    batch: core.PaceBatch,
    group_student: np.ndarray,
    group_comp: np.ndarray,
    comp_ids: list[int],
    today: dt.date,
) -> int:
    """Open flags for students newly off pace or stalled; resolve the ones that recovered."""
    behind_code = core.STATUS_CODES.index(core.PaceStatus.BEHIND)
    behind_in: dict[int, list[int]] = {}
    for k in np.flatnonzero(batch.status == behind_code):
        behind_in.setdefault(int(student_ids[group_student[k]]), []).append(comp_ids[group_comp[k]])
    wanted = {(int(s), FlagReason.OFF_PACE.value) for s in student_ids[behind]}
    wanted |= {(int(s), FlagReason.STALLED.value) for s in student_ids[stalled]}
    open_flags = SupportFlag.objects.filter(
        student__school__path__startswith=district.path, resolved_on__isnull=True
    )
    existing = {(f.student_id, f.reason): f.pk for f in open_flags.only("student_id", "reason")}
    gone = [pk for key, pk in existing.items() if key not in wanted]
    SupportFlag.objects.filter(pk__in=gone).update(resolved_on=today)
    new = [
        {
            "student_id": s,
            "reason": reason,
            "competency_id": None,
            "detected_on": today,
            "resolved_on": None,
            "detail": {"behind_in": behind_in.get(s, [])},
        }
        for s, reason in sorted(wanted - set(existing))
    ]
    insert_rows(SupportFlag, new)
    for (s, reason), pk in existing.items():
        if (s, reason) in wanted and reason == FlagReason.OFF_PACE:
            SupportFlag.objects.filter(pk=pk).update(detail={"behind_in": behind_in.get(s, [])})
    return len(wanted)


# --- Support plans -------------------------------------------------------------------------


@transaction.atomic
def create_support_plan(
    actor: Actor,
    *,
    student: Student,
    intervention: str,
    owner: User | None,
    start_on: dt.date | None,
    check_in_on: dt.date | None,
    reason: str = "",
) -> SupportPlan:
    authorize_students(actor, Act.CHANGE, Subject.SUPPORT_PLAN, [student.pk])
    errors: dict[str, str] = {}
    if not intervention.strip():
        errors["intervention"] = _("Describe the intervention.")
    if owner is None:
        errors["owner"] = _("A support plan needs an owner.")
    if start_on is None:
        errors["start_on"] = _("A support plan needs a start date.")
    if check_in_on is None:
        errors["check_in_on"] = _("A support plan needs a check-in date.")
    elif start_on is not None and check_in_on < start_on:
        errors["check_in_on"] = _("The check-in date cannot be before the start date.")
    if errors:
        raise ValidationError(errors)
    assert owner is not None
    assert start_on is not None
    assert check_in_on is not None
    return SupportPlan.objects.create(
        student=student,
        reason=reason[:200],
        intervention=intervention.strip(),
        owner=owner,
        start_on=start_on,
        check_in_on=check_in_on,
        created_by=None if actor is SYSTEM else actor,
    )


@transaction.atomic
def record_check_in(
    actor: Actor,
    plan: SupportPlan,
    *,
    outcome: str,
    note: str = "",
    next_check_in: dt.date | None = None,
    today: dt.date | None = None,
) -> SupportPlan:
    """Record how a plan went: close it with an outcome, or set the next check-in."""
    authorize(actor, Act.CHANGE, Subject.SUPPORT_PLAN, plan)
    today = today or timezone.localdate()
    if outcome not in PlanOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if not outcome and next_check_in is None:
        raise ValidationError({"next_check_in": _("Give the next check-in date, or an outcome.")})
    if next_check_in is not None and next_check_in < plan.start_on:
        raise ValidationError(
            {"next_check_in": _("The check-in date cannot be before the start date.")}
        )
    plan.outcome = outcome
    plan.outcome_note = note
    if outcome:
        plan.closed_on = today
    if next_check_in is not None:
        plan.check_in_on = next_check_in
    plan.save()
    return plan
