"""The API's OpenAPI document: a snapshot guards silent changes, and the document lists the
error answers and the paging bounds that clients (and schemathesis) rely on."""

from __future__ import annotations

import json
import os
from pathlib import Path

from proficio.api.paging import MAX_LIMIT, MAX_OFFSET

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")
UPDATE = "PROFICIO_UPDATE_SNAPSHOTS"


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_matches_the_snapshot(client):
    text = json.dumps(_document(client), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get(UPDATE) == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), (
        "The API's OpenAPI document changed. If that was on purpose, refresh the snapshot with "
        f"`{UPDATE}=1 .venv/bin/python -m pytest tests/api/test_openapi.py` and "
        "commit it with the change."
    )


def test_every_operation_lists_its_error_answers(client):
    doc = _document(client)
    assert doc["components"]["schemas"]["Error"]["required"] == ["detail"]
    operations = [
        (path, method, op) for path, item in doc["paths"].items() for method, op in item.items()
    ]
    assert len(operations) >= 12
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"400", "401", "403", "503"} <= codes, (method, path, codes)
        assert "Retry-After" in op["responses"]["503"]["headers"]
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in op:
            assert {"413", "422"} <= codes, (method, path)
        if any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "414" in codes, (method, path)
        for code in codes - {"200", "201", "202", "414"}:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}


def test_paging_bounds_are_in_the_document(client):
    doc = _document(client)
    lists = ["/api/v1/students", "/api/v1/sections", "/api/v1/organizations", "/api/v1/audit"]
    for path in lists:
        params = {p["name"]: p["schema"] for p in doc["paths"][path]["get"]["parameters"]}
        assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, MAX_LIMIT)
        assert (params["offset"]["minimum"], params["offset"]["maximum"]) == (0, MAX_OFFSET)
