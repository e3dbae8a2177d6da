"""Builders for Open Badges 3.0 and CLR 2.0 credentials (VC 2.0 data model), unsigned.

One builder per credential kind, from plain values, so a competency level, a diploma
(``achievement_type="Diploma"``) and an educator micro-credential are the same call with
different achievements, and a CLR transcript wraps already-signed OB 3.0 credentials."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from proficio.core.credentials.contexts import CLR_V2, OB_V3, VC_V2
from proficio.core.credentials.data_integrity import timestamp
from proficio.core.credentials.schema import CLR2_SCHEMA_ID, SCHEMA_TYPE


@dataclass(frozen=True)
class Issuer:
    id: str  # the organization's DID
    name: str
    url: str = ""

    def profile(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            out["url"] = self.url
        return out


@dataclass(frozen=True)
class CaseAlignment:
    """An alignment to a CASE item (``targetType`` CFItem, ``targetUrl`` its CASE URI)."""

    uri: str
    name: str
    code: str = ""
    framework: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": ["Alignment"],
            "targetType": "CFItem",
            "targetUrl": self.uri,
            "targetName": self.name,
        }
        if self.code:
            out["targetCode"] = self.code
        if self.framework:
            out["targetFramework"] = self.framework
        return out


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str = "Competency"
    alignments: Sequence[CaseAlignment] = ()
    human_code: str = ""
    creator: Issuer | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": ["Achievement"],
            "achievementType": self.achievement_type,
            "name": self.name,
            "description": self.description,
            "criteria": {"narrative": self.criteria},
        }
        if self.human_code:
            out["humanCode"] = self.human_code
        if self.alignments:
            out["alignment"] = [a.as_json() for a in self.alignments]
        if self.creator is not None:
            out["creator"] = self.creator.profile()
        return out


@dataclass(frozen=True)
class Recipient:
    """The learner: a stable id that names nobody, and an identifier (by default their
    school-system id) hashed with a salt, so the holder can prove the credential is theirs
    without it spelling out who they are."""

    id: str
    identity: str
    salt: str
    identity_type: str = "sisSourcedId"

    def identifier(self) -> dict[str, Any]:
        digest = hashlib.sha256((self.identity + self.salt).encode("utf-8")).hexdigest()
        return {
            "type": "IdentityObject",
            "identityHash": f"sha256${digest}",
            "identityType": self.identity_type,
            "hashed": True,
            "salt": self.salt,
        }


@dataclass(frozen=True)
class Evidence:
    id: str
    name: str
    narrative: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": ["Evidence"], "name": self.name}
        if self.narrative:
            out["narrative"] = self.narrative
        return out


@dataclass(frozen=True)
class CredentialMeta:
    id: str
    name: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None = None
    description: str = ""
    status: dict[str, Any] | None = None
    evidence: Sequence[Evidence] = field(default_factory=tuple)


def _base(meta: CredentialMeta, kind: str, contexts: list[str], issuer: Issuer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": contexts,
        "id": meta.id,
        "type": ["VerifiableCredential", kind],
        "issuer": issuer.profile(),
        "validFrom": timestamp(meta.valid_from),
        "name": meta.name,
    }
    if meta.description:
        out["description"] = meta.description
    if meta.valid_until is not None:
        out["validUntil"] = timestamp(meta.valid_until)
    return out


def achievement_credential(
    meta: CredentialMeta, issuer: Issuer, recipient: Recipient, achievement: Achievement
) -> dict[str, Any]:
    """An OB 3.0 AchievementCredential. It names no ``credentialSchema``: the npm OB 3.0.3
    context leaves the schema type undefined, which strict JSON-LD processors refuse."""
    credential = _base(meta, "AchievementCredential", [VC_V2, OB_V3], issuer)
    credential["credentialSubject"] = {
        "id": recipient.id,
        "type": ["AchievementSubject"],
        "identifier": [recipient.identifier()],
        "achievement": achievement.as_json(),
    }
    if meta.evidence:
        credential["evidence"] = [e.as_json() for e in meta.evidence]
    if meta.status is not None:
        credential["credentialStatus"] = meta.status
    return credential


def clr_credential(
    meta: CredentialMeta,
    issuer: Issuer,
    recipient: Recipient,
    credentials: Sequence[dict[str, Any] | str],
    achievements: Sequence[Achievement] = (),
) -> dict[str, Any]:
    """A CLR 2.0 ClrCredential wrapping already-signed OB 3.0 credentials."""
    credential = _base(meta, "ClrCredential", [VC_V2, CLR_V2, OB_V3], issuer)
    subject: dict[str, Any] = {
        "id": recipient.id,
        "type": ["ClrSubject"],
        "identifier": [recipient.identifier()],
        "verifiableCredential": list(credentials),
    }
    if achievements:
        subject["achievement"] = [a.as_json() for a in achievements]
    credential["credentialSubject"] = subject
    if meta.status is not None:
        credential["credentialStatus"] = meta.status
    # A VC-JWT needs no JSON-LD processing, so the CLR can name its schema.
    credential["credentialSchema"] = [{"id": CLR2_SCHEMA_ID, "type": SCHEMA_TYPE}]
    return credential
