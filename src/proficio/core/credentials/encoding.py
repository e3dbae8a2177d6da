"""Byte encodings the credential standards use: base58btc and base64url multibase, Multikey
(multicodec-prefixed Ed25519 keys) and unpadded base64url for JOSE."""

from __future__ import annotations

import base64

from proficio.core.credentials.errors import CredentialError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}

# Multicodec prefixes (unsigned varints) for Ed25519 keys.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_ALPHABET[r])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        if ch not in _INDEX:
            raise CredentialError(f"'{ch}' is not a base58 character")
        n = n * 58 + _INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise CredentialError("the text is not base64url") from exc


def multibase_encode(data: bytes, base: str = "z") -> str:
    """``z`` (base58btc) or ``u`` (base64url, no padding) multibase text."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise CredentialError(f"multibase '{base}' is not supported")


def multibase_decode(text: str) -> bytes:
    if not text:
        raise CredentialError("the multibase text is empty")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise CredentialError(f"multibase prefix '{text[0]}' is not supported")


def multikey_public(raw: bytes) -> str:
    """An Ed25519 public key as Multikey text (``z6Mk…``)."""
    return multibase_encode(ED25519_PUB + raw)


def public_from_multikey(text: str) -> bytes:
    data = multibase_decode(text)
    if not data.startswith(ED25519_PUB) or len(data) != 34:
        raise CredentialError("the key is not an Ed25519 Multikey")
    return data[2:]


def multikey_secret(raw: bytes) -> str:
    return multibase_encode(ED25519_PRIV + raw)


def secret_from_multikey(text: str) -> bytes:
    data = multibase_decode(text)
    if not data.startswith(ED25519_PRIV) or len(data) != 34:
        raise CredentialError("the key is not an Ed25519 secret Multikey")
    return data[2:]
