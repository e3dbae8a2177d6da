"""Template helpers for the design system's components."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def page_links(page: Page[Any]) -> list[int | None]:
    """The page numbers a pagination bar shows: the ends, and the current page with one page
    each side; ``None`` stands for the pages left out between them."""
    paginator = page.paginator
    shown = paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return [n if isinstance(n, int) else None for n in shown]
