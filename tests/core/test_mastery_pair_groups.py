"""``pair_groups`` and ``kind_codes``, the batch path's grouping, against a dictionary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.mastery.policy import KIND_CODES, kind_codes, pair_groups

pairs = st.tuples(st.integers(0, 30), st.integers(0, 30))


@given(st.sets(pairs, max_size=40), st.lists(pairs, max_size=80))
def test_pair_groups_is_the_position_of_each_rows_pair(keys, rows):
    keys = sorted(keys)
    index = {p: i for i, p in enumerate(keys)}
    ks, kt = ([p[n] for p in keys] for n in (0, 1))
    rs, rt = ([p[n] for p in rows] for n in (0, 1))
    got = pair_groups(ks, kt, rs, rt)
    assert got.tolist() == [index.get(p, -1) for p in rows]


def test_pair_groups_refuses_unsorted_keys():
    with pytest.raises(ValueError, match="sorted"):
        pair_groups([2, 1], [0, 0], [1], [0])


def test_kind_codes():
    assert kind_codes([]).tolist() == []
    kinds = ["quiz", "project", "quiz", "made_up", "self_assessment"]
    assert kind_codes(kinds).tolist() == [KIND_CODES["quiz"], 1, KIND_CODES["quiz"], -1, 5]
    assert kind_codes(np.array(kinds, dtype=object)).dtype == np.int64
