"""The template loops that tags and views replaced, as they were: the reference the
byte-for-byte tests render beside the new code, and what ``bench_request_cpu.py --ab``
switches back to. ``items`` names the loop's iterable in the template that renders it."""

from __future__ import annotations


def target_rows_loop(items: str) -> str:
    """The student home's rows of learning targets (``learners/_competency.html``)
    before ``{% target_rows %}``."""
    return (
        f"{{% for t in {items} %}}\n"
        '      <tr><th scope="row"><a href="{% route \'mastery:student_target\' student.pk '
        't.target.pk %}">{{ t.target.human_coding_scheme }} {{ t.target.short|untranslated }}'
        "</a></th>\n"
        '        <td>{{ t.target.level.label|default:"—"|untranslated }}</td>\n'
        '        <td>{% if t.inferred_through %}<span class="badge badge-3"><span '
        'aria-hidden="true">◕</span> {% blocktranslate with level=t.inferred_through.label'
        "|untranslated %}Met through {{ level }} evidence{% endblocktranslate %}</span>"
        "{% else %}{% status_badge t.status %}{% if t.level_label and t.status == "
        '"not_yet" %} <span class="muted">({{ t.level_label }})</span>{% endif %}{% endif %}'
        "</td>\n"
        '        <td class="self-assessment">{{ t.self_label|default:"—" }}</td></tr>\n'
        "      {% endfor %}"
    )


# A chart table's body rows (``web/_chart.html``) before ``{% chart_table_rows %}``.
CHART_ROWS_LOOP = (
    "{% for row in chart.rows %}\n"
    '        <tr>{% for cell in row %}{% if forloop.first %}<th scope="row"'
    '{% if cell.numeric %} class="num"{% endif %}>{{ cell.value }}</th>{% else %}<td'
    '{% if cell.numeric %} class="num"{% endif %}>{{ cell.value }}</td>{% endif %}'
    "{% endfor %}</tr>\n"
    "        {% endfor %}"
)


def grid_standings_loop(items: str) -> str:
    """The class grid's ``data-standings`` before the view built it
    (``classroom.views.standings_attribute``)."""
    return (
        f"{{% for s in {items} %}}{{{{ s.code }}}}:"
        "{{ s.standing.level|default_if_none:'' }}:{{ s.status }}"
        "{% if not forloop.last %} {% endif %}{% endfor %}"
    )
