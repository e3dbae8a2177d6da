"""The xAPI statement reader: what Proficio takes from a statement, and what it refuses."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.standards import xapi
from proficio.core.standards.xapi import XAPIProblem

SID = "6f1c8a3e-3b1d-4c2a-9f0e-1a2b3c4d5e6f"
BASE = {
    "id": SID,
    "actor": {"objectType": "Agent", "account": {"homePage": "https://sis.example", "name": "ana"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
    "object": {
        "objectType": "Activity",
        "id": "https://tool.example/q/1",
        "definition": {
            "name": {"es": "Pregunta 1", "en-US": "Question 1"},
            "extensions": {xapi.CASE_ITEM_EXTENSION: "urn:case:item:1"},
        },
    },
    "result": {"success": True, "score": {"scaled": 0.75}},
    "timestamp": "2026-01-15T10:00:00Z",
}


def _with(path: str, value):
    raw = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is _DROP:
        del node[last]
    else:
        node[last] = value
    return raw


_DROP = object()


def test_reads_what_proficio_needs():
    s = xapi.read_statement(BASE)
    assert s.id == SID
    assert (s.account_name, s.mbox) == ("ana", None)
    assert s.activity == "https://tool.example/q/1"
    assert s.activity_name == "Question 1"
    assert s.case_item == "urn:case:item:1"
    assert (s.success, s.scaled, s.voids) == (True, 0.75, None)
    assert s.at == dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)
    assert xapi.right_or_wrong(s) is True
    assert xapi.score_on(s, 1, 4) == 3.25


def test_names_scores_and_learners():
    s = xapi.read_statement(_with("object.definition.name", {"fr": "Question"}))
    assert s.activity_name == "Question"
    s = xapi.read_statement(_with("object.definition", {"name": {"fr": 3}}))
    assert s.activity_name == "https://tool.example/q/1"
    assert s.case_item is None
    s = xapi.read_statement(_with("result", {"score": {"raw": 3, "min": 0, "max": 4}}))
    assert s.scaled == 0.75
    assert s.success is None
    assert xapi.right_or_wrong(s) is False
    s = xapi.read_statement(_with("result", {"score": {"scaled": -0.5}}))
    assert s.scaled == 0.0
    s = xapi.read_statement(_with("result", {"score": {"scaled": 1}}))
    assert xapi.right_or_wrong(s) is True
    s = xapi.read_statement(_with("result", {"success": False}))
    assert xapi.score_on(s, 1, 4) == 1
    assert xapi.score_on(xapi.read_statement(_with("result", {"success": True})), 1, 4) == 4
    s = xapi.read_statement(_with("result", {"score": {"min": 0}}))
    assert s.scaled is None
    s = xapi.read_statement(_with("actor", {"objectType": "Agent", "mbox": "mailto:ana@x.org"}))
    assert (s.account_name, s.mbox) == (None, "ana@x.org")
    no_time = _with("timestamp", _DROP)
    no_time["stored"] = "2026-02-01T00:00:00+00:00"
    assert xapi.read_statement(no_time).at.month == 2
    empty = xapi.read_statement(_with("result", _DROP))
    for reader in (xapi.right_or_wrong, lambda s: xapi.score_on(s, 1, 4)):
        with pytest.raises(XAPIProblem, match="neither"):
            reader(empty)


def test_voiding_statement():
    raw = _with("verb", {"id": xapi.VOIDED})
    raw["object"] = {"objectType": "StatementRef", "id": str(uuid.UUID(int=7))}
    s = xapi.read_statement(raw)
    assert s.voids == str(uuid.UUID(int=7))
    assert s.activity is None
    raw["object"] = {"objectType": "Activity", "id": "x"}
    with pytest.raises(XAPIProblem, match="StatementRef"):
        xapi.read_statement(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "not a JSON object"),
        (_with("id", "seven"), "id is not a UUID"),
        (_with("actor", "ana"), "actor is missing"),
        (_with("actor", {"mbox": "ana@x.org"}), "mailto"),
        (_with("actor", {"name": "Ana"}), "no account name or mbox"),
        (_with("verb", {}), "verb.id"),
        (_with("object", None), "object is missing"),
        (_with("object", {"objectType": "Agent", "mbox": "mailto:a@x.org"}), "Activity with an id"),
        (_with("object.definition", "x"), "definition is not an object"),
        (_with("object.definition.extensions", {xapi.CASE_ITEM_EXTENSION: 3}), "must be a string"),
        (_with("result", "yes"), "result is not an object"),
        (_with("result.success", "yes"), "true or false"),
        (_with("result.score", 3), "score is not an object"),
        (_with("result.score", {"scaled": 1.5}), "from -1 to 1"),
        (_with("result.score", {"scaled": True}), "from -1 to 1"),
        (_with("result.score", {"raw": "3", "min": 0, "max": 4}), "must be numbers"),
        (_with("result.score", {"raw": 3, "min": 4, "max": 4}), "needs min and max"),
        (_with("result.score", {"raw": 5, "min": 0, "max": 4}), "outside min and max"),
        (_with("timestamp", _DROP), "timestamp is missing"),
        (_with("timestamp", "yesterday"), "not an ISO 8601 time"),
        (_with("timestamp", "2026-01-15T10:00:00"), "no time zone"),
    ],
)
def test_malformed_statements_say_what_is_wrong(raw, message):
    with pytest.raises(XAPIProblem, match=message):
        xapi.read_statement(raw)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.floats(min_value=0, max_value=100, allow_nan=False),
    low=st.floats(min_value=-50, max_value=0, allow_nan=False),
    span=st.floats(min_value=0.5, max_value=100, allow_nan=False),
    scale_low=st.floats(min_value=0, max_value=2, allow_nan=False),
)
def test_scores_land_on_the_scale(raw, low, span, scale_low):
    high = low + span
    value = min(max(raw, low), high)
    s = xapi.read_statement(_with("result", {"score": {"raw": value, "min": low, "max": high}}))
    assert 0 <= s.scaled <= 1
    placed = xapi.score_on(s, scale_low, scale_low + 3)
    assert scale_low - 1e-9 <= placed <= scale_low + 3 + 1e-9
