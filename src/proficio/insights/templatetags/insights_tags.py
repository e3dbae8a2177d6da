"""How a published figure is written on a page: a withheld one says so, never blank."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def withheld_text(limit: int, count: bool) -> str:
    """The marker for a withheld figure. The same for every hidden figure (telling the
    small counts from the ones hidden to protect them would narrow the small ones)."""
    if count:
        return _("<%(limit)s or withheld") % {"limit": limit}
    return _("withheld")


@register.simple_tag
def figure(row: Any, field: str, value: Any, limit: int, suffix: str = "") -> SafeString:
    """``value`` (with ``suffix``), or the withheld marker when ``field`` is withheld in
    ``row``, or "n/a" when there is no value at all."""
    if field in getattr(row, "withheld", ()):
        return format_html(
            '<span class="withheld" title="{}">{}</span>',
            _(
                "Withheld to protect privacy: a figure about fewer than %(limit)s students, "
                "or one that would let such a figure be worked out."
            )
            % {"limit": limit},
            withheld_text(limit, field == "students"),
        )
    if value is None:
        return format_html('<span class="muted" title="{}">{}</span>', _("No value"), _("n/a"))
    return format_html("{}{}", value, suffix)
