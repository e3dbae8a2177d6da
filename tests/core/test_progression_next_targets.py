"""Next targets from the prerequisite graph, and targets met over time (properties)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from proficio.core.progression.next_targets import met_over_time, next_targets


@st.composite
def progressions(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, int]], set[int]]:
    """A random acyclic progression (edges go from lower to higher numbers) and a met set."""
    n = draw(st.integers(min_value=0, max_value=12))
    nodes = list(range(n))
    pairs = [(a, b) for a in nodes for b in nodes if a < b]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    met = set(draw(st.lists(st.sampled_from(nodes), unique=True))) if nodes else set()
    return nodes, edges, met


def _preds(edges: list[tuple[int, int]], node: int) -> set[int]:
    return {a for a, b in edges if b == node}


@given(progressions())
def test_each_suggestion_is_unmet_with_every_prerequisite_met(p):
    nodes, edges, met = p
    for target in next_targets(nodes, edges, met):
        assert target not in met
        assert _preds(edges, target) <= met


@given(progressions())
def test_every_ready_target_is_suggested_in_order(p):
    nodes, edges, met = p
    ready = [t for t in nodes if t not in met and _preds(edges, t) <= met]
    assert next_targets(nodes, edges, met) == ready


@given(progressions())
def test_with_nothing_met_the_roots_are_suggested(p):
    nodes, edges, _ = p
    roots = [t for t in nodes if not _preds(edges, t)]
    assert next_targets(nodes, edges, set()) == roots


@given(progressions())
def test_everything_met_suggests_nothing(p):
    nodes, edges, _ = p
    assert next_targets(nodes, edges, set(nodes)) == []


@given(progressions())
def test_an_unmet_progression_always_has_a_next_step(p):
    # In an acyclic graph, the earliest unmet target has only met (or no) prerequisites.
    nodes, edges, met = p
    if set(nodes) - met:
        assert next_targets(nodes, edges, met)


def test_a_prerequisite_outside_the_list_must_be_met():
    assert next_targets(["b"], [("a", "b")], set()) == []
    assert next_targets(["b"], [("a", "b")], {"a"}) == ["b"]


T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
changes = st.lists(
    st.tuples(st.integers(min_value=0, max_value=30), st.integers(0, 5), st.booleans()),
    max_size=40,
)


@given(changes)
def test_met_over_time_ends_with_each_targets_last_word(raw):
    events = [(T0 + dt.timedelta(days=d), t, m) for d, t, m in raw]
    points = met_over_time(events)
    times = [p[0] for p in points]
    assert times == sorted(set(times))
    assert all(0 <= count <= 6 for _, count in points)
    last: dict[int, bool] = {}
    for _, target, is_met in sorted(events, key=lambda e: e[0]):  # stable: input order ties
        last[target] = is_met
    assert (points[-1][1] if points else 0) == sum(last.values())


@given(changes)
def test_met_over_time_moves_by_at_most_the_changes_at_each_moment(raw):
    events = [(T0 + dt.timedelta(days=d), t, m) for d, t, m in raw]
    previous = 0
    for when, count in met_over_time(events):
        n = sum(1 for e in events if e[0] == when)
        assert abs(count - previous) <= n
        previous = count


def test_met_over_time_example():
    day = dt.timedelta(days=1)
    events = [(T0, "a", True), (T0 + day, "b", True), (T0 + 2 * day, "a", False)]
    assert met_over_time(events) == [(T0, 1), (T0 + day, 2), (T0 + 2 * day, 1)]
