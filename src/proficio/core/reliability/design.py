"""Who scores which sample: rater assignment designs for moderation sessions.

Why we write this: a moderation session either has every rater score every
sample (a fully crossed design, best for statistics but costly) or gives
each sample to ``per_sample`` raters (a balanced incomplete design). An
incomplete design is only useful if

* every sample gets exactly ``per_sample`` distinct raters;
* the work is shared fairly: rater loads differ by at most one sample;
* raters overlap: the graph joining two raters who scored a common sample is
  connected, so every rater's severity can be compared with every other's
  (the many-facet Rasch model needs a connected design; Linacre calls a
  disconnected one "subsets"), and pairs are spread rather than repeated.

The greedy construction below keeps all three. For each sample it takes the
least-loaded raters; among raters with the same load it prefers one not yet
connected to the raters already chosen (a union-find over the overlap graph),
then one who has shared the fewest samples with them, then a seeded random
order. No general library covers this small problem, so it is written here
and checked by property tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Assignment", "balanced_design", "full_design", "is_connected"]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Pairs (rater index, sample index), in sample order."""

    pairs: tuple[tuple[int, int], ...]
    n_raters: int
    n_samples: int

    def loads(self) -> list[int]:
        counts = [0] * self.n_raters
        for rater, _ in self.pairs:
            counts[rater] += 1
        return counts

    def raters_of(self, sample: int) -> list[int]:
        return [r for r, s in self.pairs if s == sample]


def _check(n_raters: int, n_samples: int) -> None:
    if n_raters < 1:
        raise ValueError(f"a session needs at least 1 rater; got {n_raters}")
    if n_samples < 1:
        raise ValueError(f"a session needs at least 1 work sample; got {n_samples}")


def full_design(n_raters: int, n_samples: int) -> Assignment:
    """Every rater scores every sample."""
    _check(n_raters, n_samples)
    pairs = tuple((r, s) for s in range(n_samples) for r in range(n_raters))
    return Assignment(pairs, n_raters, n_samples)


class _Components:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def balanced_design(n_raters: int, n_samples: int, per_sample: int, seed: int = 0) -> Assignment:
    """Each sample to ``per_sample`` raters, loads within one, raters overlapping.

    Raises:
        ValueError: fewer raters than ``per_sample``, or ``per_sample`` < 1.
    """
    _check(n_raters, n_samples)
    if per_sample < 1:
        raise ValueError(f"each sample needs at least 1 rater; got {per_sample}")
    if per_sample > n_raters:
        raise ValueError(
            f"each sample needs {per_sample} raters but the session has only {n_raters}"
        )
    rng = np.random.default_rng(seed)
    tiebreak = rng.permutation(n_raters)
    load = [0] * n_raters
    shared = np.zeros((n_raters, n_raters), dtype=np.int64)
    components = _Components(n_raters)
    pairs: list[tuple[int, int]] = []
    for sample in range(n_samples):
        chosen: list[int] = []
        for _ in range(per_sample):
            lowest = min(load[r] for r in range(n_raters) if r not in chosen)
            candidates = [r for r in range(n_raters) if r not in chosen and load[r] == lowest]
            roots = {components.find(c) for c in chosen}
            ranked = sorted(
                (
                    1 if chosen and components.find(r) in roots else 0,
                    int(sum(shared[r, c] for c in chosen)),
                    int(tiebreak[r]),
                    r,
                )
                for r in candidates
            )
            pick = ranked[0][3]
            chosen.append(pick)
        for r in chosen:
            load[r] += 1
            for c in chosen:
                if c != r:
                    shared[r, c] += 1
            components.union(r, chosen[0])
            pairs.append((r, sample))
    return Assignment(tuple(pairs), n_raters, n_samples)


def is_connected(assignment: Assignment) -> bool:
    """Whether every rater is linked to every other through shared samples."""
    components = _Components(assignment.n_raters)
    by_sample: dict[int, list[int]] = {}
    for rater, sample in assignment.pairs:
        by_sample.setdefault(sample, []).append(rater)
    for raters in by_sample.values():
        for r in raters[1:]:
            components.union(r, raters[0])
    return len({components.find(r) for r in range(assignment.n_raters)}) == 1
