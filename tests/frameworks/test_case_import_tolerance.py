"""CASE import against what real packages do: tolerated with a warning where nothing is lost,
refused (with nothing written) where data would be lost or ambiguous. Packages are written
here from the CASE 1.1 rules (``case_packages``)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proficio.core.standards import case
from proficio.frameworks import case_io
from proficio.frameworks.models import Association, Framework, Item, License, Rubric
from tests.frameworks.case_packages import association, link, small_package, uid


def _import(raw: dict) -> case_io.ImportReport:
    return case_io.import_package(case.parse_package(json.loads(json.dumps(raw))))


def _export(report: case_io.ImportReport) -> dict:
    framework = Framework.objects.get(pk=report.framework_id)
    return case.build_package(case_io.export_package(framework))


def test_a_license_named_by_the_document_in_the_same_package(world, case_schema):
    raw = small_package("lic")
    report = _import(raw)  # this used to crash: the license was linked before it existed
    framework = Framework.objects.get(pk=report.framework_id)
    assert framework.license == License.objects.get(identifier=uid("lic:license"))
    assert report.created["License"] == 1
    again = _import(raw)
    assert again.unchanged["License"] == 1
    assert "License" not in again.updated
    exported = _export(report)
    assert exported["CFDocument"]["licenseURI"]["identifier"] == uid("lic:license")
    assert case.validate(exported, case_schema) == []


def test_a_numeric_string_sequence_number_imports_with_a_warning(world):
    raw = small_package("seq")
    raw["CFAssociations"][1]["sequenceNumber"] = "1"
    report = _import(raw)
    assert Association.objects.get(identifier=uid("seq:a2")).sequence_number == 1
    assert [(w.path, w.kind) for w in report.warnings] == [
        ("$.CFAssociations[1].sequenceNumber", case.WarningKind.NUMERIC_STRING)
    ]


def test_a_byte_identical_duplicate_association_imports_once(world):
    raw = small_package("dup")
    raw["CFAssociations"].append(json.loads(json.dumps(raw["CFAssociations"][2])))
    report = _import(raw)
    assert Association.objects.filter(identifier=uid("dup:a3")).count() == 1
    assert report.created["Association"] == 4
    assert [w.kind for w in report.warnings] == [case.WarningKind.DUPLICATE]
    assert report.warnings[0].path == "$.CFAssociations[4]"


def test_a_conflicting_duplicate_is_refused_and_nothing_is_written(world):
    raw = small_package("clash")
    changed = json.loads(json.dumps(raw["CFAssociations"][2]))
    changed["destinationNodeURI"] = link("clash:t1")
    raw["CFAssociations"].append(changed)
    with pytest.raises(case.CASEError) as caught:
        _import(raw)
    assert [(i.path, i.identifier) for i in caught.value.issues] == [
        ("$.CFAssociations[4]", uid("clash:a3"))
    ]
    assert "different content" in caught.value.issues[0].message
    assert not Framework.objects.filter(identifier=uid("clash:doc")).exists()


def test_identifiers_that_are_not_uuids_are_refused(world):
    raw = small_package("nouuid")
    raw["CFItems"][1]["identifier"] = "SCI-1-1"
    with pytest.raises(case.CASEError, match=r"\$\.CFItems\[1\]\.identifier: must be a UUID"):
        _import(raw)
    assert not Item.objects.filter(human_coding_scheme="SCI.1.1").exists()


def test_associations_to_unknown_nodes_are_warned_about(world):
    raw = small_package("dangle")
    known_elsewhere = world.target("MATH.1.2")  # in Proficio, in another framework
    raw["CFAssociations"] += [
        association("dangle:x1", "exactMatchOf", "dangle:t1", "nowhere:item"),
        association(
            "dangle:x2",
            "isRelatedTo",
            "dangle:t2",
            "nowhere:badge",
            destinationNodeURI=link("nowhere:badge") | {"targetType": "ext:Badge"},
        ),
        association("dangle:x3", "isRelatedTo", "dangle:t2", "unused")
        | {
            "destinationNodeURI": {
                "identifier": str(known_elsewhere.identifier),
                "uri": known_elsewhere.uri,
                "title": "MATH.1.2",
            }
        },
        association("dangle:x4", "isRelatedTo", "dangle:t2", "unused")
        | {"destinationNodeURI": {"identifier": "not-a-uuid", "uri": "urn:x", "title": "x"}},
    ]
    report = _import(raw)
    dangling = [
        (w.path, w.identifier) for w in report.warnings if w.kind == case.WarningKind.DANGLING
    ]
    # The external badge is declared to lie elsewhere; the known target is in Proficio.
    assert dangling == [
        ("$.CFAssociations[4].destinationNodeURI", uid("dangle:x1")),
        ("$.CFAssociations[7].destinationNodeURI", uid("dangle:x4")),
    ]
    assert Association.objects.filter(framework_id=report.framework_id).count() == 8


def test_rubric_parent_identifiers_survive_and_an_unchanged_rubric_is_unchanged(world, case_schema):
    raw = small_package("rub")
    first = _import(raw)
    assert first.created["Rubric"] == 1
    exported = _export(first)
    criterion = exported["CFRubrics"][0]["CFRubricCriteria"][0]
    assert criterion["rubricId"] == uid("rub:rubric")
    assert {lv["rubricCriterionId"] for lv in criterion["CFRubricCriterionLevels"]} == {
        uid("rub:criterion")
    }
    assert case.validate(exported, case_schema) == []
    second = _import(raw)
    assert second.unchanged["Rubric"] == 1
    assert "Rubric" not in second.updated
    # The exported package re-imports as unchanged too.
    third = _import(exported)
    assert third.unchanged["Rubric"] == 1
    assert "Rubric" not in third.updated
    raw["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][1]["quality"] = "Met"
    fourth = _import(raw)
    assert fourth.updated["Rubric"] == 1


def test_a_rubric_parent_that_names_another_object_is_warned_about(world):
    raw = small_package("parent")
    raw["CFRubrics"][0]["CFRubricCriteria"][0]["rubricId"] = uid("somewhere-else")
    report = _import(raw)
    assert [(w.path, w.kind) for w in report.warnings] == [
        ("$.CFRubrics[0].CFRubricCriteria[0].rubricId", case.WarningKind.RUBRIC_PARENT)
    ]


def test_a_rubric_of_another_framework_is_refused(world):
    _import(small_package("one"))
    other = small_package("two")
    other["CFRubrics"][0]["identifier"] = uid("one:rubric")
    with pytest.raises(case.CASEError, match="already belongs to another framework"):
        _import(other)
    assert Rubric.objects.get(identifier=uid("one:rubric")).framework.identifier == (
        Framework.objects.get(identifier=uid("one:doc")).identifier
    )
    assert not Framework.objects.filter(identifier=uid("two:doc")).exists()


def test_types_outside_the_vocabulary_are_exported_valid(world, case_schema):
    raw = small_package("vocab")
    raw["CFAssociations"][3]["associationType"] = "leads to"
    raw["CFAssociations"][3]["destinationNodeURI"]["targetType"] = "Open Badge"
    report = _import(raw)
    assert {w.kind for w in report.warnings} == {case.WarningKind.VOCABULARY}
    stored = Association.objects.get(identifier=uid("vocab:a4"))
    assert stored.association_type == "leads to"  # kept as the package wrote it
    exported = _export(report)
    assert case.validate(exported, case_schema) == []
    out = next(a for a in exported["CFAssociations"] if a["identifier"] == uid("vocab:a4"))
    assert out["associationType"] == "ext:leads-to"
    assert out["destinationNodeURI"]["targetType"] == "ext:Open-Badge"


def test_the_command_summarises_warnings_by_kind(world, tmp_path):
    raw = small_package("cli")
    raw["CFItems"][1]["x-colour"] = "red"
    raw["CFItems"][2]["x-colour"] = "blue"
    raw["CFAssociations"][1]["sequenceNumber"] = "1"
    path = tmp_path / "science.json"
    path.write_text(json.dumps(raw))
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "case", str(path), stdout=out, stderr=err, verbosity=0)
    lines = err.getvalue().splitlines()
    assert lines == [
        "warning: science.json: 2 × fields outside CASE 1.1, kept in extensions "
        "(first: $.CFItems[1]: fields outside CASE 1.1 kept in extensions: x-colour)",
        "warning: science.json: 1 × numbers written as strings, read as numbers "
        "(first: $.CFAssociations[1].sequenceNumber: a number written as the string '1'; "
        "read as 1)",
        "3 warnings in all; --verbose lists every one.",
    ]
    assert "Imported 'Science (cli)'" in out.getvalue()
    err = io.StringIO()
    call_command("import", "case", str(path), "--verbose", stderr=err, verbosity=0)
    assert len(err.getvalue().splitlines()) == 3
    assert "$.CFItems[2]" in err.getvalue()


def test_the_command_lists_problems_and_writes_nothing(world, tmp_path):
    raw = small_package("clibad")
    raw["CFAssociations"][0]["sequenceNumber"] = 2**40
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(CommandError) as caught:
        call_command("import", "case", str(path), verbosity=0)
    assert "bad.json: $.CFAssociations[0].sequenceNumber" in str(caught.value)
    assert not Framework.objects.filter(identifier=uid("clibad:doc")).exists()


def test_text_longer_than_proficio_keeps_is_refused_by_place(world):
    raw = small_package("long")
    raw["CFAssociations"][3]["destinationNodeURI"]["identifier"] = "x" * 70
    raw["CFAssociations"][3]["destinationNodeURI"]["targetType"] = "ext:Thing"
    raw["CFItems"][0]["humanCodingScheme"] = "S" * 201
    raw["CFDefinitions"]["CFSubjects"][0]["title"] = "T" * 301
    with pytest.raises(case.CASEError) as caught:
        _import(raw)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("$.CFItems[0].humanCodingScheme", "201 characters, more than the 200 Proficio keeps"),
        (
            "$.CFAssociations[3].destinationNodeURI.identifier",
            "70 characters, more than the 64 Proficio keeps",
        ),
        ("$.CFDefinitions.CFSubjects[0].title", "301 characters, more than the 300 Proficio keeps"),
    ]
    assert not Framework.objects.filter(identifier=uid("long:doc")).exists()
