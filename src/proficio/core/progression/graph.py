"""Prerequisite graphs (CASE ``precedes``) and hierarchies (``isChildOf``).

A progression is a graph, not a line: a target can have several prerequisites and lead
to several others. It must never loop, and a hierarchy must be a forest. The checks
here return the offending path so an editor can show exactly what to fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(edges: Iterable[tuple[N, N]]) -> list[N] | None:
    """A cycle among ``(before, after)`` edges as ``[a, b, …, a]``, or None if acyclic."""
    sorter: TopologicalSorter[N] = TopologicalSorter()
    for before, after in edges:
        sorter.add(after, before)
    try:
        sorter.prepare()
    except CycleError as exc:
        # graphlib lists the cycle so that each node comes before the next: precedes order.
        cycle: list[N] = list(exc.args[1])
        return cycle
    return None


def forest_problems(child_of: Iterable[tuple[N, N]]) -> list[str]:
    """Why ``(child, parent)`` pairs do not form a forest; empty when they do."""
    parents: dict[N, list[N]] = defaultdict(list)
    pairs = list(child_of)
    for child, parent in pairs:
        parents[child].append(parent)
    problems = [
        f"{child} has {len(ps)} parents ({', '.join(map(str, ps))}); an item has at most one"
        for child, ps in parents.items()
        if len(set(ps)) > 1
    ]
    cycle = find_cycle((parent, child) for child, parent in pairs)
    if cycle is not None:
        problems.append("isChildOf cycle: " + " → ".join(map(str, cycle)))
    return problems


def layers(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> dict[N, int]:
    """Longest-path layering of a DAG: each node one layer after its deepest prerequisite."""
    preds: dict[N, list[N]] = defaultdict(list)
    succ: dict[N, list[N]] = defaultdict(list)
    for before, after in edges:
        preds[after].append(before)
        succ[before].append(after)
    sorter: TopologicalSorter[N] = TopologicalSorter({n: preds.get(n, []) for n in nodes})
    layer: dict[N, int] = {}
    for node in sorter.static_order():
        layer[node] = max((layer[p] + 1 for p in preds.get(node, []) if p in layer), default=0)
    return layer


def ancestors(node: N, preds: Mapping[N, Iterable[N]]) -> set[N]:
    """Every direct and indirect prerequisite of ``node``."""
    seen: set[N] = set()
    stack = list(preds.get(node, []))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(preds.get(current, []))
    return seen
