"""The client's address, for login lockout and the audit of token use.

Without a reverse proxy (the embedded default) the client is the peer, ``REMOTE_ADDR``,
and ``X-Forwarded-For`` is ignored: anyone can write that header. Behind proxies, each
proxy appends the address it saw, so the header is read from the right, one entry per
proxy hop, and only while the address being replaced belongs to a configured proxy
(``PROFICIO_TRUSTED_PROXIES``). A request that reaches Proficio directly, not through a
trusted proxy, is therefore judged by its peer address whatever it claims. At most
``PROFICIO_PROXY_COUNT`` entries are taken, so a client cannot add hops of its own.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def trusted_proxies() -> tuple[Network, ...]:
    spec = getattr(settings, "PROFICIO_TRUSTED_PROXIES", "")
    if not isinstance(spec, str):
        spec = ",".join(spec)
    return _networks(spec)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    peer = str(request.META.get("REMOTE_ADDR", ""))
    hops = int(getattr(settings, "PROFICIO_PROXY_COUNT", 0))
    networks = trusted_proxies()
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if hops <= 0 or not networks or not forwarded:
        return peer
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    client = peer
    for _ in range(hops):
        if not chain or not _is_trusted(client, networks):
            break
        candidate = chain.pop()
        if _address(candidate) is None:  # garbage in the header: keep the last proxy's word
            break
        client = candidate
    return str(_address(client) or peer) if client != peer else peer
