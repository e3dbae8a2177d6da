"""Rater assignment designs: every sample covered, fair loads, connected overlap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.reliability import balanced_design, full_design, is_connected


@st.composite
def sizes(draw):
    raters = draw(st.integers(1, 25))
    per_sample = draw(st.integers(1, raters))
    samples = draw(st.integers(1, 60))
    return raters, samples, per_sample, draw(st.integers(0, 2**16))


@settings(max_examples=150, deadline=None)
@given(sizes())
def test_balanced_design_covers_each_sample_with_distinct_raters(case):
    raters, samples, per_sample, seed = case
    design = balanced_design(raters, samples, per_sample, seed)
    for s in range(samples):
        chosen = design.raters_of(s)
        assert len(chosen) == per_sample
        assert len(set(chosen)) == per_sample


@settings(max_examples=150, deadline=None)
@given(sizes())
def test_balanced_design_loads_differ_by_at_most_one(case):
    raters, samples, per_sample, seed = case
    loads = balanced_design(raters, samples, per_sample, seed).loads()
    assert max(loads) - min(loads) <= 1
    assert sum(loads) == samples * per_sample


@settings(max_examples=150, deadline=None)
@given(sizes())
def test_balanced_design_connects_raters_when_there_are_enough_samples(case):
    raters, samples, per_sample, seed = case
    design = balanced_design(raters, samples, per_sample, seed)
    # A connected overlap graph needs (raters - 1) links; each sample adds at most
    # per_sample - 1 of them, so this many samples always suffices for our design.
    if per_sample >= 2 and samples * (per_sample - 1) >= 2 * raters:
        assert is_connected(design)


def test_balanced_design_spreads_pairs_instead_of_repeating_them():
    design = balanced_design(6, 15, 2, seed=3)
    pairs = {tuple(sorted(design.raters_of(s))) for s in range(15)}
    # 6 raters have exactly 15 distinct pairs: a perfect spread uses each once.
    assert len(pairs) >= 12


def test_full_design_has_every_rater_on_every_sample():
    design = full_design(3, 4)
    assert len(design.pairs) == 12
    assert all(sorted(design.raters_of(s)) == [0, 1, 2] for s in range(4))
    assert is_connected(design)


def test_a_disconnected_design_is_detected():
    design = balanced_design(4, 2, 2, seed=0)  # two samples can join only two pairs
    assert not is_connected(design)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 5, 4), "needs 4 raters but the session has only 3"),
        ((0, 5, 1), "at least 1 rater"),
        ((3, 0, 1), "at least 1 work sample"),
        ((3, 5, 0), "at least 1 rater; got 0"),
    ],
)
def test_impossible_designs_are_refused_with_a_reason(args, message):
    with pytest.raises(ValueError, match=message):
        balanced_design(*args)
