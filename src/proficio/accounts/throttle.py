"""The login throttle: limits on password spraying that a per-account lockout misses.

Axes locks one username from one address after ``PROFICIO_LOGIN_FAILURE_LIMIT`` failures.
A sprayer tries one common password on many accounts instead, so two more limits apply
to password logins (single sign-on and tokens never pass through here):

* **One address, many accounts.** When failed logins from one address name
  ``PROFICIO_LOGIN_ADDRESS_LIMIT`` different usernames within the lockout window, that
  address may not try a password again until the window has passed.
* **Everyone, a burst.** When the whole site sees ``PROFICIO_LOGIN_GLOBAL_LIMIT`` failed
  logins within one minute, from however many addresses, password logins pause until the
  minute's count falls below the limit.

Refused attempts are not counted as failures, so a pause ends on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from proficio.accounts.models import LoginFailure

GLOBAL_WINDOW = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Block:
    reason: str  # "address" or "global"
    retry_after: int  # seconds


def address_window() -> dt.timedelta:
    cooloff = settings.AXES_COOLOFF_TIME
    return cooloff if isinstance(cooloff, dt.timedelta) else dt.timedelta(minutes=15)


def login_block(ip_address: str | None, *, now: dt.datetime | None = None) -> Block | None:
    """Why a password login from ``ip_address`` must wait now, or None."""
    now = now or timezone.now()
    window = address_window()
    if ip_address:
        recent = LoginFailure.objects.filter(ip_address=ip_address, at__gte=now - window)
        accounts = recent.values("username").distinct().count()
        if accounts >= settings.PROFICIO_LOGIN_ADDRESS_LIMIT:
            first = recent.order_by("at").values_list("at", flat=True).first()
            wait = (first + window - now) if first else window
            return Block("address", max(1, int(wait.total_seconds())))
    burst = LoginFailure.objects.filter(at__gte=now - GLOBAL_WINDOW).count()
    if burst >= settings.PROFICIO_LOGIN_GLOBAL_LIMIT:
        return Block("global", int(GLOBAL_WINDOW.total_seconds()))
    return None
