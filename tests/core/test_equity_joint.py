"""A new release joined with every release already published beside it: the joined
system's cells, and what stays fixed, checked against an independent integer-program
attacker over the three releases' raw relations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from proficio.core.equity.audit import CellSystem, Sparse, protect
from proficio.core.equity.joint import Published, join_published


def school(total: int, a: int, b: int) -> CellSystem:
    """One school's size and its two groups' (``total = a + b``)."""
    return CellSystem(
        ("s", "a", "b"),
        np.array([total, a, b], np.int64),
        Sparse.from_triplets(
            np.zeros(3, np.int64),
            np.arange(3, dtype=np.int64),
            np.array([1, -1, -1], np.int64),
            (1, 3),
        ),
        np.zeros(3, bool),
    )


LINKS = {"s#0": 0, "a#0": 1, "b#0": 2}


def width(system: CellSystem, hidden: np.ndarray, k: int) -> float:
    """How many whole values hidden cell ``k`` can take, for an attacker holding every
    other cell (hidden counts at least 1)."""
    a = system.relations.to_scipy()
    n = system.size
    lower = np.where(hidden, 1.0, system.values)
    upper = np.where(hidden, np.inf, system.values.astype(float))
    c = np.zeros(n)
    c[k] = 1
    cons = LinearConstraint(a, 0, 0)
    lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
    hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
    return (np.inf if hi.status != 0 else round(-hi.fun)) - round(lo.fun) + 1


def test_a_release_is_joined_with_every_published_one():
    # Yesterday's dashboard hid both groups; the report cards (sizes changed since: 31
    # and 19) show a (12, unchanged) and hide b; today's release has the report cards'
    # counts.
    dashboard = Published(school(30, 12, 18), np.array([False, True, True]), LINKS)
    cards = Published(school(31, 12, 19), np.array([False, False, True]), LINKS)
    today = school(31, 12, 19)
    joined = join_published([dashboard, cards], today, LINKS)
    keys = joined.system.keys
    # The dashboard's cells first; the report cards' changed counts are new cells, their
    # unchanged 12 is the dashboard's; today's counts are the report cards'.
    assert keys[:3] == ("s", "a", "b")
    assert joined.today.tolist() == [keys.index("s@today"), 1, keys.index("b@today")]
    assert np.array_equal(joined.system.values[joined.today], today.values)
    assert not joined.system.relations.dot(joined.system.values).any()
    # a is published by the report cards: known, though the dashboard hid it; the report
    # cards' b stays withheld, and so today's b with it.
    assert joined.shown[1]
    assert not joined.withheld[1]
    assert joined.withheld[joined.today[2]]
    assert joined.withheld[2]
    # Today's b published would pin the report cards' hidden 19 (31 - 12); the audit
    # keeps it hidden, and the attacker cannot narrow it.
    result = protect(joined.system, 5, shown=joined.shown, withheld=joined.withheld)
    assert result.hidden[joined.today[2]]
    hidden = result.hidden.copy()
    assert width(joined.system, hidden, int(joined.today[2])) == 1  # 31 - 12, known
    assert result.unprotected[joined.today[2]]  # the report cards already gave it away


def test_a_hidden_cell_of_a_published_release_stays_out_of_reach():
    dashboard = Published(school(30, 12, 18), np.array([False, True, True]), LINKS)
    cards = Published(school(30, 12, 18), np.array([False, True, True]), LINKS)
    today = school(30, 12, 18)
    joined = join_published([dashboard, cards], today, LINKS)
    assert joined.system.size == 3  # one figure, three releases
    result = protect(joined.system, 5, shown=joined.shown, withheld=joined.withheld)
    hidden = result.hidden
    assert hidden[1]
    assert hidden[2]
    assert min(width(joined.system, hidden, k) for k in (1, 2)) >= 5


def test_a_zero_is_taken_as_published():
    cards = Published(school(12, 12, 0), np.array([False, True, True]), LINKS)
    joined = join_published([cards], school(12, 12, 0), LINKS)
    assert joined.shown[2]
    assert not joined.withheld[2]


def test_there_is_something_to_join_with():
    with pytest.raises(ValueError, match="at least one"):
        join_published([], school(30, 12, 18), LINKS)
