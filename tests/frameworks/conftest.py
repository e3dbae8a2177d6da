from __future__ import annotations

import json
from pathlib import Path

import pytest

CASE_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "case"


def case_fixture(name: str) -> Path:
    path = CASE_FIXTURES / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared fixtures sit beside the checkout")
    return path


@pytest.fixture(scope="session")
def case_schema() -> dict:
    return json.loads(case_fixture("case-v1p1-cfpackage-schema.json").read_text())


def opensalt_fixtures() -> list[str]:
    if not CASE_FIXTURES.exists():
        return ["(shared fixtures absent)"]
    return sorted(p.name for p in CASE_FIXTURES.glob("opensalt-*.json"))


class ConformingClient:
    """The test client, checking every CASE provider answer against the CASE 1.1 OpenAPI's
    response schema for its path and status (``case_openapi``) before handing it back."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, *args, **kwargs):
        from tests.frameworks.case_openapi import assert_conforms

        response = self.client.get(*args, **kwargs)
        assert_conforms(response)
        return response

    def post(self, *args, **kwargs):
        from tests.frameworks.case_openapi import assert_conforms

        response = self.client.post(*args, **kwargs)
        assert_conforms(response)
        return response

    def force_login(self, user) -> None:
        self.client.force_login(user)


@pytest.fixture
def case_client(client) -> ConformingClient:
    return ConformingClient(client)
