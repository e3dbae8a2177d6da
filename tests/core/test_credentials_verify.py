"""Signing and verification: 1EdTech's samples, our own credentials (checked again by an
independent verifier under node), and every kind of bad input, each with a plain verdict."""

from __future__ import annotations

import copy
import datetime as dt
import json
import struct
import zlib

import pytest
from tests.core.credentials_support import (
    FIXTURES,
    NOW,
    contexts_with_clr,
    keypair,
    needs_fixtures,
    npm_contexts,
    schemas,
)
from tests.independent_verifier import independently_verify

from proficio.core.credentials import baked, data_integrity, did, ob3, status_list, vc_jwt
from proficio.core.credentials.encoding import b64url_encode
from proficio.core.credentials.errors import CredentialError
from proficio.core.credentials.verify import (
    Aspect,
    KnownKey,
    Outcome,
    Trust,
    read_presented,
    verify_bytes,
    verify_text,
)

pytestmark = needs_fixtures

SECRET, PUBLIC = keypair(7)
ISSUER_DID = did.did_web("proficio.test")
KEY_ID = f"{ISSUER_DID}#key-1"
LIST_URL = "https://proficio.test/credentials/status/1"
CASE_URI = "https://proficio.test/ims/case/v1p1/CFItems/6b1c0f36-0000-4000-8000-000000000001"


def trust(**kw) -> Trust:
    known = {KEY_ID: KnownKey(PUBLIC, ISSUER_DID, "Riverbend Unified")}
    args = {
        "contexts": contexts_with_clr(),
        "schemas": schemas(),
        "now": NOW,
        "known_key": known.get,
        "status_list": lambda url: None,
    }
    args.update(kw)
    return Trust(**args)


def issuer() -> ob3.Issuer:
    return ob3.Issuer(ISSUER_DID, "Riverbend Unified", "https://proficio.test/")


def recipient() -> ob3.Recipient:
    return ob3.Recipient("urn:uuid:0a0b0c0d-0000-4000-8000-000000000002", "S-000123", "s4lt")


def achievement(kind: str = "Competency") -> ob3.Achievement:
    return ob3.Achievement(
        id="https://proficio.test/credentials/achievements/1",
        name="Writing: level 2",
        description="Writes clear arguments supported by evidence.",
        criteria="Every learning target of Writing at level 2 shown at proficiency.",
        achievement_type=kind,
        alignments=[ob3.CaseAlignment(CASE_URI, "Writing", "W", "Riverbend competencies")],
        human_code="W-2",
        creator=issuer(),
    )


def level_credential(index: int = 3, **meta) -> dict:
    details = {
        "id": "urn:uuid:11111111-0000-4000-8000-000000000003",
        "name": "Writing: level 2",
        "valid_from": NOW - dt.timedelta(days=1),
        "status": status_list.entry(LIST_URL, index),
        "evidence": [ob3.Evidence("https://proficio.test/e/1", "Essay", "An argument essay")],
    }
    details.update(meta)
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta(**details), issuer(), recipient(), achievement()
    )
    return data_integrity.sign(
        unsigned,
        secret=SECRET,
        verification_method=KEY_ID,
        created=NOW - dt.timedelta(days=1),
        contexts=npm_contexts(),
    )


def status_list_credential(revoked: set[int]) -> dict:
    unsigned = status_list.list_credential(
        LIST_URL, ISSUER_DID, data_integrity.timestamp(NOW), status_list.encode(revoked)
    )
    return data_integrity.sign(
        unsigned, secret=SECRET, verification_method=KEY_ID, created=NOW, contexts=npm_contexts()
    )


def did_doc() -> dict:
    return did.did_document(ISSUER_DID, [did.VerificationKey(KEY_ID, PUBLIC)])


def clr_token(inner: list) -> str:
    unsigned = ob3.clr_credential(
        ob3.CredentialMeta("urn:uuid:22222222-0000-4000-8000-000000000004", "Transcript", NOW),
        issuer(),
        recipient(),
        inner,
        achievements=[achievement()],
    )
    return vc_jwt.sign(unsigned, secret=SECRET, public_key=PUBLIC, kid=KEY_ID)


# ---------------------------------------------------------------- 1EdTech's samples

SAMPLES_VALID = [
    "ob3/credentials/simple.json",
    "ob3/credentials/complete.json",
    "ob3/credentials/simple-did-key-method.json",
    "ob3/credentials/simple-eddsa-2022.json",
    "clr2/simple.json",
    "clr2/simple.jwt",
]
SAMPLES_REJECTED = {
    "ob3/credentials/simple-err-context.json": (Aspect.FORMAT, "first @context"),
    "ob3/credentials/simple-err-proof-value.json": (Aspect.PROOF, "does not match"),
    "ob3/credentials/simple-err-evidence-type.json": (Aspect.PROOF, "does not match"),
    "ob3/credentials/simple-err-type.json": (Aspect.SCHEMA, "neither an Open Badges"),
    "ob3/credentials/simple-err-expired.json": (Aspect.DATES, "expired on 2010-01-01"),
    "ob3/credentials/simple-noproof.json": (Aspect.PROOF, "not signed"),
    "ob3/credentials/simple.jwt": (Aspect.ISSUER, "Unknown issuer"),
    "clr2/simple-noproof.json": (Aspect.PROOF, "not signed"),
    "clr2/complex.json": (Aspect.PROOF, "does not hold"),
}


@pytest.mark.parametrize("name", SAMPLES_VALID)
def test_1edtech_samples_verify(name: str) -> None:
    verdict = verify_bytes((FIXTURES / name).read_bytes(), trust(now=dt.datetime.now(dt.UTC)))
    assert verdict.valid, verdict.as_dict()
    assert verdict.status == "valid"
    assert verdict.check(Aspect.SCHEMA).outcome == Outcome.PASSED
    # Their keys are named in the credentials themselves: genuine, but only a warning on who.
    assert verdict.check(Aspect.ISSUER).outcome == Outcome.WARNING
    assert "genuine" in verdict.headline


@pytest.mark.parametrize(("name", "expected"), SAMPLES_REJECTED.items())
def test_1edtech_bad_samples_are_rejected_with_the_reason(name: str, expected) -> None:
    aspect, words = expected
    verdict = verify_bytes((FIXTURES / name).read_bytes(), trust(now=dt.datetime.now(dt.UTC)))
    assert not verdict.valid
    failed = [c for c in verdict.checks if c.outcome == Outcome.FAILED]
    assert any(c.aspect == aspect and words in c.message for c in failed), verdict.as_dict()
    assert "did not pass" in verdict.headline


def test_clr_sample_nested_credentials_are_verified_too() -> None:
    verdict = verify_bytes((FIXTURES / "clr2/simple.json").read_bytes(), trust())
    assert [n.status for n in verdict.nested] == ["valid"]
    assert verdict.check(Aspect.CONTENTS).outcome == Outcome.PASSED


def test_expired_sample_reads_as_expired() -> None:
    verdict = verify_bytes(
        (FIXTURES / "ob3/credentials/simple-err-expired.json").read_bytes(), trust()
    )
    assert verdict.status == "expired"


# ---------------------------------------------------------------- our own credentials


def test_issued_level_credential_verifies_here_and_independently() -> None:
    signed = level_credential()
    listed = status_list_credential(set())
    verdict = verify_text(json.dumps(signed), trust(status_list={LIST_URL: listed}.get))
    assert verdict.valid, verdict.as_dict()
    assert verdict.check(Aspect.ISSUER).message.startswith("Issued by Riverbend Unified")
    assert verdict.check(Aspect.STATUS).message == "The issuer has not withdrawn it."
    assert verdict.alignments[0].target_url == CASE_URI
    assert verdict.alignments[0].target_type == "CFItem"
    assert verdict.achievement_name == "Writing: level 2"
    token = clr_token([signed])
    clr = verify_text(token, trust(status_list={LIST_URL: listed}.get))
    assert clr.valid, clr.as_dict()
    assert clr.kind == "clr2"
    assert [n.valid for n in clr.nested] == [True]
    results = independently_verify(
        [("ob3", signed), ("list", listed), ("clr", token)],
        documents={ISSUER_DID: did_doc(), LIST_URL: listed},
    )
    assert all(r["verified"] for r in results.values()), results


def test_signing_many_gives_each_document_the_proof_signing_it_alone_gives() -> None:
    # Two contexts among the documents (an OB 3.0 credential, a status list), so the proof
    # options are hashed under each; the oracle is signing each document by itself.
    documents = [
        {k: v for k, v in level_credential(index=i).items() if k != "proof"} for i in (3, 4)
    ]
    documents.append(
        status_list.list_credential(
            LIST_URL, ISSUER_DID, data_integrity.timestamp(NOW), status_list.encode(set())
        )
    )
    documents.append(documents[0])
    store = npm_contexts()
    alone = [
        data_integrity.sign(
            d, secret=SECRET, verification_method=KEY_ID, created=NOW, contexts=store
        )
        for d in documents
    ]
    together = data_integrity.sign_many(
        documents, secret=SECRET, verification_method=KEY_ID, created=NOW, contexts=store
    )
    assert together == alone
    assert len({d["proof"]["proofValue"] for d in together[:3]}) == 3
    for signed in together:
        [proof] = data_integrity.proofs_of(signed)
        assert data_integrity.verify(signed, proof, PUBLIC, store)


def test_diploma_and_did_key_issuer_verify_independently() -> None:
    key_did = did.did_key(PUBLIC)
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta("urn:uuid:33333333-0000-4000-8000-000000000005", "Diploma", NOW),
        ob3.Issuer(key_did, "Riverbend Unified"),
        recipient(),
        achievement("Diploma"),
    )
    signed = data_integrity.sign(
        unsigned,
        secret=SECRET,
        verification_method=did.did_key_method(PUBLIC),
        created=NOW,
        contexts=npm_contexts(),
    )
    verdict = verify_text(json.dumps(signed), trust())
    assert verdict.valid
    assert "identified only by its key" in verdict.check(Aspect.ISSUER).message
    assert signed["credentialSubject"]["achievement"]["achievementType"] == "Diploma"
    assert independently_verify([("diploma", signed)])["diploma"]["verified"]


def test_revoked_credential_says_revoked_here_and_independently() -> None:
    signed = level_credential(index=3)
    listed = status_list_credential({3})
    verdict = verify_text(json.dumps(signed), trust(status_list={LIST_URL: listed}.get))
    assert verdict.status == "revoked"
    assert verdict.revoked
    assert "Revoked" in verdict.check(Aspect.STATUS).message
    result = independently_verify(
        [("ob3", signed)], documents={ISSUER_DID: did_doc(), LIST_URL: listed}
    )["ob3"]
    assert not result["verified"]
    assert "revoked" in " ".join(result["errors"])


def test_status_list_must_be_genuine_and_the_issuers() -> None:
    signed = level_credential()
    forged = status_list_credential(set())
    forged["credentialSubject"]["encodedList"] = status_list.encode({1})
    verdict = verify_text(json.dumps(signed), trust(status_list={LIST_URL: forged}.get))
    assert "not genuinely signed" in verdict.check(Aspect.STATUS).message
    other_secret, other_public = keypair(9)
    other = data_integrity.sign(
        status_list.list_credential(
            LIST_URL, did.did_key(other_public), "2026-01-01T00:00:00Z", status_list.encode(set())
        ),
        secret=other_secret,
        verification_method=did.did_key_method(other_public),
        created=NOW,
        contexts=npm_contexts(),
    )
    verdict = verify_text(json.dumps(signed), trust(status_list={LIST_URL: other}.get))
    assert "another issuer" in verdict.check(Aspect.STATUS).message
    broken = status_list_credential(set())
    del broken["credentialSubject"]["encodedList"]
    broken = data_integrity.sign(
        {k: v for k, v in broken.items() if k != "proof"},
        secret=SECRET,
        verification_method=KEY_ID,
        created=NOW,
        contexts=npm_contexts(),
    )
    verdict = verify_text(json.dumps(signed), trust(status_list={LIST_URL: broken}.get))
    assert "unreadable" in verdict.check(Aspect.STATUS).message


def test_status_list_elsewhere_is_not_fetched() -> None:
    verdict = verify_text(json.dumps(level_credential()), trust())
    check = verdict.check(Aspect.STATUS)
    assert check.outcome == Outcome.WARNING
    assert "does not fetch" in check.message
    assert verdict.valid


def test_retired_key_still_verifies_and_says_so() -> None:
    known = {KEY_ID: KnownKey(PUBLIC, ISSUER_DID, "Riverbend Unified", retired=True)}
    verdict = verify_text(json.dumps(level_credential()), trust(known_key=known.get))
    assert verdict.valid
    assert "since replaced" in verdict.check(Aspect.ISSUER).message


def test_known_key_of_another_issuer_is_refused() -> None:
    known = {KEY_ID: KnownKey(PUBLIC, "did:web:other.test", "Lakeside")}
    verdict = verify_text(json.dumps(level_credential()), trust(known_key=known.get))
    assert "belongs to Lakeside" in verdict.check(Aspect.ISSUER).message
    assert not verdict.valid


def test_wrong_key_fails_the_proof() -> None:
    _, other_public = keypair(8)
    known = {KEY_ID: KnownKey(other_public, ISSUER_DID, "Riverbend Unified")}
    verdict = verify_text(json.dumps(level_credential()), trust(known_key=known.get))
    assert "does not match" in verdict.check(Aspect.PROOF).message


# ---------------------------------------------------------------- bad input


def test_tampered_credential_is_refused() -> None:
    signed = level_credential()
    signed["credentialSubject"]["achievement"]["name"] = "Writing: level 4"
    verdict = verify_text(json.dumps(signed), trust())
    assert verdict.status == "invalid"
    assert "changed after it was signed" in verdict.check(Aspect.PROOF).message
    assert not independently_verify([("x", signed)], documents={ISSUER_DID: did_doc()})["x"][
        "verified"
    ]


def test_unknown_issuer_is_refused() -> None:
    verdict = verify_text(json.dumps(level_credential()), trust(known_key=lambda vm: None))
    assert "Unknown issuer" in verdict.check(Aspect.ISSUER).message
    assert verdict.check(Aspect.PROOF).outcome == Outcome.FAILED


def test_expired_and_future_credentials() -> None:
    expired = level_credential(valid_until=NOW - dt.timedelta(hours=1))
    verdict = verify_text(json.dumps(expired), trust())
    assert verdict.status == "expired"
    assert "expired on" in verdict.check(Aspect.DATES).message
    future = level_credential(valid_from=NOW + dt.timedelta(days=3))
    assert (
        "not in force yet" in verify_text(json.dumps(future), trust()).check(Aspect.DATES).message
    )
    unread = level_credential()
    unread["validFrom"] = "yesterday"
    assert (
        "not a readable date"
        in verify_text(json.dumps(unread), trust()).check(Aspect.DATES).message
    )
    current = level_credential(valid_until=NOW + dt.timedelta(days=30))
    assert "until" in verify_text(json.dumps(current), trust()).check(Aspect.DATES).message


def jwt_with_header(header: dict, claims: dict, signature: str = "c2ln") -> str:
    return ".".join(
        [
            b64url_encode(json.dumps(header).encode()),
            b64url_encode(json.dumps(claims).encode()),
            signature,
        ]
    )


def test_jwt_with_alg_none_is_refused() -> None:
    token = clr_token([level_credential()])
    claims = vc_jwt.parse(token).claims
    for alg in ("none", "None", "HS256"):
        forged = jwt_with_header({"alg": alg, "typ": "JWT"}, claims, "")
        verdict = verify_text(forged, trust())
        assert not verdict.valid
        assert verdict.check(Aspect.PROOF).outcome == Outcome.FAILED
    none_verdict = verify_text(jwt_with_header({"alg": "none"}, claims, ""), trust())
    assert "algorithm 'none'" in none_verdict.check(Aspect.PROOF).message


def test_jwt_tampered_and_claims_that_disagree() -> None:
    token = clr_token([level_credential()])
    head, _body, sig = token.split(".")
    claims = vc_jwt.parse(token).claims
    claims["vc"]["name"] = "Forged transcript"
    tampered = ".".join([head, b64url_encode(json.dumps(claims).encode()), sig])
    assert "does not match" in verify_text(tampered, trust()).check(Aspect.PROOF).message
    unsigned = ob3.clr_credential(
        ob3.CredentialMeta("urn:uuid:4", "Transcript", NOW), issuer(), recipient(), []
    )
    odd = vc_jwt.sign(unsigned, secret=SECRET, public_key=PUBLIC, kid=KEY_ID)
    claims = vc_jwt.parse(odd).claims
    claims["iss"], claims["jti"] = "did:web:elsewhere.test", "urn:uuid:other"
    resigned = vc_jwt.jws_compact({"alg": "EdDSA", "kid": KEY_ID}, claims, SECRET, PUBLIC)
    verdict = verify_text(resigned, trust())
    messages = " ".join(c.message for c in verdict.checks)
    assert "(iss) differs" in messages
    assert "(jti) differs" in messages
    assert verdict.check(Aspect.CONTENTS).outcome == Outcome.WARNING


def test_jwt_without_a_usable_key() -> None:
    claims = vc_jwt.parse(clr_token([])).claims
    token = vc_jwt.jws_compact(
        {"alg": "EdDSA", "kid": "https://nowhere.test/k"}, claims, SECRET, PUBLIC
    )
    verdict = verify_text(token, trust())
    assert "Unknown issuer" in verdict.check(Aspect.ISSUER).message
    weird = jwt_with_header({"alg": "EdDSA", "jwk": {"kty": "oct", "k": "AA"}}, claims)
    assert "not accepted" in verify_text(weird, trust()).check(Aspect.PROOF).message
    broken = jwt_with_header({"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519"}}, claims)
    assert "not a usable public key" in verify_text(broken, trust()).check(Aspect.PROOF).message


def test_did_key_jwt_kid() -> None:
    claims = vc_jwt.parse(clr_token([])).claims
    claims["iss"] = claims["vc"]["issuer"]["id"] = did.did_key(PUBLIC)
    token = vc_jwt.jws_compact(
        {"alg": "EdDSA", "kid": did.did_key_method(PUBLIC)}, claims, SECRET, PUBLIC
    )
    verdict = verify_text(token, trust())
    assert verdict.check(Aspect.PROOF).outcome == Outcome.PASSED
    assert "did:key" in verdict.check(Aspect.ISSUER).message


def test_context_not_held_is_refused_without_fetching() -> None:
    signed = level_credential()
    signed["@context"] = [*signed["@context"], "https://evil.example/ctx.json"]
    verdict = verify_text(json.dumps(signed), trust())
    check = verdict.check(Aspect.PROOF)
    assert "https://evil.example/ctx.json" in check.message
    assert "never fetches" in check.message
    # The canonicalizer itself refuses too, not only the check before it.
    with pytest.raises(CredentialError, match="never fetches"):
        data_integrity.canonize(signed, npm_contexts())


def test_invalid_json_ld_is_refused_in_words() -> None:
    with pytest.raises(CredentialError, match="not valid JSON-LD"):
        data_integrity.canonize({"@context": {"@version": 9}}, npm_contexts())


def png(extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        baked.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def test_baked_png_and_svg_badges_verify() -> None:
    text = json.dumps(level_credential())
    image = baked.bake_png(png(), text)
    again = baked.bake_png(image, text)  # baking twice keeps one credential
    assert again.count(baked.KEYWORD) == 1
    verdict = verify_bytes(image, trust())
    assert verdict.format == "png"
    assert verdict.valid
    svg = baked.bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="1"></svg>', text)
    verdict = verify_bytes(svg.encode(), trust())
    assert verdict.format == "svg"
    assert verdict.valid
    token = clr_token([])
    assert verify_bytes(baked.bake_png(png(), token), trust()).format == "png"
    compressed = baked.KEYWORD + b"\0\x01\0\0\0" + zlib.compress(text.encode())
    chunked = png(
        struct.pack(">I", len(compressed))
        + b"iTXt"
        + compressed
        + struct.pack(">I", zlib.crc32(b"iTXt" + compressed))
    )
    assert baked.unbake_png(chunked) == text


def test_badge_images_without_credentials() -> None:
    verdict = verify_bytes(png(), trust())
    assert "picture of a badge" in verdict.check(Aspect.FORMAT).message
    verdict = verify_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', trust())
    assert "picture of a badge" in verdict.check(Aspect.FORMAT).message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"x" * (3 * 1024 * 1024), "are refused"),
        (b"   ", "Nothing was given"),
        (b"\xff\xfe\x00", "neither a credential"),
        (b"<svg><!DOCTYPE x [<!ENTITY a 'b'>]></svg>", "DOCTYPE"),
        (b"<svg><unclosed></svg>", "not a readable SVG"),
        (baked.PNG_SIGNATURE + b"\0\0\0\x64IHDR" + b"x" * 10, "cut short"),
        (baked.PNG_SIGNATURE, "no end marker"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\0IEND\0\0\0\0", "fails its checksum"),
        (b"GIF89a", "not a credential"),
    ],
)
def test_bad_files_get_a_plain_verdict(data: bytes, words: str) -> None:
    verdict = verify_bytes(data, trust())
    assert verdict.status == "invalid"
    assert words in verdict.check(Aspect.FORMAT).message


def test_damaged_baked_chunks() -> None:
    def itxt(body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + b"iTXt"
            + body
            + struct.pack(">I", zlib.crc32(b"iTXt" + body))
        )

    for body, words in [
        (baked.KEYWORD + b"\0", "damaged"),
        (baked.KEYWORD + b"\0\x01\0\0\0not-zlib", "damaged"),
        (baked.KEYWORD + b"\0\0\0\0\0\xff\xfe", "not UTF-8"),
        (
            baked.KEYWORD + b"\0\x01\0\0\0" + zlib.compress(b"x" * (baked.MAX_TEXT + 10)),
            "too large",
        ),
    ]:
        with pytest.raises(CredentialError, match=words):
            baked.unbake_png(png(itxt(b"other\0\0\0\0\0x") + itxt(body)))
    with pytest.raises(CredentialError, match="not a PNG"):
        baked.bake_png(b"GIF", "{}")
    with pytest.raises(CredentialError, match="not an SVG"):
        baked.bake_svg("<html></html>", "{}")
    with pytest.raises(CredentialError, match="cannot be placed"):
        baked.bake_svg("<svg></svg>", "]]>")
    assert "xmlns:openbadges" in baked.bake_svg("<svg></svg>", "{}")


@pytest.mark.parametrize(
    ("text", "aspect", "words"),
    [
        ("{not json", Aspect.FORMAT, "not readable"),
        ("[]", Aspect.FORMAT, "not a credential"),
        ('"a string"', Aspect.FORMAT, "not a credential"),
        ("{}", Aspect.FORMAT, "first @context"),
        (
            '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "X"}',
            Aspect.FORMAT,
            "VerifiableCredential",
        ),
        ("a.b.c", Aspect.FORMAT, "not readable JSON"),
        ("e30.W10.x", Aspect.FORMAT, "not a JSON object"),
        ("e30.e30.x", Aspect.FORMAT, "first @context"),
    ],
)
def test_malformed_text(text: str, aspect: Aspect, words: str) -> None:
    verdict = verify_text(text, trust())
    assert not verdict.valid
    assert words in " ".join(c.message for c in verdict.checks if c.aspect == aspect)


def test_two_part_token_is_not_a_jwt() -> None:
    with pytest.raises(CredentialError, match="three parts"):
        vc_jwt.parse("a.b")


def test_other_proof_kinds_and_purposes() -> None:
    signed = level_credential()
    for change, words in [
        ({"type": "Ed25519Signature2020"}, "does not check"),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "does not check"),
        ({"proofPurpose": "authentication"}, "not made for asserting"),
        ({"verificationMethod": None}, "does not say which key"),
        ({"proofValue": None}, "no signature value"),
        ({"proofValue": "x123"}, "not supported"),
    ]:
        doc = copy.deepcopy(signed)
        doc["proof"].update(change)
        verdict = verify_text(json.dumps(doc), trust())
        assert words in " ".join(c.message for c in verdict.checks), (change, verdict.as_dict())
        assert not verdict.valid


def test_issuer_keys_named_in_the_credential() -> None:
    secret, public = keypair(11)
    from proficio.core.credentials.encoding import multikey_public

    vm = f"https://school.test/issuers/1#{multikey_public(public)}"
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta("urn:uuid:5", "Badge", NOW),
        ob3.Issuer("https://school.test/issuers/2", "School"),
        recipient(),
        achievement(),
    )
    signed = data_integrity.sign(
        unsigned, secret=secret, verification_method=vm, created=NOW, contexts=npm_contexts()
    )
    verdict = verify_text(json.dumps(signed), trust())
    assert "not to the issuer" in verdict.check(Aspect.ISSUER).message
    assert not verdict.valid
    bad = copy.deepcopy(signed)
    bad["proof"]["verificationMethod"] = "https://school.test/issuers/1#z111"
    assert "unreadable" in verify_text(json.dumps(bad), trust()).check(Aspect.ISSUER).message


def test_without_schemas_and_with_other_status_methods() -> None:
    signed = level_credential()
    verdict = verify_text(json.dumps(signed), trust(schemas=None))
    assert verdict.check(Aspect.SCHEMA).outcome == Outcome.NOT_CHECKED
    doc = copy.deepcopy(signed)
    doc["credentialStatus"]["statusListIndex"] = "x"
    assert "not a number" in verify_text(json.dumps(doc), trust()).check(Aspect.STATUS).message


def test_schema_problems_name_their_json_path() -> None:
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta("urn:uuid:6", "Badge", NOW), issuer(), recipient(), achievement()
    )
    del unsigned["credentialSubject"]["achievement"]["criteria"]
    unsigned["credentialSubject"]["achievement"]["alignment"][0]["targetUrl"] = 5
    problems = schemas().check(unsigned, "ob3")
    paths = [p.path for p in problems]
    assert "$.credentialSubject.achievement" in paths
    assert "$.credentialSubject.achievement.alignment[0].targetUrl" in paths
    signed = data_integrity.sign(
        unsigned, secret=SECRET, verification_method=KEY_ID, created=NOW, contexts=npm_contexts()
    )
    check = verify_text(json.dumps(signed), trust()).check(Aspect.SCHEMA)
    assert "2 places" in check.message
    assert check.details[0].startswith("$.")


def test_clr_with_bad_and_too_many_credentials_inside() -> None:
    good = level_credential()
    bad = copy.deepcopy(good)
    bad["name"] = "Forged"
    verdict = verify_text(clr_token([good, bad, clr_token([])]), trust())
    contents = verdict.check(Aspect.CONTENTS)
    assert "2 of the 3 credentials inside" in contents.message
    assert verdict.nested[2].check(Aspect.CONTENTS).message.startswith("It nests")
    from proficio.core.credentials import verify as verify_module

    assert len(verdict.nested) == 3
    assert verify_module.MAX_NESTED == 500


def test_verdict_reads_well_for_an_empty_one() -> None:
    verdict = verify_text("not anything", trust())
    assert verdict.headline.startswith("This credential did not pass verification.")
    assert verdict.name == ""
    assert verdict.issuer_id == ""
    assert verdict.alignments == []
    assert verdict.as_dict()["status"] == "invalid"


def test_read_presented_accepts_plain_text() -> None:
    assert read_presented(b'  {"a": 1}  ').format == "json"
    assert read_presented(b"a.b.c").format == "jwt"


def test_jwt_claims_mirror_the_credential() -> None:
    unsigned = ob3.clr_credential(
        ob3.CredentialMeta(
            "urn:uuid:7",
            "Transcript",
            NOW,
            valid_until=NOW + dt.timedelta(days=365),
            description="All levels reached",
            status=status_list.entry(LIST_URL, 9),
        ),
        issuer(),
        recipient(),
        [level_credential()],
    )
    unsigned["issuer"] = ISSUER_DID  # an issuer may be given by its id alone
    claims = vc_jwt.parse(
        vc_jwt.sign(unsigned, secret=SECRET, public_key=PUBLIC, kid=KEY_ID)
    ).claims
    assert claims["iss"] == ISSUER_DID
    assert claims["nbf"] == int(NOW.timestamp())
    assert claims["exp"] == int((NOW + dt.timedelta(days=365)).timestamp())
    assert claims["vc"]["description"] == "All levels reached"
    assert claims["vc"]["credentialStatus"]["statusListIndex"] == "9"
    assert data_integrity.parse_time("2026-01-01T00:00:00") == dt.datetime(
        2026, 1, 1, tzinfo=dt.UTC
    )
    assert data_integrity.parse_time(5) is None


def test_jwt_whose_payload_is_the_credential_itself() -> None:
    unsigned = ob3.clr_credential(
        ob3.CredentialMeta("urn:uuid:8", "Transcript", NOW), issuer(), recipient(), [5]
    )
    token = vc_jwt.jws_compact({"alg": "Ed25519", "kid": KEY_ID}, unsigned, SECRET, PUBLIC)
    verdict = verify_text(token, trust())
    assert verdict.check(Aspect.PROOF).outcome == Outcome.PASSED
    assert verdict.nested[0].check(Aspect.FORMAT).message == "The credential is not a JSON object."
