"""The demo state: Riverbend's own submission, a few synthetic neighbouring districts
(clearly named so, from :mod:`proficio.scale.synthetic`, three school years each), the
batch, an adopted plan with a second version waiting for review, and a pilot with a
state-organized moderation session.

Synthetic districts carry no diploma awards: graduation rates stay without data until
districts record diplomas, and a plan that weighs them is refused.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from proficio.accounts.models import User
from proficio.core.accountability import pseudonym
from proficio.core.mastery.policy import KIND_CODES
from proficio.frameworks.models import Item, Rubric
from proficio.moderation import actions as moderation
from proficio.orgs import actions as orgs
from proficio.orgs.models import Organization, OrganizationKind, SchoolLevel
from proficio.pace import engine as pace_engine
from proficio.policy import SYSTEM
from proficio.scale import synthetic
from proficio.state import actions, package
from proficio.state.models import Identification, Pilot

PLAN_V1 = {
    "indicators": {
        "proficiency": {"weight": 0.4},
        "growth": {"weight": 0.25, "growth_target": 1.0},
        "opportunity_to_learn": {"weight": 0.2},
        "school_quality": {"weight": 0.15},
    },
    "min_n": 10,
    "lowest_share": 0.1,
    "consecutive_years": 2,
    "summative": "none",
}
PLAN_V2 = {**PLAN_V1, "lowest_share": 0.2, "note": ""}
PLAN_V2.pop("note")
GRADES = package.GRADES


def _neighbour(state: Organization, n: int) -> tuple[Organization, list[Organization]]:
    code = f"synthetic-{n}"
    district = Organization.objects.filter(code=code).first()
    if district is None:
        district = orgs.create_organization(
            SYSTEM,
            kind=OrganizationKind.DISTRICT,
            name=f"Synthetic District {n}",
            code=code,
            parent=state,
        )
    schools = []
    for k, level in enumerate((SchoolLevel.ELEMENTARY, SchoolLevel.MIDDLE, SchoolLevel.HIGH)):
        scode = f"{code}-s{k + 1}"
        school = Organization.objects.filter(code=scode).first()
        if school is None:
            school = orgs.create_organization(
                SYSTEM,
                kind=OrganizationKind.SCHOOL,
                name=f"Synthetic {level.label} {n}",
                code=scode,
                parent=district,
                school_level=level,
            )
        schools.append(school)
    return district, schools


def synthetic_package(
    folder: Path,
    district: Organization,
    schools: list[Organization],
    n: int,
    students: int,
    key: bytes,
    today: dt.date,
) -> None:
    """A synthetic district in the submission format, on Riverbend's framework."""
    riverbend = Organization.objects.get(code="riverbend")
    framework = pace_engine.district_framework(riverbend)
    assert framework is not None
    cont = pace_engine.continuum(framework)
    idents = dict(
        Item.objects.filter(pk__in=list(cont.position_of)).values_list("pk", "identifier")
    )
    by_cell: dict[tuple[int, int], str] = {}
    for tid, pos in sorted(cont.position_of.items()):
        by_cell.setdefault((cont.competency_of[tid], pos), str(idents[tid]))
    levels = max(cont.position_of.values())
    last = actions.school_year_of(today)
    shape = synthetic.Shape(
        students=students,
        evidence_per_student=60,
        years=(last - 2, last - 1, last),
        districts=1,
        schools_per_district=len(schools),
        competencies=len(cont.competencies),
        levels=levels,
        targets_per_level=1,
        seed=100 + n,
        chunk_students=students,
        cohorts=False,
        attendance=False,
        english=False,
    )
    w = synthetic.whole(shape)
    ids = [f"SYN{n:02d}{s:07d}" for s in w["students"]["student"]]
    keys = [pseudonym.student_key(key, i) for i in ids]
    sub = pace_engine.SUBGROUP_LEVELS
    names = list(sub)
    c = synthetic.continuum(shape)
    cell = {
        int(t): (int(comp), int(lv))
        for t, comp, lv in zip(c["target"], c["competency"], c["level"], strict=True)
    }
    ev = w["evidence"]
    keep = [
        k
        for k, t in enumerate(ev["target"])
        if cell[int(t)] in by_cell and ev["day"][k] <= (today - dt.date(1970, 1, 1)).days
    ]
    epoch = dt.date(1970, 1, 1)
    kinds = {v: k for k, v in KIND_CODES.items()}
    en = w["enrollments"]
    exp = synthetic.expectations(shape)
    package.write_package(
        folder,
        district=district.code,
        submitted_on=today,
        key_check=pseudonym.key_check(key),
        tables={
            "frameworks.parquet": {
                "framework_identifier": [str(framework.identifier)] * len(by_cell),
                "item_identifier": list(by_cell.values()),
                "competency_identifier": [
                    str(cont.competencies[c_].identifier) for c_, _ in by_cell
                ],
                "level": [lv for _, lv in by_cell],
            },
            "schools.parquet": {
                "school_code": [s.code for s in schools],
                "school_name": [s.name for s in schools],
            },
            "students.parquet": {
                "student_key": keys,
                **{
                    name: [
                        sub[name][min(int(v), len(sub[name]) - 1)]
                        for v in w["students"][f"code{d}"]
                    ]
                    for d, name in enumerate(names)
                },
            },
            "enrollments.parquet": {
                "student_key": [keys[int(s)] for s in en["student"]],
                "school_year": [int(y) for y in en["year"]],
                "school_code": [schools[int(s)].code for s in en["school"]],
                "grade_level": [GRADES[int(g)] for g in en["grade"]],
            },
            "evidence.parquet": {
                "student_key": [keys[int(ev["student"][k])] for k in keep],
                "item_identifier": [by_cell[cell[int(ev["target"][k])]] for k in keep],
                "assessed_on": [epoch + dt.timedelta(days=int(ev["day"][k])) for k in keep],
                "score": [float(ev["score"][k]) for k in keep],
                "kind": [kinds[int(ev["kind"][k])] for k in keep],
            },
            "expectations.parquet": {
                "grade_level": [GRADES[int(g)] for g in exp["grade"]],
                "due_on": [epoch + dt.timedelta(days=int(d)) for d in exp["day"]],
                "level": [float(v) for v in exp["level"]],
            },
        },
    )


def seed_pilot(state: Organization, today: dt.date) -> Pilot | None:
    """A pilot: Riverbend and the first synthetic district, the argument-writing task,
    one state-organized moderation session with samples drawn from Riverbend's work."""
    rubric = Rubric.objects.filter(title="Argument writing rubric").first()
    if rubric is None:
        return None
    criteria = moderation.criteria_of(rubric)
    item = next((c.item for c in criteria if c.item_id), None)
    if item is None:
        return None
    districts = list(
        Organization.objects.filter(parent=state, kind=OrganizationKind.DISTRICT).order_by("code")[
            :2
        ]
    )
    pilot = actions.create_pilot(
        SYSTEM, state, name="Argument writing performance-task pilot", districts=districts
    )
    task = actions.add_pilot_task(
        SYSTEM,
        pilot,
        title="Argument essay: should the school day start later?",
        item=item,
        rubric=rubric,
    )
    session = moderation.create_session(
        SYSTEM,
        title="State moderation: argument essay",
        task=task.title,
        rubric=rubric,
        owner=state,
    )
    teachers = list(
        User.objects.filter(
            memberships__role="teacher", memberships__organization__path__startswith=state.path
        )
        .order_by("username")
        .distinct()[:4]
    )
    for user in teachers:
        moderation.add_rater(SYSTEM, session, user)
    try:
        moderation.draw_samples(SYSTEM, session, per_school=12, seed=1)
    except ValidationError:
        # A small demo may hold no accepted work on the rubric's targets: the pilot is
        # seeded without samples, and its page says so. Anything else is a real error.
        return pilot
    if len(teachers) < 2 or not session.samples.exists():
        actions.add_pilot_session(SYSTEM, task, session)
        return pilot
    moderation.open_scoring(SYSTEM, session, seed=1)
    rng = random.Random(1)
    samples = list(session.samples.order_by("code"))
    truths = {
        s.pk: {c.pk: float(s.local_scores.get(str(c.pk), 2.0)) for c in criteria} for s in samples
    }
    for r, user in enumerate(teachers):
        for sample in samples:
            if not sample.assignments.filter(rater__user=user).exists():
                continue
            scores = {
                c.pk: float(
                    min(
                        4,
                        max(1, round(truths[sample.pk][c.pk] - 0.4 * (r % 2) + rng.gauss(0, 0.6))),
                    )
                )
                for c in criteria
            }
            moderation.submit_scores(user, sample, scores)
    moderation.reveal(SYSTEM, session)
    for sample in samples:
        moderation.record_consensus(
            SYSTEM,
            sample,
            {c.pk: float(min(4, max(1, round(truths[sample.pk][c.pk] - 0.3)))) for c in criteria},
            "The state panel read the claim and the use of evidence against the level descriptors.",
        )
    actions.add_pilot_session(SYSTEM, task, session)
    return pilot


def seed_state(*, neighbours: int = 2, students: int = 400, today: dt.date | None = None) -> str:
    day = today or timezone.localdate()
    state = Organization.objects.filter(kind=OrganizationKind.STATE).order_by("pk").first()
    riverbend = Organization.objects.filter(code="riverbend").first()
    if state is None or riverbend is None:
        return "No demo district: run `proficio demo` first."
    key = actions.state_key()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "riverbend"
        actions.export_submission(SYSTEM, riverbend, day, key, folder)
        actions.import_submission(SYSTEM, folder)
        for n in range(1, neighbours + 1):
            district, schools = _neighbour(state, n)
            folder = Path(tmp) / district.code
            synthetic_package(folder, district, schools, n, students, key, day)
            actions.import_submission(SYSTEM, folder)
    run = actions.run_batch(SYSTEM, state, engine="local", today=day)
    plan = actions.plan_of(state)
    first = plan.current()
    if first is None:
        first = actions.new_plan_version(
            SYSTEM, state, PLAN_V1, note="Balanced scorecard, first year"
        )
        identified = actions.adopt_plan_version(SYSTEM, first)
        actions.new_plan_version(
            SYSTEM, state, PLAN_V2, note="Proposed: a wider lowest-performing share"
        )
    else:
        identified = (
            Identification.objects.filter(version=first, run=run)
            .filter(Q(comprehensive=True) | Q(targeted=True))
            .count()
        )
    pilot = Pilot.objects.filter(state=state).first() or seed_pilot(state, day)
    return (
        f"State demo: {run.students} students, {run.evidence_rows} evidence rows, "
        f"{identified} schools identified under plan v{first.number}"
        + (f"; pilot “{pilot.name}”" if pilot else "")
        + "."
    )
