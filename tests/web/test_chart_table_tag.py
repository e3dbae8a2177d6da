"""``{% chart_table_rows %}`` writes what the template loop it replaced in
``web/_chart.html`` wrote, byte for byte: the loop (kept here as the reference, rendered by
Django's engine) and the tag render the same rows of cells of every kind a chart's table
holds (texts to escape, texts marked safe, lazy translations, whole and decimal numbers,
dates, empty cells), in English and in Spanish (numbers in the reader's format)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from proficio.web.charts import TableCell, chart_context
from tests.template_loops import CHART_ROWS_LOOP

# The loop of web/_chart.html before the tag, as it was.
REFERENCE = CHART_ROWS_LOOP
TAG = "{% load chart_table %}{% chart_table_rows chart.rows %}"

VALUES = [
    'Maple <Middle> & "Oak"',
    mark_safe("<em>kept</em>"),
    gettext_lazy("Not yet assessed"),
    0,
    1234567,
    3.25,
    -0.5,
    Decimal("2.50"),
    dt.date(2026, 3, 14),
    "",
    True,
]


class _Chart:
    def __init__(self, rows: list[list[TableCell]]) -> None:
        self.rows = rows


def _rows() -> list[list[TableCell]]:
    rows = []
    for k in range(len(VALUES)):
        row = [
            TableCell(VALUES[(k + j) % len(VALUES)], numeric=(k + j) % 3 == 0)
            for j in range(1 + k % 4)
        ]
        rows.append(row)
    rows.append([])  # a row without cells
    return rows


@pytest.mark.parametrize("grouping", [False, True])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_tag_writes_what_the_loop_wrote(language, grouping, settings):
    # With a thousands separator asked for, whole numbers take Django's longer way too.
    settings.USE_THOUSAND_SEPARATOR = grouping
    engine = engines["django"]
    context = {"chart": _Chart(_rows())}
    with translation.override(language):
        reference = engine.from_string(REFERENCE).render(context)
        ours = engine.from_string(TAG).render(context)
    assert ours == reference
    # Not an empty comparison: both kinds of cell, escaped and kept markup, numbers.
    assert reference.count("<tr>") == len(VALUES) + 1
    assert '<th scope="row" class="num">' in reference
    assert "<td>" in reference
    assert "&lt;Middle&gt; &amp; &quot;Oak&quot;" in reference
    assert "<em>kept</em>" in reference
    assert ("3,25" if language == "es" else "3.25") in reference
    assert ("1234567" in reference) is not grouping  # grouped in the reader's way


def test_a_chart_of_the_product_renders_the_same():
    """A table as ``chart_context`` builds it (cells from rows of mappings)."""
    chart = chart_context(
        {"mark": "bar", "data": {"values": []}},
        title="Counts",
        table_columns=[("name", "Name"), ("n", "Count"), ("share", "Share")],
        rows=[{"name": "A <b>", "n": 3, "share": 0.5}, {"name": "B", "n": None, "share": 1.25}],
    )
    engine = engines["django"]
    for language in ("en", "es"):
        with translation.override(language):
            context = {"chart": chart}
            assert engine.from_string(TAG).render(context) == engine.from_string(REFERENCE).render(
                context
            )


def test_no_rows_write_nothing():
    assert engines["django"].from_string(TAG).render({"chart": _Chart([])}) == ""
