"""Who is acting, and why: set once per request (middleware) or per command (``acting``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any  # an authenticated User, or None for the system
    route: str
    purpose: str = ""
    # Who acts when no account does, in words (a college reading a shared transcript).
    label: str = ""

    @property
    def name(self) -> str:
        if self.user is None:
            return self.label or "system"
        return str(self.user.username)


SYSTEM = Actor(user=None, route="system")
_current: ContextVar[Actor] = ContextVar("proficio_audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting(user: Any, route: str, purpose: str = "", label: str = "") -> Iterator[Actor]:
    """Attribute everything done inside the block to ``user`` (None = the system, or the
    outside reader named by ``label``)."""
    actor = Actor(user=user, route=route, purpose=purpose, label=label)
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def act_as(user: Any, route: str, purpose: str = "") -> None:
    """Attribute the rest of the current request to ``user``: for a request whose user is
    known only after the middleware ran (a machine client's bearer token). The middleware's
    ``acting`` block still restores the previous actor when the request ends."""
    _current.set(Actor(user=user, route=route, purpose=purpose))
