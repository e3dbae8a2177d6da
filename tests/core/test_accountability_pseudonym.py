"""The pseudonymous student key: the published test vector, checked against HMAC written
out from its definition (RFC 2104), itself checked against RFC 4231's test case 2."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.accountability import pseudonym


def independent(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 from RFC 2104: H((K ^ opad) || H((K ^ ipad) || m))."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def test_the_independent_hmac_passes_rfc_4231():
    assert independent(b"Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_the_published_test_vector():
    v = pseudonym.TEST_VECTOR
    key = bytes.fromhex(v["key"])
    assert pseudonym.student_key(key, v["state_id"]) == v["student_key"]
    assert pseudonym.key_check(key) == v["key_check"]
    assert v["student_key"] == independent(key, b"proficio:student:" + v["state_id"].encode())
    assert v["key_check"] == independent(key, b"proficio:key-check:v1")


@given(st.binary(min_size=32, max_size=64), st.text(min_size=1, max_size=20).filter(str.strip))
def test_keys_agree_with_an_independent_hmac(key, state_id):
    expected = independent(key, b"proficio:student:" + pseudonym.normalize(state_id).encode())
    got = pseudonym.student_key(key, state_id)
    assert got == expected
    assert pseudonym.is_student_key(got)


def test_normalization_keeps_one_student_one_key():
    key = pseudonym.TEST_KEY
    assert pseudonym.student_key(key, " co0000000042 ") == pseudonym.TEST_VECTOR["student_key"]
    assert pseudonym.student_key(key, "ＣＯ0000000042") == pseudonym.TEST_VECTOR["student_key"]
    other = pseudonym.student_key(bytes(32), "CO0000000042")
    assert other != pseudonym.TEST_VECTOR["student_key"]


def test_bad_keys_and_ids_are_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        pseudonym.student_key(b"short", "X")
    with pytest.raises(ValueError, match="empty"):
        pseudonym.normalize("  ")
    with pytest.raises(ValueError, match="hex"):
        pseudonym.parse_key("not hex at all")
    with pytest.raises(ValueError, match="32 bytes"):
        pseudonym.parse_key("00ff")
    assert pseudonym.parse_key(" " + "ab" * 32 + "\n") == bytes([0xAB]) * 32
    assert not pseudonym.is_student_key("XYZ")
    assert not pseudonym.is_student_key("G" * 64)
