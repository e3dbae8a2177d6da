"""``{% chart_table_rows %}``: the body rows of a chart's data table (``web/_chart.html``),
written here in one pass. A chart's table has a cell per row and column (the class grid's
has some 360); as a template loop each cell cost a loop turn, two conditions and a
variable. The markup is the loop's, byte for byte (``tests/web/test_chart_table_tag.py``
renders both)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _value(value: Any, context: Context) -> str:
    """``{{ value }}``: a plain text escaped (what Django does to it), a whole number as
    Django writes it when no thousands separator is asked for (in every language: a
    count per level is most of a chart's table), anything else (a number in the reader's
    format, a date, a text marked safe) by Django itself."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # Django's own shortcut for a whole number with no grouping
    return str(render_value_in_context(value, context))


@register.simple_tag(takes_context=True)
def chart_table_rows(context: Context, rows: Iterable[Sequence[Any]]) -> SafeString:
    """The ``<tr>`` of each of ``rows`` (``web.charts.TableCell`` lists): the first cell a
    row header, a numeric cell of class ``num``."""
    out = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            num = ' class="num"' if cell.numeric else ""
            value = _value(cell.value, context)
            if i == 0:
                cells.append(f'<th scope="row"{num}>{value}</th>')
            else:
                cells.append(f"<td{num}>{value}</td>")
        out.append(f"\n        <tr>{''.join(cells)}</tr>\n        ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
