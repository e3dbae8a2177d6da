"""Integrity of frameworks (DAG, forest, never deleting what is referenced) and the seeds."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from proficio.frameworks import actions
from proficio.frameworks.models import (
    Association,
    Category,
    DefinitionChange,
    Item,
    ItemKind,
    PublicationStatus,
)


def test_prerequisite_cycle_is_refused_and_named(world):
    framework = world.district_framework
    # MATH.1.1 precedes MATH.1.2 in the seed; the reverse would close a loop.
    first, second = world.target("MATH.1.1"), world.target("MATH.1.2")
    assert Association.objects.filter(
        association_type="precedes", origin_item=first, destination_item=second
    ).exists()
    with pytest.raises(ValidationError) as exc:
        actions.add_association(framework, "precedes", second, first)
    message = exc.value.message_dict["destination"][0]
    assert "cycle" in message
    assert "MATH.1.1" in message
    assert "MATH.1.2" in message


def test_a_second_parent_is_refused(world):
    framework = world.district_framework
    target = world.target("MATH.1.1")
    other_competency = Item.objects.get(framework=framework, human_coding_scheme="WRIT.1")
    with pytest.raises(ValidationError, match="parents"):
        actions.add_association(framework, "isChildOf", target, other_competency)


def test_referenced_items_are_archived_not_deleted(world):
    framework = world.riverbend_draft
    competency = actions.add_item(framework, full_statement="Reads closely", kind="competency")
    target = actions.add_item(
        framework, full_statement="Finds the main idea", kind="target", parent=competency
    )
    actions.create_rubric(
        framework, title="R", criteria=[{"item": target, "levels": [{"score": 1}]}]
    )
    assert actions.retire_item(target) == "archived"
    target.refresh_from_db()
    assert target.archived_at is not None
    assert DefinitionChange.objects.filter(
        identifier=str(target.identifier), change="archived"
    ).exists()


def test_unreferenced_draft_items_can_be_deleted_with_history(world):
    framework = world.riverbend_draft
    item = actions.add_item(framework, full_statement="A mistake", kind="target", code="OOPS.1")
    assert actions.retire_item(item) == "deleted"
    assert not Item.objects.filter(pk=item.pk).exists()
    change = DefinitionChange.objects.get(identifier=str(item.identifier), change="deleted")
    assert change.before["code"] == "OOPS.1"


def test_published_items_are_never_deleted(world):
    target = world.target("WRIT.3.3")
    assert world.district_framework.status == PublicationStatus.PUBLISHED
    assert actions.retire_item(target) == "archived"
    assert Item.objects.filter(pk=target.pk).exists()


def test_replacement_links_old_to_new(world):
    old = world.target("MATH.2.1")
    new = actions.add_item(
        world.district_framework, full_statement="A clearer target", kind="target", parent=None
    )
    actions.retire_item(old, replaced_by=new)
    old.refresh_from_db()
    assert old.replaced_by_id == new.pk
    assert Association.objects.filter(
        association_type="replacedBy", origin_item=old, destination_item=new
    ).exists()


def test_bad_input_to_authoring_gets_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        actions.add_item(world.riverbend_draft, full_statement=" ", kind="nonsense", category="x")
    assert set(exc.value.message_dict) == {"full_statement", "kind", "category"}
    with pytest.raises(ValidationError, match="rise"):
        actions.create_scale(
            title="bad",
            levels=[{"value": 2, "label": "b"}, {"value": 1, "label": "a", "meets_mastery": True}],
        )
    with pytest.raises(ValidationError, match="meet mastery"):
        actions.create_scale(title="bad", levels=[{"value": 1, "label": "a"}])


def test_educator_framework_has_its_published_shape(world):
    framework = world.educator_framework
    items = framework.items.all()
    assert items.filter(kind=ItemKind.DOMAIN).count() == 4
    assert items.filter(kind=ItemKind.COMPETENCY).count() == 22
    assert items.filter(kind=ItemKind.TARGET).count() == 87
    assert set(items.values_list("category", flat=True)) == {Category.EDUCATOR}
    assert "CC BY 4.0" in framework.description
    assert "Casey" in framework.description


def test_district_framework_spans_the_continuum(world):
    framework = world.district_framework
    assert framework.levels.count() >= 8
    items = framework.items.all()
    assert items.filter(kind=ItemKind.DOMAIN).count() == 4
    assert items.filter(category=Category.HABITS).exists()
    assert items.filter(category=Category.SEL).exists()
    subjects = {s for s in framework.subject}
    assert {"Mathematics", "Writing"} <= subjects
    # Targets sit at levels across the whole continuum, and every academic competency
    # says what proficiency looks like at every level.
    assert (
        items.filter(kind=ItemKind.TARGET, level__isnull=False).values("level").distinct().count()
        >= 8
    )
    for competency in items.filter(kind=ItemKind.COMPETENCY, category=Category.ACADEMIC):
        assert competency.level_statements.count() == framework.levels.count()
    assert framework.rubrics.count() >= 2
    assert actions.integrity_problems(framework) == []
    scale = framework.scale
    assert [lv.label for lv in scale.levels.all()] == [
        "Emerging",
        "Developing",
        "Proficient",
        "Advanced",
    ]
    assert scale.mastery_value() == 3
