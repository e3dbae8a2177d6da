"""The bulk policy lookup (used by the preview and the replay) agrees with the single-pair
``policy_for`` on every pair, with policies at every scope in play."""

from __future__ import annotations

from proficio.frameworks.models import Item, ItemKind
from proficio.mastery import actions, engine
from proficio.orgs.models import Student
from proficio.policy import SYSTEM


def test_bulk_lookup_agrees_with_policy_for(world):
    district = world.org("riverbend")
    math1 = Item.objects.get(
        human_coding_scheme="MATH.1", kind=ItemKind.COMPETENCY, framework__owner=district
    )
    params = {"method": "latest"}
    actions.create_policy(
        SYSTEM, name="MATH.1 rule", scope="competency", owner=district, params=params, item=math1
    )
    actions.create_policy(
        SYSTEM,
        name="One target",
        scope="target",
        owner=district,
        params={"method": "highest"},
        item=world.target("MATH.1.3"),
    )
    actions.create_policy(
        SYSTEM,
        name="Maple",
        scope="school",
        owner=district,
        params={"method": "mean"},
        organization=world.ana.school,
    )
    actions.create_policy(
        SYSTEM,
        name="Science",
        scope="framework",
        owner=district,
        params={"method": "mode"},
        framework=Item.objects.filter(human_coding_scheme="SCI.PS.1.1").first().framework,
    )
    students = list(Student.objects.select_related("school").order_by("pk")[:40])
    students.append(world.lake_kid)
    targets = list(
        Item.objects.filter(kind=ItemKind.TARGET).select_related("framework").order_by("pk")
    )
    chosen = [*targets[::3], world.target("MATH.1.3")]
    pairs = [(s.pk, t.pk) for s in students for t in chosen]
    bulk = engine.policies_for_pairs(pairs)
    by_student = {s.pk: s for s in students}
    by_target = {t.pk: t for t in targets}
    seen = set()
    for s, t in pairs:
        one = engine.policy_for(by_student[s], by_target[t])
        assert bulk[(s, t)] == one, (s, t)
        seen.add(one.policy.name if one else None)
    # Every scope above decided some pair (the check is not vacuous).
    assert {"MATH.1 rule", "One target", "Maple", "Science"} <= seen
    assert engine.policies_for_pairs([]) == {}


def test_bulk_scales_agree_with_scale_for(world):
    from proficio.audit.context import acting
    from proficio.frameworks import actions as frameworks

    with acting(None, route="tests: bulk scales"):
        scale = frameworks.create_scale(
            title="Three-point",
            levels=[
                {"value": 1, "label": "Beginning"},
                {"value": 2, "label": "Meeting", "meets_mastery": True},
                {"value": 3, "label": "Exceeding", "meets_mastery": True},
            ],
        )
        competency = Item.objects.get(
            framework=world.district_framework, human_coding_scheme="SEL.1"
        )
        competency.scale = scale
        competency.save()
    targets = list(Item.objects.filter(kind=ItemKind.TARGET).select_related("framework"))
    bulk = engine.scale_ids_for([t.pk for t in targets])
    assert set(bulk) == {t.pk for t in targets}
    for t in targets:
        one = engine.scale_for(t)
        assert bulk[t.pk] == (one.pk if one else None), t.human_coding_scheme
    # The competency's own scale wins for its targets (the check is not vacuous).
    assert scale.pk in bulk.values()
    assert engine.scale_ids_for([]) == {}
