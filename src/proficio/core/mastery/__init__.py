"""Mastery: turning evidence into determinations, one student at a time or millions at once.

:mod:`.rules` is the definition of each mastery rule for one student and target.
:mod:`.batch` applies the same rules to sorted evidence rows without a Python loop per
group. :mod:`.bkt` is Bayesian Knowledge Tracing: the probability that a skill is
known, with EM fitting of its parameters.
"""

from __future__ import annotations

from .batch import determine_batch
from .rules import METHODS, POWER_LAW_FLOOR, determine, explain, trend

__all__ = ["METHODS", "POWER_LAW_FLOOR", "determine", "determine_batch", "explain", "trend"]
