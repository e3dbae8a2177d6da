"""The API refuses instead of crashing: every error is JSON, with the right status and no
names in it (issue 11, section 4)."""

from __future__ import annotations

import json

import pytest
from ninja import Field, Schema

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
        label = f"How many to {'return' if name == 'limit' else 'skip first'} ({name})"
        assert body["detail"].startswith(f"{label}: "), body
        assert [e["loc"] for e in body["errors"]] == [["query", name]]
        assert [(e["path"], e["label"]) for e in body["errors"]] == [(name, label)]


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
    body = _json(response)
    assert body["detail"].startswith("Student id: "), body
    located = [(e["loc"], e["path"]) for e in body["errors"]]
    assert located == [(["path", "student_id"], "student_id")]


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
    assert ("body", "kind") in locs
    assert ("body", "assessed_at") in locs


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


def _problems(response) -> list[tuple[list, str, str]]:
    body = _json(response)
    problems = [(e["loc"], e["path"], e["label"]) for e in body["errors"]]
    # The detail says each problem by its label, never by a raw name.
    assert body["detail"] == "; ".join(f"{e['label']}: {e['msg']}" for e in body["errors"])
    return problems


def test_schema_errors_in_a_body_name_the_label_and_the_json_path(world, client):
    """What the schema itself refuses (before the action runs) is said like what the action
    refuses (``api.problems``): a missing field, a wrong type deep in a list, a body that
    is no object at all, or none."""
    client.force_login(world.user("rivera"))
    url = f"/api/v1/students/{world.ana.pk}/evidence"
    target = str(world.target("MATH.3.2").identifier)
    when = "2026-01-05T10:00:00+00:00"
    cases = {
        "missing field": (
            {"kind": "quiz", "title": "x", "scores": [{"target": target, "score": 3}]},
            [(["body", "assessed_at"], "$.assessed_at", "When the learning was shown")],
        ),
        "wrong type in a list": (
            {
                "kind": "quiz",
                "title": "x",
                "assessed_at": when,
                "scores": [{"target": target, "score": 3}, {"target": target, "score": "lots"}],
            },
            [(["body", "scores", 1, "score"], "$.scores[1].score", "Score")],
        ),
        "bad identifier and missing score in a list": (
            {
                "kind": "quiz",
                "title": "x",
                "assessed_at": when,
                "scores": [{"target": "not-a-uuid", "score": 1}, {"target": target}],
            },
            [
                (
                    ["body", "scores", 0, "target"],
                    "$.scores[0].target",
                    "Learning target (its CASE identifier)",
                ),
                (["body", "scores", 1, "score"], "$.scores[1].score", "Score"),
            ],
        ),
        "scores not a list": (
            {"kind": "quiz", "title": "x", "assessed_at": when, "scores": {"a": 1}},
            [(["body", "scores"], "$.scores", "Scores")],
        ),
        # A body that is no object has none of the fields.
        "a list, not an object": (
            [1, 2],
            [
                (["body", "kind"], "$.kind", "Kind of evidence"),
                (["body", "title"], "$.title", "Title"),
                (["body", "assessed_at"], "$.assessed_at", "When the learning was shown"),
                (["body", "scores"], "$.scores", "Scores"),
            ],
        ),
    }
    for name, (body, expected) in cases.items():
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 422, (name, response.content[:300])
        assert _problems(response) == expected, name
    empty = client.post(url, b"", content_type="application/json")
    assert empty.status_code == 422
    assert _problems(empty) == [(["body"], "$", "The request")]
    assert _json(empty)["errors"][0]["msg"] == "Field required"


def test_parameter_errors_name_the_label_and_the_parameter(world, client):
    """A query parameter, a path parameter and a form field of the wrong type: each named by
    its label and where it is, never a 500."""
    client.force_login(world.user("district.admin"))
    both = client.get("/api/v1/sections", {"limit": "many", "offset": "-3"})
    assert both.status_code == 400
    assert _problems(both) == [
        (["query", "limit"], "limit", "How many to return (limit)"),
        (["query", "offset"], "offset", "How many to skip first (offset)"),
    ]
    path = client.get("/api/v1/insights/x/aggregates")
    assert path.status_code == 400, path.content[:300]
    assert _problems(path) == [(["path", "org_id"], "org_id", "Org id")]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.zip", b"PK", content_type="application/zip")
    form = client.post("/api/v1/roster/imports", {"file": upload, "district_id": "riverbend"})
    assert form.status_code == 422, form.content[:300]
    assert _problems(form) == [(["form", "district_id"], "district_id", "District id")]
    no_file = client.post("/api/v1/frameworks/imports?draft=perhaps", {})
    # A bad query parameter makes it a bad request (400); the missing file is said too.
    assert no_file.status_code == 400, no_file.content[:300]
    assert _problems(no_file) == [
        (["file", "file"], "file", "File"),
        (["query", "draft"], "draft", "Draft"),
    ]
    for answer in (both, path, form, no_file):
        assert answer.status_code != 500


class _Inner(Schema):
    score: float = Field(title="The score")


class _Outer(Schema):
    rows: list[_Inner] | None = Field(None, title="The rows")


class _Body(Schema):
    """A body as django-ninja builds it for an operation: the schema under its name."""

    __ninja_param_source__ = "body"
    __read_from_single_attr__ = "payload"
    payload: _Outer


def test_labels_reach_into_optional_lists_and_keep_the_last_known_field():
    """``label_of`` follows a schema held in an optional list, and a key the schema does not
    take (an extra field) keeps the label reached so far instead of failing."""
    from proficio.api import problems

    assert problems.label_of(_Outer, ("rows", 3, "score")) == "The score"
    assert problems.label_of(_Outer, ("rows", 0, "surprise")) == "The rows"
    assert problems.label_of(_Outer, ("nothing",)) == problems.WHOLE
    errors = [{"loc": ("payload", "rows", 1, "score"), "msg": "Input should be a valid number"}]

    assert problems.from_parameters(_Body, errors) == [
        {
            "loc": ["body", "rows", 1, "score"],
            "path": "$.rows[1].score",
            "label": "The score",
            "msg": "Input should be a valid number",
        }
    ]
