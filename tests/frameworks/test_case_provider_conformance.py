"""Every CASE provider endpoint, successful and failing, checked against the response schemas
of the CASE 1.1 OpenAPI (``case_openapi``; the ``case_client`` fixture checks every answer).

A small package written for the test (``case_packages``) is imported as a published framework,
so that concepts, subjects, item types, groupings, a license and a rubric all exist.
"""

from __future__ import annotations

import json

import pytest

from proficio.core.standards import case
from proficio.frameworks import case_io
from proficio.frameworks.models import Framework, Item
from tests.frameworks import case_openapi
from tests.frameworks.case_packages import small_package, uid

BASE = "/ims/case/v1p1"
UNKNOWN = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"


@pytest.fixture
def science(world) -> Framework:
    package = case.parse_package(json.loads(json.dumps(small_package("prov"))))
    report = case_io.import_package(package)
    return Framework.objects.get(pk=report.framework_id)


def _minor(response) -> str:
    return response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


BY_ID = [
    ("CFDocuments", "prov:doc"),
    ("CFPackages", "prov:doc"),
    ("CFItems", "prov:t1"),
    ("CFItemAssociations", "prov:t1"),
    ("CFAssociations", "prov:a4"),
    ("CFConcepts", "prov:concept"),
    ("CFSubjects", "prov:subject"),
    ("CFItemTypes", "prov:type-comp"),
    ("CFLicenses", "prov:license"),
    ("CFAssociationGroupings", "prov:grouping"),
    ("CFRubrics", "prov:rubric"),
]


@pytest.mark.parametrize(("endpoint", "name"), BY_ID)
def test_every_endpoint_answers_in_the_spec_shape(science, case_client, endpoint, name):
    response = case_client.get(f"{BASE}/{endpoint}/{uid(name)}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    # The answer is about the object asked for.
    found = json.dumps(body)
    assert uid(name) in found
    unknown = case_client.get(f"{BASE}/{endpoint}/{UNKNOWN}")
    assert unknown.status_code == 404
    assert _minor(unknown) == "unknownobject"
    assert UNKNOWN in unknown.json()["imsx_description"]
    malformed = case_client.get(f"{BASE}/{endpoint}/SCI.1.1")
    assert malformed.status_code == 404
    assert _minor(malformed) == "invalid_uuid"
    assert set(malformed.json()) == {
        "imsx_codeMajor",
        "imsx_severity",
        "imsx_description",
        "imsx_codeMinor",
    }
    assert malformed.json()["imsx_codeMajor"] == "failure"
    assert malformed.json()["imsx_severity"] == "error"


def test_a_document_names_its_package(science, case_client):
    document = case_client.get(f"{BASE}/CFDocuments/{uid('prov:doc')}").json()
    package_uri = document["CFPackageURI"]
    assert package_uri["identifier"] == uid("prov:doc")
    assert package_uri["uri"] == f"http://testserver{BASE}/CFPackages/{uid('prov:doc')}"
    package = case_client.get(package_uri["uri"].removeprefix("http://testserver")).json()
    assert package["CFDocument"]["identifier"] == uid("prov:doc")
    assert "CFPackageURI" not in package["CFDocument"]  # inside a package, a CFPckgDocument
    listed = case_client.get(f"{BASE}/CFDocuments", {"filter": "title~'(prov)'"}).json()
    assert [d["CFPackageURI"]["identifier"] for d in listed["CFDocuments"]] == [uid("prov:doc")]


def test_item_associations_name_the_document_on_the_item_only(science, case_client):
    body = case_client.get(f"{BASE}/CFItemAssociations/{uid('prov:t1')}").json()
    assert set(body) == {"CFItem", "CFAssociations"}
    assert body["CFItem"]["CFDocumentURI"]["identifier"] == uid("prov:doc")
    assert {a["identifier"] for a in body["CFAssociations"]} == {
        uid("prov:a2"),
        uid("prov:a4"),
    }
    assert all("CFDocumentURI" not in a for a in body["CFAssociations"])
    # A single association, outside the set, may name its document.
    one = case_client.get(f"{BASE}/CFAssociations/{uid('prov:a4')}").json()
    assert one["CFDocumentURI"]["identifier"] == uid("prov:doc")
    assert one["CFAssociationGroupingURI"]["identifier"] == uid("prov:grouping")


def test_an_item_without_associations_is_unknown_to_the_association_set(science, case_client):
    lonely = Item.objects.get(identifier=uid("prov:t2"))
    # Not through an action: the test makes an item with no associations on purpose.
    science.associations.filter(origin_identifier=str(lonely.identifier)).delete()
    science.associations.filter(destination_identifier=str(lonely.identifier)).delete()
    response = case_client.get(f"{BASE}/CFItemAssociations/{lonely.identifier}")
    assert response.status_code == 404
    assert _minor(response) == "unknownobject"
    assert case_client.get(f"{BASE}/CFItems/{lonely.identifier}").status_code == 200


@pytest.mark.parametrize(
    ("endpoint", "key", "name", "expected"),
    [
        (
            "CFSubjects",
            "CFSubjects",
            "prov:subject",
            ["prov:subject", "prov:subject-2", "prov:subject-3"],
        ),
        ("CFSubjects", "CFSubjects", "prov:subject-2", ["prov:subject-2", "prov:subject-3"]),
        ("CFSubjects", "CFSubjects", "prov:subject-3", ["prov:subject-3"]),
        ("CFConcepts", "CFConcepts", "prov:concept", ["prov:concept", "prov:concept-2"]),
        ("CFConcepts", "CFConcepts", "prov:concept-3", ["prov:concept-3"]),
        (
            "CFItemTypes",
            "CFItemTypes",
            "prov:type-comp",
            ["prov:type-comp", "prov:type-target"],
        ),
    ],
)
def test_definition_sets_hold_the_definition_and_its_children(
    science, case_client, endpoint, key, name, expected
):
    body = case_client.get(f"{BASE}/{endpoint}/{uid(name)}").json()
    assert list(body) == [key]
    assert [d["identifier"] for d in body[key]] == [uid(n) for n in expected]


def test_children_come_only_from_the_same_frameworks(science, case_client):
    other = small_package("other")
    case_io.import_package(case.parse_package(json.loads(json.dumps(other))))
    body = case_client.get(f"{BASE}/CFSubjects/{uid('prov:subject')}").json()
    assert uid("other:subject-2") not in {d["identifier"] for d in body["CFSubjects"]}


def test_license_grouping_and_rubric_are_bare_objects(science, case_client):
    license_ = case_client.get(f"{BASE}/CFLicenses/{uid('prov:license')}").json()
    assert license_["licenseText"] == "https://cc.example/by"
    rubric = case_client.get(f"{BASE}/CFRubrics/{uid('prov:rubric')}").json()
    criterion = rubric["CFRubricCriteria"][0]
    assert criterion["rubricId"] == uid("prov:rubric")
    assert criterion["CFRubricCriterionLevels"][0]["rubricCriterionId"] == uid("prov:criterion")


def test_an_empty_document_set_is_unknown(science, case_client):
    response = case_client.get(f"{BASE}/CFDocuments", {"filter": "title='No such title'"})
    assert response.status_code == 404
    assert _minor(response) == "unknownobject"
    beyond = case_client.get(f"{BASE}/CFDocuments", {"offset": 500})
    assert beyond.status_code == 404


def test_field_selection(science, case_client):
    body = case_client.get(
        f"{BASE}/CFDocuments", [("fields", "identifier"), ("fields", "CFPackageURI")]
    ).json()
    assert all(set(d) == {"identifier", "CFPackageURI"} for d in body["CFDocuments"])


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "abc"}, "limit"),
        ({"offset": "1e3"}, "offset"),
        ({"limit": "2.5"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"offset": "-3"}, "offset"),
    ],
)
def test_paging_errors_are_400_status_bodies(world, case_client, params, named):
    response = case_client.get(f"{BASE}/CFDocuments", params)
    assert response.status_code == 400
    assert _minor(response) == "invalid_selection_field"
    assert named in response.json()["imsx_description"]
    assert "detail" not in response.json()


@pytest.mark.parametrize(
    "path",
    ["Nothing", "CFDocuments/", "CFItems", f"CFItems/{UNKNOWN}/more", "cfdocuments", ""],
)
def test_unknown_paths_are_json_status_bodies(world, case_client, path):
    response = case_client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert _minor(response) == "unknownobject"
    assert "<html" not in response.content.decode().lower()


def test_a_method_the_spec_lacks_gets_a_status_body(world, case_client):
    response = case_client.post(f"{BASE}/CFDocuments", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["imsx_codeMajor"] == "unsupported"


def test_a_failure_is_a_500_status_body(science, case_client, monkeypatch):
    def broken(framework):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(case_io, "export_package", broken)
    response = case_client.get(f"{BASE}/CFPackages/{uid('prov:doc')}")
    assert response.status_code == 500
    assert _minor(response) == "internal_server_error"
    assert "disk on fire" not in response.content.decode()


def test_the_checker_catches_the_old_deviations():
    """The schemas are strict enough to fail what the provider used to send."""
    old_error = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "x",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "x"}
            ]
        },
    }
    assert case_openapi.problems(f"{BASE}/CFDocuments", 400, old_error)
    bad_code = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "invalid_filter_field",
                }
            ]
        },
    }
    assert case_openapi.problems(f"{BASE}/CFDocuments", 400, bad_code)
    document = {
        "identifier": uid("x"),
        "uri": "https://x.test/doc",
        "creator": "c",
        "title": "t",
        "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
    }
    assert any(
        "CFPackageURI" in p for p in case_openapi.problems(f"{BASE}/CFDocuments/x", 200, document)
    )
    assert case_openapi.problems(f"{BASE}/CFSubjects/x", 200, {"identifier": uid("x")})
    assert case_openapi.problems(f"{BASE}/CFDocuments/x", 200, {**document, "identifier": "MATH-1"})
    assert case_openapi.problems(f"{BASE}/CFDocuments", 200, {"CFDocuments": []})
