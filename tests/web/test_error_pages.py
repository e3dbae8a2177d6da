"""Error pages (400, 403, 404, 500, 503) render without the database and without the user,
in English and Spanish; for the API they are JSON (issue 19 section 3).

These tests take no database fixture, so pytest-django refuses any query they would make:
a page that touched the database would fail here."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation
from django.utils.html import escape

from proficio.web.views import errors

PAGES = [
    (errors.bad_request, 400, "That request could not be understood"),
    (errors.permission_denied, 403, "You don't have access to this page"),
    (errors.csrf_failure, 403, "This form has expired"),
    (errors.page_not_found, 404, "Page not found"),
    (errors.server_error, 500, "Something went wrong on our side"),
    (errors.service_unavailable, 503, "Proficio is briefly unavailable"),
]


def _call(view, request):
    return view(request) if view is errors.server_error else view(request, None)


@pytest.mark.parametrize(("view", "status", "title"), PAGES)
def test_error_pages_need_no_database_and_no_user(view, status, title):
    request = RequestFactory().get("/somewhere/")  # no session, no user: as before auth runs
    assert not hasattr(request, "user")
    response = _call(view, request)
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{escape(title)}</h1>" in html
    assert 'href="/static/proficio/proficio.css"' in html
    assert ("Retry-After" in response) == (status == 503)


@pytest.mark.parametrize(("view", "status", "title"), PAGES)
def test_api_errors_are_json_without_the_database(view, status, title):
    request = RequestFactory().get("/api/v1/students")
    response = _call(view, request)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)) == {"detail"}


def test_a_server_error_from_an_unreachable_database_is_a_503():
    request = RequestFactory().get("/api/v1/me")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = errors.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert errors.server_error(RequestFactory().get("/")).status_code == 500


def test_error_pages_speak_spanish():
    with translation.override("es"):
        html = errors.page_not_found(RequestFactory().get("/x/"), None).content.decode()
        assert "Página no encontrada" in html
        assert 'lang="es"' in html
        html = errors.service_unavailable(RequestFactory().get("/x/"), None).content.decode()
        assert "Proficio is briefly unavailable" not in html
