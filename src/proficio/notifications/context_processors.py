"""The unread count shown in every page's header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from proficio.notifications.actions import header_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows it (the header), not for every HTMX fragment.
    return {"notifications_unread": SimpleLazyObject(lambda: header_count(user))}
