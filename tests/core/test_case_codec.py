"""CASE codec: OpenSALT's packages, the official 1.0/1.1 schemas, errors located by JSON path,
CASE 1.0 input, graph integrity, and round trips of random packages.

The schemas and OpenSALT packages are read in place from ../shared/fixtures/case; tests that
need them skip when that folder is not beside the checkout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import graphlib
import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.standards import case
from proficio.core.standards.case import CASEError
from proficio.core.standards.case_model import (
    Association,
    AssociationGrouping,
    Concept,
    Document,
    Issue,
    Item,
    ItemType,
    License,
    NodeRef,
    Package,
    Rubric,
    RubricCriterion,
    RubricCriterionLevel,
    Subject,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "case"
OPENSALT = sorted(path.name for path in FIXTURES.glob("opensalt-*.json")) or ["(absent)"]
OUT_OF_SCHEMA = "opensalt-Ordering.json"  # the one OpenSALT package that is not valid CASE 1.1
UTC = dt.UTC
WHEN = "2020-01-02T03:04:05+00:00"
DOC = "d0000000-0000-0000-0000-000000000000"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def _schema(name: str) -> dict[str, Any]:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/fixtures/case is not beside the checkout)")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def schema11() -> dict[str, Any]:
    return _schema("case-v1p1-cfpackage-schema.json")


@pytest.fixture(scope="module")
def schema10() -> dict[str, Any]:
    return _schema("case-v1p0-cfpackage-schema.json")


def _fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/fixtures/case is not beside the checkout)")
    return path.read_bytes()


def uid(number: int) -> str:
    return str(uuid.UUID(int=number))


def link(number: int, title: str = "") -> dict[str, str]:
    return {"title": title, "identifier": uid(number), "uri": f"https://x.test/{uid(number)}"}


def raw_item(number: int, **fields: Any) -> dict[str, Any]:
    item = {
        "identifier": uid(number),
        "uri": f"https://x.test/CFItems/{uid(number)}",
        "fullStatement": f"Item {number}",
        "lastChangeDateTime": WHEN,
    }
    return {**item, **fields}


def raw_association(
    number: int, origin: int, destination: int, kind: str = "isChildOf", **fields: Any
) -> dict[str, Any]:
    association = {
        "identifier": uid(number),
        "associationType": kind,
        "uri": f"https://x.test/CFAssociations/{uid(number)}",
        "originNodeURI": link(origin),
        "destinationNodeURI": link(destination),
        "lastChangeDateTime": WHEN,
    }
    return {**association, **fields}


def raw_package(**parts: Any) -> dict[str, Any]:
    document = {
        "identifier": DOC,
        "uri": f"https://x.test/CFDocuments/{DOC}",
        "creator": "Proficio tests",
        "title": "Test framework",
        "lastChangeDateTime": WHEN,
        **parts.pop("document", {}),
    }
    return {"CFDocument": document, "CFItems": [], "CFAssociations": [], **parts}


def problems(data: dict[str, Any]) -> list[Issue]:
    with pytest.raises(CASEError) as caught:
        case.parse_package(data)
    return caught.value.issues


def paths(issues: list[Issue]) -> list[str]:
    return [issue.path for issue in issues]


def same_content(left: Package, right: Package) -> None:
    """Everything a package carries, apart from how it was read and its declared version."""
    assert right.items == left.items
    assert right.associations == left.associations
    assert [a.sequence_number for a in right.associations] == [
        a.sequence_number for a in left.associations
    ]
    for part in ("item_types", "concepts", "subjects", "licenses", "association_groupings"):
        assert getattr(right, part) == getattr(left, part), part
    assert right.definitions_extensions == left.definitions_extensions
    assert right.rubrics == left.rubrics
    assert right.extensions == left.extensions
    assert dataclasses.replace(right.document, case_version=None) == dataclasses.replace(
        left.document, case_version=None
    )


# ------------------------------------------------------------------- OpenSALT fixtures


@pytest.mark.parametrize("name", OPENSALT)
def test_opensalt_package_round_trips_into_valid_case_1_1(
    name: str, schema11: dict[str, Any]
) -> None:
    raw = case.load_json(_fixture(name), source=name)
    clean = case.validate(raw, schema11) == []
    package = case.parse_package(raw)
    assert bool(package.warnings) is not clean, package.warnings

    built = case.build_package(package)
    assert case.validate(built, schema11) == []
    assert built["CFDocument"]["caseVersion"] == "1.1"
    text = json.dumps(built, ensure_ascii=False)
    again = case.parse_package(case.load_json(text.encode("utf-8")))
    same_content(package, again)
    assert again.warnings == []

    # Text is exactly what the file says: UTF-8, Markdown, \r\n, empty strings.
    for read, written in zip(package.items, raw.get("CFItems", []), strict=True):
        assert read.full_statement == written["fullStatement"]
        assert read.notes == written.get("notes")
    assert package.document.title == raw["CFDocument"]["title"]
    assert package.document.description == raw["CFDocument"].get("description")


def test_exactly_one_opensalt_package_has_fields_outside_case_1_1(
    schema11: dict[str, Any], schema10: dict[str, Any]
) -> None:
    unclean = [
        name for name in OPENSALT if case.validate(case.load_json(_fixture(name)), schema11) != []
    ]
    assert unclean == [OUT_OF_SCHEMA]

    raw = case.load_json(_fixture(OUT_OF_SCHEMA))
    assert case.validate(raw, schema10) == []  # it is a CASE 1.0 package
    package = case.parse_package(raw)
    assert package.source_version == "1.0"
    # One warning per object carrying CFPackageURI / CFDocumentURI, which 1.1 has no place for.
    count = 1 + len(raw["CFItems"]) + len(raw["CFAssociations"])
    assert len(package.warnings) == count
    assert package.warnings[0].path == "$.CFDocument"
    assert "CFPackageURI" in package.warnings[0].message
    assert package.warnings[1].path == "$.CFItems[0]"
    assert "CFDocumentURI" in package.warnings[1].message
    assert package.warnings[1].identifier == raw["CFItems"][0]["identifier"]
    # ... kept verbatim.
    assert package.document.extensions == {"CFPackageURI": raw["CFDocument"]["CFPackageURI"]}
    assert package.items[5].extensions == {"CFDocumentURI": raw["CFItems"][5]["CFDocumentURI"]}
    assert package.document.description == ""


def test_opensalt_text_and_sequence_numbers() -> None:
    markdown = case.parse_package(case.load_json(_fixture("opensalt-MarkdownFramework.json")))
    table = markdown.items[0].full_statement
    assert table.startswith("This contains a _table_ in markdown:\r\n\r\n| Column 1 |")
    assert "$x = {-b \\pm \\sqrt{b^2-4ac} \\over 2a}$" in table

    utf8 = case.parse_package(case.load_json(_fixture("opensalt-Utf8TestFramework.json")))
    assert utf8.items[0].full_statement == "Item \U0001d451 1"

    ordered = case.parse_package(case.load_json(_fixture("opensalt-SequenceNumberFramework.json")))
    assert [a.sequence_number for a in ordered.associations] == [2, 1]
    built = case.build_package(ordered)
    assert [a["sequenceNumber"] for a in built["CFAssociations"]] == [2, 1]

    typed = case.parse_package(case.load_json(_fixture("opensalt-ItemTypeTestFramework.json")))
    assert typed.items[0].item_type == "Standard"
    assert typed.item_types[0].type_code == "Standard"
    assert typed.items[0].item_type_uri == NodeRef(
        identifier="b0000000-0000-0000-0000-000000000000",
        uri="https://server/ims/case/v1p0/CFDocuments/b0000000-0000-0000-0000-000000000000",
        title="Standard",
    )


def test_opensalt_packages_have_sound_graphs() -> None:
    for name in OPENSALT:
        package = case.parse_package(case.load_json(_fixture(name)))
        assert case.package_graph_problems(package) == [], name


# ------------------------------------------------------------------------ load_json


def test_broken_json_names_source_line_and_column() -> None:
    text = b'{\n  "CFDocument": {\n    "title": "x"\n    "creator": "y"\n  }\n}'
    with pytest.raises(CASEError) as caught:
        case.load_json(text, source="package.json")
    [issue] = caught.value.issues
    assert issue.path == "$"
    assert issue.message == "package.json: line 4, column 5: Expecting ',' delimiter"
    assert "$: package.json: line 4, column 5" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_load_json_accepts_a_bom_and_refuses_non_objects() -> None:
    assert case.load_json(b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == {"a": "é"}
    assert case.load_json('\ufeff{"a": 1}') == {"a": 1}
    with pytest.raises(CASEError, match=r"package: the top level is an array, not a JSON object"):
        case.load_json("[1, 2]")
    with pytest.raises(CASEError, match=r"f.json: line 2, byte 8: not UTF-8"):
        case.load_json(b'{\n "a": "\xff"}', source="f.json")
    with pytest.raises(CASEError, match="nested too deeply"):
        case.load_json("[" * 100_000 + "]" * 100_000)


# -------------------------------------------------------------------- errors and paths


def test_missing_identifier_is_located() -> None:
    data = raw_package(CFItems=[raw_item(1), raw_item(2), raw_item(3)])
    del data["CFItems"][2]["identifier"]
    [issue] = problems(data)
    assert issue.path == "$.CFItems[2].identifier"
    assert issue.message == "missing"


def test_every_problem_is_reported_together() -> None:
    data = raw_package(
        document={"creator": None, "subjectURI": [link(7), "x"], "extensions": 3},
        CFItems=[
            raw_item(1, fullStatement=42, conceptKeywords=["a", 1], subject=7),
            raw_item(2, identifier="not-a-uuid", statusStartDate="soon"),
            {k: v for k, v in raw_item(3).items() if k != "lastChangeDateTime"},
            "an item",
            raw_item(4, lastChangeDateTime="yesterday", CFItemTypeURI="x", subjectURI={}),
            raw_item(5, lastChangeDateTime=None, licenseURI={"identifier": "x", "uri": "u"}),
        ],
        CFAssociations=[
            raw_association(10, 1, 2, sequenceNumber=1.5),
            {
                **raw_association(11, 1, 2, sequenceNumber=True),
                "originNodeURI": None,
                "destinationNodeURI": [],
                "lastChangeDateTime": "0001-01-01T00:00:00+01:00",
            },
            {k: v for k, v in raw_association(12, 1, 2).items() if k != "originNodeURI"},
        ],
        CFDefinitions={"CFConcepts": {}, "CFSubjects": [{"identifier": uid(20)}]},
        CFRubrics=[
            {
                "identifier": uid(30),
                "uri": "u",
                "lastChangeDateTime": WHEN,
                "CFRubricCriteria": [
                    {
                        "identifier": uid(31),
                        "uri": "u",
                        "lastChangeDateTime": WHEN,
                        "weight": "heavy",
                        "rubricId": "nope",
                        "CFRubricCriterionLevels": [
                            {
                                "identifier": uid(32),
                                "uri": "u",
                                "lastChangeDateTime": WHEN,
                                "score": float("nan"),
                                "extensions": [{"a": 1}, 2],
                            }
                        ],
                    }
                ],
            }
        ],
    )
    issues = problems(data)
    assert paths(issues) == [
        "$.CFDocument.creator",
        "$.CFDocument.subjectURI[1]",
        "$.CFDocument.extensions",
        "$.CFItems[0].fullStatement",
        "$.CFItems[0].conceptKeywords[1]",
        "$.CFItems[0].subject",
        "$.CFItems[1].identifier",
        "$.CFItems[1].statusStartDate",
        "$.CFItems[2].lastChangeDateTime",
        "$.CFItems[3]",
        "$.CFItems[4].lastChangeDateTime",
        "$.CFItems[4].CFItemTypeURI",
        "$.CFItems[4].subjectURI",
        "$.CFItems[5].lastChangeDateTime",
        "$.CFItems[5].licenseURI.identifier",
        "$.CFAssociations[0].sequenceNumber",
        "$.CFAssociations[1].originNodeURI",
        "$.CFAssociations[1].destinationNodeURI",
        "$.CFAssociations[1].lastChangeDateTime",
        "$.CFAssociations[1].sequenceNumber",
        "$.CFAssociations[2].originNodeURI",
        "$.CFDefinitions.CFConcepts",
        "$.CFDefinitions.CFSubjects[0].uri",
        "$.CFDefinitions.CFSubjects[0].title",
        "$.CFRubrics[0].CFRubricCriteria[0].weight",
        "$.CFRubrics[0].CFRubricCriteria[0].rubricId",
        "$.CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0].score",
        "$.CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0].extensions[1]",
    ]
    by_path = {issue.path: issue for issue in issues}
    assert by_path["$.CFDocument.creator"].message == "must be a string, not null"
    assert by_path["$.CFItems[0].fullStatement"].message == "must be a string, not a number"
    assert by_path["$.CFItems[0].fullStatement"].identifier == uid(1)
    assert by_path["$.CFItems[1].identifier"].message == "must be a UUID, not 'not-a-uuid'"
    assert by_path["$.CFItems[3]"].message == "must be an object, not a string"
    assert "out of range" in by_path["$.CFAssociations[1].lastChangeDateTime"].message
    assert by_path["$.CFAssociations[2].originNodeURI"].message == "missing"
    text = str(CASEError(issues))
    assert text.startswith(f"{len(issues)} problems in a CASE package:\n")
    assert "  $.CFItems[2].lastChangeDateTime: missing" in text


def test_structural_problems() -> None:
    assert paths(problems(raw_package(CFDocument=None))) == ["$.CFDocument"]
    assert paths(problems(raw_package(CFDocument=[]))) == ["$.CFDocument"]
    assert paths(problems(raw_package(CFItems={}))) == ["$.CFItems"]
    assert paths(problems(raw_package(CFDefinitions=[1]))) == ["$.CFDefinitions"]
    with pytest.raises(CASEError, match=r"\$: a CASE package must be an object, not an array"):
        case.parse_package([])  # type: ignore[arg-type]


def test_odd_values() -> None:
    package = case.parse_package(
        raw_package(CFAssociations=[raw_association(1, 2, 3, sequenceNumber=2.0)])
    )
    assert package.associations[0].sequence_number == 2
    assert isinstance(package.associations[0].sequence_number, int)
    issues = problems(
        raw_package(
            CFItems=[raw_item(1, fullStatement=True, lastChangeDateTime=5, statusEndDate={})]
        )
    )
    assert [(issue.path, issue.message) for issue in issues] == [
        ("$.CFItems[0].fullStatement", "must be a string, not a boolean"),
        ("$.CFItems[0].lastChangeDateTime", "must be a string, not a number"),
        ("$.CFItems[0].statusEndDate", "must be a string, not an object"),
    ]
    with pytest.raises(CASEError, match="the top level is null"):
        case.load_json(b"null")


def test_error_message_lists_the_first_twenty() -> None:
    error = CASEError([Issue(f"$.CFItems[{n}].identifier", "missing") for n in range(25)])
    lines = str(error).splitlines()
    assert lines[0] == "25 problems in a CASE package:"
    assert lines[20] == "  $.CFItems[19].identifier: missing"
    assert lines[21] == "  ... and 5 more"
    assert str(CASEError([Issue("$", "x")])).startswith("1 problem in a CASE package:")


# -------------------------------------------------------------- tolerant reading


def test_naive_datetime_is_utc_with_a_warning_and_offsets_become_utc() -> None:
    package = case.parse_package(
        raw_package(
            CFItems=[
                raw_item(1, lastChangeDateTime="2017-09-22T23:15:13"),
                raw_item(2, lastChangeDateTime="2017-09-22T23:15:13-05:00"),
                raw_item(3, lastChangeDateTime="2017-09-22T23:15:13.250Z"),
            ]
        )
    )
    first, second, third = (item.last_change for item in package.items)
    assert first == dt.datetime(2017, 9, 22, 23, 15, 13, tzinfo=UTC)
    assert second == dt.datetime(2017, 9, 23, 4, 15, 13, tzinfo=UTC)
    assert third == dt.datetime(2017, 9, 22, 23, 15, 13, 250000, tzinfo=UTC)
    assert all(moment.tzinfo is UTC for moment in (first, second, third))
    [warning] = package.warnings
    assert warning.path == "$.CFItems[0].lastChangeDateTime"
    assert warning.message == "no time zone in '2017-09-22T23:15:13'; read as UTC"
    built = case.build_package(package)
    assert [i["lastChangeDateTime"] for i in built["CFItems"]] == [
        "2017-09-22T23:15:13+00:00",
        "2017-09-23T04:15:13+00:00",
        "2017-09-22T23:15:13.250000+00:00",
    ]


def test_null_description_and_empty_strings(schema11: dict[str, Any]) -> None:
    package = case.parse_package(
        raw_package(
            document={"description": None, "notes": ""},
            CFItems=[raw_item(1, fullStatement="", notes=None, humanCodingScheme="")],
        )
    )
    assert package.warnings == []
    assert package.document.description is None
    assert package.document.notes == ""
    assert package.items[0].full_statement == ""
    assert package.items[0].human_coding_scheme == ""
    assert package.items[0].notes is None
    built = case.build_package(package)
    assert "description" not in built["CFDocument"]
    assert built["CFDocument"]["notes"] == ""
    assert built["CFItems"][0]["humanCodingScheme"] == ""
    assert case.validate(built, schema11) == []


def test_identifiers_are_lower_cased() -> None:
    upper = uid(0xABC).upper()
    package = case.parse_package(
        raw_package(
            document={"identifier": DOC.upper()},
            CFItems=[
                raw_item(
                    1,
                    identifier=upper,
                    CFItemTypeURI=link(0xDEF) | {"identifier": uid(0xDEF).upper()},
                )
            ],
            CFAssociations=[
                raw_association(
                    2,
                    1,
                    2,
                    originNodeURI={"title": "", "identifier": upper, "uri": "u"},
                    destinationNodeURI={"title": "", "identifier": "EXTERNAL-Code", "uri": "u"},
                )
            ],
        )
    )
    assert package.items[0].identifier == uid(0xABC)
    assert package.items[0].item_type_uri is not None
    assert package.items[0].item_type_uri.identifier == uid(0xDEF)
    assert package.associations[0].origin.identifier == uid(0xABC)
    assert package.associations[0].destination.identifier == "EXTERNAL-Code"  # not a UUID


def test_unknown_fields_go_to_extensions_with_a_warning() -> None:
    data = raw_package(
        document={"extensions": {"x-owner": "state"}, "x-color": "blue"},
        CFItems=[raw_item(1, extensions={"keep": 1, "clash": "mine"}, clash="theirs", extra=[1])],
        CFAssociations=[
            raw_association(
                2,
                1,
                0,
                kind="ext:isAlignedTo",
                originNodeURI=link(1) | {"targetType": "CASE", "note": "x"},
                destinationNodeURI=link(0) | {"targetType": "ext:Thing"},
            ),
            raw_association(3, 1, 0, kind="isCousinOf"),
        ],
        CFDefinitions={"CFLicenses": [], "extensions": {"a": 1}, "x-more": 2},
        CFRubrics=[
            {
                "identifier": uid(30),
                "uri": "u",
                "lastChangeDateTime": WHEN,
                "CFRubricCriteria": [
                    {
                        "identifier": uid(31),
                        "uri": "u",
                        "lastChangeDateTime": WHEN,
                        "CFRubricCriterionLevels": [
                            {
                                "identifier": uid(32),
                                "uri": "u",
                                "lastChangeDateTime": WHEN,
                                "extensions": [{"a": 1}, {"a": 2, "b": 3}],
                                "colour": "red",
                                "score": 3,
                                "position": 1,
                            }
                        ],
                    }
                ],
            }
        ],
        x_top=True,
    )
    package = case.parse_package(data)
    assert package.document.extensions == {"x-owner": "state", "x-color": "blue"}
    assert package.items[0].extensions == {"keep": 1, "clash": "mine", "extra": [1]}
    assert package.associations[0].origin.target_type == "CASE"
    assert package.associations[0].destination.target_type == "ext:Thing"
    assert package.definitions_extensions == {"a": 1, "x-more": 2}
    level = package.rubrics[0].criteria[0].levels[0]
    assert level.extensions == {"a": 2, "b": 3, "colour": "red"}
    assert level.score == 3.0
    assert isinstance(level.score, float)
    assert level.position == 1
    assert package.extensions == {"x_top": True}
    assert package.source_version == "1.1"
    warnings = [(w.path, w.message) for w in package.warnings]
    assert warnings == [
        ("$.CFDocument", "fields outside CASE 1.1 kept in extensions: x-color"),
        ("$.CFItems[0].clash", "also in extensions, whose clash is kept; this one dropped"),
        ("$.CFItems[0]", "fields outside CASE 1.1 kept in extensions: extra"),
        ("$.CFAssociations[0].originNodeURI", "fields a CASE link cannot hold, dropped: note"),
        (
            "$.CFAssociations[1].associationType",
            "'isCousinOf' is neither a CASE association type nor an 'ext:' one; "
            "written back as 'ext:isCousinOf'",
        ),
        ("$.CFDefinitions", "fields outside CASE 1.1 kept in extensions: x-more"),
        (
            "$.CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0].extensions[1]",
            "repeats a; last kept",
        ),
        (
            "$.CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0]",
            "fields outside CASE 1.1 kept in extensions: colour",
        ),
        ("$", "fields outside CASE 1.1 kept in extensions: x_top"),
    ]
    built = case.build_package(package)
    assert built["extensions"] == {"x_top": True}
    assert built["CFDefinitions"] == {"extensions": {"a": 1, "x-more": 2}}
    levels = built["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    assert levels[0]["extensions"] == [{"a": 2, "b": 3, "colour": "red"}]
    assert built["CFAssociations"][0]["originNodeURI"]["targetType"] == "CASE"
    # A type outside the vocabulary is never written back invalid: it goes out as ext:.
    assert built["CFAssociations"][1]["associationType"] == "ext:isCousinOf"
    again = case.parse_package(json.loads(json.dumps(built)))
    assert again.warnings == []
    package.associations[1].association_type = "ext:isCousinOf"
    same_content(package, again)


def test_defaultable_required_fields_are_warnings(schema11: dict[str, Any]) -> None:
    data = raw_package(
        CFAssociations=[raw_association(1, 2, 3, originNodeURI={"identifier": uid(2), "uri": "u"})],
        CFDefinitions={
            "CFLicenses": [{"identifier": uid(4), "uri": "u", "title": "CC"}],
            "CFConcepts": [{"identifier": uid(5), "uri": "u", "title": "C", "keywords": "k"}],
            "CFItemTypes": [
                {
                    "identifier": uid(6),
                    "uri": "u",
                    "title": "T",
                    "description": "d",
                    "hierarchyCode": "1",
                    "lastChangeDateTime": WHEN,
                }
            ],
            "CFAssociationGroupings": [
                {"identifier": uid(7), "uri": "u", "title": "G", "lastChangeDateTime": None}
            ],
        },
    )
    package = case.parse_package(data)
    assert package.associations[0].origin.title == ""
    assert package.licenses[0].license_text == ""
    assert package.concepts[0].hierarchy_code == ""
    assert package.concepts[0].keywords == "k"
    assert package.association_groupings[0].last_change is None
    assert [w.path for w in package.warnings] == [
        "$.CFAssociations[0].originNodeURI.title",
        "$.CFDefinitions.CFConcepts[0].hierarchyCode",
        "$.CFDefinitions.CFConcepts[0].lastChangeDateTime",
        "$.CFDefinitions.CFLicenses[0].licenseText",
        "$.CFDefinitions.CFLicenses[0].lastChangeDateTime",
        "$.CFDefinitions.CFAssociationGroupings[0].lastChangeDateTime",
    ]
    built = case.build_package(package)
    assert case.validate(built, schema11) == []
    definitions = built["CFDefinitions"]
    assert definitions["CFLicenses"][0]["lastChangeDateTime"] == WHEN  # the document's
    assert definitions["CFLicenses"][0]["licenseText"] == ""


def test_unknown_case_version_is_read_as_1_1_with_a_warning() -> None:
    package = case.parse_package(raw_package(document={"caseVersion": "1.2"}))
    assert package.source_version == "1.1"
    assert package.document.case_version == "1.2"
    assert [w.path for w in package.warnings] == ["$.CFDocument.caseVersion"]


# ----------------------------------------------------------------------------- CASE 1.0

ITEM_TYPE = "b0000000-0000-0000-0000-00000000000a"
DOC_LINK = {"title": "Science", "identifier": DOC, "uri": f"https://x.test/v1p0/CFDocuments/{DOC}"}
V10_PACKAGE: dict[str, Any] = {
    "CFDocument": {
        "identifier": DOC.upper(),
        "uri": DOC_LINK["uri"],
        "CFPackageURI": {**DOC_LINK, "uri": f"https://x.test/v1p0/CFPackages/{DOC}"},
        "creator": "State Department of Education",
        "title": "Science",
        "lastChangeDateTime": "2016-05-01T12:00:00+00:00",
        "subject": "Science",
        "statusStartDate": "2016-01-01T00:00:00-05:00",
        "statusEndDate": None,
        "licenseURI": None,
        "description": "Adopted 2016.\r\nSee **notes**.",
    },
    "CFItems": [
        {
            "identifier": uid(1),
            "uri": f"https://x.test/v1p0/CFItems/{uid(1)}",
            "CFDocumentURI": DOC_LINK,
            "fullStatement": "Ask questions about *the natural world*.\r\n",
            "CFItemType": "Standard",
            "CFItemTypeURI": {"title": "Standard", "identifier": ITEM_TYPE, "uri": "https://t"},
            "humanCodingScheme": "SCI.1",
            "educationLevel": "KG, 01,02",
            "conceptKeywords": None,
            "conceptKeywordsURI": None,
            # A date-time: without a date-time format checker (rfc3339-validator) a plain date
            # is valid under both branches of the 1.0 schema's oneOf, so invalid.
            "statusStartDate": "2016-02-01T23:30:00-05:00",
            "lastChangeDateTime": "2016-05-01T12:00:00+00:00",
        },
    ],
    "CFAssociations": [
        {
            "identifier": uid(2),
            "uri": f"https://x.test/v1p0/CFAssociations/{uid(2)}",
            "CFDocumentURI": DOC_LINK,
            "associationType": "isChildOf",
            "sequenceNumber": 1,
            "originNodeURI": {"title": "SCI.1", "identifier": uid(1), "uri": "https://i"},
            "destinationNodeURI": DOC_LINK,
            "CFAssociationGroupingURI": None,
            "lastChangeDateTime": "2016-05-01T12:00:00+00:00",
        }
    ],
    "CFDefinitions": {
        "CFItemTypes": [
            {
                "identifier": ITEM_TYPE,
                "uri": "https://t",
                "title": "Standard",
                "hierarchyCode": "1",
                "typeCode": None,
                "lastChangeDateTime": "2016-05-01T12:00:00+00:00",
            }
        ],
        "CFSubjects": [
            {
                "identifier": uid(3),
                "uri": "https://s",
                "title": "Science",
                "hierarchyCode": "SCI",
                "lastChangeDateTime": "2016-05-01T12:00:00+00:00",
            }
        ],
    },
}


def test_case_1_0_package_is_read_and_written_as_1_1(
    schema10: dict[str, Any], schema11: dict[str, Any]
) -> None:
    assert case.validate(V10_PACKAGE, schema10) == []
    assert case.validate(V10_PACKAGE, schema11) != []
    package = case.parse_package(V10_PACKAGE)
    assert package.source_version == "1.0"
    document, item = package.document, package.items[0]
    assert document.identifier == DOC
    assert document.subject == ["Science"]
    assert document.status_start_date == dt.date(2016, 1, 1)  # as written, not shifted to UTC
    assert document.status_end_date is None
    assert document.license_uri is None
    assert document.description == "Adopted 2016.\r\nSee **notes**."
    assert item.education_level == ["KG", "01", "02"]
    assert item.status_start_date == dt.date(2016, 2, 1)
    assert item.concept_keywords == []
    assert item.concept_keywords_uri is None
    assert item.full_statement == "Ask questions about *the natural world*.\r\n"
    assert item.item_type == "Standard"
    assert package.associations[0].grouping_uri is None
    assert package.associations[0].sequence_number == 1
    assert package.item_types[0].type_code is None
    assert package.item_types[0].description is None
    # CFPackageURI / CFDocumentURI are kept, and warned about; 1.0's own forms are not.
    assert [w.path for w in package.warnings] == [
        "$.CFDocument",
        "$.CFItems[0]",
        "$.CFAssociations[0]",
    ]

    built = case.build_package(package)
    assert case.validate(built, schema11) == []
    assert built["CFDefinitions"]["CFItemTypes"][0]["description"] == ""
    assert built["CFItems"][0]["educationLevel"] == ["KG", "01", "02"]
    assert built["CFDocument"]["statusStartDate"] == "2016-01-01"
    again = case.parse_package(built)
    assert again.source_version == "1.1"
    assert again.items == package.items


def test_case_1_0_forms_detected_one_by_one() -> None:
    assert case.parse_package(raw_package()).source_version == "1.1"
    assert case.parse_package(raw_package(CFDefinitions=[])).source_version == "1.0"
    assert case.parse_package(raw_package(document={"caseVersion": "1.0"})).source_version == "1.0"
    v10 = raw_package(CFItems=[raw_item(1, statusEndDate="2020-01-01T00:00:00")])
    assert case.parse_package(v10).items[0].status_end_date == dt.date(2020, 1, 1)
    assert case.parse_package(v10).source_version == "1.0"
    # A package that declares 1.1 is 1.1; its 1.0 forms are read, with warnings.
    declared = raw_package(
        document={"caseVersion": "1.1", "subject": "Math"},
        CFItems=[raw_item(1, educationLevel="09,10", conceptKeywords=None)],
    )
    package = case.parse_package(declared)
    assert package.source_version == "1.1"
    assert package.items[0].education_level == ["09", "10"]
    assert [(w.path, w.message.split(":")[0]) for w in package.warnings] == [
        ("$.CFDocument.subject", "CASE 1.0 form in a CASE 1.1 package"),
        ("$.CFItems[0].conceptKeywords", "CASE 1.0 form in a CASE 1.1 package"),
        ("$.CFItems[0].educationLevel", "CASE 1.0 form in a CASE 1.1 package"),
    ]


# ---------------------------------------------------------------------------- validate


def test_validate_reports_json_paths_and_identifiers(schema11: dict[str, Any]) -> None:
    data = raw_package(CFItems=[raw_item(1), raw_item(2, fullStatement=3, extra=1)])
    data["CFItems"][0]["identifier"] = "nope"
    issues = case.validate(data, schema11)
    found = {(issue.path, issue.identifier) for issue in issues}
    assert ("$.CFItems[0].identifier", "nope") in found  # the format is checked
    assert ("$.CFItems[1].fullStatement", uid(2)) in found
    assert ("$.CFItems[1]", uid(2)) in found
    assert ("$.CFItems[0].identifier", "nope") not in {
        (issue.path, issue.identifier)
        for issue in case.validate(data, schema11, check_formats=False)
    }
    assert case.validate([], schema11) == [Issue("$", "[] is not of type 'object'", None)]


# ---------------------------------------------------------------------------- build


def test_build_writes_utc_and_omits_what_is_absent(schema11: dict[str, Any]) -> None:
    naive = dt.datetime(2020, 1, 2, 3, 4, 5)  # noqa: DTZ001 - a naive datetime on purpose
    package = Package(
        document=Document(
            identifier=DOC,
            uri="u",
            creator="c",
            title="t",
            last_change=dt.datetime(2020, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        items=[Item(identifier=uid(1), uri="u", full_statement="s", last_change=naive)],
        item_types=[ItemType(identifier=uid(2), uri="u", title="T")],
    )
    built = case.build_package(package)
    assert built["CFDocument"] == {
        "identifier": DOC,
        "uri": "u",
        "caseVersion": "1.1",
        "creator": "c",
        "title": "t",
        "lastChangeDateTime": WHEN,
    }
    assert built["CFItems"][0]["lastChangeDateTime"] == WHEN
    assert built["CFDefinitions"] == {
        "CFItemTypes": [
            {
                "identifier": uid(2),
                "uri": "u",
                "title": "T",
                "description": "",
                "hierarchyCode": "",
                "lastChangeDateTime": WHEN,
            }
        ]
    }
    assert "CFRubrics" not in built
    assert "extensions" not in built
    assert case.validate(built, schema11) == []


# ------------------------------------------------------------------------------- graphs


def graph(count: int, edges: list[tuple[str, int, int]], *, labelled: bool = True) -> Package:
    """Items 0..count-1 (identifier uid(i + 1), coding scheme N<i>); edges between items;
    -1 stands for the document."""

    def ref(node: int) -> NodeRef:
        return NodeRef(identifier=DOC if node < 0 else uid(node + 1), uri="u")

    return Package(
        document=Document(identifier=DOC, uri="u", creator="c", title="t", last_change=EPOCH),
        items=[
            Item(
                identifier=uid(n + 1),
                uri="u",
                full_statement="s",
                last_change=EPOCH,
                human_coding_scheme=f"N{n}" if labelled else None,
            )
            for n in range(count)
        ],
        associations=[
            Association(
                identifier=uid(1000 + index),
                uri="u",
                association_type=kind,
                origin=ref(origin),
                destination=ref(destination),
                last_change=EPOCH,
            )
            for index, (kind, origin, destination) in enumerate(edges)
        ],
    )


def test_precedes_cycle_is_named() -> None:
    package = graph(
        4,
        [("precedes", 0, 1), ("precedes", 1, 2), ("precedes", 2, 0), ("precedes", 2, 3)],
    )
    [issue] = case.package_graph_problems(package)
    assert issue.message == "precedes cycle: N0 → N1 → N2 → N0"
    assert issue.path == "$.CFAssociations[0]"
    assert issue.identifier == uid(1000)
    [self_loop] = case.package_graph_problems(graph(1, [("precedes", 0, 0)], labelled=False))
    assert self_loop.message == f"precedes cycle: {uid(1)} → {uid(1)}"


def test_a_long_cycle_needs_no_recursion_and_is_named_by_its_ends() -> None:
    count = 30_000
    edges = [("precedes", n, n + 1) for n in range(count - 1)] + [("precedes", count - 1, 0)]
    [issue] = case.package_graph_problems(graph(count, edges))
    head = " → ".join(f"N{n}" for n in range(10))
    tail = " → ".join([*(f"N{n}" for n in range(count - 9, count)), "N0"])
    assert issue.message == f"precedes cycle: {head} → ({count + 1 - 20} more) → {tail}"


def test_two_separate_cycles_are_two_issues() -> None:
    edges = [("precedes", 0, 1), ("precedes", 1, 0), ("precedes", 2, 3), ("precedes", 3, 2)]
    messages = [issue.message for issue in case.package_graph_problems(graph(4, edges))]
    assert messages == ["precedes cycle: N0 → N1 → N0", "precedes cycle: N2 → N3 → N2"]


def test_child_of_must_be_a_forest() -> None:
    package = graph(
        4,
        [
            ("isChildOf", 0, -1),
            ("isChildOf", 1, 0),
            ("isChildOf", 1, 0),  # the same parent twice is one parent
            ("isChildOf", 1, 2),
            ("isChildOf", 2, 3),
            ("isChildOf", 3, 2),
        ],
    )
    package.associations.append(
        dataclasses.replace(
            package.associations[0],
            identifier=uid(2000),
            destination=NodeRef(identifier="elsewhere", uri="u"),  # outside: not a 2nd parent
        )
    )
    issues = case.package_graph_problems(package)
    assert [(issue.path, issue.message) for issue in issues] == [
        (
            "$.CFItems[1]",
            "N1 has 2 parents in the package: N0 (via $.CFAssociations[1]), "
            "N2 (via $.CFAssociations[3])",
        ),
        ("$.CFAssociations[4]", "isChildOf cycle: N2 → N3 → N2"),
    ]


def test_duplicate_identifiers() -> None:
    package = graph(2, [("isChildOf", 0, -1), ("isChildOf", 1, -1)])
    package.items[1].identifier = package.items[0].identifier
    package.associations[1].identifier = package.associations[0].identifier
    issues = case.package_graph_problems(package)
    assert [(issue.path, issue.message) for issue in issues] == [
        ("$.CFItems[1]", "duplicate identifier, also at $.CFItems[0]"),
        ("$.CFAssociations[1]", "duplicate identifier, also at $.CFAssociations[0]"),
    ]


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[str, int, int]]]:
    """A random DAG of ``precedes`` plus a random ``isChildOf`` forest, in shuffled order."""
    count = draw(st.integers(2, 14))
    order = draw(st.permutations(range(count)))  # a topological order
    pairs = [(order[i], order[j]) for i in range(count) for j in range(i + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=30))
    edges = [("precedes", origin, destination) for origin, destination in chosen]
    for position in range(count):
        parent = draw(st.integers(-1, position - 1))
        edges.append(("isChildOf", order[position], -1 if parent < 0 else order[parent]))
    return count, draw(st.permutations(edges))


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_dags_are_sound_and_a_back_edge_makes_a_cycle(
    dag: tuple[int, list[tuple[str, int, int]]], data: st.DataObject
) -> None:
    count, edges = dag
    assert case.package_graph_problems(graph(count, edges)) == []

    successors: dict[int, list[int]] = {}
    for kind, origin, destination in edges:
        if kind == "precedes":
            successors.setdefault(origin, []).append(destination)
    start = data.draw(st.sampled_from(sorted(successors)))
    node = start
    for _ in range(data.draw(st.integers(1, count))):  # walk forward along the DAG
        node = data.draw(st.sampled_from(successors[node]))
        if node not in successors:
            break
    back = ("precedes", node, start)
    cyclic = graph(count, [*edges[: len(edges) // 2], back, *edges[len(edges) // 2 :]])
    [issue] = case.package_graph_problems(cyclic)
    assert issue.message.startswith("precedes cycle: ")
    cycle = [
        int(label[1:]) for label in issue.message.removeprefix("precedes cycle: ").split(" → ")
    ]
    assert cycle[0] == cycle[-1]
    assert len(cycle) >= 3
    edge_set = {(origin, destination) for _, origin, destination in [*edges, back]}
    assert all((a, b) in edge_set for a, b in itertools.pairwise(cycle))
    assert (node, start) in set(itertools.pairwise(cycle))  # the back edge is on it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20))
def test_cycles_found_exactly_when_graphlib_finds_one(pairs: list[tuple[int, int]]) -> None:
    sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter()
    for origin, destination in pairs:
        sorter.add(destination, origin)
    try:
        sorter.prepare()
        acyclic = True
    except graphlib.CycleError:
        acyclic = False
    issues = case.package_graph_problems(graph(8, [("precedes", o, d) for o, d in pairs]))
    assert (issues == []) is acyclic


# ------------------------------------------------------------------- random round trips

TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
MARKDOWN = st.lists(
    st.sampled_from(["# Heading", "*em*", "**strong**", "$x^2$", "| a | b |", "- item", "`code`"])
    | st.sampled_from(["\r\n", "\n", "\r", "\t", "  ", "", "é", "\U0001d451", "中文", "\u200b"])
    | TEXT,
    max_size=8,
).map("".join)
UUIDS = st.uuids().map(str)
MOMENTS = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001 - bounds for aware datetimes
    max_value=dt.datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
EXTENSIONS = st.dictionaries(TEXT, JSON_VALUES, max_size=3)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def refs(general: bool = False) -> st.SearchStrategy[NodeRef]:
    return st.builds(
        NodeRef,
        identifier=UUIDS,
        uri=TEXT,
        title=TEXT,
        target_type=st.sampled_from([None, "CASE", "ext:Other"]) if general else st.none(),
    )


@st.composite
def packages(draw: st.DrawFn) -> Package:
    ids = iter(draw(st.lists(UUIDS, min_size=60, max_size=60, unique=True)))

    def common() -> dict[str, Any]:
        return {"identifier": next(ids), "uri": draw(TEXT)}

    document = Document(
        **common(),
        creator=draw(TEXT),
        title=draw(MARKDOWN),
        last_change=draw(MOMENTS),
        framework_type=draw(maybe(TEXT)),
        case_version="1.1",
        official_source_url=draw(maybe(TEXT)),
        publisher=draw(maybe(TEXT)),
        description=draw(maybe(MARKDOWN)),
        subject=draw(st.lists(TEXT, max_size=2)),
        subject_uri=draw(st.lists(refs(), max_size=2)),
        language=draw(maybe(TEXT)),
        version=draw(maybe(TEXT)),
        adoption_status=draw(maybe(TEXT)),
        status_start_date=draw(maybe(DATES)),
        status_end_date=draw(maybe(DATES)),
        license_uri=draw(maybe(refs())),
        notes=draw(maybe(MARKDOWN)),
        extensions=draw(EXTENSIONS),
    )
    items = [
        Item(
            **common(),
            full_statement=draw(MARKDOWN),
            last_change=draw(MOMENTS),
            alternative_label=draw(maybe(TEXT)),
            item_type=draw(maybe(TEXT)),
            item_type_uri=draw(maybe(refs())),
            human_coding_scheme=draw(maybe(TEXT)),
            list_enumeration=draw(maybe(TEXT)),
            abbreviated_statement=draw(maybe(MARKDOWN)),
            concept_keywords=draw(st.lists(TEXT, max_size=3)),
            concept_keywords_uri=draw(maybe(refs())),
            notes=draw(maybe(MARKDOWN)),
            subject=draw(st.lists(TEXT, max_size=2)),
            subject_uri=draw(st.lists(refs(), max_size=2)),
            language=draw(maybe(TEXT)),
            education_level=draw(st.lists(TEXT, max_size=3)),
            license_uri=draw(maybe(refs())),
            status_start_date=draw(maybe(DATES)),
            status_end_date=draw(maybe(DATES)),
            extensions=draw(EXTENSIONS),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    kinds = st.sampled_from([*sorted(case.ASSOCIATION_TYPES), "ext:hasTopic"])
    associations = [
        Association(
            **common(),
            association_type=draw(kinds),
            origin=draw(refs(general=True)),
            destination=draw(refs(general=True)),
            last_change=draw(MOMENTS),
            sequence_number=draw(maybe(st.integers(-(2**31), 2**31 - 1))),
            grouping_uri=draw(maybe(refs())),
            notes=draw(maybe(MARKDOWN)),
            extensions=draw(EXTENSIONS),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    definition: dict[str, Any] = {"last_change": draw(MOMENTS), "extensions": draw(EXTENSIONS)}
    numbers = maybe(st.floats(allow_nan=False, allow_infinity=False))
    rubrics = [
        Rubric(
            **common(),
            last_change=draw(MOMENTS),
            title=draw(maybe(TEXT)),
            description=draw(maybe(MARKDOWN)),
            criteria=[
                RubricCriterion(
                    **common(),
                    last_change=draw(MOMENTS),
                    category=draw(maybe(TEXT)),
                    description=draw(maybe(MARKDOWN)),
                    item_uri=draw(maybe(refs())),
                    weight=draw(numbers),
                    position=draw(maybe(st.integers(0, 99))),
                    rubric_id=draw(maybe(UUIDS)),
                    levels=[
                        RubricCriterionLevel(
                            **common(),
                            last_change=draw(MOMENTS),
                            description=draw(maybe(MARKDOWN)),
                            quality=draw(maybe(TEXT)),
                            score=draw(numbers),
                            feedback=draw(maybe(MARKDOWN)),
                            position=draw(maybe(st.integers(0, 99))),
                            rubric_criterion_id=draw(maybe(UUIDS)),
                            extensions=draw(EXTENSIONS),
                        )
                        for _ in range(draw(st.integers(0, 2)))
                    ],
                    extensions=draw(EXTENSIONS),
                )
                for _ in range(draw(st.integers(0, 2)))
            ],
            extensions=draw(EXTENSIONS),
        )
        for _ in range(draw(st.integers(0, 1)))
    ]
    return Package(
        document=document,
        items=items,
        associations=associations,
        item_types=[
            ItemType(
                **common(),
                title=draw(TEXT),
                description=draw(TEXT),
                hierarchy_code=draw(TEXT),
                type_code=draw(maybe(TEXT)),
                **definition,
            )
        ],
        concepts=[
            Concept(
                **common(),
                title=draw(TEXT),
                keywords=draw(maybe(TEXT)),
                hierarchy_code=draw(TEXT),
                description=draw(maybe(TEXT)),
                **definition,
            )
        ],
        subjects=[Subject(**common(), title=draw(TEXT), hierarchy_code=draw(TEXT), **definition)],
        licenses=[License(**common(), title=draw(TEXT), license_text=draw(MARKDOWN), **definition)],
        association_groupings=[
            AssociationGrouping(
                **common(), title=draw(TEXT), description=draw(maybe(TEXT)), **definition
            )
        ],
        rubrics=rubrics,
        extensions=draw(EXTENSIONS),
        definitions_extensions=draw(EXTENSIONS),
    )


@settings(max_examples=60, deadline=None)
@given(packages())
def test_random_packages_survive_build_and_parse(package: Package) -> None:
    built = case.build_package(package)
    text = json.dumps(built, ensure_ascii=False)
    again = case.parse_package(case.load_json(text.encode("utf-8")))
    assert again == package  # everything, warnings ([]) and source version ("1.1") included


@settings(max_examples=25, deadline=None)
@given(package=packages())
def test_random_packages_build_valid_case_1_1(schema11: dict[str, Any], package: Package) -> None:
    assert case.validate(case.build_package(package), schema11) == []
