"""Shared set-up for the credential kernel's tests: keys, the local contexts, the schemas."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proficio.core.credentials.contexts import CLR_V2, ContextStore
from proficio.core.credentials.schema import SchemaSet

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "node_modules" / ".proficio" / "jsonld-contexts.json"
# The shared fixtures beside the checkout; a worktree elsewhere names them in the environment.
FIXTURES = Path(os.environ.get("PROFICIO_SHARED_FIXTURES") or ROOT.parent / "shared" / "fixtures")
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

needs_fixtures = pytest.mark.skipif(
    not (FIXTURES / "ob3").is_dir(), reason="../shared/fixtures is not beside the checkout"
)


def keypair(seed: int = 1) -> tuple[bytes, bytes]:
    secret = bytes([seed]) * 32
    public = (
        Ed25519PrivateKey.from_private_bytes(secret)
        .public_key()
        .public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    )
    return secret, public


def npm_contexts() -> ContextStore:
    return ContextStore.from_bundle(BUNDLE)


def contexts_with_clr() -> ContextStore:
    """The npm contexts plus the CLR 2.0 context, which no npm package ships; tests read
    it from the shared fixtures in place (an operator adds it the same way)."""
    clr = json.loads((FIXTURES / "ob3" / "contexts" / "clr-v2p0-2.0.1.json").read_text())
    return npm_contexts().with_documents({CLR_V2: clr}, "shared fixtures")


def schemas() -> SchemaSet:
    folder = FIXTURES / "ob3" / "schemas"
    return SchemaSet(
        json.loads((folder / "ob_v3p0_achievementcredential_schema_draft4.json").read_text()),
        json.loads((folder / "clr_v2p0_clrcredential_schema_draft4.json").read_text()),
    )
