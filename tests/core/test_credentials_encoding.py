"""Encodings, DIDs, the context store and status lists, against known vectors and properties."""

from __future__ import annotations

import gzip
import json

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from tests.core.credentials_support import BUNDLE, keypair, npm_contexts

from proficio.core.credentials import did, encoding, status_list
from proficio.core.credentials.contexts import ContextStore, contexts_used
from proficio.core.credentials.errors import ContextNotHeld, CredentialError


@given(st.binary(max_size=64))
def test_base58_round_trips(data: bytes) -> None:
    assert encoding.b58decode(encoding.b58encode(data)) == data


@given(st.binary(max_size=64), st.sampled_from(["z", "u"]))
def test_multibase_round_trips(data: bytes, base: str) -> None:
    text = encoding.multibase_encode(data, base)
    assert text[0] == base
    assert encoding.multibase_decode(text) == data


def test_base58_known_vector() -> None:
    # The Bitcoin alphabet's classic vectors (leading zero bytes become '1's).
    assert encoding.b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert encoding.b58encode(b"\0\0\x01") == "112"


def test_multikey_of_the_vc_di_eddsa_test_key() -> None:
    # The key pair of the W3C vc-di-eddsa test vectors: its secret Multikey must lead to
    # its published public Multikey.
    secret = encoding.secret_from_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    public = (
        Ed25519PrivateKey.from_private_bytes(secret)
        .public_key()
        .public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    )
    mk = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert encoding.multikey_public(public) == mk
    assert encoding.public_from_multikey(mk) == public
    assert did.did_key(public) == "did:key:" + mk
    assert did.key_from_did_key(did.did_key_method(public)) == public
    assert did.key_from_did_key(did.did_key(public)) == public


def test_secret_multikey_round_trips() -> None:
    secret, _ = keypair()
    assert encoding.secret_from_multikey(encoding.multikey_secret(secret)) == secret


@pytest.mark.parametrize(
    ("call", "arg", "message"),
    [
        (encoding.b58decode, "0OIl", "not a base58 character"),
        (encoding.b64url_decode, "a", "not base64url"),
        (encoding.multibase_decode, "", "empty"),
        (encoding.multibase_decode, "f00", "not supported"),
        (encoding.public_from_multikey, "z111", "not an Ed25519 Multikey"),
        (encoding.secret_from_multikey, "z111", "not an Ed25519 secret Multikey"),
        (did.did_web_url, "did:key:z6Mk", "not a did:web"),
        (did.key_from_did_key, "did:web:example.org#k", "not a did:key"),
    ],
)
def test_bad_encodings_are_refused_in_words(call, arg, message) -> None:
    with pytest.raises(CredentialError, match=message):
        call(arg)


def test_multibase_refuses_an_unknown_base() -> None:
    with pytest.raises(CredentialError, match="not supported"):
        encoding.multibase_encode(b"x", "f")


def test_did_key_fragment_must_be_its_own_key() -> None:
    _, one = keypair(1)
    _, two = keypair(2)
    forged = did.did_key(one) + "#" + encoding.multikey_public(two)
    with pytest.raises(CredentialError, match="other than its DID's own"):
        did.key_from_did_key(forged)


def test_did_web_names_and_document() -> None:
    assert did.did_web("school.example:8443") == "did:web:school.example%3A8443"
    assert did.did_web_url("did:web:school.example%3A8443") == (
        "https://school.example:8443/.well-known/did.json"
    )
    assert did.did_web_url(did.did_web("x.org", ["orgs", "7"])) == "https://x.org/orgs/7/did.json"
    _, old = keypair(1)
    _, new = keypair(2)
    name = did.did_web("x.org")
    keys = [did.VerificationKey(f"{name}#k1", old), did.VerificationKey(f"{name}#k2", new)]
    doc = did.did_document(name, keys)
    assert doc["assertionMethod"] == [f"{name}#k1", f"{name}#k2"]
    assert did.key_from_document(doc, f"{name}#k1") == old  # rotated keys still resolve
    assert did.key_from_document(doc, f"{name}#k2") == new
    with pytest.raises(CredentialError, match="does not list"):
        did.key_from_document(doc, f"{name}#k3")
    doc["assertionMethod"].append(f"{name}#k3")
    with pytest.raises(CredentialError, match="has no key"):
        did.key_from_document(doc, f"{name}#k3")


def test_store_serves_only_what_it_holds() -> None:
    store = npm_contexts()
    url = "https://www.w3.org/ns/credentials/v2"
    assert url in store
    assert store.source(url).startswith("@digitalbazaar/credentials-context@")
    assert store.loader()(url, {})["document"]["@context"]
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in store.urls()
    with pytest.raises(ContextNotHeld, match="never fetches"):
        store.loader()("https://evil.example/context.json", {})


def test_missing_bundle_says_how_to_fix(tmp_path) -> None:
    with pytest.raises(CredentialError, match="make install"):
        ContextStore.from_bundle(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"contexts": {"x": {}}}))
    with pytest.raises(CredentialError, match="make install"):
        ContextStore.from_bundle(bad)
    assert BUNDLE.is_file()


def test_contexts_used_walks_nested_documents() -> None:
    doc = {"@context": ["a", {"x": "y"}], "inner": [{"@context": "b"}, {"@context": "a"}]}
    assert contexts_used(doc) == ["a", "b"]


@given(st.sets(st.integers(min_value=0, max_value=status_list.MIN_ENTRIES - 1), max_size=20))
def test_status_list_round_trips(revoked: set[int]) -> None:
    bits = status_list.decode(status_list.encode(revoked))
    assert len(bits) * 8 == status_list.MIN_ENTRIES
    for index in [*revoked, 0, 7, 8, status_list.MIN_ENTRIES - 1]:
        assert status_list.is_set(bits, index) == (index in revoked)


def test_status_list_bit_order_is_most_significant_first() -> None:
    bits = status_list.decode(status_list.encode({0, 9}))
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000


def test_status_list_refuses_bad_lists() -> None:
    with pytest.raises(CredentialError, match="outside the list"):
        status_list.encode({status_list.MIN_ENTRIES})
    with pytest.raises(CredentialError, match="not a readable"):
        status_list.decode("unot-gzip")
    bomb = encoding.multibase_encode(gzip.compress(b"\0" * (status_list.MAX_LIST_BYTES + 1)), "u")
    with pytest.raises(CredentialError, match="larger than any real list"):
        status_list.decode(bomb)
    bits = status_list.decode(status_list.encode(set()))
    with pytest.raises(CredentialError, match="outside the status list"):
        status_list.is_set(bits, -1)


def test_status_pointers() -> None:
    entry = status_list.entry("https://p.test/status/1", 42)
    assert entry["id"] == "https://p.test/status/1#42"
    assert status_list.pointers({"credentialStatus": entry}) == [
        status_list.StatusPointer("https://p.test/status/1", 42, "revocation")
    ]
    other = {"type": "1EdTechRevocationList", "id": "x"}
    assert status_list.pointers({"credentialStatus": [other, "junk"]}) == []
    assert status_list.pointers({}) == []
    with pytest.raises(CredentialError, match="not a number"):
        status_list.pointers({"credentialStatus": {**entry, "statusListIndex": "x"}})
