"""Reading a presented credential from an upload, shared by the page and the API."""

from __future__ import annotations

from typing import Any

from proficio.core.credentials.verify import MAX_BYTES


def read_upload(upload: Any, limit: int = MAX_BYTES) -> bytes:
    """At most one byte past the limit, so an oversized file is refused without reading
    it all."""
    return bytes(upload.read(limit + 1))
