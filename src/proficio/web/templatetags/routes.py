"""``{% route %}``: ``{% url %}`` for a route whose arguments are whole numbers, reversed
once per route and then filled in, for the pages that link every row of a long table
(Django's reversal costs about 40 microseconds a link, the filling one)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()

# Stand-ins reversed in each argument's place, then replaced by the argument: as Django
# writes a whole number in a path (``int`` converter: its digits), they are found once each.
_STAND_INS = ("7390152648", "8264019537", "9152738406", "6049381725")
# (route, arguments, urlconf, script prefix, language): the path with {0}, {1}... or None.
_patterns: dict[tuple[Any, ...], str | None] = {}


def _pattern(name: str, n: int) -> str | None:
    key = (name, n, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())
    if key not in _patterns:
        path = reverse(name, args=[int(s) for s in _STAND_INS[:n]])
        escaped = path.replace("{", "{{").replace("}", "}}")
        found = all(escaped.count(s) == 1 for s in _STAND_INS[:n])
        for i, s in enumerate(_STAND_INS[:n]):
            escaped = escaped.replace(s, f"{{{i}}}")
        _patterns[key] = escaped if found else None
    return _patterns[key]


@register.simple_tag
def route(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``; from the route's pattern when every argument is a
    non-negative whole number (not a bool), else by Django."""
    if 0 < len(args) <= len(_STAND_INS) and all(type(a) is int and a >= 0 for a in args):
        pattern = _pattern(name, len(args))
        if pattern is not None:
            return pattern.format(*args)
    return reverse(name, args=args)
