"""One rule decides which targets a student may be assessed on, and every surface agrees.

The evidence form, the JSON API, the class grid, whole-class scoring's rubrics, flexible
groups, goals and reassessment are read side by side against
``frameworks.assessable.assessable_targets``. A target of a draft framework (even the
district's own) is refused everywhere, which the web form did and the API did not.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio.classroom import actions as classroom
from proficio.classroom import grid
from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence
from proficio.frameworks import actions as frameworks
from proficio.frameworks.assessable import (
    assessable_ids,
    assessable_targets,
    scope_targets,
    student_scope_targets,
    why_not_assessable,
)
from proficio.learners import actions as learners
from proficio.mastery.models import Determination
from proficio.policy import SYSTEM


@pytest.fixture
def draft_target(world):
    """A learning target in Riverbend's own draft framework."""
    return frameworks.add_item(world.riverbend_draft, full_statement="Draft target", kind="target")


def test_surfaces_offer_exactly_the_assessable_targets(world, client):
    rule = set(assessable_targets(world.ana.school).values_list("pk", flat=True))
    assert rule
    section = world.rivera_section
    scope = set(scope_targets(section).values_list("pk", flat=True))
    # The course scope narrows within the one rule; widened, it is the rule itself.
    assert scope
    assert scope < rule
    assert set(scope_targets(section, widen=True).values_list("pk", flat=True)) == rule
    client.force_login(world.user("rivera"))
    # The evidence form's choices: the student's classes' scope, or widened the rule.
    page = client.get(reverse("evidence:record", args=[world.ana.pk]))
    offered = set(page.context["form"].fields["target_1"].queryset.values_list("pk", flat=True))
    sections = learners.current_sections(world.ana)
    assert offered == set(student_scope_targets(world.ana, sections).values_list("pk", flat=True))
    assert offered <= rule
    page = client.get(reverse("evidence:record", args=[world.ana.pk]), {"scope": "all"})
    widened = page.context["form"].fields["target_1"].queryset.values_list("pk", flat=True)
    assert set(widened) == rule
    # The class grid's columns and the groups' targets: the course scope.
    columns = {c.target.pk for c in grid.section_columns(section)}
    assert columns == scope
    assert {c.target.pk for c in grid.section_columns(section, widen=True)} <= rule
    groups = client.get(reverse("classroom:groups", args=[section.pk]))
    choices = {int(v) for v, _label in groups.context["form"].fields["target"].choices}
    assert choices == columns
    # Every rubric a class may score with is aligned only to targets of its scope.
    rubrics = classroom.scorable_rubrics(section)
    assert rubrics
    for rubric in rubrics:
        assert {c.item_id for c in rubric.criteria.all()} <= scope
    for rubric in classroom.scorable_rubrics(section, widen=True):
        assert {c.item_id for c in rubric.criteria.all()} <= rule
    # Reassessment, for a student enrolled in a class: their classes' scope.
    reassess = set(learners.reassessable_targets(world.ana).values_list("pk", flat=True))
    assert reassess == offered


def test_a_draft_target_is_refused_by_the_form_the_api_and_the_actions(world, client, draft_target):
    school = world.ana.school
    assert draft_target.pk not in assessable_ids(school, [draft_target.pk])
    assert "not published" in why_not_assessable(school, draft_target)
    client.force_login(world.user("rivera"))
    before = Evidence.objects.count()
    # The web form: the draft target is not a choice, so the form refuses it.
    page = client.post(
        reverse("evidence:record", args=[world.ana.pk]),
        {
            "kind": "project",
            "title": "Draft work",
            "assessed_at": (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "target_1": draft_target.pk,
            "score_1": "3",
        },
    )
    assert page.status_code == 400
    # The API: the same refusal, naming the field, and nothing saved. A teacher may not
    # read the draft, so its target is as unknown to her as any identifier; the district
    # administrator, who may, is told why.
    body = json.dumps(
        {
            "kind": "project",
            "title": "Draft work",
            "assessed_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
            "scores": [{"target": str(draft_target.identifier), "score": 3}],
        }
    )
    url = f"/api/v1/students/{world.ana.pk}/evidence"
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Learning target (its CASE identifier): "
        f"No learning target has the identifier {draft_target.identifier}."
    )
    client.force_login(world.user("district.admin"))
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "not published" in response.json()["detail"]
    assert Evidence.objects.count() == before
    assert not Determination.objects.filter(target=draft_target).exists()
    # Goals and reassessment requests.
    with pytest.raises(ValidationError) as goal:
        learners.set_goal(
            world.user("ana"),
            student=world.ana,
            text="Learn it",
            target_date=timezone.localdate() + dt.timedelta(days=30),
            target=draft_target,
        )
    assert "target" in goal.value.message_dict
    with pytest.raises(ValidationError) as request:
        learners.request_reassessment(
            world.user("ana"), student=world.ana, target=draft_target, note="Ready now."
        )
    assert "target" in request.value.message_dict


def test_another_districts_published_target_is_not_assessable(world):
    frameworks.publish_framework(world.lakeside_draft)
    lake_target = frameworks.add_item(
        world.lakeside_draft, full_statement="Lake target", kind="target"
    )
    assert why_not_assessable(world.ana.school, lake_target) is not None
    assert lake_target.pk not in assessable_ids(world.ana.school, [lake_target.pk])
    assert lake_target.pk in assessable_ids(world.lake_kid.school, [lake_target.pk])
    with pytest.raises(ValidationError):
        evidence.record_evidence(
            SYSTEM,
            student=world.ana,
            kind="project",
            title="x",
            assessed_at=timezone.now() - dt.timedelta(days=1),
            scores=[evidence.ScoreInput(lake_target, 3)],
        )
