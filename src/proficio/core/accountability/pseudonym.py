"""The pseudonymous student key of a district's state submission.

A student is named in a submission only by ``HMAC-SHA256(key, "proficio:student:" +
normalized state student id)``, as 64 lowercase hex digits. The key is the state's: it
issues it to the districts' export and never publishes it, so nobody holding a package
can turn a key back into a state id, while a student who moves between districts keeps
one key (and so one growth history). The normalization is NFKC, trimmed, upper case.

Each package also carries :func:`key_check`, the HMAC of a fixed message under the same
key. The state compares it with its own; a package made with another key (a typo, an
old key) is refused before any row is read. :data:`TEST_VECTOR` is the published test
vector for implementations of the algorithm: the 32-byte key 0x00, 0x01, …, 0x1f.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

PREFIX = b"proficio:student:"
CHECK_MESSAGE = b"proficio:key-check:v1"
MIN_KEY_BYTES = 32
KEY_LENGTH = 64  # hex digits


def _check_key(key: bytes) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the state key must be at least {MIN_KEY_BYTES} bytes")
    return key


def normalize(state_id: str) -> str:
    """The state student id as it is hashed: NFKC, without surrounding space, upper case."""
    text = unicodedata.normalize("NFKC", state_id).strip().upper()
    if not text:
        raise ValueError("a state student id cannot be empty")
    return text


def student_key(key: bytes, state_id: str) -> str:
    """The pseudonymous key of the student with ``state_id``."""
    digest = hmac.new(_check_key(key), PREFIX + normalize(state_id).encode(), hashlib.sha256)
    return digest.hexdigest()


def key_check(key: bytes) -> str:
    """The HMAC of a fixed message: shows which key made a package, and reveals nothing."""
    return hmac.new(_check_key(key), CHECK_MESSAGE, hashlib.sha256).hexdigest()


def is_student_key(text: str) -> bool:
    return len(text) == KEY_LENGTH and all(c in "0123456789abcdef" for c in text)


def parse_key(text: str) -> bytes:
    """A state key as written in a key file or variable: 64 or more hex digits."""
    cleaned = text.strip()
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError("the state key must be written as hex digits") from None
    return _check_key(key)


TEST_KEY = bytes(range(32))
# (state id, student key) and the key check under TEST_KEY; tests hold the code to them.
TEST_VECTOR = {
    "key": TEST_KEY.hex(),
    "state_id": "CO0000000042",
    "student_key": "8de47f40260a2dc611bdd4199beb87205c0fde2aac9411dcc44675e8a076aa63",
    "key_check": "335be06bd990b29150df17973a70b2b2cafd118d83aad24b2dfa416bf2436733",
}
