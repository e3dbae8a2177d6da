"""xAPI 1.0.3 statements as learning evidence: read one statement, check what Proficio needs.

Pure: a statement (a dict, as an LRS returns it) in, a ``ToolStatement`` out, or an
``XAPIProblem`` saying what is wrong with it. Proficio reads:

- ``id`` (a UUID): the statement's identity, so pulling it twice records it once;
- the actor's inverse functional identifier: an ``account`` (its ``name``, a username or
  a OneRoster sourcedId), or an ``mbox`` (an email address);
- the object: an Activity, whose ``definition.extensions`` may carry the CASE item it
  assesses under ``CASE_ITEM_EXTENSION`` (a CASE URI or identifier); or, for the verb
  ``voided``, a StatementRef naming the statement it takes back;
- ``result``: ``success`` (right or wrong, for Bayesian knowledge tracing) and ``score``
  (``scaled`` in [-1, 1], or ``raw`` between ``min`` and ``max``);
- ``timestamp`` (when the learning was shown), else ``stored``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
# The activity-definition extension naming the CASE item an activity assesses.
CASE_ITEM_EXTENSION = "urn:proficio:xapi:case-item"


class XAPIProblem(ValueError):
    """What makes a statement unusable, in words an integrator can act on."""


@dataclass(frozen=True)
class ToolStatement:
    id: str
    account_name: str | None
    mbox: str | None
    verb: str
    activity: str | None  # the activity IRI (None for a voiding statement)
    activity_name: str
    case_item: str | None  # from the activity's extension
    voids: str | None  # the statement id a voiding statement takes back
    success: bool | None
    scaled: float | None  # the score in [0, 1] (negative scores read as 0)
    at: dt.datetime


def _uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise XAPIProblem(f"{what} is not a UUID.") from None


def _moment(value: Any, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise XAPIProblem(f"{what} is missing.")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise XAPIProblem(f"{what} {value!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise XAPIProblem(f"{what} {value!r} has no time zone.")
    return moment


def _scaled(result: dict[str, Any]) -> float | None:
    score = result.get("score")
    if score is None:
        return None
    if not isinstance(score, dict):
        raise XAPIProblem("result.score is not an object.")
    scaled = score.get("scaled")
    if scaled is not None:
        if not isinstance(scaled, int | float) or isinstance(scaled, bool) or not -1 <= scaled <= 1:
            raise XAPIProblem("result.score.scaled must be a number from -1 to 1.")
        return max(float(scaled), 0.0)
    raw, low, high = score.get("raw"), score.get("min"), score.get("max")
    if raw is None:
        return None
    numbers = [v for v in (raw, low, high) if v is not None]
    if any(not isinstance(v, int | float) or isinstance(v, bool) for v in numbers):
        raise XAPIProblem("result.score.raw, min and max must be numbers.")
    if low is None or high is None or high <= low:
        raise XAPIProblem("result.score.raw needs min and max (max above min) to be read.")
    if not low <= raw <= high:
        raise XAPIProblem("result.score.raw lies outside min and max.")
    return float((raw - low) / (high - low))


def _name(definition: dict[str, Any], fallback: str) -> str:
    names = definition.get("name")
    if isinstance(names, dict) and names:
        for key in ("en-US", "en", "es"):
            if isinstance(names.get(key), str):
                return str(names[key])
        first = next(iter(names.values()))
        if isinstance(first, str):
            return first
    return fallback


def read_statement(raw: Any) -> ToolStatement:
    """The parts of one statement Proficio uses. Raises XAPIProblem."""
    if not isinstance(raw, dict):
        raise XAPIProblem("The statement is not a JSON object.")
    statement_id = _uuid(raw.get("id"), "id")
    actor = raw.get("actor")
    if not isinstance(actor, dict):
        raise XAPIProblem("actor is missing.")
    account = actor.get("account")
    account_name = None
    if isinstance(account, dict) and isinstance(account.get("name"), str):
        account_name = account["name"]
    mbox = actor.get("mbox") if isinstance(actor.get("mbox"), str) else None
    if mbox is not None:
        if not mbox.startswith("mailto:"):
            raise XAPIProblem("actor.mbox must be a mailto: IRI.")
        mbox = mbox[len("mailto:") :]
    verb = raw.get("verb")
    if not isinstance(verb, dict) or not isinstance(verb.get("id"), str):
        raise XAPIProblem("verb.id is missing.")
    obj = raw.get("object")
    if not isinstance(obj, dict):
        raise XAPIProblem("object is missing.")
    at = _moment(raw.get("timestamp") or raw.get("stored"), "timestamp")
    if verb["id"] == VOIDED:
        if obj.get("objectType") != "StatementRef":
            raise XAPIProblem("A voiding statement's object must be a StatementRef.")
        return ToolStatement(
            statement_id, account_name, mbox, VOIDED, None, "", None,
            _uuid(obj.get("id"), "object.id"), None, None, at,
        )  # fmt: skip
    if account_name is None and mbox is None:
        raise XAPIProblem("actor has no account name or mbox to know the learner by.")
    if obj.get("objectType", "Activity") != "Activity" or not isinstance(obj.get("id"), str):
        raise XAPIProblem("object must be an Activity with an id.")
    definition = obj.get("definition") or {}
    if not isinstance(definition, dict):
        raise XAPIProblem("object.definition is not an object.")
    extensions = definition.get("extensions") or {}
    case_item = extensions.get(CASE_ITEM_EXTENSION) if isinstance(extensions, dict) else None
    if case_item is not None and not isinstance(case_item, str):
        raise XAPIProblem(f"The extension {CASE_ITEM_EXTENSION} must be a string.")
    result = raw.get("result") or {}
    if not isinstance(result, dict):
        raise XAPIProblem("result is not an object.")
    success = result.get("success")
    if success is not None and not isinstance(success, bool):
        raise XAPIProblem("result.success must be true or false.")
    return ToolStatement(
        id=statement_id,
        account_name=account_name,
        mbox=mbox,
        verb=verb["id"],
        activity=obj["id"],
        activity_name=_name(definition, obj["id"]),
        case_item=case_item,
        voids=None,
        success=success,
        scaled=_scaled(result),
        at=at,
    )


def right_or_wrong(statement: ToolStatement) -> bool:
    """An item response for knowledge tracing: ``success``, else a full score."""
    if statement.success is not None:
        return statement.success
    if statement.scaled is not None:
        return statement.scaled >= 1.0
    raise XAPIProblem("result has neither success nor a score to read as right or wrong.")


def score_on(statement: ToolStatement, low: float, high: float) -> float:
    """The result as a score on a scale from ``low`` to ``high`` (for rule policies)."""
    if statement.scaled is not None:
        return low + statement.scaled * (high - low)
    if statement.success is not None:
        return high if statement.success else low
    raise XAPIProblem("result has neither a score nor success to read as a score.")
