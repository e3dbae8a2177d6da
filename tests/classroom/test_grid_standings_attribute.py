"""The class grid's ``data-standings`` (``classroom.views.standings_attribute``) is what the
template loop it replaced wrote, byte for byte: the loop (kept here as the reference,
rendered by Django's engine) and the function give the same text for rows with and
without a level, every status, a competency without a code (its id is shown) and a code
that must be escaped, in English and in Spanish. Its meaning is checked against an
independent reading of the standings in tests/test_continuum_consistency.py."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from proficio.classroom.views import standings_attribute
from proficio.core.progression.continuum import Standing, StandingStatus
from proficio.frameworks.models import Item, ItemKind
from proficio.mastery.continuum import Shown
from tests.template_loops import grid_standings_loop

REFERENCE = '<td data-standings="' + grid_standings_loop("standings") + '">'
OURS = '<td data-standings="{{ attribute }}">'


def _shown(n: int, level: int | None, status: StandingStatus) -> Shown:
    code = None if n % 4 == 0 else f'C{n}<&>"x"'
    competency = Item(pk=1000 + n, kind=ItemKind.COMPETENCY, human_coding_scheme=code)
    standing = Standing(
        level=level,
        status=status,
        expectation=None,
        next_step=None,
        levels=(),
        met=frozenset(),
        inferred=frozenset(),
        assessed=level is not None,
    )
    return Shown(competency, standing, None, None, None, None)


def _standings() -> list[Shown]:
    levels = [None, 0, 1, 4, 12345]
    return [
        _shown(n, levels[n % len(levels)], status)
        for n, status in enumerate(list(StandingStatus) * 3)
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("count", [0, 1, 15])
def test_the_attribute_is_what_the_loop_wrote(language, count):
    engine = engines["django"]
    standings = _standings()[:count]
    with translation.override(language):
        reference = engine.from_string(REFERENCE).render({"standings": standings})
        ours = engine.from_string(OURS).render({"attribute": standings_attribute(standings)})
    assert ours == reference
    assert reference.count(":") == 2 * count
    if count > 1:
        assert "&lt;&amp;&gt;&quot;x&quot;" in reference  # a code escaped


def test_the_comparison_covers_each_case():
    text = str(standings_attribute(_standings()))
    parts = text.split(" ")
    assert len(parts) == 15
    assert any(p.startswith("1000:") for p in parts)  # a competency without a code
    assert any(p.split(":")[-2] == "" for p in parts)  # no level shown
    assert any(p.split(":")[-2] == "12345" for p in parts)
    assert {p.split(":")[-1] for p in parts} == {s.value for s in StandingStatus}
