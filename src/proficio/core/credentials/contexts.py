"""JSON-LD contexts held locally, and a document loader that serves only those.

The store is filled from a bundle that ``make install`` writes out of the npm context
packages (``tools/jsonld_contexts.cjs``), plus any context files an operator adds. A URL the
store does not hold is refused with :class:`ContextNotHeld`: nothing is ever fetched.

Processing the contexts is most of the work of canonicalizing a credential, so each store
keeps what pyld makes of them across documents (:meth:`ContextStore.resolver`): the contexts
it holds, resolved once, and the active contexts they produce, processed once. A store's
caches are its own: a context another store holds is never answered from them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from c14n.Canonicalize import canonicalize
from frozendict import frozendict
from pyld import iri_resolver
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

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
        self._cache = _StoreCache(self._documents)

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

    def resolver(self) -> ContextResolver:
        """A pyld context resolver for one operation (pass it as ``contextResolver`` with
        :meth:`loader`), answering from this store's caches."""
        return _Resolver(self._cache, self.loader())


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


# ---------------------------------------------------------------- pyld's context caches
#
# pyld resolves every context a document names and processes it against the active
# context; it keeps a result only for contexts a loader marks "static", in one cache shared
# by every loader in the process, and it keys processed contexts by the identity of the
# active context. A type-scoped context (OB 3.0 scopes one to each of its types) is applied
# to a fresh copy of the active context, so pyld processes it again on every node of every
# document. The classes below keep both results per store, and find a type-scoped result
# again by what the copy holds rather than by the copy's identity.

_CLONE_KEYS = frozenset({"mappings", "@base", "@language", "@vocab", "previousContext", "_uuid"})


def _active_key(active: Mapping[str, Any]) -> Any:
    """The cache key of an active context: its own identifier, or, for the child pyld makes
    before applying a non-propagating context (every entry its parent's, plus the parent
    as ``previousContext``), the parent's identifier. Processing depends only on what the
    active context holds, so equal contents may share one result."""
    parent = active.get("previousContext")
    if (
        isinstance(parent, Mapping)
        and "_uuid" in parent
        and "previousContext" not in parent
        and _CLONE_KEYS.issuperset(active)
        and all(
            (key in active) == (key in parent) and active.get(key) == parent.get(key)
            for key in ("@base", "@language", "@vocab")
        )
        and active["mappings"] == parent["mappings"]
    ):
        return ("child of", parent["_uuid"])
    return active["_uuid"]


class _Resolved(ResolvedContext):  # type: ignore[misc]
    """A resolved context whose processed results are keyed by :func:`_active_key`."""

    def get_processed(self, active_ctx: Mapping[str, Any]) -> Any:
        return self.cache.get(_active_key(active_ctx))

    def set_processed(self, active_ctx: Mapping[str, Any], processed_ctx: Any) -> None:
        self.cache[_active_key(active_ctx)] = processed_ctx


class _StoreCache:
    """What one store's contexts resolve to: by URL for the documents it holds, by object
    for the contexts inside them (they live as long as the store), and by canonical JSON
    (at most ``inline_max`` of them) for contexts written inline in a document."""

    def __init__(self, documents: Mapping[str, Any], inline_max: int = 256):
        self.by_url: dict[tuple[str, str], list[_Resolved]] = {}
        self.held: dict[int, Any] = {}
        self.by_object: dict[int, _Resolved] = {}
        self.inline: dict[str, _Resolved] = {}
        self.inline_max = inline_max
        stack: list[Any] = list(documents.values())
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                self.held[id(node)] = node
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)

    def for_object(self, ctx: Mapping[str, Any]) -> _Resolved:
        if self.held.get(id(ctx)) is ctx:
            found = self.by_object.get(id(ctx))
            if found is None:
                found = self.by_object[id(ctx)] = _Resolved(ctx)
            return found
        key = canonicalize(dict(ctx)).decode("utf-8")
        found = self.inline.get(key)
        if found is None:
            if len(self.inline) >= self.inline_max:
                self.inline.pop(next(iter(self.inline)))
            found = self.inline[key] = _Resolved(ctx)
        return found


class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's context resolver over a store's caches (one per operation, as pyld expects)."""

    def __init__(self, cache: _StoreCache, loader: DocumentLoader):
        super().__init__({}, loader)
        self.store_cache = cache

    def resolve(
        self, active_ctx: Any, context: Any, base: Any, cycles: set[str] | None = None
    ) -> list[_Resolved]:
        cycles = set() if cycles is None else cycles
        if isinstance(context, dict | frozendict) and "@context" in context:
            context = context["@context"]
        resolved: list[_Resolved] = []
        for ctx in context if isinstance(context, list) else [context]:
            if isinstance(ctx, str):
                found = self.store_cache.by_url.get((ctx, base))
                if found is None:
                    url = iri_resolver.resolve(ctx, base)
                    fetched, remote = self._fetch_context(active_ctx, url, cycles)
                    here = remote.get("documentUrl", url)
                    self._resolve_context_urls(fetched, here)
                    found = self.resolve(active_ctx, fetched, here, cycles)
                    self.store_cache.by_url[(ctx, base)] = found
                resolved.extend(found)
            elif ctx is None or ctx is False:
                resolved.append(_Resolved(False))
            elif isinstance(ctx, dict | frozendict):
                resolved.append(self.store_cache.for_object(ctx))
            else:
                # pyld's own words and code for a context that is not an object.
                super().resolve(active_ctx, [ctx], base, cycles)
        return resolved
