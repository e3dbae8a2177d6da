"""Small-cell suppression.

Any count of students that leaves a school is published only when it is zero or at
least ``threshold``; smaller counts could identify a child. Complementary suppression
across sibling cells builds on this (see the equity work).
"""

from __future__ import annotations

DEFAULT_THRESHOLD = 10


def check_threshold(threshold: int) -> int:
    if threshold < 1:
        raise ValueError(f"suppression threshold must be at least 1, got {threshold}")
    return threshold


def suppress_count(n: int, threshold: int = DEFAULT_THRESHOLD) -> int | None:
    """``n`` if it may be published, else None (shown as "fewer than threshold")."""
    check_threshold(threshold)
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    return n if n == 0 or n >= threshold else None
