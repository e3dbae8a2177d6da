"""Pace in the test world: a teacher profile for Ms. Rivera, a support plan in each
district and a Lakeside pace target. ``add_pace_evidence`` (used by the pace and insights
tests through their ``paced`` fixture) puts Ana on pace and Ben behind.

The demo generator already gave Riverbend its pace targets (grade 7 expects level 5)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.evidence import actions as evidence
from proficio.frameworks.models import AssociationType, Item, ItemKind
from proficio.orgs.models import Organization, Student
from proficio.pace import actions
from proficio.pace.models import EducatorProfile
from proficio.policy import SYSTEM


def targets_at(position: int) -> list[Item]:
    return list(
        Item.objects.filter(
            framework__title__startswith="Riverbend Unified",
            kind=ItemKind.TARGET,
            level__position=position,
            outgoing__association_type=AssociationType.IS_CHILD_OF,
            outgoing__destination_item__human_coding_scheme="MATH.1",
        ).order_by("human_coding_scheme")
    )


def build() -> None:
    rivera = User.objects.get(username="rivera")
    with acting(rivera, route="tests: world pace"):
        EducatorProfile.objects.update_or_create(
            user=rivera, defaults={"years_experience": 12, "fully_credentialed": True}
        )
    build_plans()


def add_pace_evidence() -> None:
    """Ana on pace (Level 4 shown, nearly through Level 5) and Ben behind (and stalled,
    nothing shown) in MATH.1, then the daily check.

    Called by the pace and insights tests inside their own transaction, so that the
    rest of the suite sees the world's evidence unchanged."""
    rivera = User.objects.get(username="rivera")
    ana = Student.objects.get(user__username="ana")
    ben = Student.objects.get(user__username="ben")
    now = timezone.now()
    with acting(rivera, route="tests: pace evidence"):
        at_five = targets_at(5)
        at_four = targets_at(4)
        at_three = targets_at(3)
        # Ana has shown Level 4 (so Levels 1-3 by inference) and is nearly through Level 5.
        for days in (100, 90):
            evidence.record_evidence(
                rivera,
                student=ana,
                kind="performance_task",
                title="Pace check",
                assessed_at=now - dt.timedelta(days=days),
                scores=[evidence.ScoreInput(at_four[-1], 3.0)],
            )
        for days, score in ((60, 2.5), (20, 3.0)):
            evidence.record_evidence(
                rivera,
                student=ana,
                kind="performance_task",
                title="Pace check",
                assessed_at=now - dt.timedelta(days=days),
                scores=[evidence.ScoreInput(at_five[-1], score)],
            )
        for days, score in ((90, 1.0), (70, 1.5)):
            evidence.record_evidence(
                rivera,
                student=ben,
                kind="quiz",
                title="Pace check",
                assessed_at=now - dt.timedelta(days=days),
                scores=[evidence.ScoreInput(at_three[-1], score)],
            )
    with acting(None, route="tests: world pace", purpose="daily pace check"):
        actions.refresh_pace(Organization.objects.get(code="riverbend"))


def build_plans() -> None:
    """One support plan in each district, for the permission matrix."""
    from proficio.pace.models import TargetKind

    today = timezone.localdate()
    rivera = User.objects.get(username="rivera")
    lake_teacher = User.objects.get(username="lake.teacher")
    with acting(None, route="tests: world pace"):
        actions.create_support_plan(
            SYSTEM,
            student=Student.objects.get(user__username="ben"),
            reason="Behind pace",
            intervention="Reteaching in a small group",
            owner=rivera,
            start_on=today - dt.timedelta(days=10),
            check_in_on=today + dt.timedelta(days=1),
        )
        actions.create_support_plan(
            SYSTEM,
            student=Student.objects.get(user__username="lake.kid"),
            intervention="Tutoring",
            owner=lake_teacher,
            start_on=today,
            check_in_on=today + dt.timedelta(days=7),
        )
        from proficio.frameworks.models import Framework

        actions.create_pace_target(
            SYSTEM,
            district=Organization.objects.get(code="lakeside"),
            framework=Framework.objects.get(title__startswith="Riverbend Unified"),
            grade_level="7",
            kind=TargetKind.TERM,
            level_code="L5",
            due_on=today + dt.timedelta(days=100),
        )


def _install_world_names() -> None:
    """Names the permission matrix looks up on the world view."""
    from functools import cached_property

    from proficio.pace.models import PaceTarget, SupportPlan
    from tests.world import WorldView

    def plan_of(username: str):
        return lambda self: SupportPlan.objects.get(student__user__username=username)

    def target_of(code: str):
        return lambda self: PaceTarget.objects.filter(district__code=code).order_by("pk").first()

    for name, getter in {
        "ben_plan": plan_of("ben"),
        "lake_kid_plan": plan_of("lake.kid"),
        "riverbend_pace_target": target_of("riverbend"),
        "lakeside_pace_target": target_of("lakeside"),
    }.items():
        prop = cached_property(getter)
        prop.__set_name__(WorldView, name)
        setattr(WorldView, name, prop)


_install_world_names()
