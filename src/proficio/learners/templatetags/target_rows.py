"""``{% target_rows %}``: the rows of a competency's learning targets on the student's home
(``learners/_competency.html``), written here in one pass. A home shows every target of
every competency, some ninety rows; as a template loop they were most of the page's
rendering (each row resolves a dozen variables, a link, a badge and three filters). The
markup is the loop's, byte for byte (``tests/learners/test_target_rows_tag.py`` renders
both), with the same parts: ``{% route %}``, ``{% status_badge %}``, ``|untranslated``."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from proficio.frameworks.templatetags.framework_text import untranslated
from proficio.mastery.templatetags.mastery_status import status_badge
from proficio.web.routes import pattern, route

register = template.Library()

_ROW = (
    '\n      <tr><th scope="row"><a href="{link}">{code} {short}</a></th>\n'
    "        <td>{level}</td>\n"
    "        <td>{standing}</td>\n"
    '        <td class="self-assessment">{own}</td></tr>\n      '
)
_INFERRED = '<span class="badge badge-3"><span aria-hidden="true">◕</span> {}</span>'


def _text(value: Any) -> str:
    """``{{ value }}`` of a text: Django's ``conditional_escape`` (what is marked safe as
    it is, anything else through ``html.escape``, as Django's ``escape`` does), without
    its wrapper for lazy values, which costs more than the escaping on a long page."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@register.simple_tag
def target_rows(rows: Iterable[Any], student_id: int) -> SafeString:
    """The ``<tr>`` of each of ``rows`` (``learners.reports.TargetRow``), linking to the
    student's page of the target."""
    # What is the same on many rows is written once: the link's path, each status's badge,
    # each level's label, the words of a target met through a higher level.
    link = pattern("mastery:student_target", 2)
    badges: dict[Any, str] = {}
    labels: dict[int, str] = {}
    met_through = gettext("Met through %(level)s evidence")
    out = []
    for t in rows:
        target = t.target
        level = target.level
        if link is not None and type(target.pk) is int and target.pk >= 0:
            href = html.escape(link.format(student_id, target.pk))
        else:
            href = _text(route("mastery:student_target", student_id, target.pk))
        key = id(level)
        if key not in labels:
            labels[key] = _text(untranslated((level.label if level is not None else "") or "—"))
        if t.inferred_through:
            met = untranslated(t.inferred_through.label)
            # The message and escaping of ``{% blocktranslate with level=... %}``.
            standing = _INFERRED.format(met_through % {"level": _text(met)})
        else:
            if t.status not in badges:
                badges[t.status] = _text(status_badge(t.status))
            standing = badges[t.status]
            if t.level_label and t.status == "not_yet":
                standing += f' <span class="muted">({_text(t.level_label)})</span>'
        out.append(
            _ROW.format(
                link=href,
                code=_text(target.human_coding_scheme),
                short=_text(untranslated(target.short)),
                level=labels[key],
                standing=standing,
                own=_text(t.self_label or "—"),
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
