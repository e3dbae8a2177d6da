"""Notification emails: plain text and HTML, in the recipient's preferred language.

Links are absolute (``PROFICIO_SITE_URL``) and go through the notification's "open" page,
so following one marks it read. A digest groups its notifications by kind.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proficio.notifications.models import Kind, Notification


def _site() -> str:
    return str(settings.PROFICIO_SITE_URL).rstrip("/")


def language_of(user: Any) -> str:
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE


def compose(
    user: Any, notifications: list[Notification], *, digest: bool
) -> EmailMultiAlternatives:
    """The email telling ``user`` about ``notifications`` (one, or a digest of many)."""
    language = language_of(user)
    with translation.override(language):
        groups: dict[str, list[dict[str, str]]] = defaultdict(list)
        for n in notifications:
            groups[n.kind].append(
                {
                    "message": n.message,
                    "url": _site() + reverse("notifications:open", args=[n.pk]),
                }
            )
        sections = [
            {"title": str(Kind(kind).label), "items": items}
            for kind, items in sorted(groups.items(), key=lambda kv: Kind.values.index(kv[0]))
        ]
        if digest:
            subject = ngettext(
                "Proficio: your daily digest (%(count)s notification)",
                "Proficio: your daily digest (%(count)s notifications)",
                len(notifications),
            ) % {"count": len(notifications)}
        else:
            subject = _("Proficio: %(what)s") % {"what": notifications[0].message}
        context = {
            "name": str(user),
            "digest": digest,
            "sections": sections,
            "language": language,
            "all_url": _site() + reverse("notifications:list"),
            "preferences_url": _site() + reverse("notifications:preferences"),
        }
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    # A subject is one line; a long message is cut, the body has it whole.
    subject = " ".join(subject.split())
    if len(subject) > 150:
        subject = subject[:149] + "…"
    message = EmailMultiAlternatives(subject, text, None, [user.email])
    message.attach_alternative(html, "text/html")
    return message
