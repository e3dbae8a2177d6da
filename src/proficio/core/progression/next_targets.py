"""What a student could work on next, and how many targets they have met over time.

A target is a sensible next step when every prerequisite (CASE ``precedes``) is met and
the target itself is not: the student is ready for it. Because a progression is a graph,
there can be several such targets at once, in different competencies.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def next_targets(
    targets: Sequence[N], prerequisites: Iterable[tuple[N, N]], met: Collection[N]
) -> list[N]:
    """The targets, in the given order, that are not met and whose prerequisites all are.

    ``prerequisites`` are ``(before, after)`` pairs; a prerequisite outside ``targets`` still
    counts, and is met only if it is in ``met``.
    """
    preds: dict[N, set[N]] = defaultdict(set)
    for before, after in prerequisites:
        preds[after].add(before)
    met_set = set(met)
    return [t for t in targets if t not in met_set and preds.get(t, set()) <= met_set]


def met_over_time(changes: Iterable[tuple[dt.datetime, N, bool]]) -> list[tuple[dt.datetime, int]]:
    """How many targets were met after each moment, from ``(when, target, met)`` changes.

    One point per distinct moment, in time order, counting every change at that moment.
    """
    by_time: dict[dt.datetime, list[tuple[N, bool]]] = defaultdict(list)
    for when, target, is_met in changes:
        by_time[when].append((target, is_met))
    current: set[N] = set()
    points: list[tuple[dt.datetime, int]] = []
    for when in sorted(by_time):
        for target, is_met in by_time[when]:
            if is_met:
                current.add(target)
            else:
                current.discard(target)
        points.append((when, len(current)))
    return points
