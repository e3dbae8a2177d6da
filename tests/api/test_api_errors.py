"""The API refuses instead of crashing: every error is JSON, with the right status and no
names in it (issue 11, section 4)."""

from __future__ import annotations

import json

import pytest

from proficio.api.paging import MAX_LIMIT, MAX_OFFSET


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


def test_a_refusal_is_a_403_json_body(world, client):
    """A guardian holds no role that lists organizations: PermissionDenied below the route."""
    client.force_login(world.user("garcia.family"))
    response = client.get("/api/v1/organizations")
    assert response.status_code == 403
    assert _json(response) == {"detail": "You may not do this."}


def test_a_refusal_of_a_write_is_a_403_json_body(world, client):
    """Ana (a student) may not import frameworks: the refusal comes after the CSRF check."""
    client.force_login(world.user("ana"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    package = SimpleUploadedFile("p.json", b"{}", content_type="application/json")
    response = client.post("/api/v1/frameworks/imports", {"file": package})
    assert response.status_code == 403
    assert _json(response)["detail"] == "You may not do this."


def test_a_foreign_student_is_a_404_without_a_name(world, client):
    client.force_login(world.user("rivera"))
    for path in (
        f"/api/v1/students/{world.lake_kid.pk}",
        f"/api/v1/students/{world.lake_kid.pk}/determinations",
        f"/api/v1/students/{world.cedar_kid.pk}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = _json(response)
        assert body == {"detail": "Not found."}
        for name in ("Lia", "Lake", world.cedar_kid.legal_given_name):
            assert name not in response.content.decode()


def test_an_unknown_api_path_is_a_404_json_body(world, client):
    client.force_login(world.user("rivera"))
    response = client.get("/api/v1/no/such/route")
    assert response.status_code == 404
    assert _json(response) == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": MAX_OFFSET + 1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"offset": "1e3"}, "offset"),
    ],
)
def test_paging_out_of_range_is_a_400_naming_the_parameter(world, client, query, name):
    client.force_login(world.user("district.admin"))
    for route in ("students", "sections", "organizations", "audit"):
        response = client.get(f"/api/v1/{route}", query)
        assert response.status_code == 400, (route, query)
        body = _json(response)
        assert body["detail"].startswith(f"{name}: "), body
        assert [e["loc"] for e in body["errors"]] == [["query", name]]


def test_paging_at_its_bounds_is_served(world, client):
    client.force_login(world.user("district.admin"))
    last = client.get("/api/v1/students", {"limit": MAX_LIMIT, "offset": MAX_OFFSET})
    assert last.status_code == 200
    assert _json(last) == []
    first = client.get("/api/v1/students", {"limit": 1, "offset": 0})
    assert len(first.json()) == 1


def test_a_path_id_that_is_not_a_number_is_a_400(world, client):
    client.force_login(world.user("rivera"))
    response = client.get("/api/v1/students/abc")
    assert response.status_code == 400
    assert _json(response)["detail"].startswith("student_id: ")


def test_a_huge_path_id_is_a_404(world, client):
    client.force_login(world.user("district.admin"))
    for path in (f"/api/v1/students/{10**30}", f"/api/v1/sections/{-(10**25)}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert _json(response) == {"detail": "Not found."}


def test_multipart_without_a_boundary_is_a_400(world, client):
    client.force_login(world.user("district.admin"))
    response = client.generic(
        "POST", "/api/v1/frameworks/imports", b"--x\r\n\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "multipart" in _json(response)["detail"]


def test_a_json_body_that_does_not_fit_is_a_422_listing_the_fields(world, client):
    client.force_login(world.user("rivera"))
    response = client.post(
        f"/api/v1/students/{world.ana.pk}/evidence",
        json.dumps({"kind": "not-a-kind", "title": "x", "scores": []}),
        content_type="application/json",
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in _json(response)["errors"]}
    assert ("body", "payload", "kind") in locs
    assert ("body", "payload", "assessed_at") in locs


def test_a_body_that_is_not_json_is_refused_in_json(world, client):
    client.force_login(world.user("rivera"))
    response = client.post(
        f"/api/v1/students/{world.ana.pk}/evidence", b"{not json", content_type="application/json"
    )
    assert response.status_code in {400, 422}
    assert "detail" in _json(response)


def test_not_logged_in_is_a_401_json_body(client):
    response = client.get("/api/v1/students")
    assert response.status_code == 401
    assert _json(response) == {"detail": "Log in first."}


def test_a_post_without_the_csrf_token_is_a_403_json_body(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("rivera"))
    response = client.post(
        f"/api/v1/students/{world.ana.pk}/evidence", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in _json(response)["detail"]
