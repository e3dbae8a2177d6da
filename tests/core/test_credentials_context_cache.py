"""The store's context caches change nothing but the time: every credential we issue, every
1EdTech sample and a range of odd documents canonicalize to exactly the N-Quads pyld writes
when it resolves and processes every context afresh (no cache at all), and a store never
answers a context it does not hold from what another store has seen."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from tests.core.credentials_support import (
    FIXTURES,
    contexts_with_clr,
    keypair,
    needs_fixtures,
    npm_contexts,
)

from proficio.core.credentials import contexts as ctxmod
from proficio.core.credentials import data_integrity, did, ob3, status_list
from proficio.core.credentials.contexts import OB_V3, VC_V2, ContextStore
from proficio.core.credentials.errors import ContextNotHeld, CredentialError

pytestmark = needs_fixtures

SECRET, PUBLIC = keypair(11)
ISSUER = ob3.Issuer(did.did_key(PUBLIC), "Riverbend Unified", "https://proficio.test/")
METHOD = did.did_key_method(PUBLIC)
# One store for the whole module: its caches fill up as the examples run, as in a worker.
STORE = contexts_with_clr()


def uncached(document: Any, store: ContextStore) -> str:
    """pyld with no cache: the store's loader marks nothing static, so every context is
    fetched, resolved and processed again for this one document (the code before caching)."""
    result: str = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": store.loader(),
        },
    )
    return result


def either(document: Any, cached: bool) -> str:
    """The N-Quads, or the context refused (some samples name contexts no package ships)."""
    try:
        return data_integrity.canonize(document, STORE) if cached else uncached(document, STORE)
    except (jsonld.JsonLdError, CredentialError) as exc:
        reason = data_integrity._reason(exc)
        return f"refused: {getattr(reason, 'url', reason)}"


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 - bounds for aware datetimes
    max_value=dt.datetime(2090, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
alignments = st.lists(
    st.builds(
        ob3.CaseAlignment,
        uri=st.uuids().map(lambda u: f"https://proficio.test/ims/case/v1p1/CFItems/{u}"),
        name=text.filter(bool),
        code=text,
        framework=text,
    ),
    max_size=3,
)
recipients = st.one_of(
    st.builds(
        ob3.Recipient,
        id=st.uuids().map(lambda u: f"urn:uuid:{u}"),
        identity=text.filter(bool),
        salt=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    ),
    st.builds(
        ob3.Recipient,
        id=st.uuids().map(lambda u: f"urn:uuid:{u}"),
        identity=st.emails(),
        salt=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
        identity_type=st.just("emailAddress"),
    ),
)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """An OB 3.0 credential of every kind we issue: a competency level, a diploma, an
    educator's micro-credential; with or without an end date, evidence and status."""
    kind = draw(st.sampled_from(["Competency", "Diploma", "MicroCredential"]))
    achievement = ob3.Achievement(
        id=f"https://proficio.test/credentials/achievements/{draw(st.uuids())}",
        name=draw(text.filter(bool)),
        description=draw(text),
        criteria=draw(text),
        achievement_type=kind,
        alignments=draw(alignments),
        human_code=draw(text),
        creator=draw(st.sampled_from([None, ISSUER])),
    )
    evidence = draw(
        st.lists(
            st.builds(
                ob3.Evidence,
                id=st.uuids().map(lambda u: f"https://proficio.test/evidence/{u}"),
                name=text.filter(bool),
                narrative=text,
            ),
            max_size=2,
        )
    )
    status = draw(
        st.one_of(
            st.none(),
            st.integers(0, 131_071).map(
                lambda i: status_list.entry("https://proficio.test/credentials/status/1", i)
            ),
        )
    )
    meta = ob3.CredentialMeta(
        id=f"https://proficio.test/credentials/{draw(st.uuids())}",
        name=achievement.name,
        valid_from=draw(moments),
        valid_until=draw(st.one_of(st.none(), moments)),
        description=draw(text),
        status=status,
        evidence=evidence,
    )
    return ob3.achievement_credential(meta, ISSUER, draw(recipients), achievement)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(), moments)
def test_issued_credentials_canonicalize_as_uncached_pyld(
    credential: dict[str, Any], created: dt.datetime
) -> None:
    assert data_integrity.canonize(credential, STORE) == uncached(credential, STORE)
    signed = data_integrity.sign(
        credential, secret=SECRET, verification_method=METHOD, created=created, contexts=STORE
    )
    # The proof options document, which is canonicalized for every credential too.
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    options["@context"] = signed["@context"]
    assert data_integrity.canonize(options, STORE) == uncached(options, STORE)
    # And the signature is over exactly those bytes: it checks with an uncached store.
    proof = data_integrity.proofs_of(signed)[0]
    assert data_integrity.verify(signed, proof, PUBLIC, contexts_with_clr())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(credentials(), min_size=1, max_size=3), moments)
def test_transcript_clr_with_nested_credentials_canonicalizes_as_uncached_pyld(
    inner: list[dict[str, Any]], moment: dt.datetime
) -> None:
    nested = [
        data_integrity.sign(
            c, secret=SECRET, verification_method=METHOD, created=moment, contexts=STORE
        )
        for c in inner
    ]
    clr = ob3.clr_credential(
        ob3.CredentialMeta("https://proficio.test/credentials/clr/1", "Transcript", moment),
        ISSUER,
        ob3.Recipient("urn:uuid:5f0c7c55-0000-4000-8000-000000000001", "S-1", "00aa11bb22cc33dd"),
        nested,
    )
    assert data_integrity.canonize(clr, STORE) == uncached(clr, STORE)


SAMPLES = sorted(
    [*(FIXTURES / "ob3" / "credentials").glob("*.json"), *(FIXTURES / "clr2").glob("*.json")]
)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_1edtech_samples_canonicalize_as_uncached_pyld(path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    # Twice: the second answer comes from the caches the first one filled.
    for _ in range(2):
        assert either(unsecured, cached=True) == either(unsecured, cached=False)
    for proof in data_integrity.proofs_of(document):
        options = {k: v for k, v in proof.proof.items() if k != "proofValue"}
        options["@context"] = document["@context"]
        assert either(options, cached=True) == either(options, cached=False)


ODD_DOCUMENTS = [
    # A context written inline in the document (not held by the store).
    {"@context": {"name": "https://schema.org/name"}, "@id": "urn:x:1", "name": "Ada"},
    # Inline contexts after the held ones, with a term of its own and a type-scoped one.
    {
        "@context": [
            VC_V2,
            OB_V3,
            {"note": "https://proficio.test/ns#note"},
            {
                "Extra": {
                    "@id": "https://proficio.test/ns#Extra",
                    "@context": {"n": "https://proficio.test/ns#n"},
                }
            },
        ],
        "id": "urn:x:2",
        "type": ["VerifiableCredential", "Extra"],
        "note": "hello",
        "n": "scoped",
    },
    # A null context resets to the initial context (allowed: no protected terms before).
    {
        "@context": [
            {"a": "https://proficio.test/ns#a"},
            None,
            {"b": "https://proficio.test/ns#b"},
        ],
        "a": 1,
        "b": 2,
    },
    # The same type twice, nested: the scoped context applied to a child of a child.
    {
        "@context": [VC_V2, OB_V3],
        "id": "urn:x:3",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "urn:x:4",
            "type": ["Profile"],
            "name": "A",
            "parentOrg": {"id": "urn:x:5", "type": ["Profile"], "name": "B"},
        },
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:x:6",
                "type": ["Achievement"],
                "name": "C",
                "criteria": {"narrative": "D"},
            },
        },
    },
]


@pytest.mark.parametrize("document", ODD_DOCUMENTS)
def test_odd_documents_canonicalize_as_uncached_pyld(document: dict[str, Any]) -> None:
    for _ in range(2):
        assert data_integrity.canonize(document, STORE) == uncached(document, STORE)


def test_a_context_that_is_not_an_object_is_refused_in_words() -> None:
    with pytest.raises(CredentialError, match="not valid JSON-LD"):
        data_integrity.canonize({"@context": [VC_V2, 5], "id": "urn:x:7"}, STORE)


def test_a_store_never_answers_from_another_stores_cache() -> None:
    document = {"@context": [VC_V2, OB_V3], "id": "urn:x:8", "type": ["VerifiableCredential"]}
    data_integrity.canonize(document, npm_contexts())  # fills that store's caches
    without_ob3 = ContextStore({VC_V2: npm_contexts().document(VC_V2)})
    with pytest.raises(ContextNotHeld) as refused:
        data_integrity.canonize(document, without_ob3)
    assert refused.value.url == OB_V3


def test_inline_contexts_are_kept_only_up_to_the_limit() -> None:
    cache = ctxmod._StoreCache({}, inline_max=1)
    first, second = {"a": "urn:a"}, {"b": "urn:b"}
    one = cache.for_object(first)
    assert cache.for_object({"a": "urn:a"}) is one  # equal contents: the same entry
    cache.for_object(second)
    assert list(cache.inline) == [json.dumps(second, separators=(",", ":"))]
    assert cache.for_object(first) is not one  # the first was let go


def test_contexts_inside_held_documents_are_found_by_object() -> None:
    inner = {"a": "urn:a"}
    cache = ctxmod._StoreCache({"https://proficio.test/c": {"@context": [inner, "urn:b"]}})
    assert cache.for_object(inner) is cache.for_object(inner)
    assert not cache.inline  # never canonicalized: it is the store's own object
    assert cache.for_object(dict(inner)) is not cache.for_object(inner)  # a copy is inline
    assert len(cache.inline) == 1
