"""A real LRS for the tests: Ralph with its filesystem backend, started once per session.

Statements stay in Ralph across tests while the database rolls back, so each test starts
its cursor after whatever earlier tests posted."""

from __future__ import annotations

import uuid

import pytest

from proficio.lrs import ralph
from proficio.lrs.client import LrsClient
from proficio.lrs.models import LrsCursor

USER, PASSWORD = "proficio-test", "lrs-test-password"


@pytest.fixture(scope="session")
def ralph_url(tmp_path_factory):
    port = ralph.free_port()
    data = tmp_path_factory.mktemp("ralph")
    process = ralph.start(data, port=port, username=USER, password=PASSWORD, log=data / "ralph.log")
    yield f"http://127.0.0.1:{port}/xAPI"
    ralph.stop(process)


@pytest.fixture
def lrs(ralph_url, db, settings):
    settings.PROFICIO_LRS_URL = ralph_url
    settings.PROFICIO_LRS_USERNAME = USER
    settings.PROFICIO_LRS_PASSWORD = PASSWORD
    client = LrsClient(ralph_url, USER, PASSWORD)
    last, after = "", ""
    while True:
        statements, after = client.page(after, 5000)
        if statements:
            last = statements[-1]["id"]
        if not after:
            break
    LrsCursor.objects.update_or_create(endpoint=client.url, defaults={"last_statement_id": last})
    return client


def statement(
    account: str,
    activity: str,
    *,
    case_item: str | None = None,
    success: bool | None = None,
    scaled: float | None = None,
    raw: dict | None = None,
    timestamp: str = "2026-01-15T10:00:00+00:00",
    statement_id: str | None = None,
) -> dict:
    definition: dict = {"name": {"en-US": f"Activity {activity.rsplit('/', 1)[-1]}"}}
    if case_item:
        definition["extensions"] = {"urn:proficio:xapi:case-item": case_item}
    result: dict = {}
    if success is not None:
        result["success"] = success
    if scaled is not None:
        result["score"] = {"scaled": scaled}
    if raw is not None:
        result["score"] = raw
    out = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://sis.example", "name": account},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": activity, "definition": definition},
        "timestamp": timestamp,
    }
    if result:
        out["result"] = result
    return out


def voiding(target_id: str, account: str = "admin") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:teacher@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
    }
