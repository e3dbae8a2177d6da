"""The status badge tag (``mastery_status.status_badge``) writes what the included template
it replaced wrote, for every status and for anything else, in English and in Spanish."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from proficio.mastery.models import DeterminationStatus as Status

# The template ``mastery/_status_text.html`` was before the tag: the oracle.
BEFORE = (
    '{% load i18n %}{% if status == "not_assessed" %}<span class="badge badge-none"><span '
    'aria-hidden="true">○</span> {% translate "Not yet assessed" %}</span>{% elif status == '
    '"insufficient" %}<span class="badge badge-insufficient"><span aria-hidden="true">◌</span> '
    '{% translate "Not enough evidence yet" %}</span>{% elif status == "not_yet" %}<span '
    'class="badge badge-1"><span aria-hidden="true">◔</span> {% translate "Not yet proficient" '
    '%}</span>{% elif status == "proficient" %}<span class="badge badge-3"><span '
    'aria-hidden="true">◕</span> {% translate "Proficient" %}</span>{% elif status == "advanced"'
    ' %}<span class="badge badge-4"><span aria-hidden="true">●</span> {% translate "Advanced" '
    "%}</span>{% endif %}"
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_badge_is_what_the_template_wrote(language):
    engine = engines["django"]
    before = engine.from_string(BEFORE)
    tag = engine.from_string("{% load mastery_status %}{% status_badge status %}")
    include = engine.from_string('{% include "mastery/_status_text.html" with status=s %}')
    statuses = [*Status.values, *Status, "", None, "unknown", 3]
    with translation.override(language):
        for status in statuses:
            expected = before.render({"status": status})
            assert tag.render({"status": status}) == expected, status
            assert include.render({"s": status}) == expected, status
        assert tag.render({}) == before.render({}) == ""
        shown = [before.render({"status": s}) for s in Status.values]
    assert all(shown)  # every status has a badge
    if language == "es":
        assert "Aún sin evaluar" in shown[0]  # and so the Spanish words are the same ones
