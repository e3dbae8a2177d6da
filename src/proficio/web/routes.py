"""Links to one route for every row of a long table: the route is reversed once (Django's
reversal costs about 40 microseconds a link) with stand-ins for its whole-number
arguments, and each link fills the stand-ins in. The class grid builds its cells' links so,
and templates through ``{% route %}`` (``web/templatetags/routes.py``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stand-ins reversed in each argument's place, then replaced by the argument: as Django
# writes a whole number in a path (``int`` converter: its digits), they are found once each.
_STAND_INS = ("7390152648", "8264019537", "9152738406", "6049381725")
# (route, arguments, urlconf, script prefix, language): the path with {0}, {1}... or None.
_patterns: dict[tuple[Any, ...], str | None] = {}


def pattern(name: str, n: int) -> str | None:
    """The path of route ``name`` for ``n`` whole-number arguments, with ``{0}``, ``{1}``...
    in their places (for ``str.format``), or None if the stand-ins cannot be found in it."""
    key = (name, n, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())
    if key not in _patterns:
        if not 0 < n <= len(_STAND_INS):
            _patterns[key] = None
            return None
        path = reverse(name, args=[int(s) for s in _STAND_INS[:n]])
        escaped = path.replace("{", "{{").replace("}", "}}")
        found = all(escaped.count(s) == 1 for s in _STAND_INS[:n])
        for i, s in enumerate(_STAND_INS[:n]):
            escaped = escaped.replace(s, f"{{{i}}}")
        _patterns[key] = escaped if found else None
    return _patterns[key]


def route(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``: from the route's :func:`pattern` when every argument is
    a non-negative whole number (not a bool), else by Django."""
    if all(type(a) is int and a >= 0 for a in args):
        found = pattern(name, len(args))
        if found is not None:
            return found.format(*args)
    return reverse(name, args=args)
