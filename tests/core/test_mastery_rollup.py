from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.mastery.policy import Scale, Status
from proficio.core.mastery.rollup import Child, RollupRule, rollup

SCALE = Scale(values=(1.0, 2.0, 3.0, 4.0), mastery=3.0)
P, A, N, X = Status.PROFICIENT, Status.ADVANCED, Status.NOT_YET, Status.NOT_ASSESSED


def kids(*states):
    return [Child(f"t{i}", s, {P: 3.0, A: 4.0, N: 2.0}.get(s)) for i, s in enumerate(states)]


def test_all_rule():
    assert rollup(kids(P, A), RollupRule("all"), SCALE).status is P
    assert rollup(kids(A, A), RollupRule("all"), SCALE).status is A
    assert rollup(kids(P, N), RollupRule("all"), SCALE).status is N
    assert rollup(kids(X, X), RollupRule("all"), SCALE).status is X


def test_points_rule_with_required_children():
    rule = RollupRule("points", points={"t0": 2.0}, threshold=3, required=frozenset({"t2"}))
    assert rollup(kids(P, P, N), rule, SCALE).status is N  # enough points, required missing
    assert rollup(kids(P, N, P), rule, SCALE).status is P
    assert rollup(kids(P, N, P), rule, SCALE).value == 3.0


def test_mean_and_min():
    assert rollup(kids(P, N, A), RollupRule("mean"), SCALE).value == 3.0
    assert rollup(kids(P, N, A), RollupRule("min"), SCALE).status is N
    assert rollup(kids(A, A), RollupRule("min"), SCALE).status is A


def test_bad_rules():
    with pytest.raises(ValueError, match="unknown"):
        RollupRule("median")
    with pytest.raises(ValueError, match="threshold"):
        RollupRule("points")


@given(st.lists(st.sampled_from([P, A, N]), min_size=1, max_size=8))
def test_all_is_the_strictest(states):
    children = kids(*states)
    strict = rollup(children, RollupRule("all"), SCALE).status in (P, A)
    lenient = rollup(children, RollupRule("points", threshold=1), SCALE).status in (P, A)
    assert not strict or lenient
