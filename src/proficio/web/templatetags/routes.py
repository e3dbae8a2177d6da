"""``{% route %}``: ``{% url %}`` for a route whose arguments are whole numbers, reversed
once per route and then filled in (``proficio.web.routes``), for the pages that link every
row of a long table."""

from __future__ import annotations

from typing import Any

from django import template

from proficio.web import routes

register = template.Library()


@register.simple_tag
def route(name: str, *args: Any) -> str:
    """``{% url name args %}``, as :func:`proficio.web.routes.route` writes it."""
    return routes.route(name, *args)
