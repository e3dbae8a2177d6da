"""The client's address for login lockout, behind a known number of reverse proxies.

Each proxy appends the address it saw to X-Forwarded-For, so with N trusted proxies the
client is the N-th entry from the right; anything further left was written by the
client and cannot be trusted. Without proxies (the embedded default) it is REMOTE_ADDR.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    hops = int(getattr(settings, "PROFICIO_PROXY_COUNT", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return str(chain[-hops])
    return str(request.META.get("REMOTE_ADDR", ""))
