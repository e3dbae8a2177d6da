"""The batch's pilot kernels: per pilot and school, the calibrated results meeting the
standard agree with an independent loop over the work samples, and their figures are
published by the batch's own rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.accountability import batch as B
from proficio.core.accountability import indicators as ind

SCORES = st.one_of(st.just(math.nan), st.sampled_from([1.0, 2.0, 2.5, 3.0, 4.0]))
RESULT = st.tuples(
    st.integers(1, 2),  # pilot
    st.integers(10, 13),  # school
    st.sampled_from([2.0, 3.0]),  # standard
    st.lists(SCORES, min_size=1, max_size=4),  # one score per criterion
)


def long_rows(results):
    rows = {name: [] for name in B.PILOT_COLUMNS}
    for r, (pilot, school, standard, scores) in enumerate(results):
        for place, score in enumerate(scores):
            rows["pilot"].append(pilot)
            rows["school"].append(school)
            rows["result"].append(100 + r)
            rows["criteria"].append(len(scores))
            rows["criterion"].append(place)
            rows["score"].append(score)
            rows["standard"].append(standard)
    return {k: np.asarray(v) for k, v in rows.items()}


def by_loop(results):
    """Independently: a result counts when every criterion has a score; it meets the
    standard when the mean of its scores reaches it."""
    out: dict[tuple[int, int], list[int]] = {}
    for pilot, school, standard, scores in results:
        if any(math.isnan(s) for s in scores):
            continue
        tally = out.setdefault((pilot, school), [0, 0])
        tally[0] += int(sum(scores) / len(scores) >= standard)
        tally[1] += 1
    return {k: tuple(v) for k, v in out.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RESULT, max_size=30), st.randoms(use_true_random=False))
def test_pilot_counts_agree_with_a_loop_over_the_samples(results, rnd):
    rows = long_rows(results)
    order = list(range(rows["result"].size))
    rnd.shuffle(order)  # the rows of a result may come in any order
    counts = B.pilot_counts({k: v[order] for k, v in rows.items()})
    got = {
        (int(p), int(s)): (int(n), int(d))
        for p, s, n, d in zip(
            counts["pilot"],
            counts["school"],
            counts["numerator"],
            counts["denominator"],
            strict=True,
        )
    }
    assert got == by_loop(results)


def test_pilot_counts_are_the_indicator_on_the_consensus_matrix():
    results = [(1, 10, 3.0, [3.0, 3.0]), (1, 10, 3.0, [2.0, 3.0, 4.0]), (1, 10, 3.0, [4.0])]
    counts = B.pilot_counts(long_rows(results))
    consensus = np.array([[3.0, 3.0, np.nan], [2.0, 3.0, 4.0], [4.0, np.nan, np.nan]])
    m = ind.calibrated_results([0, 0, 0], consensus, [2, 3, 1], [3.0, 3.0, 3.0], 1)
    assert (counts["numerator"][0], counts["denominator"][0]) == (m.numerator[0], 3)
    assert counts["numerator"][0] == 3


def test_no_rows_and_a_criterion_a_result_lacks():
    empty = B.pilot_counts(long_rows([]))
    assert all(v.size == 0 for v in empty.values())
    rows = long_rows([(1, 10, 3.0, [3.0, 3.0])])
    rows["criterion"][1] = 2
    with pytest.raises(ValueError, match="criterion"):
        B.pilot_counts(rows)


def test_pilot_figures_use_the_batchs_rule_and_need_the_schools_size():
    counts = {
        "pilot": np.array([1, 1, 2]),
        "school": np.array([10, 11, 12]),
        "numerator": np.array([12.0, 14.0, 5.0]),
        "denominator": np.array([24, 15, 9]),
    }
    whole = {
        "school": np.array([11, 10]),
        "students": np.array([300, 40]),
        "students_published": np.array([True, True]),
    }
    out = B.pilot_figures(counts, whole, 2025, 10)
    assert list(out["school"]) == [10, 11]  # school 12 has no size that year
    assert list(out["pilot"]) == [1, 1]
    assert set(out["indicator"]) == {ind.PILOT}
    assert list(out["year"]) == [2025, 2025]
    assert list(out["students"]) == [40, 300]
    assert list(out["published"]) == [
        B.rate_published(12, 24, 40, 10),
        B.rate_published(14, 15, 300, 10),
    ]
    assert list(out["published"]) == [True, False]  # 14 of 15: a "no" count of 1
