"""Verification of a presented credential, with a verdict in plain language.

A verdict has one check per aspect a person asks about: is it readable, is the signature
genuine (proof), does it follow the standard (schema), who issued it (issuer), is it in
force today (dates), has the issuer withdrawn it (status), and for a CLR, the credentials
inside it. Nothing here fetches anything: keys come from ``did:key``, from the credential
itself (marked as such), or from the issuers this installation knows; status lists only
from this installation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from proficio.core.credentials import baked, data_integrity, status_list, vc_jwt
from proficio.core.credentials.contexts import VC_V1, VC_V2, ContextStore, contexts_used
from proficio.core.credentials.data_integrity import parse_time
from proficio.core.credentials.did import controller_of, key_from_did_key
from proficio.core.credentials.encoding import public_from_multikey
from proficio.core.credentials.errors import ContextNotHeld, CredentialError
from proficio.core.credentials.schema import SchemaSet
from proficio.core.credentials.vc_jwt import ed25519_jwk

MAX_BYTES = 2 * 1024 * 1024
MAX_NESTED = 500


class Outcome(StrEnum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


class Aspect(StrEnum):
    FORMAT = "format"
    PROOF = "proof"
    SCHEMA = "schema"
    ISSUER = "issuer"
    DATES = "dates"
    STATUS = "status"
    CONTENTS = "contents"


@dataclass(frozen=True)
class Check:
    aspect: Aspect
    outcome: Outcome
    message: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownKey:
    """A key this installation vouches for: one of its issuing organizations' keys."""

    public_key: bytes
    issuer_id: str
    issuer_name: str
    retired: bool = False


@dataclass(frozen=True)
class Alignment:
    target_url: str
    target_type: str
    target_name: str
    target_code: str


@dataclass
class Verdict:
    format: str = ""  # "json", "jwt", "png", "svg"
    kind: str = ""  # "ob3", "clr2" or ""
    credential: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    nested: list[Verdict] = field(default_factory=list)
    revoked: bool = False

    def add(self, aspect: Aspect, outcome: Outcome, message: str, *details: str) -> None:
        self.checks.append(Check(aspect, outcome, message, tuple(details)))

    def check(self, aspect: Aspect) -> Check | None:
        return next((c for c in self.checks if c.aspect == aspect), None)

    @property
    def valid(self) -> bool:
        proof = self.check(Aspect.PROOF)
        return (
            proof is not None
            and proof.outcome == Outcome.PASSED
            and all(c.outcome != Outcome.FAILED for c in self.checks)
        )

    @property
    def status(self) -> str:
        """One word for the whole: valid, revoked, expired or invalid."""
        if self.valid:
            return "valid"
        if self.revoked:
            return "revoked"
        dates = self.check(Aspect.DATES)
        others = [
            c for c in self.checks if c.outcome == Outcome.FAILED and c.aspect != Aspect.DATES
        ]
        if dates is not None and dates.outcome == Outcome.FAILED and not others:
            return "expired"
        return "invalid"

    @property
    def headline(self) -> str:
        name = self.name or "This credential"
        if self.valid:
            by = f", issued by {self.issuer_name}" if self.issuer_name else ""
            return f"{name} is genuine and in force{by}."
        failed = [c for c in self.checks if c.outcome == Outcome.FAILED]
        first = failed[0].message if failed else "It could not be verified."
        return f"{name} did not pass verification. {first}"

    def _get(self, *path: str) -> Any:
        node: Any = self.credential
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    @property
    def name(self) -> str:
        value = self._get("name") or self._get("credentialSubject", "achievement", "name")
        return value if isinstance(value, str) else ""

    @property
    def issuer_id(self) -> str:
        issuer = self._get("issuer")
        value = issuer.get("id") if isinstance(issuer, dict) else issuer
        return value if isinstance(value, str) else ""

    @property
    def issuer_name(self) -> str:
        value = self._get("issuer", "name")
        return value if isinstance(value, str) else ""

    @property
    def achievement_name(self) -> str:
        value = self._get("credentialSubject", "achievement", "name")
        return value if isinstance(value, str) else ""

    @property
    def alignments(self) -> list[Alignment]:
        raw = self._get("credentialSubject", "achievement", "alignment")
        out = []
        for a in raw if isinstance(raw, list) else []:
            if isinstance(a, dict) and isinstance(a.get("targetUrl"), str):
                out.append(
                    Alignment(
                        a["targetUrl"],
                        str(a.get("targetType", "")),
                        str(a.get("targetName", "")),
                        str(a.get("targetCode", "")),
                    )
                )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "valid": self.valid,
            "headline": self.headline,
            "format": self.format,
            "kind": self.kind,
            "name": self.name,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name},
            "checks": [
                {
                    "aspect": c.aspect.value,
                    "outcome": c.outcome.value,
                    "message": c.message,
                    "details": list(c.details),
                }
                for c in self.checks
            ],
            "nested": [n.as_dict() for n in self.nested],
        }


@dataclass(frozen=True)
class Trust:
    """What verification may rely on, all of it local."""

    contexts: ContextStore
    schemas: SchemaSet | None
    now: dt.datetime
    known_key: Callable[[str], KnownKey | None] = lambda vm: None
    # URL -> the status list credential this installation publishes there, or None.
    status_list: Callable[[str], dict[str, Any] | None] = lambda url: None


# ---------------------------------------------------------------- reading what was given


@dataclass(frozen=True)
class Presented:
    text: str
    format: str


def read_presented(data: bytes, *, max_bytes: int = MAX_BYTES) -> Presented:
    """The credential text inside an upload: JSON, a JWT, or a baked PNG or SVG badge."""
    if len(data) > max_bytes:
        raise CredentialError(
            f"The file is {len(data) // 1024} KB; credentials larger than "
            f"{max_bytes // 1024} KB are refused."
        )
    if not data.strip():
        raise CredentialError("Nothing was given: paste a credential or choose a file.")
    if data.startswith(baked.PNG_SIGNATURE):
        return Presented(baked.unbake_png(data), "png")
    head = data.lstrip()[:512].lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        return Presented(baked.unbake_svg(data), "svg")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise CredentialError(
            "The file is neither a credential (JSON or a JSON Web Token) nor a PNG or SVG badge."
        ) from exc
    return Presented(text, "json" if text.startswith("{") else "jwt")


# ---------------------------------------------------------------- verification


def verify_bytes(data: bytes, trust: Trust, *, max_bytes: int = MAX_BYTES) -> Verdict:
    try:
        presented = read_presented(data, max_bytes=max_bytes)
    except CredentialError as exc:
        verdict = Verdict()
        verdict.add(Aspect.FORMAT, Outcome.FAILED, str(exc))
        return verdict
    verdict = verify_text(presented.text, trust)
    verdict.format = presented.format if presented.format in ("png", "svg") else verdict.format
    return verdict


def verify_text(text: str, trust: Trust) -> Verdict:
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            verdict = Verdict(format="json")
            verdict.add(Aspect.FORMAT, Outcome.FAILED, f"The JSON is not readable: {exc}.")
            return verdict
        return verify_document(document, trust)
    if vc_jwt.looks_like_jwt(text):
        return verify_jwt(text, trust)
    verdict = Verdict()
    verdict.add(
        Aspect.FORMAT,
        Outcome.FAILED,
        "This is not a credential: expected JSON, a JSON Web Token, or a PNG or SVG badge.",
    )
    return verdict


def _structure(credential: Any, verdict: Verdict) -> bool:
    if not isinstance(credential, dict):
        verdict.add(Aspect.FORMAT, Outcome.FAILED, "The credential is not a JSON object.")
        return False
    verdict.credential = credential
    ctx = credential.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    if first not in (VC_V1, VC_V2):
        verdict.add(
            Aspect.FORMAT,
            Outcome.FAILED,
            "It is not a verifiable credential: its first @context must be the W3C "
            "credentials context.",
        )
        return False
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiableCredential" not in types:
        verdict.add(Aspect.FORMAT, Outcome.FAILED, "It does not say it is a VerifiableCredential.")
        return False
    if "ClrCredential" in types:
        verdict.kind = "clr2"
    elif "AchievementCredential" in types or "OpenBadgeCredential" in types:
        verdict.kind = "ob3"
    model = "VC 2.0" if first == VC_V2 else "VC 1.1"
    label = {"clr2": "a CLR 2.0 credential", "ob3": "an Open Badges 3.0 credential"}.get(
        verdict.kind, "a verifiable credential of another kind"
    )
    verdict.add(Aspect.FORMAT, Outcome.PASSED, f"It is {label} ({model} data model).")
    return True


def verify_document(document: Any, trust: Trust, *, depth: int = 0) -> Verdict:
    """Verify a credential with an embedded Data Integrity proof."""
    verdict = Verdict(format="json")
    if not _structure(document, verdict):
        return verdict
    _proof_di(document, verdict, trust)
    _rest(document, verdict, trust, depth)
    return verdict


def verify_jwt(token: str, trust: Trust, *, depth: int = 0) -> Verdict:
    verdict = Verdict(format="jwt")
    try:
        parsed = vc_jwt.parse(token)
    except CredentialError as exc:
        verdict.add(Aspect.FORMAT, Outcome.FAILED, str(exc))
        return verdict
    if not _structure(parsed.credential, verdict):
        return verdict
    _proof_jwt(parsed, verdict, trust)
    _rest(parsed.credential, verdict, trust, depth)
    _claims_agree(parsed, verdict)
    return verdict


def _rest(credential: dict[str, Any], verdict: Verdict, trust: Trust, depth: int) -> None:
    _schema(credential, verdict, trust)
    _dates(credential, verdict, trust.now)
    _status(credential, verdict, trust)
    if verdict.kind == "clr2":
        _contents(credential, verdict, trust, depth)


# ---------------------------------------------------------------- proofs and issuers


def _resolve(vm: str, issuer_id: str, trust: Trust, verdict: Verdict) -> bytes | None:
    """The public key for a verification method, and the issuer check that goes with it."""
    known = trust.known_key(vm)
    if known is not None:
        if known.issuer_id != issuer_id:
            verdict.add(
                Aspect.ISSUER,
                Outcome.FAILED,
                f"The key belongs to {known.issuer_name}, but the credential names another issuer.",
            )
        else:
            retired = " (with a key since replaced, kept so its credentials still verify)"
            verdict.add(
                Aspect.ISSUER,
                Outcome.PASSED,
                f"Issued by {known.issuer_name}, whose key this Proficio publishes"
                f"{retired if known.retired else ''}.",
            )
        return known.public_key
    try:
        if vm.startswith("did:key:"):
            key = key_from_did_key(vm)
            if controller_of(vm) == issuer_id:
                verdict.add(
                    Aspect.ISSUER,
                    Outcome.WARNING,
                    "The issuer is identified only by its key (did:key). The signature is "
                    "genuine, but nothing ties that key to a named organization.",
                )
            else:
                verdict.add(
                    Aspect.ISSUER,
                    Outcome.WARNING,
                    f"Signed with the key {controller_of(vm)}, which the issuer "
                    f"{issuer_id or '(unnamed)'} does not confirm anywhere this verifier can "
                    "check.",
                )
            return key
        if vm.startswith(("https://", "http://")) and "#z" in vm:
            key = public_from_multikey(vm.split("#", 1)[1])
            if controller_of(vm) != issuer_id:
                verdict.add(
                    Aspect.ISSUER,
                    Outcome.FAILED,
                    f"The key {vm} belongs to {controller_of(vm)}, not to the issuer "
                    f"{issuer_id or '(unnamed)'}.",
                )
            else:
                verdict.add(
                    Aspect.ISSUER,
                    Outcome.WARNING,
                    f"The issuer {issuer_id} names its key inside the credential. The "
                    "signature matches that key, but Proficio does not fetch the issuer's "
                    "published keys, so it cannot confirm the key is theirs.",
                )
            return key
    except CredentialError as exc:
        verdict.add(Aspect.ISSUER, Outcome.FAILED, f"The issuer's key is unreadable: {exc}")
        return None
    verdict.add(
        Aspect.ISSUER,
        Outcome.FAILED,
        f"Unknown issuer: the key {vm or '(none given)'} is not one this Proficio knows, and it "
        "cannot be read from the credential or from a did:key. Proficio does not look issuers "
        "up on the internet.",
    )
    return None


def _proof_di(document: dict[str, Any], verdict: Verdict, trust: Trust) -> None:
    proofs = data_integrity.proofs_of(document)
    if not proofs:
        verdict.add(
            Aspect.PROOF,
            Outcome.FAILED,
            "The credential is not signed, so anyone could have written it.",
        )
        verdict.add(Aspect.ISSUER, Outcome.NOT_CHECKED, "Without a signature, no issuer is proven.")
        return
    missing = [url for url in contexts_used(document) if url not in trust.contexts]
    if missing:
        verdict.add(Aspect.PROOF, Outcome.FAILED, str(ContextNotHeld(missing[0])), *missing)
        return
    for proof in proofs:
        try:
            data_integrity.check_suite(proof)
        except CredentialError as exc:
            verdict.add(Aspect.PROOF, Outcome.FAILED, str(exc))
            return
        key = _resolve(proof.verification_method, verdict.issuer_id, trust, verdict)
        if key is None:
            verdict.add(
                Aspect.PROOF,
                Outcome.FAILED,
                "The signature cannot be checked without the issuer's key.",
            )
            return
        try:
            ok = data_integrity.verify(document, proof, key, trust.contexts)
        except CredentialError as exc:
            verdict.add(Aspect.PROOF, Outcome.FAILED, str(exc))
            return
        if not ok:
            verdict.add(
                Aspect.PROOF,
                Outcome.FAILED,
                "The signature does not match: the credential was changed after it was "
                "signed, or it was not signed by this key.",
            )
            return
    suite = proofs[0].cryptosuite
    note = "" if suite == data_integrity.CRYPTOSUITE else f" (the suite's earlier name, {suite})"
    verdict.add(
        Aspect.PROOF,
        Outcome.PASSED,
        f"The signature is genuine (Data Integrity, {data_integrity.CRYPTOSUITE}{note}): "
        "nothing was changed since it was signed.",
    )


def _proof_jwt(parsed: vc_jwt.ParsedJwt, verdict: Verdict, trust: Trust) -> None:
    try:
        vc_jwt.check_alg(parsed.header)
    except CredentialError as exc:
        verdict.add(Aspect.PROOF, Outcome.FAILED, str(exc))
        verdict.add(Aspect.ISSUER, Outcome.NOT_CHECKED, "Without a signature, no issuer is proven.")
        return
    issuer_id = verdict.issuer_id
    kid = parsed.header.get("kid")
    jwk: dict[str, Any] | None = None
    if isinstance(kid, str) and (trust.known_key(kid) is not None or kid.startswith("did:key:")):
        raw = _resolve(kid, issuer_id, trust, verdict)
        jwk = ed25519_jwk(raw) if raw is not None else None
    elif vc_jwt.embedded_key(parsed.header) is not None:
        jwk = vc_jwt.embedded_key(parsed.header)
        verdict.add(
            Aspect.ISSUER,
            Outcome.WARNING,
            f"The issuer {issuer_id or '(unnamed)'} put its key inside the token. The "
            "signature matches that key, but Proficio cannot confirm the key is theirs.",
        )
    else:
        _resolve(kid if isinstance(kid, str) else "", issuer_id, trust, verdict)
    if jwk is None:
        verdict.add(
            Aspect.PROOF,
            Outcome.FAILED,
            "The signature cannot be checked without the issuer's key.",
        )
        return
    try:
        ok = vc_jwt.verify(parsed, jwk)
    except CredentialError as exc:
        verdict.add(Aspect.PROOF, Outcome.FAILED, str(exc))
        return
    if not ok:
        verdict.add(
            Aspect.PROOF,
            Outcome.FAILED,
            "The signature does not match: the token was changed after it was signed, or it "
            "was not signed by this key.",
        )
        return
    verdict.add(
        Aspect.PROOF,
        Outcome.PASSED,
        f"The signature is genuine (JSON Web Token, {parsed.header['alg']}): nothing was "
        "changed since it was signed.",
    )


def _claims_agree(parsed: vc_jwt.ParsedJwt, verdict: Verdict) -> None:
    """The JWT's registered claims must say what the credential says."""
    if parsed.credential is parsed.claims:
        return
    iss = parsed.claims.get("iss")
    if iss is not None and iss != verdict.issuer_id:
        verdict.add(
            Aspect.ISSUER,
            Outcome.FAILED,
            "The token's issuer (iss) differs from the credential's issuer.",
        )
    jti = parsed.claims.get("jti")
    if jti is not None and jti != parsed.credential.get("id"):
        verdict.add(
            Aspect.FORMAT, Outcome.FAILED, "The token's id (jti) differs from the credential's id."
        )


# ---------------------------------------------------------------- schema, dates, status


def _schema(credential: dict[str, Any], verdict: Verdict, trust: Trust) -> None:
    if trust.schemas is None:
        verdict.add(Aspect.SCHEMA, Outcome.NOT_CHECKED, "No schemas are installed here.")
        return
    if verdict.kind == "":
        verdict.add(
            Aspect.SCHEMA,
            Outcome.FAILED,
            "It is neither an Open Badges 3.0 credential (AchievementCredential or "
            "OpenBadgeCredential) nor a CLR 2.0 credential (ClrCredential).",
        )
        return
    problems = trust.schemas.check(credential, verdict.kind)
    standard = "Open Badges 3.0" if verdict.kind == "ob3" else "CLR 2.0"
    if problems:
        details = [f"{p.path}: {_short(p.message)}" for p in problems[:10]]
        verdict.add(
            Aspect.SCHEMA,
            Outcome.FAILED,
            f"It does not follow the {standard} standard in {len(problems)} place"
            f"{'s' if len(problems) != 1 else ''}, first at {problems[0].path}.",
            *details,
        )
    else:
        verdict.add(Aspect.SCHEMA, Outcome.PASSED, f"It follows the {standard} standard's schema.")


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dates(credential: dict[str, Any], verdict: Verdict, now: dt.datetime) -> None:
    start_raw = credential.get("validFrom", credential.get("issuanceDate"))
    end_raw = credential.get("validUntil", credential.get("expirationDate"))
    start, end = parse_time(start_raw), parse_time(end_raw)
    if (start_raw is not None and start is None) or (end_raw is not None and end is None):
        verdict.add(
            Aspect.DATES, Outcome.FAILED, "A validity date is not a readable date and time."
        )
        return
    if start is not None and start > now:
        verdict.add(
            Aspect.DATES, Outcome.FAILED, f"It is not in force yet: it starts on {start:%Y-%m-%d}."
        )
        return
    if end is not None and end <= now:
        verdict.add(Aspect.DATES, Outcome.FAILED, f"It expired on {end:%Y-%m-%d}.")
        return
    since = f"since {start:%Y-%m-%d}" if start is not None else "with no start date"
    until = f" until {end:%Y-%m-%d}" if end is not None else ", with no end date"
    verdict.add(Aspect.DATES, Outcome.PASSED, f"It is in force {since}{until}.")


def _status(credential: dict[str, Any], verdict: Verdict, trust: Trust) -> None:
    try:
        pointers = status_list.pointers(credential)
    except CredentialError as exc:
        verdict.add(Aspect.STATUS, Outcome.FAILED, str(exc))
        return
    if not pointers:
        verdict.add(
            Aspect.STATUS,
            Outcome.PASSED if credential.get("credentialStatus") is None else Outcome.NOT_CHECKED,
            "The issuer gives no way to withdraw it (no status list)."
            if credential.get("credentialStatus") is None
            else "Its status uses a method this verifier does not check.",
        )
        return
    for pointer in pointers:
        listed = trust.status_list(pointer.list_url)
        if listed is None:
            verdict.add(
                Aspect.STATUS,
                Outcome.WARNING,
                f"Its status list is published at {pointer.list_url}, which is not on this "
                "Proficio; Proficio does not fetch it, so whether it was withdrawn is unknown.",
            )
            return
        list_verdict = verify_document(
            listed, Trust(trust.contexts, None, trust.now, trust.known_key)
        )
        list_proof = list_verdict.check(Aspect.PROOF)
        if list_proof is None or list_proof.outcome != Outcome.PASSED:
            verdict.add(Aspect.STATUS, Outcome.FAILED, "Its status list is not genuinely signed.")
            return
        if list_verdict.issuer_id != verdict.issuer_id:
            verdict.add(
                Aspect.STATUS, Outcome.FAILED, "Its status list was published by another issuer."
            )
            return
        try:
            bits = status_list.decode(str(listed["credentialSubject"]["encodedList"]))
            revoked = status_list.is_set(bits, pointer.index)
        except (CredentialError, KeyError, TypeError) as exc:
            verdict.add(Aspect.STATUS, Outcome.FAILED, f"Its status list is unreadable: {exc}")
            return
        if revoked and pointer.purpose == status_list.PURPOSE:
            verdict.revoked = True
            verdict.add(
                Aspect.STATUS,
                Outcome.FAILED,
                "Revoked: the issuer has withdrawn this credential.",
            )
            return
    verdict.add(Aspect.STATUS, Outcome.PASSED, "The issuer has not withdrawn it.")


def _contents(credential: dict[str, Any], verdict: Verdict, trust: Trust, depth: int) -> None:
    subject = credential.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    items = inner if isinstance(inner, list) else []
    if depth > 0 or len(items) > MAX_NESTED:
        verdict.add(Aspect.CONTENTS, Outcome.FAILED, "It nests credentials too deeply or too many.")
        return
    for item in items:
        if isinstance(item, str):
            verdict.nested.append(verify_jwt(item, trust, depth=depth + 1))
        else:
            verdict.nested.append(verify_document(item, trust, depth=depth + 1))
    bad = [n for n in verdict.nested if not n.valid]
    if not items:
        verdict.add(Aspect.CONTENTS, Outcome.WARNING, "It holds no credentials.")
    elif bad:
        verdict.add(
            Aspect.CONTENTS,
            Outcome.FAILED,
            f"{len(bad)} of the {len(items)} credentials inside did not pass verification.",
            *[n.headline for n in bad[:10]],
        )
    else:
        verdict.add(
            Aspect.CONTENTS,
            Outcome.PASSED,
            f"All {len(items)} credentials inside are genuine and in force.",
        )
