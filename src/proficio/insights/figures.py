"""What each dashboard figure means, in plain language: the one place it is said.

The words follow the code that computes each figure (the daily check in
``proficio.pace.actions`` and the kernels it calls); the numbers in them are read from
that code, so the explanation cannot drift from the rule.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proficio.pace.actions import STALLED_WEEKS


def label(name: str) -> str:
    """The figure's short name."""
    return {
        "students": _("Students"),
        "behind": _("Behind pace"),
        "proficient": _("Proficient"),
        "stalled": _("Stalled"),
        "growth": _("Growth (levels per year)"),
        "unassessed_share": _("Expected but never assessed"),
    }[name]


def unit(name: str) -> str:
    """What the figure is measured in (its change too)."""
    if name in ("behind", "proficient", "stalled", "unassessed_share"):
        return "%"
    return ""


def better_when_lower(name: str) -> bool:
    """Whether a fall in the figure is good news (it colours nothing; it words the change)."""
    return name in ("behind", "stalled", "unassessed_share")


def definition(name: str) -> str:
    """The figure's plain-language definition."""
    return {
        "students": _(
            "Students enrolled in this organization on the day of the daily check, "
            "each counted once."
        ),
        "behind": _(
            "The share of students whose level, averaged over their competencies, is more "
            "than a quarter of a level below the level expected of their grade by today."
        ),
        "proficient": _(
            "The share of students at or above the level expected by today in every "
            "competency they have been judged on. A student judged on none is not proficient."
        ),
        "stalled": _(
            "The share of students who have shown no progress on any competency in the "
            "last %(weeks)s weeks."
        )
        % {"weeks": STALLED_WEEKS},
        "growth": _(
            "How many continuum levels a typical student climbs in a year, from the "
            "evidence so far (the mean of each student's yearly rate)."
        ),
        "unassessed_share": _(
            "Of the learning targets students were expected to have reached by today, "
            "the share no one has assessed yet: a gap in the opportunity to show learning."
        ),
    }[name]
