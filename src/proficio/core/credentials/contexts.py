"""JSON-LD contexts held locally, and a document loader that serves only those.

The store is filled from a bundle that ``make install`` writes out of the npm context
packages (``tools/jsonld_contexts.cjs``), plus any context files an operator adds. A URL the
store does not hold is refused with :class:`ContextNotHeld`: nothing is ever fetched."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from proficio.core.credentials.errors import ContextNotHeld, CredentialError

DocumentLoader = Callable[[str, Any], dict[str, Any]]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"


class ContextStore:
    """URL → context document, with the source each one came from."""

    def __init__(self, documents: Mapping[str, Any], sources: Mapping[str, str] | None = None):
        self._documents = dict(documents)
        self._sources = dict(sources or {})

    @classmethod
    def from_bundle(cls, path: Path) -> ContextStore:
        """Read the bundle ``make install`` writes from the npm context packages:
        ``{"contexts": {url: {"package": "name@version", "document": {...}}}}``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["contexts"]
            documents = {url: entry["document"] for url, entry in entries.items()}
            sources = {url: entry["package"] for url, entry in entries.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CredentialError(
                f"The JSON-LD context bundle {path.name} is missing or unreadable: run "
                "`make install` to write it from the npm context packages."
            ) from exc
        return cls(documents, sources)

    def with_documents(self, documents: Mapping[str, Any], source: str) -> ContextStore:
        """A copy that also holds ``documents`` (for example contexts read from files)."""
        merged = ContextStore(self._documents, self._sources)
        for url, doc in documents.items():
            merged._documents[url] = doc
            merged._sources[url] = source
        return merged

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    def urls(self) -> list[str]:
        return sorted(self._documents)

    def source(self, url: str) -> str:
        return self._sources.get(url, "")

    def document(self, url: str) -> Any:
        doc = self._documents.get(url)
        if doc is None:
            raise ContextNotHeld(url)
        return doc

    def loader(self) -> DocumentLoader:
        """A pyld document loader that answers from this store and refuses everything else."""

        def load(url: str, options: Any = None) -> dict[str, Any]:
            return {"contextUrl": None, "documentUrl": url, "document": self.document(url)}

        return load


def contexts_used(document: Any) -> list[str]:
    """Every context URL a document names, at any depth, in order of appearance."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ctx = node.get("@context")
            for c in ctx if isinstance(ctx, list) else [ctx]:
                if isinstance(c, str) and c not in found:
                    found.append(c)
            for key, value in node.items():
                if key != "@context":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found
