"""Every answer that may carry student data says ``Cache-Control: no-store``: each named
route of the permission matrix, as someone it answers, plus the error answers; static files
keep their own caching."""

from __future__ import annotations

import pytest

from tests.permission_matrix import ROUTES
from tests.world import ROLE_USERS

GETS = [
    (name, i)
    for name, cases in sorted(ROUTES.items())
    for i, case in enumerate(cases)
    if case.method == "get"
]


@pytest.mark.parametrize(("name", "index"), GETS)
def test_every_route_answers_no_store(world, client, name, index):
    case = ROUTES[name][index]
    allowed = sorted(case.allowed)
    if allowed:
        client.force_login(world.user(ROLE_USERS[allowed[0]]))
    data = case.data() if callable(case.data) else case.data
    response = client.get(case.url(world), data)
    expected = case.ok if allowed else case.anonymous
    assert response.status_code == expected, (name, response.status_code)
    assert "no-store" in response.get("Cache-Control", ""), (name, response.get("Cache-Control"))


def test_the_routes_walked_include_pages_files_and_the_api():
    names = {name for name, _ in GETS}
    assert {"web:student_detail", "learners:family_report_pdf", "classroom:grid_csv"} <= names
    assert len(GETS) > 50


@pytest.mark.parametrize(
    "path", ["/students/999999/", "/api/v1/students/999999", "/no/such/page/", "/api/v1/nope"]
)
def test_error_answers_are_not_stored(world, client, path):
    client.force_login(world.user("rivera"))
    response = client.get(path)
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(client):
    response = client.get("/static/proficio/proficio.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
