"""CASE import (consumer) and export through the database, on OpenSALT's test packages."""

from __future__ import annotations

import json

import pytest

from proficio.core.standards import case
from proficio.frameworks import case_io
from proficio.frameworks.models import DefinitionChange, Framework, Item, RubricCriterion
from tests.frameworks.conftest import case_fixture, opensalt_fixtures


def _load(name: str):
    path = case_fixture(name)
    return case.parse_package(case.load_json(path.read_bytes(), source=name))


def _items(package):
    return sorted(
        (
            i.identifier,
            i.full_statement,
            i.human_coding_scheme,
            i.abbreviated_statement,
            i.item_type,
            i.list_enumeration,
            tuple(i.education_level),
            i.language,
            i.notes,
        )
        for i in package.items
    )


def _associations(package):
    return sorted(
        (
            a.identifier,
            a.association_type,
            a.origin.identifier,
            a.destination.identifier,
            a.sequence_number,
        )
        for a in package.associations
    )


@pytest.mark.parametrize("name", opensalt_fixtures())
def test_round_trip_through_the_database(world, case_schema, name):
    original = _load(name)
    report = case_io.import_package(original)
    framework = Framework.objects.get(pk=report.framework_id)
    exported = case.build_package(case_io.export_package(framework))
    # Schema-valid CASE 1.1 …
    assert case.validate(exported, case_schema) == []
    # … with the same items, associations, sequence numbers, UTF-8 text and Markdown.
    again = case.parse_package(json.loads(json.dumps(exported, ensure_ascii=False)))
    assert _items(again) == _items(original)
    assert _associations(again) == _associations(original)
    assert again.document.title == original.document.title
    assert {r.identifier for r in again.rubrics} == {r.identifier for r in original.rubrics}
    # Fields outside the package schema survive as extensions.
    for before, after in zip(
        sorted(original.items, key=lambda i: i.identifier),
        sorted(again.items, key=lambda i: i.identifier),
        strict=True,
    ):
        assert after.extensions == before.extensions


def test_out_of_schema_fixture_imports_with_warnings(world, case_schema):
    raw = json.loads(case_fixture("opensalt-Ordering.json").read_text())
    assert case.validate(raw, case_schema) != []  # the fixture really is outside the schema
    report = case_io.import_package(_load("opensalt-Ordering.json"))
    assert report.warnings
    assert all(w.path.startswith("$.") for w in report.warnings)
    assert report.created["Item"] == 28


def test_utf8_and_markdown_survive(world):
    utf8 = _load("opensalt-Utf8TestFramework.json")
    report = case_io.import_package(utf8)
    stored = Framework.objects.get(pk=report.framework_id)
    assert stored.title == utf8.document.title
    assert "𝑑" in stored.title
    assert {i.full_statement for i in stored.items.all()} == {i.full_statement for i in utf8.items}
    # OpenSALT's packages share a document identifier: this one replaces the last.
    case_io.import_package(_load("opensalt-MarkdownFramework.json"))
    table = Item.objects.get(human_coding_scheme="MD.Table")
    assert "| Column 1 | Column 2 |\r\n" in table.full_statement
    assert "$x = {-b \\pm" in table.full_statement


def test_reimport_is_idempotent_and_keeps_links(world):
    package = _load("opensalt-SmartLevelFramework.json")
    first = case_io.import_package(package)
    item = Item.objects.get(identifier=package.items[0].identifier)
    # Something refers to the item (a rubric criterion stands in for evidence).
    from proficio.frameworks import actions

    rubric = actions.create_rubric(
        Framework.objects.get(pk=first.framework_id),
        title="Uses the item",
        criteria=[{"item": item, "levels": [{"score": 1}, {"score": 2}]}],
    )
    second = case_io.import_package(package)
    assert second.framework_id == first.framework_id
    assert second.created.get("Item", 0) == 0
    assert second.updated.get("Item", 0) == 0
    assert second.unchanged["Item"] == len(package.items)
    assert Item.objects.get(identifier=package.items[0].identifier).pk == item.pk
    assert RubricCriterion.objects.get(rubric=rubric).item_id == item.pk


def test_reimport_updates_what_changed_and_keeps_history(world):
    package = _load("opensalt-SmartLevelFramework.json")
    case_io.import_package(package)
    package.items[0].full_statement = "A changed statement"
    report = case_io.import_package(package)
    assert report.updated["Item"] == 1
    assert (
        Item.objects.get(identifier=package.items[0].identifier).full_statement
        == "A changed statement"
    )
    change = DefinitionChange.objects.filter(
        identifier=package.items[0].identifier, change="updated"
    ).get()
    assert change.after["full_statement"] == "A changed statement"


def test_items_that_leave_the_package_are_archived_not_deleted(world):
    package = _load("opensalt-SmartLevelFramework.json")
    case_io.import_package(package)
    gone = package.items.pop()
    package.associations = [
        a
        for a in package.associations
        if gone.identifier not in (a.origin.identifier, a.destination.identifier)
    ]
    report = case_io.import_package(package)
    assert report.archived == 1
    assert Item.objects.get(identifier=gone.identifier).archived_at is not None


def test_a_cycle_is_rejected_and_nothing_is_written(world):
    package = _load("opensalt-SmartLevelFramework.json")
    a, b = package.items[0], package.items[1]
    from proficio.core.standards.case_model import Association, NodeRef

    for ident, (x, y) in (
        ("11111111-1111-4111-8111-111111111111", (a, b)),
        ("22222222-2222-4222-8222-222222222222", (b, a)),
    ):
        package.associations.append(
            Association(
                identifier=ident,
                uri=f"urn:x:{ident}",
                association_type="precedes",
                origin=NodeRef(x.identifier, x.uri, x.full_statement),
                destination=NodeRef(y.identifier, y.uri, y.full_statement),
                last_change=package.document.last_change,
            )
        )
    before = Item.objects.count()
    with pytest.raises(case.CASEError) as exc:
        case_io.import_package(package)
    assert "precedes cycle" in str(exc.value)
    assert Item.objects.count() == before
    assert not Framework.objects.filter(identifier=package.document.identifier).exists()


def test_import_is_all_or_nothing(world):
    """A problem found late (an item owned by another framework) leaves no trace."""
    package = _load("opensalt-SmartLevelFramework.json")
    other = _load("opensalt-Ordering.json")
    package.items.append(other.items[0])
    case_io.import_package(other)
    frameworks_before = Framework.objects.count()
    with pytest.raises(case.CASEError, match="another framework"):
        case_io.import_package(package)
    assert Framework.objects.count() == frameworks_before


def test_naive_datetimes_are_read_as_utc(world):
    raw = json.loads(case_fixture("opensalt-MarkdownFramework.json").read_text())
    raw["CFItems"][0]["lastChangeDateTime"] = "2017-10-24T17:21:27"
    package = case.parse_package(raw)
    report = case_io.import_package(package)
    assert any("time zone" in w.message or "UTC" in w.message for w in report.warnings)
    item = Item.objects.get(identifier=raw["CFItems"][0]["identifier"])
    assert item.last_change.utcoffset().total_seconds() == 0
    assert item.last_change.hour == 17
