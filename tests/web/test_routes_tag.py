"""``{% route %}`` writes what ``{% url %}`` writes: for routes of one, two and more
whole-number arguments, under another script prefix, in Spanish, and (by Django's own
reversal) for arguments that are not whole numbers."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix
from django.utils import translation

from proficio.web.routes import pattern, route

ROUTES = [
    ("mastery:student_target", (1, 2)),
    ("mastery:student_target", (123456, 0)),
    ("mastery:override", (31, 4159)),
    ("mastery:policy", (7,)),
    ("web:role_home", ("student",)),  # a word: Django reverses it
    ("web:home", ()),
]


@pytest.mark.parametrize("prefix", ["/", "/proficio/"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_route_is_reverse(prefix, language):
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for name, args in ROUTES:
                for _ in range(2):  # the first reverses, the second fills the pattern in
                    assert route(name, *args) == reverse(name, args=args)
                    assert reverse(name, args=args).startswith(prefix)
    finally:
        set_script_prefix(before)


def test_the_tag_writes_what_the_url_tag_writes():
    engine = engines["django"]
    ours = engine.from_string(
        "{% load routes %}{% for t in ids %}{% route 'mastery:student_target' s t %}|{% endfor %}"
    )
    django = engine.from_string(
        "{% for t in ids %}{% url 'mastery:student_target' s t %}|{% endfor %}"
    )
    context = {"s": 42, "ids": [1, 20, 300, 99999999999]}
    assert ours.render(context) == django.render(context)
    assert ours.render(context).count("/students/42/targets/") == 4


def test_what_is_not_a_whole_number_is_reversed_by_django():
    assert route("mastery:student_target", "5", 6) == reverse("mastery:student_target", args=[5, 6])
    with pytest.raises(NoReverseMatch):
        route("mastery:student_target", -1, 6)  # Django's int converter takes no sign
    with pytest.raises(NoReverseMatch):
        route("mastery:student_target", True, 6)


def test_the_pattern_filled_in_is_the_reversed_path():
    link = pattern("mastery:student_target", 2)  # the class grid's links
    assert link is not None
    for student, target in [(1, 2), (10, 0), (987654321, 55)]:
        assert link.format(student, target) == reverse(
            "mastery:student_target", args=[student, target]
        )
    assert pattern("web:home", 0) is None  # nothing to fill in: reversed by Django
