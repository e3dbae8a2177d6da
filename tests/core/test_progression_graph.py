"""Prerequisite-graph checks: cycles are found and named, hierarchies must be forests."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from proficio.core.progression.graph import ancestors, find_cycle, forest_problems, layers


def test_cycle_is_named_in_precedes_order():
    cycle = find_cycle([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D")])
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    # Each consecutive pair is an edge of the graph.
    edges = {("A", "B"), ("B", "C"), ("C", "A")}
    assert all((a, b) in edges for a, b in itertools.pairwise(cycle))


def test_acyclic_has_no_cycle():
    assert find_cycle([("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")]) is None


def test_forest_problems():
    assert forest_problems([("b", "a"), ("c", "a")]) == []
    problems = forest_problems([("c", "a"), ("c", "b")])
    assert problems == ["c has 2 parents (a, b); an item has at most one"]
    assert any("cycle" in p for p in forest_problems([("a", "b"), ("b", "a")]))


def test_layers_follow_the_longest_path():
    got = layers(["A", "B", "C", "D"], [("A", "B"), ("B", "D"), ("A", "D"), ("C", "D")])
    assert got == {"A": 0, "B": 1, "C": 0, "D": 2}


def test_ancestors():
    preds = {"D": ["B", "C"], "B": ["A"]}
    assert ancestors("D", preds) == {"A", "B", "C"}


dags = st.integers(min_value=2, max_value=12).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] < e[1]),
            max_size=30,
        ),
    )
)


@given(dags)
def test_dags_have_no_cycle_and_back_edges_make_one(dag):
    n, edges = dag
    assert find_cycle(edges) is None
    layer = layers(list(range(n)), edges)
    assert all(layer[a] < layer[b] for a, b in edges)
    if edges:
        a, b = edges[0]
        cycle = find_cycle([*edges, (b, a)])
        assert cycle is not None
        assert a in cycle
        assert b in cycle
