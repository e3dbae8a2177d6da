"""Small template helpers for the educators pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping[key]``, or an empty list when absent (field errors by field name)."""
    if hasattr(mapping, "get"):
        return mapping.get(key, [])
    return []


@register.filter
def part_key(part: Any) -> str:
    return f"part-{part.pk}"


@register.filter
def percent(value: Any) -> str:
    return "—" if value is None else f"{round(100 * float(value))}%"
