"""Runs the independent verifier (Digital Bazaar's @digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite, and panva's jose for VC-JWT) under node on credentials that
the test suite issued, with the same npm JSON-LD contexts Proficio uses."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "credentials" / "independent_verifier.mjs"
BUNDLE = ROOT / "node_modules" / ".proficio" / "jsonld-contexts.json"


def independently_verify(
    credentials: list[tuple[str, dict[str, Any] | str]],
    documents: dict[str, Any] | None = None,
    contexts: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """name -> {"verified": bool, "errors": [...]} for each (name, credential); a str
    credential is a VC-JWT, a dict one carries a Data Integrity proof."""
    node = shutil.which("node")
    assert node, "node is required for the independent verifier (make install)"
    request = {
        "bundle": str(BUNDLE),
        "documents": documents or {},
        "contexts": contexts or {},
        "credentials": [
            {"name": n, "format": "jwt" if isinstance(c, str) else "di", "credential": c}
            for n, c in credentials
        ],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(request, f)
    try:
        out = subprocess.run(
            [node, str(SCRIPT), f.name], capture_output=True, text=True, check=True, cwd=ROOT
        )
    finally:
        Path(f.name).unlink()
    return {r["name"]: r for r in json.loads(out.stdout)}
