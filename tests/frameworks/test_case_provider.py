"""The CASE 1.1 provider API at /ims/case/v1p1/."""

from __future__ import annotations

import pytest
from django.test import override_settings

from proficio.core.standards import case

BASE = "/ims/case/v1p1"


def _minor(response) -> str:
    body = response.json()
    return body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def test_documents_are_public_and_paged(world, case_client):
    response = case_client.get(f"{BASE}/CFDocuments", {"limit": 1, "offset": 0, "sort": "title"})
    assert response.status_code == 200
    total = int(response["X-Total-Count"])
    assert total >= 2  # the two seeded, published frameworks
    assert len(response.json()["CFDocuments"]) == 1
    assert 'rel="next"' in response["Link"]
    titles = [d["title"] for d in case_client.get(f"{BASE}/CFDocuments").json()["CFDocuments"]]
    assert "Riverbend draft" not in titles  # drafts are not public
    assert titles == sorted(titles)


def test_sort_order_fields_and_filter(world, case_client):
    docs = case_client.get(
        f"{BASE}/CFDocuments", {"sort": "title", "orderBy": "desc", "fields": "identifier,title"}
    ).json()["CFDocuments"]
    assert all(set(d) == {"identifier", "title"} for d in docs)
    assert [d["title"] for d in docs] == sorted((d["title"] for d in docs), reverse=True)
    found = case_client.get(f"{BASE}/CFDocuments", {"filter": "title~'educator'"}).json()[
        "CFDocuments"
    ]
    assert [d["title"] for d in found] == [world.educator_framework.title]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"filter": "nope='x'"}, "invalid_selection_field"),
        ({"filter": "title=unquoted"}, "invalid_selection_field"),
        ({"sort": "nope"}, "invalid_sort_field"),
        ({"fields": "title,nope"}, "invalid_selection_field"),
        ({"limit": "0"}, "invalid_selection_field"),
        ({"limit": "abc"}, "invalid_selection_field"),
        ({"offset": "1e3"}, "invalid_selection_field"),
        ({"offset": "-1"}, "invalid_selection_field"),
        ({"orderBy": "sideways"}, "invalid_sort_field"),
    ],
)
def test_bad_queries_get_imsx_errors(world, case_client, params, code):
    response = case_client.get(f"{BASE}/CFDocuments", params)
    assert response.status_code == 400
    assert response.json()["imsx_codeMajor"] == "failure"
    assert _minor(response) == code


def test_unknown_and_malformed_identifiers(world, case_client):
    response = case_client.get(f"{BASE}/CFItems/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert _minor(response) == "unknownobject"
    response = case_client.get(f"{BASE}/CFItems/not-a-uuid")
    assert response.status_code == 404  # the spec answers a malformed identifier with 404
    assert _minor(response) == "invalid_uuid"


def test_package_validates_against_the_official_schema(world, case_client, case_schema):
    data = case_client.get(f"{BASE}/CFPackages/{world.district_framework.identifier}").json()
    assert case.validate(data, case_schema) == []
    assert (
        len(data["CFItems"])
        == world.district_framework.items.filter(archived_at__isnull=True).count()
    )
    assert data["CFRubrics"]


def test_single_objects(world, case_client):
    target = world.target("MATH.1.2")
    item = case_client.get(f"{BASE}/CFItems/{target.identifier}").json()
    assert item["identifier"] == str(target.identifier)
    assert item["CFDocumentURI"]["identifier"] == str(world.district_framework.identifier)
    links = case_client.get(f"{BASE}/CFItemAssociations/{target.identifier}").json()
    types = {a["associationType"] for a in links["CFAssociations"]}
    assert {"isChildOf", "precedes"} <= types
    one = links["CFAssociations"][0]
    assert (
        case_client.get(f"{BASE}/CFAssociations/{one['identifier']}").json()["identifier"]
        == one["identifier"]
    )
    rubric = world.district_framework.rubrics.first()
    assert case_client.get(f"{BASE}/CFRubrics/{rubric.identifier}").json()["CFRubricCriteria"]
    license_ = world.district_framework.license
    assert (
        case_client.get(f"{BASE}/CFLicenses/{license_.identifier}").json()["title"]
        == license_.title
    )


def test_drafts_are_not_public_but_their_authors_read_them(world, case_client):
    url = f"{BASE}/CFDocuments/{world.riverbend_draft.identifier}"
    assert case_client.get(url).status_code == 404
    case_client.force_login(world.user("district.admin"))
    assert case_client.get(url).status_code == 200


@override_settings(PROFICIO_CASE_PUBLIC=False)
def test_public_reading_can_be_turned_off(world, case_client):
    url = f"{BASE}/CFDocuments/{world.district_framework.identifier}"
    assert case_client.get(url).status_code == 404
    case_client.force_login(world.user("ana"))
    assert case_client.get(url).status_code == 200


def test_discovery_document(world, case_client):
    spec = case_client.get(f"{BASE}/openapi.json").json()
    paths = set(spec["paths"])
    for endpoint in [
        "CFDocuments",
        "CFPackages/{sourcedId}",
        "CFItems/{sourcedId}",
        "CFRubrics/{sourcedId}",
    ]:
        assert f"{BASE}/{endpoint}" in paths
