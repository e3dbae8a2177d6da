"""The state's additions to the test world: Riverbend's submission taken in at the state,
one batch, an adopted plan version and a draft, and a pilot; and a second state,
Otherland (a district and a school), with its own plan and pilot, which nobody in
Columbia may reach."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

TODAY = dt.date(2025, 5, 1)
SPEC = {"indicators": {"school_quality": 1.0}, "min_n": 10, "lowest_share": 0.34}


def build() -> None:
    from proficio.audit.context import acting
    from proficio.orgs import actions as orgs
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM
    from proficio.state import actions

    with acting(None, route="tests: world state"):
        columbia = Organization.objects.get(code="columbia")
        riverbend = Organization.objects.get(code="riverbend")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "riverbend"
            actions.export_submission(SYSTEM, riverbend, TODAY, actions.state_key(), folder)
            actions.import_submission(SYSTEM, folder)
        actions.run_batch(SYSTEM, columbia, engine="local", today=TODAY)
        first = actions.new_plan_version(SYSTEM, columbia, SPEC, note="world v1")
        actions.adopt_plan_version(SYSTEM, first)
        actions.new_plan_version(SYSTEM, columbia, {**SPEC, "lowest_share": 0.67}, note="world v2")
        pilot = actions.create_pilot(SYSTEM, columbia, name="Columbia pilot", districts=[riverbend])
        rubric, item = task_rubric_and_item()
        actions.add_pilot_task(SYSTEM, pilot, title="Columbia task", item=item, rubric=rubric)

        other = orgs.create_organization(SYSTEM, kind="state", name="Otherland", code="otherland")
        far = orgs.create_organization(
            SYSTEM, kind="district", name="Far District", code="far", parent=other
        )
        orgs.create_organization(
            SYSTEM,
            kind="school",
            name="Far School",
            code="far-es",
            parent=far,
            school_level="elementary",
        )
        actions.new_plan_version(SYSTEM, other, SPEC, note="otherland v1")
        far_pilot = actions.create_pilot(SYSTEM, other, name="Otherland pilot", districts=[far])
        actions.add_pilot_task(SYSTEM, far_pilot, title="Otherland task", item=item, rubric=rubric)


def task_rubric_and_item():
    """The rubric the world's pilot tasks are scored with, and a target it names."""
    from proficio.frameworks.models import Rubric
    from proficio.moderation.actions import criteria_of

    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    return rubric, next(c.item for c in criteria_of(rubric) if c.item_id)


def lookup(name: str):
    from proficio.orgs.models import Organization
    from proficio.state.models import Pilot, PlanVersion, StatePlan

    if name == "columbia_plan":
        return StatePlan.objects.get(state__code="columbia")
    if name == "otherland_plan":
        return StatePlan.objects.get(state__code="otherland")
    notes = {"columbia_v1": "world v1", "columbia_v2": "world v2", "otherland_v1": "otherland v1"}
    if name in notes:
        return PlanVersion.objects.get(note=notes[name])
    pilots = {"columbia_pilot": "Columbia pilot", "otherland_pilot": "Otherland pilot"}
    if name in pilots:
        return Pilot.objects.get(name=pilots[name])
    tasks = {"columbia_task": "Columbia task", "otherland_task": "Otherland task"}
    if name in tasks:
        from proficio.state.models import PilotTask

        return PilotTask.objects.get(title=tasks[name])
    if name == "far_school":
        return Organization.objects.get(code="far-es")
    return None
