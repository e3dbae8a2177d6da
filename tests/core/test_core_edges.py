"""Edges of the pure core that the feature tests do not reach: refusals of bad arguments,
BKT and dated windows in the batch evaluator, and rare branches of the codecs. Each case
checks the answer, not just that the line runs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.equity.suppression import suppress_table
from proficio.core.mastery.bkt import BKTParams
from proficio.core.mastery.policy import (
    KIND_CODES,
    SELF_AND_PEER,
    STATUS_CODES,
    Point,
    Policy,
    Scale,
    Status,
    _status,
    evaluate,
    evaluate_batch,
)
from proficio.core.mastery.rollup import Child, RollupRule, rollup
from proficio.core.reliability import (
    InsufficientDataError,
    mean_difference,
    sample_size_for_proportion,
    wilson_interval,
)
from proficio.core.standards import case_query
from proficio.core.standards import oneroster as ors

T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
SCALE = Scale(values=(1.0, 2.0, 3.0, 4.0), mastery=3.0)
PROBABILITY = Scale(values=(0.0, 1.0), mastery=1.0)


def _batch_matches_single(data: list[list[tuple[float, str]]], policy: Policy, scale: Scale):
    rows, expected = [], {}
    for gid, group in enumerate(data):
        points = [
            Point(f"{gid}-{i}", s, T0 + dt.timedelta(hours=i), k) for i, (s, k) in enumerate(group)
        ]
        expected[gid] = evaluate(points, policy, scale)
        rows += [(gid, p.score, p.assessed_at.timestamp(), KIND_CODES[p.kind]) for p in points]
    g, s, t, k = (np.array(c) for c in zip(*rows, strict=True))
    out = evaluate_batch(g, s, t, k, policy, scale)
    for i, gid in enumerate(out.groups):
        want = expected[int(gid)]
        assert STATUS_CODES[out.status[i]] == want.status
        assert (None if out.level_index[i] < 0 else int(out.level_index[i])) == want.level_index
        if want.value is None:
            assert np.isnan(out.values[i])
        else:
            assert out.values[i] == pytest.approx(want.value, rel=1e-9, abs=1e-12)
    return expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=12), min_size=1, max_size=6)
)
def test_bkt_batch_agrees_with_single_pair(responses):
    params = BKTParams(prior=0.2, learn=0.3, guess=0.2, slip=0.1)
    policy = Policy(method="bkt", bkt=params, bkt_mastery=0.9)
    data = [[(s, "quiz") for s in group] for group in responses]
    _batch_matches_single(data, policy, PROBABILITY)


def test_a_bkt_streak_is_proficient_in_both_evaluators():
    params = BKTParams(prior=0.2, learn=0.3, guess=0.2, slip=0.1)
    policy = Policy(method="bkt", bkt=params, bkt_mastery=0.9)
    expected = _batch_matches_single(
        [[(1.0, "quiz")] * 8, [(0.0, "quiz")] * 3], policy, PROBABILITY
    )
    assert expected[0].status is Status.PROFICIENT
    assert expected[0].level_index == PROBABILITY.values.index(PROBABILITY.mastery)
    assert expected[1].status is Status.NOT_YET


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from([1.0, 2.0, 3.0, 4.0]), st.sampled_from(sorted(KIND_CODES))),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 6),
)
def test_a_dated_window_agrees_between_the_evaluators(data, hours):
    policy = Policy(method="mean", window_since=T0 + dt.timedelta(hours=hours))
    expected = _batch_matches_single(data, policy, SCALE)
    for gid, group in enumerate(data):
        counted = [s for i, (s, k) in enumerate(group) if i >= hours and k not in SELF_AND_PEER]
        if counted and expected[gid].value is not None:
            assert expected[gid].value == pytest.approx(sum(counted) / len(counted))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"method": "bkt", "bkt": BKTParams(0.2, 0.3, 0.2, 0.1), "bkt_mastery": 1.5},
            "bkt_mastery",
        ),
        ({"min_kinds": 0}, "min_kinds"),
        ({"window_since": T0.replace(tzinfo=None)}, "timezone-aware"),
    ],
)
def test_more_bad_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Policy(**kwargs)


def test_no_value_with_enough_evidence_is_not_yet():
    assert _status(None, 3, 2, Policy(), SCALE) == (Status.NOT_YET, None)


def test_a_scale_contains_its_own_range_only():
    assert SCALE.contains(1.0)
    assert SCALE.contains(4.0)
    assert SCALE.contains(2.5)
    assert not SCALE.contains(0.5)
    assert not SCALE.contains(4.5)


def test_a_mean_rollup_of_children_without_values_is_insufficient():
    children = [Child("a", Status.NOT_YET), Child("b", Status.INSUFFICIENT)]
    rolled = rollup(children, RollupRule(method="mean"), SCALE)
    assert rolled.status is Status.INSUFFICIENT
    assert rolled.value is None
    assert (rolled.met, rolled.of) == (0, 2)


def test_a_line_that_cannot_hide_its_cells_behind_each_other_hides_its_total():
    # Threshold 2: the two 1s are hidden, but together (2) they leave only one way to split
    # the published row total between two cells known to be at least 1 each.
    table = suppress_table([[1, 1], [5, 5]], threshold=2)
    assert table.cells[0] == [None, None]
    assert table.row_totals[0] is None
    assert table.cells[1] == [5, 5] or None in table.cells[1]


def test_comparability_refuses_impossible_arguments():
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        wilson_interval(1, 2, confidence=1.0)
    with pytest.raises(ValueError, match="successes must lie between 0 and n=2"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError, match="proportion must lie between 0 and 1"):
        sample_size_for_proportion(1.5, 0.1)
    with pytest.raises(ValueError, match="margin must lie between 0 and 1"):
        sample_size_for_proportion(0.5, 0.0)
    with pytest.raises(InsufficientDataError, match="got 1"):
        mean_difference([1.0, float("nan")])


def test_case_filters_on_missing_fields_objects_and_flags():
    missing = case_query.parse_filter("title != 'x'", ["title"])
    assert missing.test({}) is True
    assert case_query.parse_filter("title = 'x'", ["title"]).test({}) is False
    by_title = case_query.parse_filter("subject = 'Math'", ["subject"])
    assert by_title.test({"subject": {"title": "Math", "identifier": "m1"}}) is True
    assert by_title.test({"subject": [{"identifier": "Math"}]}) is True
    flag = case_query.parse_filter("isPartOf = 'true'", ["isPartOf"])
    assert flag.test({"isPartOf": True}) is True
    assert flag.test({"isPartOf": False}) is False


def test_plain_columns_keep_their_text_and_short_rows_are_padded():
    assert ors._parser(ors._c("x"), lambda m: None)("  as is ") == "  as is "
    manifest = "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\n"
    header = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    package = ors.read_package(
        {
            "manifest.csv": manifest.encode(),
            "orgs.csv": (header + "o1,,,District,district\n").encode(),
        }
    )
    (row,) = package.rows("orgs")
    assert row.values["name"] == "District"
    assert not row.values.get("identifier")
    assert not row.values.get("parentSourcedId")
