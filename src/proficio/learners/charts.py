"""The student's progress chart: how many learning targets they had met, day by day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from proficio.web.charts import ChartContext, chart_context


def targets_met_over_time(rows: Sequence[Mapping[str, Any]], *, title: str) -> ChartContext:
    data = [{"date": str(r["date"]), "met": int(r["met"])} for r in rows]
    chart = (
        alt.Chart(alt.Data(values=data))  # type: ignore[no-untyped-call]
        .mark_line(point=alt.OverlayMarkDef(size=80, filled=True), interpolate="step-after")
        .encode(
            x=alt.X("date:T", title=str(_("Date"))),
            y=alt.Y("met:Q", title=str(_("Learning targets met")), axis=alt.Axis(tickMinStep=1)),
        )
        .properties(width="container", height=220)
    )
    return chart_context(
        chart,
        title=title,
        description=str(_("How many learning targets you had met on each day with a change.")),
        table_columns=[("date", str(_("Date"))), ("met", str(_("Learning targets met")))],
        rows=data,
    )
