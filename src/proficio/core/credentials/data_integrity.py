"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

Both the proof options and the document are canonicalized with RDFC-1.0 (pyld's URDNA2015,
the same algorithm under its earlier name), each is hashed with SHA-256, and the two hashes,
options first, are signed with Ed25519. The proof value is base58btc multibase."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from proficio.core.credentials.contexts import ContextStore
from proficio.core.credentials.encoding import multibase_decode, multibase_encode
from proficio.core.credentials.errors import ContextNotHeld, CredentialError

CRYPTOSUITE = "eddsa-rdfc-2022"
# The suite's name in drafts before 2023; the algorithm is the same (URDNA2015 = RDFC-1.0).
LEGACY_CRYPTOSUITES = ("eddsa-2022",)
PROOF_TYPE = "DataIntegrityProof"


def canonize(document: Any, contexts: ContextStore) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, with contexts from the store only."""
    try:
        result: str = jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": contexts.loader(),
                "contextResolver": contexts.resolver(),
            },
        )
    except jsonld.JsonLdError as exc:
        raise _reason(exc) from exc
    return result


def _reason(exc: BaseException) -> CredentialError:
    """The plain-language cause buried in pyld's chain of errors."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ContextNotHeld):
            return seen
        nxt = getattr(seen, "cause", None) or seen.__cause__ or seen.__context__
        seen = nxt if isinstance(nxt, BaseException) else None
    return CredentialError(f"The credential is not valid JSON-LD: {getattr(exc, 'message', exc)}")


def timestamp(moment: dt.datetime) -> str:
    """XML Schema dateTime in UTC to the second, as credentials write it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> dt.datetime | None:
    """A credential's date and time, or None when it is absent or unreadable; a time
    without a zone is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _proof_hash(options: dict[str, Any], context: Any, contexts: ContextStore) -> bytes:
    """The hash of the proof's options under the document's ``@context`` (the proof
    configuration): it depends on nothing else of the document."""
    config = dict(options)
    config["@context"] = context
    return hashlib.sha256(canonize(config, contexts).encode("utf-8")).digest()


def _document_hash(document: dict[str, Any], contexts: ContextStore) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(canonize(unsecured, contexts).encode("utf-8")).digest()


def _hash_data(document: dict[str, Any], options: dict[str, Any], contexts: ContextStore) -> bytes:
    return _proof_hash(options, document.get("@context"), contexts) + _document_hash(
        document, contexts
    )


def sign(
    document: dict[str, Any],
    *,
    secret: bytes,
    verification_method: str,
    created: dt.datetime,
    contexts: ContextStore,
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` proof by the Ed25519 seed
    ``secret`` (32 bytes) for ``verification_method``."""
    return sign_many(
        [document],
        secret=secret,
        verification_method=verification_method,
        created=created,
        contexts=contexts,
        purpose=purpose,
    )[0]


def sign_many(
    documents: list[dict[str, Any]],
    *,
    secret: bytes,
    verification_method: str,
    created: dt.datetime,
    contexts: ContextStore,
    purpose: str = "assertionMethod",
) -> list[dict[str, Any]]:
    """:func:`sign` for each document, with the same proof options: the options are
    canonicalized once for each ``@context`` among the documents rather than once for
    each document (the same bytes, since Ed25519 signatures are deterministic)."""
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }
    key = Ed25519PrivateKey.from_private_bytes(secret)
    proof_hashes: dict[str, bytes] = {}
    signed_documents = []
    for document in documents:
        context = document.get("@context")
        held = json.dumps(context, sort_keys=True)
        if held not in proof_hashes:
            proof_hashes[held] = _proof_hash(options, context, contexts)
        signature = key.sign(proof_hashes[held] + _document_hash(document, contexts))
        signed = copy.deepcopy(document)
        signed["proof"] = {**options, "proofValue": multibase_encode(signature)}
        signed_documents.append(signed)
    return signed_documents


@dataclass(frozen=True)
class ProofOptions:
    """One proof of a document, as read (not yet checked)."""

    proof: dict[str, Any]

    @property
    def verification_method(self) -> str:
        vm = self.proof.get("verificationMethod")
        return vm if isinstance(vm, str) else ""

    @property
    def cryptosuite(self) -> str:
        return str(self.proof.get("cryptosuite", ""))

    @property
    def type(self) -> str:
        return str(self.proof.get("type", ""))


def proofs_of(document: dict[str, Any]) -> list[ProofOptions]:
    raw = document.get("proof")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [ProofOptions(p) for p in items if isinstance(p, dict)]


def check_suite(proof: ProofOptions) -> None:
    """Refuse proofs of another kind than the one we can check, in plain words."""
    if proof.type != PROOF_TYPE:
        raise CredentialError(
            f"The credential is signed with '{proof.type or 'an unnamed method'}', which this "
            f"verifier does not check (it checks {PROOF_TYPE} with {CRYPTOSUITE})."
        )
    if proof.cryptosuite != CRYPTOSUITE and proof.cryptosuite not in LEGACY_CRYPTOSUITES:
        raise CredentialError(
            f"The credential is signed with the cryptosuite '{proof.cryptosuite}', which this "
            f"verifier does not check (it checks {CRYPTOSUITE})."
        )
    if proof.proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError("The proof is not made for asserting a credential.")
    if not proof.verification_method:
        raise CredentialError("The proof does not say which key made it.")


def verify(
    document: dict[str, Any], proof: ProofOptions, public_key: bytes, contexts: ContextStore
) -> bool:
    """Whether ``proof`` (one of the document's proofs) is a valid signature by
    ``public_key`` over the document as it is now. Raises CredentialError when the proof
    cannot be checked at all (unreadable value, a context not held)."""
    check_suite(proof)
    value = proof.proof.get("proofValue")
    if not isinstance(value, str):
        raise CredentialError("The proof has no signature value.")
    signature = multibase_decode(value)
    options = {k: v for k, v in proof.proof.items() if k != "proofValue"}
    data = _hash_data(document, options, contexts)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
