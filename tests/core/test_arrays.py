"""The sorting helpers return exactly what the numpy calls they stand for return, on
sorted and unsorted rows, with ties, NaN and values far apart; and the batch's evidence
order is ``np.lexsort``'s, packed or not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from proficio.core import arrays
from proficio.core.accountability.batch import evidence_order

ints = hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(-(2**62), 2**62))
small = hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(-3, 3))
floats = st.one_of(st.sampled_from([-0.0, 0.0, 1.5, 3.0]), st.floats(allow_nan=True))


@settings(max_examples=200, deadline=None)
@given(st.one_of(ints, small), st.booleans())
def test_groups_and_distinct_are_numpys_unique(values, presort):
    if presort:
        values = np.sort(values)
    found, index = arrays.groups(values)
    want, want_index = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(found, want)
    np.testing.assert_array_equal(index, want_index.reshape(-1))
    assert index.dtype == np.int64
    np.testing.assert_array_equal(arrays.distinct(values), np.unique(values))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.data(), st.booleans())
def test_lex_order_is_lexsort(n, data, presort):
    first = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-3, 3)))
    middle = data.draw(hnp.arrays(np.float64, n, elements=floats))
    last = data.draw(hnp.arrays(np.float64, n, elements=floats))
    if presort:  # the caller's usual case: already in order (NaN left where it falls)
        o = np.lexsort((last, middle, first))
        first, middle, last = first[o], middle[o], last[o]
    np.testing.assert_array_equal(
        arrays.lex_order(last, middle, first), np.lexsort((last, middle, first))
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 50), st.data(), st.sampled_from([40, 10**15]))
def test_evidence_order_is_lexsort(n, data, day_span):
    """Packed into one key when the ranges allow, else ``lexsort`` itself (a day span of
    10¹⁵ overflows the packing)."""
    n_targets = data.draw(st.integers(1, 20))
    student = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, 9)))
    target = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, n_targets - 1)))
    day = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-day_span, day_span)))
    score = data.draw(hnp.arrays(np.float64, n, elements=floats))
    got = evidence_order(student, target, day, score, n_targets)
    np.testing.assert_array_equal(got, np.lexsort((score, day, target, student)))
    assert got.dtype == np.int64


def test_evidence_order_falls_back_to_lexsort_when_the_key_would_overflow():
    day = np.array([10**18, -(10**18), 0, 10**18], np.int64)
    student, target = np.array([1, 1, 0, 0], np.int64), np.array([2, 2, 3, 0], np.int64)
    score = np.array([2.0, 1.0, 3.0, 4.0])
    np.testing.assert_array_equal(
        evidence_order(student, target, day, score, 4), np.lexsort((score, day, target, student))
    )
