"""Decentralized identifiers for issuers: ``did:key`` (the key is the identifier) and
``did:web`` (a DID document served at ``https://<domain>/.well-known/did.json``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from proficio.core.credentials.contexts import DID_V1, MULTIKEY_V1
from proficio.core.credentials.encoding import multikey_public, public_from_multikey
from proficio.core.credentials.errors import CredentialError


def did_key(public_key: bytes) -> str:
    return "did:key:" + multikey_public(public_key)


def did_key_method(public_key: bytes) -> str:
    """The verification method id of a did:key: the DID, then its key as the fragment."""
    mk = multikey_public(public_key)
    return f"did:key:{mk}#{mk}"


def did_web(domain: str, path: Sequence[str] = ()) -> str:
    """``did:web`` for a host (a port is percent-encoded, as the method requires)."""
    return ":".join(["did:web", quote(domain, safe=""), *(quote(p, safe="") for p in path)])


def did_web_url(did: str) -> str:
    """Where a did:web document is published."""
    parts = did.split(":")
    if len(parts) < 3 or parts[:2] != ["did", "web"] or not parts[2]:
        raise CredentialError(f"{did} is not a did:web identifier")
    host = unquote(parts[2])
    if len(parts) == 3:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/" + "/".join(unquote(p) for p in parts[3:]) + "/did.json"


@dataclass(frozen=True)
class VerificationKey:
    """One Ed25519 key of an issuer, as published in its DID document."""

    id: str  # the full verification method id (DID + "#" + fragment)
    public_key: bytes


def did_document(did: str, keys: Sequence[VerificationKey]) -> dict[str, Any]:
    """A DID document listing every key (old keys stay, so old credentials still verify)."""
    methods = [
        {
            "id": k.id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey_public(k.public_key),
        }
        for k in keys
    ]
    ids = [k.id for k in keys]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def controller_of(verification_method: str) -> str:
    return verification_method.split("#", 1)[0]


def key_from_document(document: dict[str, Any], verification_method: str) -> bytes:
    """The public key of ``verification_method`` in a DID document, if it may assert."""
    asserting = set()
    for entry in document.get("assertionMethod", []):
        asserting.add(entry if isinstance(entry, str) else entry.get("id"))
    if verification_method not in asserting:
        raise CredentialError(
            f"The issuer's DID document does not list {verification_method} as a key that "
            "may issue credentials."
        )
    for method in document.get("verificationMethod", []):
        if method.get("id") == verification_method:
            return public_from_multikey(str(method.get("publicKeyMultibase", "")))
    raise CredentialError(f"The issuer's DID document has no key {verification_method}.")


def key_from_did_key(verification_method: str) -> bytes:
    """The Ed25519 key a ``did:key`` method carries in itself."""
    did = controller_of(verification_method)
    if not did.startswith("did:key:"):
        raise CredentialError(f"{verification_method} is not a did:key")
    encoded = did[len("did:key:") :]
    fragment = verification_method.split("#", 1)[1] if "#" in verification_method else encoded
    if fragment != encoded:
        raise CredentialError(f"{verification_method} names a key other than its DID's own.")
    return public_from_multikey(encoded)
