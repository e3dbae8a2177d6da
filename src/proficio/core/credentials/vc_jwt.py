"""VC-JWT: a credential signed as a compact JWS (the proof format CLR 2.0 and OB 3.0 name
"JSON Web Token Proof Format"). The credential travels in the ``vc`` claim, with the
registered claims ``iss``, ``sub``, ``jti``, ``nbf`` and ``exp`` mirroring it."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry
from joserfc.util import to_bytes

from proficio.core.credentials.data_integrity import parse_time
from proficio.core.credentials.encoding import b64url_decode, b64url_encode
from proficio.core.credentials.errors import CredentialError

# "EdDSA" is the name every VC-JWT verifier knows; RFC 9864 prefers "Ed25519", which we
# also accept. joserfc warns about the older name on each call: the choice is deliberate.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", module="joserfc")
SIGNING_ALG = "EdDSA"
ACCEPTED_ALGS = ("EdDSA", "Ed25519", "RS256", "ES256")
MAX_TOKEN = 8 * 1024 * 1024  # a CLR holds a learner's whole record


def _registry(alg: str) -> JWSRegistry:
    """joserfc's default limits (512-byte header, 128 kB payload) are for login tokens;
    a header may carry an RSA key and a CLR may carry hundreds of credentials."""
    registry = JWSRegistry(algorithms=[alg])
    registry.max_header_length = 16 * 1024
    registry.max_payload_length = MAX_TOKEN
    registry.max_signature_length = 2048
    return registry


def ed25519_jwk(public_key: bytes, secret: bytes | None = None) -> dict[str, str]:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_key)}
    if secret is not None:
        jwk["d"] = b64url_encode(secret)
    return jwk


def _epoch(value: Any) -> int | None:
    moment = parse_time(value)
    return None if moment is None else int(moment.timestamp())


def sign(credential: dict[str, Any], *, secret: bytes, public_key: bytes, kid: str) -> str:
    """The credential as a compact JWS signed by the Ed25519 seed ``secret``."""
    issuer = credential.get("issuer")
    claims: dict[str, Any] = {
        "vc": credential,
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": credential.get("id"),
        "sub": (credential.get("credentialSubject") or {}).get("id"),
    }
    nbf = _epoch(credential.get("validFrom") or credential.get("issuanceDate"))
    if nbf is not None:
        claims["nbf"] = nbf
    exp = _epoch(credential.get("validUntil") or credential.get("expirationDate"))
    if exp is not None:
        claims["exp"] = exp
    claims = {k: v for k, v in claims.items() if v is not None}
    return jws_compact({"alg": SIGNING_ALG, "typ": "JWT", "kid": kid}, claims, secret, public_key)


def jws_compact(
    header: dict[str, Any], claims: dict[str, Any], secret: bytes, public: bytes
) -> str:
    """Sign any claims as a compact JWS with an Ed25519 key."""
    jwk: dict[str, str | list[str]] = {**ed25519_jwk(public, secret)}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return jws.serialize_compact(
        header, payload, OKPKey.import_key(jwk), registry=_registry(str(header["alg"]))
    )


@dataclass(frozen=True)
class ParsedJwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    credential: dict[str, Any]
    token: str


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return (
        len(parts) == 3 and all(parts[:2]) and all(c.isalnum() or c in "-_" for c in "".join(parts))
    )


def parse(token: str) -> ParsedJwt:
    """Read a VC-JWT without checking it: header, claims and the credential inside."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise CredentialError("The text is not a JSON Web Token (it needs three parts).")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, CredentialError) as exc:
        raise CredentialError("The JSON Web Token's header or body is not readable JSON.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise CredentialError("The JSON Web Token's header or body is not a JSON object.")
    # VC 1.1 style keeps the credential in "vc"; VC-JOSE-COSE signs the credential itself.
    inner = claims.get("vc")
    credential: dict[str, Any] = inner if isinstance(inner, dict) else claims
    return ParsedJwt(header, claims, credential, token.strip())


def check_alg(header: dict[str, Any]) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise CredentialError(
            "The token says it is not signed (algorithm 'none'), so nothing in it can be trusted."
        )
    if alg not in ACCEPTED_ALGS:
        raise CredentialError(
            f"The token is signed with '{alg}', which this verifier does not accept."
        )
    return alg


def embedded_key(header: dict[str, Any]) -> dict[str, Any] | None:
    jwk = header.get("jwk")
    return jwk if isinstance(jwk, dict) else None


def verify(parsed: ParsedJwt, jwk: dict[str, Any]) -> bool:
    """Whether the token's signature is valid for ``jwk`` (public JWK)."""
    alg = check_alg(parsed.header)
    kinds: dict[Any, Any] = {"RSA": RSAKey, "OKP": OKPKey, "EC": ECKey}
    kind = kinds.get(jwk.get("kty"))
    if kind is None:
        raise CredentialError(f"Keys of type '{jwk.get('kty')}' are not accepted.")
    try:
        key = kind.import_key(jwk)
    except (JoseError, ValueError, TypeError) as exc:
        raise CredentialError("The token's key is not a usable public key.") from exc
    try:
        jws.deserialize_compact(to_bytes(parsed.token), key, registry=_registry(alg))
    except (JoseError, ValueError):
        return False
    return True
