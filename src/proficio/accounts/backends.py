"""Authentication backends of our own (see ``AUTHENTICATION_BACKENDS``)."""

from __future__ import annotations

from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from proficio.accounts import throttle
from proficio.accounts.client_ip import client_ip


class LoginThrottleBackend:
    """Refuses a password login while the throttle says this address or the site must wait.

    It sits first, before Axes. Like Axes, it flags the request (``axes_locked_out``), so
    Axes' middleware answers with the lockout page, and raises, which stops Django's
    ``authenticate`` from trying the password at all. Logins without a password (single
    sign-on) pass untouched.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or password is None:
            return None
        block = throttle.login_block(client_ip(request))
        if block is None:
            return None
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.proficio_login_block = block  # type: ignore[attr-defined]
        raise AxesBackendPermissionDenied(f"password logins paused ({block.reason})")

    # No get_user(): this backend never signs anyone in (and Django's test client picks
    # the first backend that has one for force_login).


class PersonBackend(ModelBackend):
    """Django's password backend, except that each request's user is read together with
    what the policy knows about them (``policy.load_person``: their roles, organizations,
    student record and guardianship), in one query instead of two."""

    def get_user(self, user_id: Any) -> Any:
        return active_person(self, user_id)


def active_person(backend: ModelBackend, user_id: Any) -> Any:
    """The request's user (``policy.load_person``), or None if gone or deactivated."""
    from proficio import policy  # the policy imports the accounts models

    user = policy.load_person(user_id)
    return user if user is not None and backend.user_can_authenticate(user) else None
