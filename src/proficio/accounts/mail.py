"""Account emails (invitations, password resets), each in the person's own language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def link(site: str, name: str, user: Any, token: str) -> str:
    """An absolute one-time link: ``site`` (scheme and host) + the named route."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return site.rstrip("/") + reverse(name, args=[uid, token])


def send(user: Any, template: str, context: dict[str, Any]) -> None:
    """Render ``accounts/email/<template>[_subject].txt`` in ``user``'s language and send."""
    with translation.override(getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE):
        context = {"user": user, "name": str(user), **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
