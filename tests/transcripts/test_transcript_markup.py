"""The transcript's competency tables make the same markup since their evidence links are
made in Python (``transcript.EvidenceLink.href`` and ``label``) instead of a ``url`` and a
``blocktranslate`` tag per link: compared with the template as it was, in English and in
Spanish, for a reader allowed to open the evidence and for one who is not."""

from __future__ import annotations

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from proficio.transcripts import transcript

pytestmark = pytest.mark.django_db

# The evidence cell as the template wrote it before (the rest of the row is unchanged).
BEFORE = (
    "{% load i18n %}{% for ln in lines %}"
    '{% if authorized and ln.evidence %}<ul class="evidence-links">{% for e in ln.evidence %}'
    "<li><a href=\"{% url 'mastery:student_target' t.student.pk e.target.pk %}\">"
    "{% blocktranslate with code=e.target.human_coding_scheme|default:e.target.pk"
    " count n=e.pieces %}{{ code }}: {{ n }} piece{% plural %}{{ code }}: {{ n }} pieces"
    "{% endblocktranslate %}</a></li>{% endfor %}</ul>"
    "{% elif ln.evidence %}{% blocktranslate count n=ln.evidence|length %}Evidence on {{ n }}"
    " target, kept by the school{% plural %}Evidence on {{ n }} targets, kept by the school"
    "{% endblocktranslate %}{% else %}—{% endif %}|{% endfor %}"
)


def _cells(html: str) -> list[str]:
    """The evidence cell of each row of the new table, in the same shape as BEFORE."""
    out = []
    for row in html.split("<tr>")[2:]:
        cells = row.split("<td>")
        out.append(cells[4].split("</td>")[0])
    return out


@pytest.mark.parametrize("language", ["en", "es"])
def test_evidence_links_say_what_the_tags_said(world, ana_reaches_level, language):
    before = engines["django"].from_string(BEFORE)
    with translation.override(language):
        t = transcript.build(world.ana)
        lines = t.academic + t.habits
        links = [e for ln in lines for e in ln.evidence]
        assert links, "the world's Ana has evidence on the transcript"
        for authorized in (True, False):
            context = {"t": t, "lines": lines, "heading": "H", "hid": "h"}
            context["authorized"] = authorized
            now = _cells(render_to_string("transcripts/_lines.html", context))
            then = before.render(context).split("|")[:-1]
            assert now == then
        first = links[0]
        word = "evidencia" if language == "es" else "piece"
        assert word in first.label
        assert first.label.startswith(f"{first.target.human_coding_scheme}: {first.pieces} ")
    # Made from one reversed route (``transcript.target_pages``): each link as reversed alone.
    for e in links:
        assert e.href == reverse("mastery:student_target", args=[world.ana.pk, e.target.pk])
