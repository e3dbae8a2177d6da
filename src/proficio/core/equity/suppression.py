"""Small-cell suppression for counts that leave a school.

A count is published only when it is zero or at least ``threshold``; a smaller count
could identify a child (primary suppression). When a group of sibling cells is
published with its total, one hidden cell could be recovered by subtraction, so more
cells are hidden until the hidden ones cannot be told apart (complementary suppression):
at least two hidden cells whose hidden total is at least ``threshold`` and can be split
among them in more than one way. If every
cell ends up hidden, the total is hidden too.

This one-dimensional rule protects a list of siblings and their total. Tables with
several margins need the full treatment planned for the equity dashboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 10


def check_threshold(threshold: int) -> int:
    if threshold < 1:
        raise ValueError(f"suppression threshold must be at least 1, got {threshold}")
    return threshold


def suppress_count(n: int, threshold: int = DEFAULT_THRESHOLD) -> int | None:
    """``n`` if it may be published on its own, else None ("fewer than threshold")."""
    check_threshold(threshold)
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    return n if n == 0 or n >= threshold else None


@dataclass(frozen=True)
class SuppressedGroup:
    cells: list[int | None]
    total: int | None


def suppress_group(counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> SuppressedGroup:
    """Suppress sibling ``counts`` and their total so no hidden cell can be derived."""
    check_threshold(threshold)
    cells: list[int | None] = [suppress_count(n, threshold) for n in counts]
    total = sum(counts)
    hidden = [i for i, c in enumerate(cells) if c is None]

    def protected() -> bool:
        # Two or more hidden cells whose hidden total is at least the threshold and can
        # be split between them in more than one way (each hidden cell is at least 1).
        hidden_total = sum(counts[i] for i in hidden)
        return len(hidden) >= 2 and hidden_total >= max(threshold, len(hidden) + 1)

    if hidden:
        # Hide the smallest published non-zero cells until the hidden ones protect
        # each other: two or more, together at least the threshold.
        candidates = sorted(
            (i for i, c in enumerate(cells) if c is not None and c > 0), key=lambda i: counts[i]
        )
        while not protected() and candidates:
            i = candidates.pop(0)
            cells[i] = None
            hidden.append(i)
    published_total: int | None = suppress_count(total, threshold)
    if hidden and not protected():
        published_total = None  # nothing left to hide behind: withhold the total too
    return SuppressedGroup(cells=cells, total=published_total)
