"""``POST /api/v1/credentials/verify``: the public verifier as JSON. The body is the
credential itself (JSON or a JWT), or a multipart form with ``file`` or ``credential``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router

from proficio.core.credentials.verify import MAX_BYTES, verify_bytes
from proficio.credentials.trust import trust
from proficio.credentials.uploads import read_upload

router = Router(tags=["credentials"])


@router.post(
    "/credentials/verify", auth=None, summary="Verify a credential", url_name="credentials_verify"
)
def verify(request: HttpRequest) -> dict[str, Any]:
    """The verdict: ``status`` (valid, revoked, expired, invalid), a plain-language
    ``headline``, and one check per aspect (format, proof, schema, issuer, dates, status,
    and for a CLR the credentials inside)."""
    try:
        upload = request.FILES.get("file")
        if upload is not None:
            data = read_upload(upload)
        elif request.content_type == "multipart/form-data" or "credential" in request.POST:
            data = request.POST.get("credential", "").encode("utf-8")
        else:
            data = request.body[: MAX_BYTES + 1]
    except RequestDataTooBig:
        data = b" " * (MAX_BYTES + 1)  # refused below, in the same words as a large file
    return verify_bytes(data, trust()).as_dict()
