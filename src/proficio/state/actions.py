"""The state's writes: plan versions and their adoption, district submissions (export at
the district, import at the state), the batch, and pilots. Each asks the policy first.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio.audit.log import record_reads
from proficio.core.accountability import pseudonym
from proficio.core.accountability.batch import PILOT_COLUMNS, pilot_counts
from proficio.core.accountability.indicators import PILOT, school_year_end
from proficio.core.accountability.plan import PlanError, identify, parse_plan
from proficio.core.mastery.policy import KIND_CODES
from proficio.evidence.models import EvidenceScore
from proficio.frameworks.models import Item, Rubric
from proficio.mastery.models import Determination
from proficio.moderation.actions import criteria_of, level_scores
from proficio.moderation.models import Consensus, ModerationSession
from proficio.orgs.models import Organization, OrganizationKind, Student
from proficio.pace import engine as pace_engine
from proficio.pace.models import PaceTarget
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_in
from proficio.state import figures as figures_read
from proficio.state import package, publication, sources
from proficio.state.models import (
    BatchRun,
    BatchStatus,
    HeldReportCards,
    Identification,
    Pilot,
    PilotStatus,
    PilotTask,
    PlanAdoption,
    PlanVersion,
    SchoolFigure,
    StatePlan,
    StateTarget,
    StudentKey,
    Submission,
)

# pandas, pyarrow and the batch job (``proficio.scale.job``) are imported inside the
# functions that run the batch, not with this module: the web pages import it, and a
# worker that never runs the batch should not carry them (about 70 MiB).
if TYPE_CHECKING:
    from proficio.scale import job

DEMO_STATE_KEY = "d" * 64  # published, like the demo password: never use it for real data


def _person(actor: Actor) -> Any:
    return None if actor is SYSTEM else actor


def state_key() -> bytes:
    """The state's key, from ``PROFICIO_STATE_KEY`` (the demo's when unset in DEBUG)."""
    raw = settings.PROFICIO_STATE_KEY or (DEMO_STATE_KEY if settings.DEBUG else "")
    if not raw:
        raise ValidationError({"key": _("Set PROFICIO_STATE_KEY to the state's key.")})
    try:
        return pseudonym.parse_key(raw)
    except ValueError as exc:
        raise ValidationError({"key": str(exc)}) from None


def store() -> Path:
    return Path(settings.PROFICIO_STATE_STORE)


def threshold() -> int:
    return int(settings.PROFICIO_MIN_CELL_SIZE)


# --- The plan --------------------------------------------------------------------------


def plan_of(state: Organization) -> StatePlan:
    plan = StatePlan.objects.filter(state=state).first()
    if plan is None:
        plan = _make_plan(state)
    return plan


@transaction.atomic
def _make_plan(state: Organization) -> StatePlan:
    plan, _created = StatePlan.objects.get_or_create(
        state=state, defaults={"name": f"{state.name} accountability plan"}
    )
    return plan


def check_spec(spec: Mapping[str, Any], run: BatchRun | None) -> None:
    """Refuse a plan with every problem named by field (``ValidationError``)."""
    # Until the state's first batch there is nothing to check the data against; adoption
    # checks again against the batch it identifies from.
    available = figures_read.available_indicators(run) if run is not None else None
    try:
        parse_plan(spec, available=available, threshold=threshold())
    except PlanError as exc:
        errors: dict[str, list[str]] = {}
        for field_name, message in exc.problems:
            errors.setdefault(field_name, []).append(message)
        raise ValidationError(errors) from None


@transaction.atomic
def new_plan_version(
    actor: Actor, state: Organization, spec: Mapping[str, Any], note: str = ""
) -> PlanVersion:
    plan = plan_of(state)
    authorize(actor, Act.CHANGE, Subject.STATE_PLAN, plan)
    check_spec(spec, figures_read.latest_run(state))
    last = plan.versions.order_by("-number").first()
    return PlanVersion.objects.create(
        plan=plan,
        number=(last.number + 1) if last else 1,
        spec=dict(spec),
        note=note[:300],
        created_by=_person(actor),
    )


@transaction.atomic
def adopt_plan_version(actor: Actor, version: PlanVersion) -> int:
    """Make ``version`` the plan in force and identify schools under it; returns how many
    schools are identified (either kind)."""
    authorize(actor, Act.CHANGE, Subject.STATE_PLAN, version.plan)
    run = figures_read.latest_run(version.plan.state)
    check_spec(version.spec, run)
    PlanAdoption.objects.create(version=version, adopted_by=_person(actor))
    return _identify(version, run) if run is not None else 0


def _identify(version: PlanVersion, run: BatchRun) -> int:
    plan = parse_plan(version.spec)
    years = figures_read.figures_by_year(run)
    if not years:
        return 0
    year = max(years)
    Identification.objects.filter(version=version, run=run).delete()
    rows = [
        Identification(
            version=version,
            run=run,
            school_id=int(i.school),
            year=year,
            comprehensive=i.comprehensive,
            targeted=i.targeted,
            rated=i.rated,
            composite=i.composite,
            letter=i.letter or "",
            groups=[list(g) for g in i.groups],
            reasons=[{"code": r.code, "params": dict(r.params)} for r in i.reasons],
        )
        for i in identify(years, plan, year)
    ]
    Identification.objects.bulk_create(rows)
    return sum(1 for r in rows if r.comprehensive or r.targeted)


# --- District → state ------------------------------------------------------------------

GRADE_NUMBER = {g: k for k, g in enumerate(package.GRADES)}


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in, named by the calendar year it ends in."""
    return day.year + 1 if day.month >= 9 else day.year


def export_submission(
    actor: Actor, district: Organization, submitted_on: dt.date, key: bytes, folder: Path
) -> dict[str, int]:
    """Write the district's package (pseudonymized) to ``folder``; returns rows per file.

    Students without a state id cannot be keyed and are left out (counted). Every
    student written is one audit entry ("state submission")."""
    authorize(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("Choose a district.")})
    framework = pace_engine.district_framework(district)
    cont = pace_engine.continuum(framework) if framework is not None else None
    targets = dict(cont.position_of) if cont else {}
    items = dict(Item.objects.filter(pk__in=list(targets)).values_list("pk", "identifier"))
    comp_ids = {k: str(c.identifier) for k, c in enumerate(cont.competencies)} if cont else {}
    frameworks: dict[str, list[Any]] = {
        "framework_identifier": [str(framework.identifier) if framework else ""] * len(targets),
        "item_identifier": [str(items[t]) for t in targets],
        "competency_identifier": [comp_ids[cont.competency_of[t]] for t in targets] if cont else [],
        "level": [int(p) for p in targets.values()],
    }
    schools = list(
        Organization.objects.filter(parent=district, kind=OrganizationKind.SCHOOL).order_by("code")
    )
    students = list(
        Student.objects.filter(school__parent=district)
        .exclude(state_id="")
        .select_related("school")
        .order_by("pk")
    )
    skipped = Student.objects.filter(school__parent=district, state_id="").count()
    key_of = {s.pk: pseudonym.student_key(key, s.state_id) for s in students}
    ids = np.array(sorted(key_of), dtype=np.int64)
    codes = pace_engine.subgroup_codes(ids, within=district.path)
    levels = pace_engine.SUBGROUP_LEVELS
    names = list(levels)
    year = school_year_of(submitted_on)
    student_rows: dict[str, list[Any]] = {"student_key": [key_of[int(i)] for i in ids]}
    for d, name in enumerate(names):
        student_rows[name] = [levels[name][int(c)] for c in codes[:, d]]
    by_pk = {s.pk: s for s in students}
    enrollments: dict[str, list[Any]] = {
        "student_key": [key_of[int(i)] for i in ids],
        "school_year": [year] * len(ids),
        "school_code": [by_pk[int(i)].school.code for i in ids],
        "grade_level": [by_pk[int(i)].grade_level for i in ids],
    }
    evidence: dict[str, list[Any]] = {
        k: [] for k in ("student_key", "item_identifier", "assessed_on", "score", "kind")
    }
    for sid, tid, score, at, kind in (
        EvidenceScore.objects.filter(student_id__in=key_of, target_id__in=items, counts=True)
        .order_by("student_id", "target_id", "assessed_at")
        .values_list("student_id", "target_id", "score", "assessed_at", "kind")
        .iterator(chunk_size=20000)
    ):
        evidence["student_key"].append(key_of[sid])
        evidence["item_identifier"].append(str(items[tid]))
        evidence["assessed_on"].append(at.date())
        evidence["score"].append(float(score))
        evidence["kind"].append(kind)
    determinations: dict[str, list[Any]] = {
        k: [] for k in ("student_key", "item_identifier", "level", "status", "determined_on")
    }
    for sid, tid, status, at in (
        Determination.objects.filter(student_id__in=key_of, target_id__in=items)
        .order_by("student_id", "target_id")
        .values_list("student_id", "target_id", "status", "computed_at")
    ):
        determinations["student_key"].append(key_of[sid])
        determinations["item_identifier"].append(str(items[tid]))
        determinations["level"].append(targets[tid])
        determinations["status"].append(status)
        determinations["determined_on"].append(at.date())
    expectations: dict[str, list[Any]] = {"grade_level": [], "due_on": [], "level": []}
    for grade, due, position in PaceTarget.objects.filter(
        district=district, archived_at__isnull=True, competency__isnull=True
    ).values_list("grade_level", "due_on", "level__position"):
        if grade in GRADE_NUMBER:
            expectations["grade_level"].append(grade)
            expectations["due_on"].append(due)
            expectations["level"].append(float(position))
    diplomas = sources.diploma_awards(students, key_of)
    record_reads([int(i) for i in ids], purpose="state submission")
    package.write_package(
        folder,
        district=district.code,
        submitted_on=submitted_on,
        key_check=pseudonym.key_check(key),
        tables={
            "frameworks.parquet": frameworks,
            "schools.parquet": {
                "school_code": [str(s.code) for s in schools],
                "school_name": [str(s.name) for s in schools],
            },
            "students.parquet": student_rows,
            "enrollments.parquet": enrollments,
            "evidence.parquet": evidence,
            "determinations.parquet": determinations,
            "expectations.parquet": expectations,
            # Graduation cohorts and their diplomas, from the graduation app.
            "diploma_awards.parquet": diplomas,
            # Attendance and English proficiency: Proficio records neither yet.
        },
    )
    return {
        "students": len(ids),
        "evidence": len(evidence["student_key"]),
        "cohort": len(diplomas["student_key"]),
        "skipped": skipped,
    }


def import_submission(actor: Actor, folder: Path) -> tuple[Submission, bool]:
    """Check and take in one district package, all or nothing; ``(submission, created)``.

    The same package again changes nothing (idempotent per district and date); another
    package for a district and date already imported is refused."""
    states = Organization.objects.filter(kind=OrganizationKind.STATE)
    key = state_key()
    manifest_district = _peek_district(folder)
    district = Organization.objects.filter(
        code=manifest_district, kind=OrganizationKind.DISTRICT
    ).first()
    state = district.parent if district is not None else None
    if district is None or state is None or not states.filter(pk=state.pk).exists():
        raise package.PackageError(
            [
                package.Problem(
                    package.MANIFEST, None, "district", _("no such district in the state")
                )
            ]
        )
    authorize_in(actor, Act.CHANGE, Subject.STATE_PLAN, state)
    schools = {
        s.code: s
        for s in Organization.objects.filter(parent=district, kind=OrganizationKind.SCHOOL)
    }
    pkg = package.read_package(
        folder,
        key_check=pseudonym.key_check(key),
        subgroups=pace_engine.SUBGROUP_LEVELS,
        school_codes=set(schools),
    )
    existing = Submission.objects.filter(district=district, submitted_on=pkg.submitted_on).first()
    if existing is not None:
        if existing.checksum == pkg.checksum:
            return existing, False
        raise package.PackageError(
            [
                package.Problem(
                    package.MANIFEST,
                    None,
                    "submitted_on",
                    _("a different submission for this district and date was already imported"),
                )
            ]
        )
    return _take(actor, district, schools, pkg), True


def _peek_district(folder: Path) -> str:
    import json

    try:
        data = json.loads((Path(folder) / package.MANIFEST).read_text())
        return str(data.get("district", ""))
    except (OSError, ValueError, AttributeError):
        raise package.PackageError(
            [
                package.Problem(
                    package.MANIFEST, None, None, _("the package has no readable manifest")
                )
            ]
        ) from None


def _take(
    actor: Actor, district: Organization, schools: Mapping[str, Organization], pkg: package.Package
) -> Submission:
    root = store()
    staged = Path(tempfile.mkdtemp(prefix=".incoming-", dir=_ensure(root)))
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                district=district,
                submitted_on=pkg.submitted_on,
                checksum=pkg.checksum,
                manifest=pkg.manifest,
                counts={name: t.num_rows for name, t in pkg.tables.items()},
                imported_by=_person(actor),
            )
            number = _student_numbers(pkg.column("students.parquet", "student_key"))
            target = _target_numbers(pkg)
            _stage(staged, district, schools, pkg, number, target)
            transaction.on_commit(lambda: _publish(staged, root, district.code))
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return submission


def _ensure(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return root


def _student_numbers(keys: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(keys))
    known = dict(StudentKey.objects.filter(key__in=wanted).values_list("key", "pk"))
    new = [StudentKey(key=k) for k in wanted if k not in known]
    StudentKey.objects.bulk_create(new, batch_size=5000)
    if new:
        known = dict(StudentKey.objects.filter(key__in=wanted).values_list("key", "pk"))
    return known


def _target_numbers(pkg: package.Package) -> dict[str, int]:
    rows = zip(
        *(
            pkg.column("frameworks.parquet", c)
            for c in ("item_identifier", "competency_identifier", "level")
        ),
        strict=True,
    )
    wanted = {item: (comp, level) for item, comp, level in rows}
    known = dict(
        StateTarget.objects.filter(identifier__in=list(wanted)).values_list("identifier", "pk")
    )
    StateTarget.objects.bulk_create(
        [
            StateTarget(identifier=i, competency=c, level=lv)
            for i, (c, lv) in wanted.items()
            if i not in known
        ]
    )
    return dict(
        StateTarget.objects.filter(identifier__in=list(wanted)).values_list("identifier", "pk")
    )


def _days(values: list[Any]) -> np.ndarray:
    epoch = dt.date(1970, 1, 1)
    return np.array([-1 if v is None else (v - epoch).days for v in values], dtype=np.int64)


def _stage(
    staged: Path,
    district: Organization,
    schools: Mapping[str, Organization],
    pkg: package.Package,
    number: Mapping[str, int],
    target: Mapping[str, int],
) -> None:
    """Write the district's tables in the store's layout into ``staged``."""
    from proficio.scale import job

    col = pkg.column
    part = district.code
    st = "students.parquet"
    levels = pace_engine.SUBGROUP_LEVELS
    job.write_table(
        staged,
        "students",
        part,
        {
            "student": [number[k] for k in col(st, "student_key")],
            **{
                f"code{d}": [levels[name].index(v) for v in col(st, name)]
                for d, name in enumerate(levels)
            },
        },
    )
    en = "enrollments.parquet"
    job.write_table(
        staged,
        "enrollments",
        part,
        {
            "student": [number[k] for k in col(en, "student_key")],
            "year": col(en, "school_year"),
            "school": [schools[c].pk for c in col(en, "school_code")],
            "district": [district.pk] * pkg.tables[en].num_rows,
            "grade": [GRADE_NUMBER[g] for g in col(en, "grade_level")],
        },
    )
    ev = "evidence.parquet"
    job.write_table(
        staged,
        "evidence",
        part,
        {
            "student": [number[k] for k in col(ev, "student_key")],
            "target": [target[i] for i in col(ev, "item_identifier")],
            "day": _days(col(ev, "assessed_on")),
            "score": col(ev, "score"),
            "kind": [KIND_CODES[k] for k in col(ev, "kind")],
        },
    )
    ex = "expectations.parquet"
    job.write_table(
        staged,
        "expectations",
        part,
        {
            "district": [district.pk] * pkg.tables[ex].num_rows,
            "grade": [GRADE_NUMBER[g] for g in col(ex, "grade_level")],
            "day": _days(col(ex, "due_on")),
            "level": col(ex, "level"),
        },
    )
    at = "attendance.parquet"
    job.write_table(
        staged,
        "attendance",
        part,
        {
            "student": [number[k] for k in col(at, "student_key")],
            "year": col(at, "school_year"),
            "enrolled": col(at, "days_enrolled"),
            "absent": col(at, "days_absent"),
        },
    )
    el = "english_proficiency.parquet"
    job.write_table(
        staged,
        "english",
        part,
        {
            "student": [number[k] for k in col(el, "student_key")],
            "year": col(el, "school_year"),
            "level": col(el, "level"),
        },
    )
    da = "diploma_awards.parquet"
    job.write_table(
        staged,
        "cohorts",
        part,
        {
            "student": [number[k] for k in col(da, "student_key")],
            "school": [schools[c].pk for c in col(da, "school_code")],
            "cohort_year": col(da, "cohort_year"),
            "awarded_on": _days(col(da, "awarded_on")),
            "removed": [bool(v) for v in col(da, "removed")],
        },
    )


def _publish(staged: Path, root: Path, part: str) -> None:
    """Replace the district's files in the store by the staged ones (after the commit)."""
    for table in staged.iterdir():
        if table.is_dir():
            target = root / table.name
            target.mkdir(parents=True, exist_ok=True)
            for f in table.iterdir():
                os.replace(f, target / f.name)
    shutil.rmtree(staged, ignore_errors=True)


# --- The batch -------------------------------------------------------------------------


def write_reference_tables(root: Path) -> None:
    """The continuum (every target the state numbers) for the batch."""
    from proficio.scale import job

    rows = list(StateTarget.objects.order_by("pk").values_list("pk", "competency", "level"))
    comps = {c: k for k, c in enumerate(sorted({c for _, c, _ in rows}))}
    job.write_table(
        root,
        "continuum",
        "state",
        {
            "target": [r[0] for r in rows],
            "competency": [comps[r[1]] for r in rows],
            "level": [r[2] for r in rows],
        },
    )


def run_batch(
    actor: Actor,
    state: Organization,
    *,
    engine: str = "local",
    master: str | None = None,
    years: tuple[int, ...] | None = None,
    buckets: int = 8,
    today: dt.date | None = None,
) -> BatchRun:
    """Run the state batch over the store and keep its figures; identify schools again
    under the plan in force."""
    from proficio.scale import job

    authorize_in(actor, Act.CHANGE, Subject.STATE_PLAN, state)
    root = store()
    _ensure(root)
    write_reference_tables(root)
    write_pilot_table(root, state)
    day = today or timezone.localdate()
    last = school_year_of(day)
    spec = job.JobSpec(
        store=root,
        years=years or (last - 2, last - 1, last),
        dimensions=pace_engine.SUBGROUP_LEVELS,
        threshold=threshold(),
        buckets=buckets,
    )
    if engine == "spark":
        from proficio.scale import spark

        result = spark.run(spec, master)
    elif engine == "local":
        from proficio.scale import local

        result = local.run(spec)
    else:
        raise ValidationError({"engine": _("The engine is spark or local.")})
    return _keep_run(actor, state, spec, result)


@transaction.atomic
def _keep_run(
    actor: Actor, state: Organization, spec: job.JobSpec, result: job.RunResult
) -> BatchRun:
    run = BatchRun.objects.create(
        state=state,
        engine=result.engine,
        status=BatchStatus.DONE,
        years=list(spec.years),
        threshold=spec.threshold,
        evidence_rows=result.evidence_rows,
        students=result.students,
        seconds=round(result.seconds, 3),
        started_by=_person(actor),
    )
    SchoolFigure.objects.bulk_create(_figure_rows(run, result.figures), batch_size=5000)
    _keep_pilot_figures(run, result.pilot_figures)
    audit_report_cards(run)
    current = plan_of(state).current()
    if current is not None:
        _identify(current, run)
    return run


def dashboard_of(district_id: int, threshold: int) -> publication.Dashboard | None:
    """The district's latest published dashboard release under this threshold."""
    from proficio.insights.actions import unpack
    from proficio.insights.models import PublishedRelease

    last = (
        PublishedRelease.objects.filter(district_id=district_id, threshold=threshold)
        .order_by("-day", "-pk")
        .only("audit_state", "day")
        .first()
    )
    if last is None:
        return None
    system, hidden, links, _blocks = unpack(last.audit_state)
    return publication.Dashboard(system, hidden, links, school_year_of(last.day))


def audit_report_cards(run: BatchRun) -> dict[int, publication.Decision]:
    """Put the run's report-card figures through the joint publication audit, district
    by district, together with each district's published dashboards; the figures' marks
    are updated (they only ever tighten). Returns each district's decision."""
    figures = list(SchoolFigure.objects.filter(run=run).order_by("pk"))
    district_of = dict(
        Organization.objects.filter(pk__in={f.school_id for f in figures}).values_list(
            "pk", "parent_id"
        )
    )
    by_district: dict[int, list[SchoolFigure]] = {}
    for f in figures:
        by_district.setdefault(district_of[f.school_id], []).append(f)
    decisions = {}
    changed = []
    for district_id, mine in sorted(by_district.items()):
        decision = publication.audit(
            publication.district_rows(mine),
            pace_engine.SUBGROUP_LEVELS,
            run.threshold,
            dashboard_of(district_id, run.threshold),
        )
        decisions[district_id] = decision
        for f in mine:
            published, size = decision.figures[f.pk]
            if (published, size) != (f.published, f.students_published):
                f.published, f.students_published = published, size
                changed.append(f)
    SchoolFigure.objects.bulk_update(changed, ["published", "students_published"], batch_size=2000)
    # Which districts' report cards this run holds back whole, so their pages can say why.
    HeldReportCards.objects.filter(run=run).delete()
    HeldReportCards.objects.bulk_create(
        HeldReportCards(run=run, district_id=district_id, figures=decision.held)
        for district_id, decision in decisions.items()
        if decision.held
    )
    return decisions


# --- The innovative-assessment pilot -----------------------------------------------------


@transaction.atomic
def create_pilot(
    actor: Actor, state: Organization, *, name: str, districts: Iterable[Organization]
) -> Pilot:
    authorize_in(actor, Act.CHANGE, Subject.PILOT, state)
    chosen = list(districts)
    errors = {}
    if not name.strip():
        errors["name"] = _("A pilot needs a name.")
    if not chosen:
        errors["districts"] = _("Choose at least one participating district.")
    elif any(d.parent_id != state.pk or d.kind != OrganizationKind.DISTRICT for d in chosen):
        errors["districts"] = _("Choose districts of this state.")
    if errors:
        raise ValidationError(errors)
    pilot = Pilot.objects.create(state=state, name=name.strip(), created_by=_person(actor))
    pilot.districts.set(chosen)
    return pilot


def find_item(identifier: str) -> Item:
    """The learning target with this CASE identifier (a UUID), or a refusal on ``item``."""
    text = (identifier or "").strip()
    try:
        item = Item.objects.filter(identifier=uuid.UUID(text)).first() if text else None
    except ValueError:
        item = None
    if item is None:
        raise ValidationError(
            {"item": _("No CASE item has the identifier “%(id)s”.") % {"id": text[:80]}}
        )
    return item


@transaction.atomic
def add_pilot_task(
    actor: Actor,
    pilot: Pilot,
    *,
    title: str,
    item: Item,
    rubric: Rubric,
    standard: float = 3.0,
) -> PilotTask:
    """A common performance task aligned to a CASE item, scored with a rubric; a result
    meets the task's standard when its calibrated score reaches ``standard``."""
    authorize(actor, Act.CHANGE, Subject.PILOT, pilot)
    errors = {}
    if not title.strip():
        errors["title"] = _("Name the common performance task.")
    if item.kind != "target":
        errors["item"] = _("Align the task to a learning target (a CASE item).")
    scores = sorted({v for c in criteria_of(rubric) for v in level_scores(c)})
    if not scores:
        errors["rubric"] = _("Choose a rubric whose levels carry scores.")
    elif not scores[0] <= standard <= scores[-1]:
        errors["standard"] = _(
            "The score that meets the standard lies within the rubric's scores "
            "(%(low)s to %(high)s)."
        ) % {"low": f"{scores[0]:g}", "high": f"{scores[-1]:g}"}
    if errors:
        raise ValidationError(errors)
    return PilotTask.objects.create(
        pilot=pilot, title=title.strip(), item=item, rubric=rubric, standard=standard
    )


@transaction.atomic
def add_pilot_session(actor: Actor, task: PilotTask, session: ModerationSession) -> None:
    """A state-organized moderation session of the task (owned by the state)."""
    authorize(actor, Act.CHANGE, Subject.PILOT, task.pilot)
    if session.owner_id != task.pilot.state_id:
        raise ValidationError({"session": _("A pilot's sessions are organized by the state.")})
    if session.rubric_id != task.rubric_id:
        raise ValidationError({"session": _("Choose a session scored with the task's rubric.")})
    task.sessions.add(session)
    Pilot.objects.filter(pk=task.pilot_id, status=PilotStatus.PLANNING).update(
        status=PilotStatus.RUNNING
    )


def pilot_rows(pilots: Iterable[Pilot]) -> dict[str, list[Any]]:
    """The pilots' task results as the batch reads them (the store's ``pilot_results``:
    one row per work sample and criterion of its task's rubric, NaN where the state
    panel recorded no consensus): the samples of each pilot's state-organized sessions
    that come from its districts' schools."""
    rows: dict[str, list[Any]] = {name: [] for name in PILOT_COLUMNS}
    for pilot in pilots:
        districts = set(pilot.districts.values_list("pk", flat=True))
        for task in pilot.tasks.prefetch_related("sessions__rubric").order_by("pk"):
            for session in task.sessions.order_by("pk"):
                criteria = [c.pk for c in criteria_of(session.rubric)]
                agreed = {
                    (sample, criterion): score
                    for sample, criterion, score in Consensus.objects.filter(
                        sample__session=session
                    ).values_list("sample_id", "criterion_id", "score")
                }
                for sample, school in (
                    session.samples.filter(origin_school__parent__in=districts)
                    .order_by("pk")
                    .values_list("pk", "origin_school_id")
                ):
                    for place, criterion in enumerate(criteria):
                        rows["pilot"].append(pilot.pk)
                        rows["school"].append(int(school))
                        rows["result"].append(int(sample))
                        rows["criteria"].append(len(criteria))
                        rows["criterion"].append(place)
                        rows["score"].append(float(agreed.get((sample, criterion), math.nan)))
                        rows["standard"].append(float(task.standard))
    return rows


def pilot_results(pilot: Pilot) -> dict[int, tuple[int, int]]:
    """The pilot's calibrated results per participating school: ``{school: (results
    meeting the standard, results with a calibrated score)}``, by the batch's own
    :func:`proficio.core.accountability.batch.pilot_counts` over :func:`pilot_rows`."""
    rows = pilot_rows([pilot])
    counts = pilot_counts({k: np.asarray(v) for k, v in rows.items()})
    return {
        int(school): (int(yes), int(den))
        for school, yes, den in zip(
            counts["school"], counts["numerator"], counts["denominator"], strict=True
        )
    }


def write_pilot_table(root: Path, state: Organization) -> int:
    """The state's counted pilots' results, for the batch (``pilot_results``); rows."""
    from proficio.scale import job

    rows = pilot_rows(
        Pilot.objects.filter(state=state, count_in_accountability=True).order_by("pk")
    )
    job.write_table(root, "pilot_results", "state", rows)
    return len(rows["result"])


def _figure_rows(run: BatchRun, figures: Any, *, pilot: bool = False) -> list[SchoolFigure]:
    """The batch's figures (a frame, one row a figure) as unsaved rows of ``run``, each with
    its pilot when ``pilot``; a school the database no longer holds is left out."""
    known = set(
        Organization.objects.filter(pk__in=figures["school"].unique().tolist()).values_list(
            "pk", flat=True
        )
    )
    return [
        SchoolFigure(
            run=run,
            school_id=int(r.school),
            year=int(r.year),
            dimension=r.dimension,
            group=r.group,
            indicator=r.indicator,
            numerator=float(r.numerator),
            denominator=int(r.denominator),
            students=int(r.students),
            published=bool(r.published),
            students_published=bool(r.students_published),
            pilot_id=int(r.pilot) if pilot else None,
        )
        for r in figures.itertuples(index=False)
        if int(r.school) in known
    ]


def _keep_pilot_figures(run: BatchRun, figures: Any) -> int:
    """Keep the batch's ``pilot_calibrated`` figures (each with its pilot)."""
    SchoolFigure.objects.filter(run=run, indicator=PILOT).delete()
    made = _figure_rows(run, figures, pilot=True)
    SchoolFigure.objects.bulk_create(made)
    return len(made)


def _pilot_figures(state: Organization, run: BatchRun) -> int:
    """Compute the counted pilots' figures of ``run`` again (after a pilot is counted or
    no longer counted) without running the whole batch: the same pilot kernel as the
    batch, fed with the run's own whole-school figures. Returns how many."""
    import pandas as pd

    from proficio.scale import job

    if not run.years:
        return 0
    year = max(run.years)
    rows = pilot_rows(
        Pilot.objects.filter(state=state, count_in_accountability=True).order_by("pk")
    )
    whole = (
        SchoolFigure.objects.filter(run=run, year=year, dimension="all")
        .exclude(indicator=PILOT)
        .order_by("school_id", "indicator")
        .values_list("school_id", "students", "students_published")
    )
    first: dict[int, tuple[int, int, bool]] = {}
    for school, students, published in whole:
        first.setdefault(school, (school, students, published))
    spec = job.JobSpec(
        store=store(), years=tuple(run.years), dimensions={}, threshold=run.threshold
    )
    kernel = job.pilot_kernel(spec)
    figures = kernel(
        job.as_frame("pilot_results", rows),
        pd.DataFrame(list(first.values()), columns=list(job.WHOLE_COLUMNS)),
    )
    return _keep_pilot_figures(run, figures)


@transaction.atomic
def set_pilot_in_accountability(actor: Actor, pilot: Pilot, counted: bool) -> None:
    """Count (or stop counting) the pilot's calibrated results as an accountability
    measure for its participating schools: the latest batch's figures gain (or lose)
    the ``pilot_calibrated`` indicator and schools are identified again under the plan
    in force. Refused, naming why: a pilot with no calibrated results; a district whose
    results another counted pilot already brings; stopping a pilot the plan in force
    needs (no other figures left for the indicator)."""
    authorize(actor, Act.CHANGE, Subject.PILOT, pilot)
    field_name = "count_in_accountability"
    if counted:
        if not pilot_results(pilot):
            raise ValidationError(
                {
                    field_name: _(
                        "The pilot has no calibrated results yet: no work sample from a "
                        "participating school has the state panel's consensus score on "
                        "every criterion of its task's rubric."
                    )
                }
            )
        mine = set(pilot.districts.values_list("pk", flat=True))
        for other in Pilot.objects.filter(state=pilot.state, count_in_accountability=True).exclude(
            pk=pilot.pk
        ):
            shared = other.districts.filter(pk__in=mine).order_by("name")
            if shared.exists():
                raise ValidationError(
                    {
                        field_name: _(
                            "%(districts)s already count through the pilot “%(pilot)s”: "
                            "a district's results count once."
                        )
                        % {
                            "districts": ", ".join(d.name for d in shared),
                            "pilot": other.name,
                        }
                    }
                )
    Pilot.objects.filter(pk=pilot.pk).update(count_in_accountability=counted)
    run = figures_read.latest_run(pilot.state)
    if run is None:
        return
    _pilot_figures(pilot.state, run)
    audit_report_cards(run)
    current = plan_of(pilot.state).current()
    if current is None:
        return
    needed = PILOT in current.spec.get("indicators", {})
    if not counted and needed and PILOT not in figures_read.available_indicators(run):
        raise ValidationError(
            {
                field_name: _(
                    "The plan in force (version %(n)s) weighs the pilot's calibrated "
                    "results, and no other pilot brings them: adopt a version without "
                    "them first."
                )
                % {"n": current.number}
            }
        )
    _identify(current, run)


def school_year_days(year: int) -> tuple[int, int]:
    return school_year_end(year - 1) + 1, school_year_end(year)
