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
