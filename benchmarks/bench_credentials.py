"""Benchmark: ``eddsa-rdfc-2022`` signing and verification per second, Proficio's kernel
(pyld + cryptography) against Digital Bazaar's @digitalbazaar/vc under node, on the same
OB 3.0 credential with the same key and the same npm JSON-LD contexts, in the same run.
The target is at least the baseline's throughput. Both sides warm up once first (the
contexts parsed and cached, as in a running service).

    python benchmarks/bench_credentials.py            # 300 of each
    python benchmarks/bench_credentials.py --n 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proficio.core.credentials import data_integrity, did, ob3, status_list
from proficio.core.credentials.contexts import ContextStore
from proficio.core.credentials.encoding import multikey_public, multikey_secret
from proficio.core.credentials.verify import Aspect, KnownKey, Outcome, Trust, verify_document

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "node_modules" / ".proficio" / "jsonld-contexts.json"


def credential(issuer_did: str) -> dict:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    return ob3.achievement_credential(
        ob3.CredentialMeta(
            "https://proficio.example/credentials/1d3e6a1c-0000-4000-8000-000000000001",
            "Writing: level 3",
            now,
            status=status_list.entry("https://proficio.example/credentials/status/1", 42),
        ),
        ob3.Issuer(issuer_did, "Riverbend Unified", "https://proficio.example/"),
        ob3.Recipient("urn:uuid:1d3e6a1c-0000-4000-8000-000000000002", "S-000123", "pepper"),
        ob3.Achievement(
            id="https://proficio.example/credentials/achievements/WRIT.1/3",
            name="Writing: level 3",
            description="Writes arguments supported by relevant evidence.",
            criteria="Every learning target of Writing at level 3 shown at proficiency.",
            alignments=[
                ob3.CaseAlignment(
                    "https://proficio.example/ims/case/v1p1/CFItems/1d3e6a1c-0000-4000-8000-000000000003",
                    "Writing",
                    "WRIT.1",
                    "Riverbend Unified competencies",
                )
            ],
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    node = shutil.which("node")
    assert node, "node is needed for the baseline (make install)"

    secret = bytes(range(32))
    public = (
        Ed25519PrivateKey.from_private_bytes(secret)
        .public_key()
        .public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    )
    issuer = did.did_key(public)
    vm = did.did_key_method(public)
    contexts = ContextStore.from_bundle(BUNDLE)
    unsigned = credential(issuer)
    created = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def sign() -> dict:
        return data_integrity.sign(
            unsigned, secret=secret, verification_method=vm, created=created, contexts=contexts
        )

    signed = sign()  # warm-up
    start = time.perf_counter()
    for _ in range(args.n):
        sign()
    ours_sign = time.perf_counter() - start

    known = {vm: KnownKey(public, issuer, "Riverbend Unified")}
    trust = Trust(contexts, None, created, known.get)
    proof = data_integrity.proofs_of(signed)[0]
    assert data_integrity.verify(signed, proof, public, contexts)
    start = time.perf_counter()
    for _ in range(args.n):
        ok = data_integrity.verify(signed, proof, public, contexts)
    ours_verify = time.perf_counter() - start
    assert ok
    # The full verdict (proof, issuer, dates, status pointer) once, to show its cost too.
    start = time.perf_counter()
    for _ in range(args.n):
        verdict = verify_document(signed, trust)
    ours_verdict = time.perf_counter() - start
    assert verdict.check(Aspect.PROOF).outcome == Outcome.PASSED  # type: ignore[union-attr]

    request = {
        "bundle": str(BUNDLE),
        "n": args.n,
        "unsigned": unsigned,
        "signed": signed,
        "key": {
            "did": issuer,
            "publicKeyMultibase": multikey_public(public),
            "secretKeyMultibase": multikey_secret(secret),
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(request, f)
    try:
        out = subprocess.run(
            [node, str(ROOT / "benchmarks" / "bench_credentials.mjs"), f.name],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    finally:
        Path(f.name).unlink()
    baseline = json.loads(out.stdout)
    assert baseline["verified"], "the baseline did not verify our credential"

    def rate(seconds: float) -> float:
        return args.n / seconds

    base_sign, base_verify = rate(baseline["signSeconds"]), rate(baseline["verifySeconds"])
    print(f"eddsa-rdfc-2022, one OB 3.0 credential, n={args.n}")
    for label, ours, theirs in (
        ("sign:  ", rate(ours_sign), base_sign),
        ("verify:", rate(ours_verify), base_verify),
    ):
        print(
            f"{label} Proficio {ours:8.1f}/s   @digitalbazaar/vc {theirs:8.1f}/s"
            f"   ratio {ours / theirs:.2f}x"
        )
    print(
        "full verdict (proof, issuer, dates, status pointer): "
        f"Proficio {rate(ours_verdict):8.1f}/s   "
        f"ratio to @digitalbazaar/vc verify {rate(ours_verdict) / base_verify:.2f}x"
    )


if __name__ == "__main__":
    main()
