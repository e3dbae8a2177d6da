"""What verification relies on here: the npm JSON-LD contexts (plus any an operator adds),
the 1EdTech schemas when installed, the keys of this deployment's issuers and its own
status lists. Built once per process; the keys and lists are read per verification."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from proficio.core.credentials.contexts import ContextStore
from proficio.core.credentials.schema import SchemaSet
from proficio.core.credentials.verify import KnownKey, Trust

OB3_SCHEMA = "ob_v3p0_achievementcredential_schema_draft4.json"
CLR2_SCHEMA = "clr_v2p0_clrcredential_schema_draft4.json"


@functools.cache
def contexts() -> ContextStore:
    store = ContextStore.from_bundle(Path(settings.PROFICIO_JSONLD_CONTEXTS))
    extra = {
        url: json.loads(Path(path).read_text(encoding="utf-8"))
        for url, path in settings.PROFICIO_JSONLD_EXTRA_CONTEXTS.items()
    }
    return store.with_documents(extra, "PROFICIO_JSONLD_EXTRA_CONTEXTS") if extra else store


@functools.cache
def schemas() -> SchemaSet | None:
    folder = settings.PROFICIO_CREDENTIAL_SCHEMAS
    if not folder or not (Path(folder) / OB3_SCHEMA).is_file():
        return None
    return SchemaSet(
        json.loads((Path(folder) / OB3_SCHEMA).read_text(encoding="utf-8")),
        json.loads((Path(folder) / CLR2_SCHEMA).read_text(encoding="utf-8")),
    )


def known_key(verification_method: str) -> KnownKey | None:
    from proficio.credentials.models import IssuerKey

    key = (
        IssuerKey.objects.filter(verification_method=verification_method)
        .select_related("organization")
        .first()
    )
    if key is None:
        return None
    return KnownKey(
        bytes(key.public_key), key.did, key.organization.name, retired=key.retired_at is not None
    )


def status_list(url: str) -> dict[str, Any] | None:
    from proficio.credentials import publish

    return publish.status_list_by_url(url)


def trust() -> Trust:
    return Trust(contexts(), schemas(), timezone.now(), known_key, status_list)
