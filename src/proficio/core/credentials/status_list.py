"""W3C Bitstring Status List v1.0: one bit per credential, published as a credential.

Bit 0 is the most significant bit of the first byte. The list is GZIP-compressed and
written as base64url multibase (``u…``); it holds at least 131,072 entries (16 KiB), so a
verifier cannot tell which credentials are on it from its size."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from typing import Any

from proficio.core.credentials.contexts import VC_V2
from proficio.core.credentials.encoding import multibase_decode, multibase_encode
from proficio.core.credentials.errors import CredentialError

MIN_ENTRIES = 131_072
PURPOSE = "revocation"
MAX_LIST_BYTES = 2**24  # a 16 MiB bitstring is far beyond any district; refuse bombs


def encode(revoked: set[int] | frozenset[int], size: int = MIN_ENTRIES) -> str:
    size = max(size, MIN_ENTRIES)
    bits = bytearray((size + 7) // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise CredentialError(f"Status index {index} is outside the list (0 to {size - 1}).")
        bits[index // 8] |= 0x80 >> (index % 8)
    return multibase_encode(gzip.compress(bytes(bits), mtime=0), "u")


def decode(encoded_list: str) -> bytes:
    try:
        packed = multibase_decode(encoded_list)
        unzip = zlib.decompressobj(wbits=31)
        bits = unzip.decompress(packed, MAX_LIST_BYTES)
    except (CredentialError, zlib.error) as exc:
        raise CredentialError("The status list is not a readable compressed bitstring.") from exc
    if unzip.unconsumed_tail:
        raise CredentialError("The status list is larger than any real list; it was refused.")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialError(f"Status index {index} is outside the status list.")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(list_url: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` a credential carries to point at its bit."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    list_url: str, issuer: str, valid_from: str, encoded_list: str
) -> dict[str, Any]:
    """The unsigned status list credential published at ``list_url``."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded_list,
        },
    }


@dataclass(frozen=True)
class StatusPointer:
    list_url: str
    index: int
    purpose: str


def pointers(credential: dict[str, Any]) -> list[StatusPointer]:
    """The bitstring status entries a credential names (others are ignored)."""
    raw = credential.get("credentialStatus")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    found = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "BitstringStatusListEntry":
            continue
        try:
            index = int(str(item.get("statusListIndex")))
        except ValueError as exc:
            raise CredentialError("The credential's status index is not a number.") from exc
        found.append(
            StatusPointer(
                str(item.get("statusListCredential", "")),
                index,
                str(item.get("statusPurpose", "")),
            )
        )
    return found
