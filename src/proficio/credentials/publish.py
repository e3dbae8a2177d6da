"""What this deployment publishes for verifiers: DID documents and signed status lists.
Reads only; signing uses the organization's current key."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from proficio.core.credentials import data_integrity, did, status_list
from proficio.credentials import keys
from proficio.credentials.models import IssuedCredential, IssuerKey, StatusList
from proficio.credentials.trust import contexts


def base_url() -> str:
    host = keys.domain()
    return f"https://{host}" if host else str(settings.PROFICIO_CREDENTIALS_BASE_URL).rstrip("/")


def status_list_url(sl: StatusList) -> str:
    return f"{base_url()}/credentials/status/{sl.uuid}"


def did_document(issuer_did: str) -> dict[str, Any] | None:
    found = list(IssuerKey.objects.filter(did=issuer_did).order_by("created_at", "id"))
    if not found:
        return None
    return did.did_document(
        issuer_did,
        [did.VerificationKey(k.verification_method, bytes(k.public_key)) for k in found],
    )


def current_key(org_id: int) -> IssuerKey | None:
    return (
        IssuerKey.objects.filter(organization_id=org_id, retired_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def status_list_credential(sl: StatusList) -> dict[str, Any]:
    """The list's current bits, signed now by the organization's current key."""
    revoked = set(
        IssuedCredential.objects.filter(status_list=sl, revoked_at__isnull=False).values_list(
            "status_index", flat=True
        )
    )
    # The newest key under the list's DID signs it: after a did:web rotation, the new
    # key; a did:key list stays with its own key, since its DID is that key.
    key = (
        IssuerKey.objects.filter(did=sl.key.did, retired_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    ) or sl.key
    now = timezone.now()
    unsigned = status_list.list_credential(
        status_list_url(sl),
        key.did,
        data_integrity.timestamp(now),
        status_list.encode({i for i in revoked if i is not None}, sl.size),
    )
    return data_integrity.sign(
        unsigned,
        secret=keys.unseal(key.encrypted_secret),
        verification_method=key.verification_method,
        created=now,
        contexts=contexts(),
    )


def status_list_by_url(url: str) -> dict[str, Any] | None:
    """The status list this deployment publishes at ``url``, or None (never fetched)."""
    prefix = f"{base_url()}/credentials/status/"
    if not url.startswith(prefix):
        return None
    try:
        list_id = uuid.UUID(url[len(prefix) :].strip("/"))
    except ValueError:
        return None
    found = StatusList.objects.filter(uuid=list_id).first()
    return status_list_credential(found) if found is not None else None
