"""The classroom feature's part of the test world: a scoring task in Ms. Rivera's class
and one in the Lakeside class (for "another organization"), and a saved group set."""

from __future__ import annotations

from django.utils import timezone

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.classroom import actions
from proficio.core.progression.groups import form_groups
from proficio.frameworks.models import Item, Rubric
from proficio.orgs.models import Section


def build() -> None:
    rivera = User.objects.get(username="rivera")
    section = Section.objects.get(staff__user=rivera)
    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    with acting(rivera, route="tests: world"):
        actions.create_scoring_task(
            rivera,
            section=section,
            title="World task",
            kind="performance_task",
            assessed_on=timezone.localdate(),
            rubric=rubric,
        )
        target = Item.objects.get(
            human_coding_scheme="MATH.1.2", framework__title__startswith="Riverbend"
        )
        students = actions.roster(section)
        actions.save_groups(
            rivera,
            section=section,
            target=target,
            groups=form_groups([s.pk for s in students], target.pk, [], {}),
            title="World groups",
        )
    lake_teacher = User.objects.get(username="lake.teacher")
    lake_section = Section.objects.get(school__code="lakeside-ms")
    with acting(lake_teacher, route="tests: world"):
        from proficio.classroom.models import GroupSet, ScoringTask

        # Lakeside cannot use Riverbend's rubric through the action; the row exists only so
        # that the permission matrix can ask for another organization's task.
        ScoringTask.objects.create(
            section=lake_section,
            title="Lake task",
            kind="performance_task",
            assessed_on=timezone.localdate(),
            rubric=rubric,
            created_by=lake_teacher,
        )
        GroupSet.objects.create(
            section=lake_section, target=target, title="Lake groups", created_by=lake_teacher
        )
