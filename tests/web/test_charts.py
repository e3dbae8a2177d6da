"""The chart helper and partial: inline data only, safe JSON, a table that matches the data."""

from __future__ import annotations

import json
import re

import altair as alt
import pytest
from django.template.loader import render_to_string

from proficio.web.charts import CATEGORY_COLOURS, chart_context

ROWS = [
    {"target": "Fractions", "mastered": 12, "share": 0.5},
    {"target": "Ratios </script><script>alert(1)</script>", "mastered": 7, "share": 0.25},
    {"target": "Equations & inequalities", "mastered": 0, "share": None},
]
COLUMNS = [("target", "Target"), ("mastered", "Students"), ("share", "Share")]


def bar_chart(rows=ROWS) -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(x=alt.X("target:N", title="Target"), y=alt.Y("mastered:Q", title="Students"))
    )


def data_sources(node):
    """Every Vega-Lite data object in a spec, however deeply nested."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict):
                yield value
            if key != "datasets":
                yield from data_sources(value)
    elif isinstance(node, list):
        for item in node:
            yield from data_sources(item)


def spec_from_html(html: str, spec_id: str) -> dict:
    match = re.search(
        rf'<script id="{spec_id}" type="application/json">(.*?)</script>', html, re.DOTALL
    )
    assert match, html
    return json.loads(match.group(1))


def test_altair_chart_carries_its_data_inline():
    ctx = chart_context(bar_chart(), title="Mastered targets", table_columns=COLUMNS, rows=ROWS)
    sources = list(data_sources(ctx.spec))
    assert sources
    for source in sources:
        assert "url" not in source
        assert "values" in source or source.get("name") in ctx.spec.get("datasets", {})
    inline = [row for rows in ctx.spec.get("datasets", {}).values() for row in rows]
    inline += [row for source in sources for row in source.get("values", [])]
    assert [row["target"] for row in inline] == [row["target"] for row in ROWS]
    assert ctx.spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_layered_charts_and_plain_dicts_are_inline_too():
    layered = bar_chart() + bar_chart().mark_text(dy=-8).encode(text="mastered:Q")
    ctx = chart_context(layered, title="Layered", table_columns=COLUMNS, rows=ROWS)
    assert all("url" not in source for source in data_sources(ctx.spec))
    plain = {"data": {"values": ROWS}, "mark": "bar", "encoding": {"x": {"field": "target"}}}
    ctx = chart_context(plain, title="Plain", table_columns=COLUMNS, rows=ROWS)
    assert ctx.spec["$schema"] == alt.SCHEMA_URL
    assert "config" not in plain  # the caller's dict is left alone


@pytest.mark.parametrize(
    "spec",
    [
        {"data": {"url": "https://example.org/students.csv"}, "mark": "bar"},
        {"layer": [{"data": {"url": "data/students.json"}, "mark": "point"}]},
        {
            "data": {"values": [{"a": 1}]},
            "transform": [{"lookup": "a", "from": {"data": {"url": "x.csv"}, "key": "a"}}],
            "mark": "bar",
        },
        {"data": {"values": [{"a": 1}]}, "mark": {"type": "image", "url": "https://x/y.png"}},
    ],
)
def test_a_spec_that_loads_from_a_url_is_refused(spec):
    with pytest.raises(ValueError, match="URL"):
        chart_context(spec, title="Remote", table_columns=[], rows=[])


def test_a_column_named_url_in_inline_rows_is_data_not_a_source():
    rows = [{"url": "https://example.org", "n": 1}]
    spec = {"data": {"values": rows}, "mark": "bar", "encoding": {"y": {"field": "n"}}}
    ctx = chart_context(spec, title="Links", table_columns=[("url", "Link")], rows=rows)
    assert ctx.rows[0][0].value == "https://example.org"


def test_theme_is_accessible_and_the_chart_may_override_it():
    ctx = chart_context(bar_chart(), title="Mastered targets", table_columns=COLUMNS, rows=ROWS)
    config = ctx.spec["config"]
    assert config["range"]["category"] == CATEGORY_COLOURS
    for part in ("axis", "legend"):
        assert config[part]["labelFontSize"] >= 12
        assert config[part]["titleFontSize"] >= 12
        assert config[part]["labelColor"] == "#1b1b1b"
    assert config["title"]["fontSize"] >= 12
    # Altair's own default theme is replaced, so the chart is our size...
    assert config["view"]["continuousWidth"] == 480
    # ...and a chart's own configuration still wins.
    ctx = chart_context(
        bar_chart().configure_axis(labelFontSize=18), title="Big", table_columns=[], rows=[]
    )
    assert ctx.spec["config"]["axis"]["labelFontSize"] == 18
    assert ctx.spec["config"]["axis"]["labelColor"] == "#1b1b1b"
    # The themed spec is still valid Vega-Lite.
    alt.Chart.from_dict(ctx.spec, validate=True)


def test_description_names_the_picture_for_screen_readers():
    ctx = chart_context(bar_chart(), title="Mastered targets", table_columns=COLUMNS, rows=ROWS)
    assert ctx.spec["description"] == "Mastered targets"
    ctx = chart_context(
        bar_chart(), title="T", table_columns=COLUMNS, rows=ROWS, description="Bars: 12, 7, 0"
    )
    assert ctx.spec["description"] == "Bars: 12, 7, 0"


def test_each_chart_gets_its_own_id():
    ids = {chart_context(bar_chart(), title="t", table_columns=[], rows=[]).id for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"chart-[0-9a-f]{12}", i) for i in ids)


def test_partial_escapes_script_end_tags_in_the_json():
    ctx = chart_context(bar_chart(), title="Mastered targets", table_columns=COLUMNS, rows=ROWS)
    html = render_to_string("web/_chart.html", {"chart": ctx})
    # Exactly one </script>: the one that closes the spec; the row's own tags are escaped.
    assert html.count("</script>") == 1
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html
    spec = spec_from_html(html, ctx.spec_id)
    assert spec == json.loads(json.dumps(ctx.spec))
    assert f'data-chart="{ctx.spec_id}"' in html
    assert f'id="{ctx.id}"' in html


def test_partial_table_matches_the_data():
    ctx = chart_context(bar_chart(), title="Mastered targets", table_columns=COLUMNS, rows=ROWS)
    html = render_to_string("web/_chart.html", {"chart": ctx})
    assert "<figcaption>Mastered targets</figcaption>" in html
    assert "<caption>Mastered targets</caption>" in html
    assert "<summary>Show the data as a table</summary>" in html
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == ["Target", "Students", "Share"]
    body = html.split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]
    assert cells == [
        ["Fractions", "12", "0.5"],
        ["Ratios &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "7", "0.25"],
        ["Equations &amp; inequalities", "0", ""],
    ]
    # Row headers name each row; numbers line up on the right.
    assert body.count('<th scope="row">') == 3
    assert '<th scope="col" class="num">Students</th>' in html
    assert '<td class="num">12</td>' in html
    assert [[cell.value for cell in row] for row in ctx.rows] == [
        [row["target"], row["mastered"], "" if row["share"] is None else row["share"]]
        for row in ROWS
    ]
