"""1EdTech's OB 3.0 and CLR 2.0 JSON schemas, applied by the credential's data model.

The published schemas follow the VC 1.1 data model, which requires ``issuanceDate``. A
credential built on VC 2.0 (first context ``…/ns/credentials/v2``) says ``validFrom``
instead, so for those the ``issuanceDate`` requirement is lifted wherever it appears (nested
credentials too), the VC 2.0 properties are allowed beside it, and every other rule
applies unchanged."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator

from proficio.core.credentials.contexts import VC_V2

OB3_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CLR2_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"


_DATE_TIME = {"type": "string", "format": "date-time"}
# VC 2.0 names a credential's dates validFrom/validUntil and lets it carry a name and a
# description; where a schema lists issuanceDate, the credential may say these instead.
_VC2_PROPERTIES = {
    "validFrom": _DATE_TIME,
    "validUntil": _DATE_TIME,
    "name": {"type": "string"},
    "description": {"type": "string"},
}


def _for_vc2(schema: Any) -> Any:
    """The VC 2.0 variant: dates and names as VC 2.0 writes them, and status entries with
    their method's own properties (a Bitstring Status List entry names its list and index)."""
    out = _vc2_dates(schema)
    status = out.get("$defs", {}).get("CredentialStatus")
    if isinstance(status, dict):
        status["additionalProperties"] = True
    return out


def _vc2_dates(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _vc2_dates(v) for k, v in schema.items()}
        if isinstance(out.get("required"), list):
            out["required"] = [r for r in out["required"] if r != "issuanceDate"]
        props = out.get("properties")
        if isinstance(props, dict) and "issuanceDate" in props:
            out["properties"] = {**_VC2_PROPERTIES, **props}
        return out
    if isinstance(schema, list):
        return [_vc2_dates(v) for v in schema]
    return schema


_COMPACT_JWS = {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"}


def _jwt_items_allowed(clr: dict[str, Any]) -> dict[str, Any]:
    """In a CLR signed as a VC-JWT, the credentials inside may be compact JWS strings
    (CLR 2.0, JSON Web Token proof format); each is then checked as a credential itself."""
    out = copy.deepcopy(clr)
    vcs = (
        out.get("$defs", {}).get("ClrSubject", {}).get("properties", {}).get("verifiableCredential")
    )
    if isinstance(vcs, dict) and "items" in vcs:
        vcs["items"] = {"anyOf": [vcs["items"], _COMPACT_JWS]}
    return out


@dataclass(frozen=True)
class SchemaProblem:
    path: str  # JSON path, e.g. "$.credentialSubject.achievement.criteria"
    message: str


class SchemaSet:
    """The schemas by kind, each in a VC 1.1 and a VC 2.0 variant, validators built once."""

    def __init__(self, ob3: dict[str, Any], clr2: dict[str, Any]) -> None:
        self._validators: dict[tuple[str, bool], Draft4Validator] = {}
        for kind, schema in (("ob3", ob3), ("clr2", _jwt_items_allowed(clr2))):
            self._validators[(kind, False)] = Draft4Validator(copy.deepcopy(schema))
            self._validators[(kind, True)] = Draft4Validator(_for_vc2(schema))

    def check(self, credential: dict[str, Any], kind: str) -> list[SchemaProblem]:
        """Every schema problem, ``kind`` being "ob3" or "clr2"; empty when it conforms."""
        contexts = credential.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        validator = self._validators[(kind, first == VC_V2)]
        problems = []
        for error in sorted(validator.iter_errors(credential), key=lambda e: list(e.path)):
            path = "$" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
            )
            problems.append(SchemaProblem(path, error.message))
        return problems
