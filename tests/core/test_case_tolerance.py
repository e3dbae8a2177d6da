"""CASE codec tolerance: what real packages get wrong that can be read without guessing
(a warning, with its kind), and what cannot (an error located by JSON path).

Every package here is written for the test, from the CASE 1.1 rules, with the helpers of
``test_case_codec``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.core.test_case_codec import link, raw_association, raw_item, raw_package, uid

from proficio.core.standards import case
from proficio.core.standards.case import CASEError, WarningKind


def _kinds(package: Any) -> list[tuple[str, str]]:
    return [(w.path, w.kind) for w in package.warnings]


def _issues(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(CASEError) as caught:
        case.parse_package(data)
    return caught.value.issues


def test_a_numeric_string_sequence_number_is_read_with_a_warning() -> None:
    # OpenSALT's own documentation sample writes "sequenceNumber": "1".
    package = case.parse_package(
        raw_package(
            CFItems=[raw_item(1)],
            CFAssociations=[raw_association(2, 1, 0, sequenceNumber="1")],
        )
    )
    assert package.associations[0].sequence_number == 1
    assert _kinds(package) == [("$.CFAssociations[0].sequenceNumber", WarningKind.NUMERIC_STRING)]
    assert "'1'" in package.warnings[0].message
    built = case.build_package(package)
    assert built["CFAssociations"][0]["sequenceNumber"] == 1  # written back as a number


def test_numbers_that_cannot_be_read_are_errors() -> None:
    issues = _issues(
        raw_package(
            CFAssociations=[
                raw_association(1, 2, 3, sequenceNumber="1.5"),
                raw_association(4, 2, 3, sequenceNumber="one"),
                raw_association(5, 2, 3, sequenceNumber=2**31),
                raw_association(6, 2, 3, sequenceNumber="-2147483649"),
            ]
        ),
    )
    assert [(i.path, i.message) for i in issues] == [
        ("$.CFAssociations[0].sequenceNumber", "must be an integer, not '\"1.5\"'"),
        ("$.CFAssociations[1].sequenceNumber", "must be an integer, not '\"one\"'"),
        (
            "$.CFAssociations[2].sequenceNumber",
            "2147483648 is outside the 32-bit integers CASE allows",
        ),
        (
            "$.CFAssociations[3].sequenceNumber",
            "-2147483649 is outside the 32-bit integers CASE allows",
        ),
    ]


def _rubric(**level: Any) -> dict[str, Any]:
    return {
        "identifier": uid(30),
        "uri": "u",
        "lastChangeDateTime": "2020-01-02T03:04:05+00:00",
        "CFRubricCriteria": [
            {
                "identifier": uid(31),
                "uri": "u",
                "lastChangeDateTime": "2020-01-02T03:04:05+00:00",
                "position": "2",
                "CFRubricCriterionLevels": [
                    {
                        "identifier": uid(32),
                        "uri": "u",
                        "lastChangeDateTime": "2020-01-02T03:04:05+00:00",
                        **level,
                    }
                ],
            }
        ],
    }


def test_numeric_strings_in_rubrics() -> None:
    package = case.parse_package(raw_package(CFRubrics=[_rubric(score="2.5")]))
    criterion = package.rubrics[0].criteria[0]
    assert criterion.position == 2
    assert criterion.levels[0].score == 2.5
    assert {w.kind for w in package.warnings} == {WarningKind.NUMERIC_STRING}
    for bad in ("1e999", "2,5", "NaN"):
        with pytest.raises(CASEError, match="must be a finite number"):
            case.parse_package(raw_package(CFRubrics=[_rubric(score=bad)]))


def test_a_byte_identical_duplicate_association_is_kept_once() -> None:
    twice = raw_association(2, 1, 0, sequenceNumber=1)
    package = case.parse_package(
        raw_package(CFItems=[raw_item(1)], CFAssociations=[twice, dict(twice)])
    )
    assert [a.identifier for a in package.associations] == [uid(2)]
    assert _kinds(package) == [("$.CFAssociations[1]", WarningKind.DUPLICATE)]
    assert package.warnings[0].message == "repeats $.CFAssociations[0] exactly; kept once"
    assert package.warnings[0].identifier == uid(2)


def test_identical_duplicates_of_items_are_kept_once_too() -> None:
    package = case.parse_package(raw_package(CFItems=[raw_item(1), raw_item(1)]))
    assert len(package.items) == 1
    assert package.warnings[0].kind == WarningKind.DUPLICATE


def test_conflicting_duplicates_are_errors() -> None:
    first = raw_association(2, 1, 0, sequenceNumber=1)
    second = raw_association(2, 1, 0, sequenceNumber=2)
    issues = _issues(
        raw_package(
            CFItems=[raw_item(1), raw_item(1, fullStatement="Something else")],
            CFAssociations=[first, second],
        ),
    )
    assert [(i.path, i.message) for i in issues] == [
        (
            "$.CFItems[1]",
            f"identifier {uid(1)} is also at $.CFItems[0], with different content",
        ),
        (
            "$.CFAssociations[1]",
            f"identifier {uid(2)} is also at $.CFAssociations[0], with different content",
        ),
    ]


def test_identifiers_that_are_not_uuids_are_errors_in_case_1_1() -> None:
    issues = _issues(
        raw_package(document={"caseVersion": "1.1"}, CFItems=[raw_item(1, identifier="MATH-1")]),
    )
    assert [(i.path, i.message) for i in issues] == [
        ("$.CFItems[0].identifier", "must be a UUID, not 'MATH-1'")
    ]


def test_association_types_outside_the_vocabulary() -> None:
    package = case.parse_package(
        raw_package(
            CFAssociations=[
                raw_association(1, 2, 3, kind="ischildof"),
                raw_association(4, 2, 3, kind="is part"),
                raw_association(5, 2, 3, kind="ext:has topic"),
                raw_association(6, 2, 3, kind="ext:hasTopic"),
            ]
        )
    )
    assert [a.association_type for a in package.associations] == [
        "isChildOf",  # only its case was wrong
        "is part",  # kept as written ...
        "ext:has topic",
        "ext:hasTopic",
    ]
    assert _kinds(package) == [
        ("$.CFAssociations[0].associationType", WarningKind.VOCABULARY),
        ("$.CFAssociations[1].associationType", WarningKind.VOCABULARY),
        ("$.CFAssociations[2].associationType", WarningKind.VOCABULARY),
    ]
    built = case.build_package(package)
    # ... and written back valid.
    assert [a["associationType"] for a in built["CFAssociations"]] == [
        "isChildOf",
        "ext:is-part",
        "ext:has-topic",
        "ext:hasTopic",
    ]
    assert case.parse_package(json.loads(json.dumps(built))).warnings == []


def test_target_types_outside_the_vocabulary() -> None:
    package = case.parse_package(
        raw_package(
            CFAssociations=[
                raw_association(
                    1,
                    2,
                    3,
                    originNodeURI=link(2) | {"targetType": "case"},
                    destinationNodeURI=link(3) | {"targetType": "Open Badge!"},
                ),
                raw_association(4, 2, 3, destinationNodeURI=link(3) | {"targetType": "***"}),
            ]
        )
    )
    first = package.associations[0]
    assert first.origin.target_type == "CASE"
    assert first.destination.target_type == "Open Badge!"
    assert [w.kind for w in package.warnings] == [WarningKind.VOCABULARY] * 3
    built = case.build_package(package)["CFAssociations"]
    assert built[0]["originNodeURI"]["targetType"] == "CASE"
    assert built[0]["destinationNodeURI"]["targetType"] == "ext:Open-Badge"
    assert built[1]["destinationNodeURI"]["targetType"] == "ext:unknown"
    assert "targetType" not in built[1]["originNodeURI"]


def test_vocabulary_helpers() -> None:
    assert case.association_type_for_case("precedes") == "precedes"
    assert case.association_type_for_case("ext:a.b-c_d") == "ext:a.b-c_d"
    assert case.association_type_for_case("ext:") == "ext:unknown"
    assert case.target_type_for_case(None) is None
    assert case.target_type_for_case("CASE") == "CASE"
    assert case.target_type_for_case("ext:Badge") == "ext:Badge"
    assert case.is_uuid("6F1C0F5E-2B7E-5D7A-9C1E-3A4B5C6D7E8F")
    assert not case.is_uuid("6f1c0f5e2b7e5d7a9c1e3a4b5c6d7e8f")
    assert not case.is_uuid("MATH-1")


def test_every_warning_has_a_kind() -> None:
    data = raw_package(
        document={"caseVersion": "1.2", "x-extra": 1},
        CFItems=[raw_item(1, lastChangeDateTime="2020-01-02T03:04:05")],
        CFAssociations=[
            raw_association(2, 1, 0, kind="isCousinOf", sequenceNumber="3"),
            raw_association(3, 1, 0, originNodeURI={"identifier": uid(1), "uri": "u", "x": 1}),
        ],
        CFDefinitions={"CFSubjects": [{"identifier": uid(4), "uri": "u", "title": "S"}]},
    )
    data["CFItems"].append(dict(data["CFItems"][0]))
    package = case.parse_package(data)
    kinds = {w.kind for w in package.warnings}
    assert kinds == {
        WarningKind.VERSION,
        WarningKind.EXTENSION,
        WarningKind.TIMEZONE,
        WarningKind.VOCABULARY,
        WarningKind.NUMERIC_STRING,
        WarningKind.DEFAULTED,
        WarningKind.DROPPED,
        WarningKind.DUPLICATE,
    }
    legacy = case.parse_package(
        raw_package(document={"caseVersion": "1.1", "CFPackageURI": link(9)})
    )
    assert WarningKind.LEGACY in {w.kind for w in legacy.warnings}
