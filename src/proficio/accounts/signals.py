"""Receivers: count failed password logins for the throttle."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from proficio.accounts import actions
from proficio.accounts.client_ip import client_ip


@receiver(user_login_failed, dispatch_uid="proficio_login_failure")
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    # Only password attempts count, and not those the throttle or a lockout refused unheard.
    if request is None or "password" not in credentials:
        return
    if getattr(request, "proficio_login_block", None) is not None:
        return
    # Axes refused a locked-out pair without trying the password (it records no count).
    if getattr(request, "axes_locked_out", False) and not hasattr(
        request, "axes_failures_since_start"
    ):
        return
    actions.note_login_failure(client_ip(request), str(credentials.get("username") or ""))
