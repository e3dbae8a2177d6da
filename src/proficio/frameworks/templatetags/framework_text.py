"""Mark framework text shown in English on a page in another language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def untranslated(value: Any) -> Any:
    """English framework text on a page in another language is marked as English (for
    screen readers, ``lang="en"``) and says so, instead of passing for a translation."""
    if getattr(value, "fallback", False):
        return format_html(
            '<span lang="en" class="untranslated" data-untranslated="1">{}</span>'
            ' <span class="untranslated-note">({})</span>',
            str(value),
            _("not yet translated"),
        )
    return value
