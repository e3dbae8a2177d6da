"""A learning target's status as a badge, written once here: a page of standings shows one
per learning target, and a tag costs a tenth of an included template
(``mastery/_status_text.html``, which other pages include, uses it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from proficio.mastery.models import DeterminationStatus as S

register = template.Library()

# status: (badge class, symbol); the words are the status's label.
_BADGES: dict[str, tuple[str, str]] = {
    S.NOT_ASSESSED: ("badge-none", "○"),
    S.INSUFFICIENT: ("badge-insufficient", "◌"),
    S.NOT_YET: ("badge-1", "◔"),
    S.PROFICIENT: ("badge-3", "◕"),
    S.ADVANCED: ("badge-4", "●"),
}


@register.simple_tag
def status_badge(status: Any) -> SafeString | str:
    """The badge of ``status`` (a determination's status), or nothing for another value."""
    found = _BADGES.get(status) if isinstance(status, str) else None
    if found is None:
        return ""
    css, symbol = found
    return format_html(
        '<span class="badge {}"><span aria-hidden="true">{}</span> {}</span>',
        css,
        symbol,
        S(status).label,
    )
