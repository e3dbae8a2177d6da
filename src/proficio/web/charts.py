"""Charts: Vega-Lite specs built on the server (usually with Altair), drawn by vega-embed.

A view builds an Altair chart (or a plain Vega-Lite dict) and passes it through
:func:`chart_context`; the ``web/_chart.html`` partial renders the result::

    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="target:N", y="mastered:Q")
    context["mastery_chart"] = chart_context(
        chart,
        title=_("Students who mastered each target"),
        table_columns=[("target", _("Target")), ("mastered", _("Students"))],
        rows=rows,
    )

    {% include "web/_chart.html" with chart=mastery_chart %}

Every chart carries its data inline (the Content-Security-Policy allows no other origin,
and a chart must never fetch student data on its own), our accessible theme, and a real
table with the same numbers for people who cannot see the picture.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

# Okabe & Ito's colour-blind-safe palette. The first five reach 3:1 against white
# (WCAG 1.4.11); the lighter two come last so that small charts never need them.
CATEGORY_COLOURS = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
]
INK = "#1b1b1b"  # proficio.css --pf-ink (USWDS ink): 17:1 on white
MUTED = "#565c65"  # proficio.css --pf-muted (USWDS base-dark): 7:1 on white
LINE = "#dfe1e2"  # proficio.css --pf-line (USWDS base-lighter)
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif'

# Vega-Lite `config`: merged under each chart's own config, so a chart may still override it.
THEME: dict[str, Any] = {
    "background": "#ffffff",
    "font": FONT,
    "view": {"continuousWidth": 480, "continuousHeight": 280, "stroke": None},
    "mark": {"color": CATEGORY_COLOURS[0]},
    "range": {
        "category": CATEGORY_COLOURS,
        # Viridis is readable with every common colour-vision deficiency; its palest
        # yellow is left out so that the lightest step still shows on white.
        "ordinal": {"scheme": "viridis", "extent": [0, 0.85]},
        "ramp": {"scheme": "viridis", "extent": [0, 0.85]},
        "heatmap": {"scheme": "viridis"},
        "diverging": {"scheme": "blueorange"},
    },
    "axis": {
        "labelFontSize": 13,
        "titleFontSize": 14,
        "titleFontWeight": 600,
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": MUTED,
        "tickColor": MUTED,
        "gridColor": LINE,
        "labelLimit": 240,
    },
    "legend": {
        "labelFontSize": 13,
        "titleFontSize": 14,
        "titleFontWeight": 600,
        "labelColor": INK,
        "titleColor": INK,
        "symbolSize": 120,
        "labelLimit": 240,
    },
    "header": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": INK, "titleColor": INK},
    "title": {"fontSize": 16, "subtitleFontSize": 13, "color": INK, "subtitleColor": MUTED},
    "text": {"fontSize": 13, "color": INK},
}


@dataclass(frozen=True)
class TableCell:
    value: Any
    numeric: bool


@dataclass(frozen=True)
class ChartContext:
    """What ``web/_chart.html`` needs to draw one chart and its table alternative."""

    id: str
    spec: dict[str, Any]
    title: str
    columns: list[tuple[str, str]]
    rows: list[list[TableCell]]

    @property
    def spec_id(self) -> str:
        return f"{self.id}-spec"

    @property
    def caption(self) -> str:
        return self.title

    @property
    def headers(self) -> list[TableCell]:
        """Column headers; a column of numbers is right-aligned like its cells."""
        return [
            TableCell(
                value=label,
                numeric=any(row[i].numeric for row in self.rows)
                and all(row[i].numeric or row[i].value == "" for row in self.rows),
            )
            for i, (_key, label) in enumerate(self.columns)
        ]


def chart_context(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    *,
    title: str,
    table_columns: Sequence[tuple[str, str]],
    rows: Sequence[Mapping[str, Any]],
    description: str | None = None,
) -> ChartContext:
    """Turn a chart and its rows into the partial's context.

    ``table_columns`` lists ``(key, header)`` pairs: the keys pick values out of each row
    for the table alternative, in that order. ``description`` (default: the title) is what
    a screen reader announces for the picture.

    Raises ``ValueError`` when the spec would load anything from a URL.
    """
    if isinstance(chart, alt.TopLevelMixin):
        spec = chart.to_dict()
        # to_dict() mixes Altair's active theme into `config`; ours replaces it, while
        # whatever the chart configured itself still wins.
        own = getattr(chart, "config", None)
        spec["config"] = own.to_dict() if isinstance(own, alt.SchemaBase) else {}
    else:
        spec = copy.deepcopy(dict(chart))
    remote = list(_remote_references(spec, "spec"))
    if remote:
        raise ValueError(
            f"chart {title!r} loads from a URL ({', '.join(remote)}): pass its data inline"
        )
    spec.setdefault("$schema", alt.SCHEMA_URL)
    spec["description"] = description or spec.get("description") or title
    spec["config"] = _merged(THEME, spec.get("config") or {})
    columns = [(str(key), str(label)) for key, label in table_columns]
    table = [[_cell(row.get(key)) for key, _label in columns] for row in rows]
    return ChartContext(
        id=f"chart-{secrets.token_hex(6)}", spec=spec, title=title, columns=columns, rows=table
    )


def _cell(value: Any) -> TableCell:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return TableCell(value="" if value is None else value, numeric=numeric)


def _remote_references(node: Any, path: str) -> Iterator[str]:
    """Paths of every ``url`` in the spec: data sources, image marks, topojson and so on.

    Inline rows (``values`` and ``datasets``) are data, not spec, so a column named
    ``url`` there is fine.
    """
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "url":
                yield f"{path}.url"
            elif key not in ("values", "datasets"):
                yield from _remote_references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _remote_references(item, f"{path}[{index}]")


def _merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def evidence_over_time(
    rows: Sequence[Mapping[str, Any]], levels: Sequence[Any], *, title: str
) -> ChartContext:
    """A student's scores on one target over time: a point per piece of evidence at the
    date the learning was shown, with the mastery threshold as a rule."""
    data = [
        {
            "date": str(r["assessed_at"])[:10],
            "score": float(r["score"]),
            "evidence": str(getattr(r.get("evidence"), "title", "") or r.get("key", "")),
            "weight": round(float(r["weight"]), 3),
        }
        for r in rows
    ]
    values = [float(lv.value) for lv in levels] or [1.0, 4.0]
    mastery = next((float(lv.value) for lv in levels if lv.meets_mastery), None)
    scale = alt.Scale(domain=[min(values), max(values)], nice=False)
    base = alt.Chart(alt.Data(values=data))  # type: ignore[no-untyped-call]
    line = base.mark_line(point=alt.OverlayMarkDef(size=90, filled=True)).encode(
        x=alt.X("date:T", title=str(_("When the learning was shown"))),
        y=alt.Y(
            "score:Q", title=str(_("Score")), scale=scale, axis=alt.Axis(values=values, format="g")
        ),
    )
    layers: list[Any] = [line]
    if mastery is not None:
        marker = alt.Data(values=[{"mastery": mastery}])  # type: ignore[no-untyped-call]
        rule = alt.Chart(marker).mark_rule(strokeDash=[6, 4]).encode(y="mastery:Q")
        layers.append(rule)
    chart = alt.layer(*layers).properties(width="container", height=240)
    return chart_context(
        chart,
        title=title,
        description=str(
            _("Scores on this learning target over time; the dashed line is the mastery level.")
        ),
        table_columns=[
            ("date", str(_("Shown on"))),
            ("evidence", str(_("Evidence"))),
            ("score", str(_("Score"))),
            ("weight", str(_("Weight in the result"))),
        ],
        rows=data,
    )
