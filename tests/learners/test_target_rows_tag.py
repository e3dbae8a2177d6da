"""``{% target_rows %}`` writes what the template loop it replaced wrote, byte for byte: the
loop (kept here as the reference, rendered by Django's engine) and the tag render the same
rows, covering every branch of the loop (each status, a target met through a higher
level, a level label shown with "not yet", a self-assessment or none, a target without a
level, English framework text on a Spanish page, text that must be escaped), in English
and in Spanish."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from proficio.frameworks.models import Item, ItemKind, PerformanceLevel
from proficio.frameworks.translations import Localized
from proficio.learners.reports import TargetRow
from tests.template_loops import target_rows_loop

# The loop of learners/_competency.html before the tag, as it was.
REFERENCE = "{% load i18n framework_text mastery_status routes %}" + target_rows_loop("rows")
TAG = "{% load target_rows %}{% target_rows rows student.pk %}"


class _Student:
    pk = 4321


def _rows() -> list[TargetRow]:
    levels = [
        PerformanceLevel(pk=1, framework_id=1, position=1, code="E", label="Emerging"),
        PerformanceLevel(
            pk=2, framework_id=1, position=2, code="D", label=Localized("Developing", fallback=True)
        ),
        PerformanceLevel(pk=3, framework_id=1, position=3, code="P", label=""),
        PerformanceLevel(pk=4, framework_id=1, position=4, code="A", label="<Advanced & up>"),
    ]
    statements = [
        "Reads closely",
        Localized('Cites evidence <for> claims & "quotes"', fallback=True),
        "A statement long enough to be cut short on the home page, because it runs well past "
        "ninety characters",
        Localized(
            "An English statement long enough to be cut short, since it runs well past the "
            "ninety characters",
            fallback=True,
        ),
    ]
    rows = []
    statuses = ["not_assessed", "insufficient", "not_yet", "proficient", "advanced", "other"]
    n = 0
    for status in statuses:
        for level in [None, *levels]:
            for statement in statements:
                n += 1
                target = Item(
                    pk=100 + n,
                    kind=ItemKind.TARGET,
                    human_coding_scheme=None if n % 7 == 0 else f"T.{n}<&>",
                    full_statement=statement,
                    abbreviated_statement="",
                )
                target.level = level
                row = TargetRow(
                    target,
                    status,
                    ["", "2 – Developing", Localized("<Nearly>", fallback=True)][n % 3],
                    None,
                    self_label=["", "3 – Proficient", "<b>4</b>"][n % 3],
                )
                if n % 5 == 0:
                    row.inferred_through = levels[n % 4]
                rows.append(row)
    return rows


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_tag_writes_what_the_loop_wrote(language):
    engine = engines["django"]
    context = {"rows": _rows(), "student": _Student()}
    with translation.override(language):
        reference = engine.from_string(REFERENCE).render(context)
        ours = engine.from_string(TAG).render(context)
    assert ours == reference
    # The comparison covers every branch: links, each badge, inferred rows, escaped text.
    assert reference.count("<tr>") == len(context["rows"]) == 6 * 5 * 4
    for needle in ("badge-none", "badge-insufficient", "badge-1", "badge-3", "badge-4"):
        assert needle in reference
    assert 'class="muted">(' in reference
    assert "data-untranslated" in reference
    assert "&lt;Advanced &amp; up&gt;" in reference
    assert "/students/4321/targets/" in reference
    if language == "es":
        assert "Logrado por la evidencia del" in reference


def test_no_rows_write_nothing():
    engine = engines["django"]
    assert engine.from_string(TAG).render({"rows": [], "student": _Student()}) == ""
