"""Policies around the rules: what counts, how much is enough, and levels without "fail"."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.mastery.bkt import BKTParams
from proficio.core.mastery.policy import (
    KIND_CODES,
    STATUS_CODES,
    Point,
    Policy,
    Scale,
    Status,
    evaluate,
    evaluate_batch,
)

SCALE = Scale(values=(1.0, 2.0, 3.0, 4.0), mastery=3.0)
T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


def pts(*scores, kinds=None):
    kinds = kinds or ["performance_task"] * len(scores)
    return [
        Point(f"e{i}", float(s), T0 + dt.timedelta(days=i), k)
        for i, (s, k) in enumerate(zip(scores, kinds, strict=True))
    ]


def test_no_evidence_is_not_assessed():
    r = evaluate([], Policy(), SCALE)
    assert r.status is Status.NOT_ASSESSED
    assert r.value is None


def test_statuses_never_fail():
    assert evaluate(pts(1, 2), Policy(method="latest"), SCALE).status is Status.NOT_YET
    assert evaluate(pts(1, 3), Policy(method="latest"), SCALE).status is Status.PROFICIENT
    assert evaluate(pts(4), Policy(method="latest"), SCALE).status is Status.ADVANCED
    assert {s.value for s in Status} == {
        "not_assessed",
        "insufficient",
        "not_yet",
        "proficient",
        "advanced",
    }


def test_minimum_evidence_and_kinds_make_insufficient():
    policy = Policy(method="mean", min_evidence=3, min_kinds=2)
    assert evaluate(pts(4, 4), policy, SCALE).status is Status.INSUFFICIENT
    same_kind = evaluate(pts(4, 4, 4), policy, SCALE)
    assert same_kind.status is Status.INSUFFICIENT
    assert same_kind.level_index is None
    mixed = evaluate(pts(4, 4, 4, kinds=["project", "observation", "project"]), policy, SCALE)
    assert mixed.status is Status.ADVANCED


def test_order_is_when_learning_was_shown_not_when_recorded():
    late_low = Point("graded-last", 1.0, T0, "project")
    early_high = Point("graded-first", 4.0, T0 + dt.timedelta(days=5), "project")
    r = evaluate([early_high, late_low], Policy(method="latest"), SCALE)
    assert r.value == 4.0
    assert [u.key for u in r.used] == ["graded-last", "graded-first"]


def test_self_and_peer_only_count_when_the_policy_says():
    points = pts(4, 2, kinds=["self_assessment", "observation"])
    r = evaluate(points, Policy(method="latest"), SCALE)
    assert r.value == 2.0
    assert r.excluded[0].key == "e0"
    assert evaluate(points, Policy(method="highest", count_self_and_peer=True), SCALE).value == 4.0


def test_windows():
    r = evaluate(pts(1, 2, 3, 4), Policy(method="mean", window_last=2), SCALE)
    assert r.value == 3.5
    assert len(r.excluded) == 2
    since = Policy(method="mean", window_since=T0 + dt.timedelta(days=2))
    assert evaluate(pts(1, 2, 3, 4), since, SCALE).value == 3.5


def test_explanation_weights_sum_to_one_for_averages():
    r = evaluate(pts(1, 2, 3, 4, 5), Policy(method="weighted_average", weight=0.65), SCALE)
    assert sum(u.weight for u in r.used) == pytest.approx(1.0)
    assert r.used[-1].weight == pytest.approx(0.65)


def test_bkt_policy_uses_p_known():
    params = BKTParams(prior=0.1, learn=0.2, guess=0.25, slip=0.1)
    r = evaluate(
        pts(1, 1, 0, 1, 1), Policy(method="bkt", bkt=params), Scale(values=(0.0, 1.0), mastery=1.0)
    )
    assert r.value == pytest.approx(0.949166, abs=1e-6)  # below 0.95: not yet
    assert r.status is Status.NOT_YET


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "nope"}, "unknown mastery method"),
        ({"method": "weighted_average", "weight": 2}, "weight"),
        ({"window_last": 0}, "window_last"),
        ({"min_evidence": 0}, "min_evidence"),
        ({"method": "bkt"}, "BKT parameters"),
    ],
)
def test_bad_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Policy(**kwargs)


def test_scale_checks():
    with pytest.raises(ValueError, match="rising"):
        Scale(values=(2.0, 1.0), mastery=2.0)
    with pytest.raises(ValueError, match="mastery"):
        Scale(values=(1.0, 2.0), mastery=1.5)


policies = st.builds(
    Policy,
    method=st.sampled_from(
        ["latest", "highest", "mean", "mode", "weighted_average", "decaying_average", "power_law"]
    ),
    weight=st.floats(0, 1),
    rate=st.floats(0, 1),
    window_last=st.none() | st.integers(1, 4),
    min_evidence=st.integers(1, 3),
    min_kinds=st.integers(1, 2),
    count_self_and_peer=st.booleans(),
)
groups = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]),
            st.sampled_from(sorted(KIND_CODES)),
        ),
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(groups, policies)
def test_batch_agrees_with_single_pair(data, policy):
    rows = []
    expected = {}
    for gid, group in enumerate(data):
        points = [
            Point(f"{gid}-{i}", s, T0 + dt.timedelta(hours=i), k) for i, (s, k) in enumerate(group)
        ]
        expected[gid] = evaluate(points, policy, SCALE)
        rows += [(gid, p.score, p.assessed_at.timestamp(), KIND_CODES[p.kind]) for p in points]
    g, s, t, k = (np.array(c) for c in zip(*rows, strict=True))
    out = evaluate_batch(g, s, t, k, policy, SCALE)
    assert list(out.groups) == sorted(expected)
    for i, gid in enumerate(out.groups):
        want = expected[int(gid)]
        assert STATUS_CODES[out.status[i]] == want.status
        assert (None if out.level_index[i] < 0 else int(out.level_index[i])) == want.level_index
        if want.value is None:
            assert np.isnan(out.values[i])
        else:
            assert out.values[i] == pytest.approx(want.value, rel=1e-9, abs=1e-12)
