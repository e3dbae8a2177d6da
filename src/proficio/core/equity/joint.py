"""A new release audited against every release already published beside it.

:func:`proficio.core.equity.audit.join_days` joins one earlier release with today's.
A district's dashboards are also read beside other publications that share figures
with them (the state's report cards give each school's and group's size too), so
today's release must be audited against all of them at once. :func:`join_published`
chains ``join_days``: the published releases are joined one after another into one
fixed system (a cell they share, by name and value, is one unknown, hidden only if
every release that has it hides it), then today's release is joined to that.
:func:`protect_after` is the path every stored release takes (the students' dashboards,
the educators' leader release): today's release protected together with the previous
one and with whatever else is published beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from proficio.core.equity._lp import BoolArray, FloatArray, IntArray
from proficio.core.equity.audit import (
    AuditState,
    CellSystem,
    Joined,
    Protection,
    join_days,
    protect,
)

__all__ = ["Published", "held", "join_published", "protect_after"]


@dataclass(frozen=True)
class Published:
    """A published release as the audit sees it: its cells, those it withholds, and the
    names a reader knows its cells by (``name#slot`` → cell)."""

    system: CellSystem
    hidden: BoolArray
    links: Mapping[str, int]


def _pairs(names: Mapping[str, list[int]], links: Mapping[str, int]) -> list[tuple[int, int]]:
    return sorted({(i, j) for name, j in links.items() for i in names.get(name, [])})


def join_published(
    published: Sequence[Published], today: CellSystem, links: Mapping[str, int]
) -> Joined:
    """Today's release (``links``: its cells' names) joined with every release in
    ``published``, whose cells stay as they were published. The first release's cells
    come first in the joined system, in their own order. A zero is taken as published
    whatever its release says (the attacker's rule: zeros are never withheld)."""
    if not published:
        raise ValueError("join today's release with at least one published release")
    first = published[0]
    system = first.system
    hidden = np.asarray(first.hidden, bool) & (system.values > 0)
    names: dict[str, list[int]] = {name: [cell] for name, cell in first.links.items()}
    for other in published[1:]:
        step = join_days(system, hidden, other.system, _pairs(names, other.links))
        theirs = np.asarray(other.hidden, bool) & (other.system.values > 0)
        merged = np.zeros(step.system.size, bool)
        merged[: system.size] = hidden
        old = step.today < system.size
        # A shared cell is hidden only if both hide it; a new one as its release says.
        np.logical_and.at(merged, step.today[old], theirs[old])
        merged[step.today[~old]] = theirs[~old]
        for name, cell in other.links.items():
            column = int(step.today[cell])
            names.setdefault(name, [])
            if column not in names[name]:
                names[name].append(column)
        system, hidden = step.system, merged
    return join_days(system, hidden, today, _pairs(names, links))


def protect_after(
    previous: AuditState | None,
    system: CellSystem,
    threshold: int,
    links: Mapping[str, int],
    *,
    alongside: Sequence[Published] = (),
    cost: FloatArray | None = None,
    start: BoolArray | None = None,
    blocks: IntArray | None = None,
) -> tuple[BoolArray, Protection]:
    """:func:`protect` today's ``system`` together with the ``previous`` release and the
    publications ``alongside`` it (none of either: on its own), so that none of them can
    be differenced against today's: today's cells are paired with theirs through the
    names they share in ``links`` (:func:`join_published`), and their decisions are
    fixed. Returns today's hidden cells and the protection of the joined system.
    ``cost``, ``start`` and ``blocks`` are today's, as for :func:`protect`.

    A count that changed since and that the earlier cells alone (yesterday's published
    zeros and sizes) narrow cannot be widened by hiding anything today: it comes back in
    ``unprotected``, and the release must then be :func:`held`."""
    if previous is None and not alongside:
        result = protect(system, threshold, cost=cost, start=start, blocks=blocks)
        return result.hidden, result
    earlier = (
        [] if previous is None else [Published(previous.system, previous.hidden, previous.links)]
    )
    joined = join_published([*earlier, *alongside], system, links)
    size = joined.system.size
    prices = np.ones(size)
    if cost is not None:
        prices[joined.today] = cost
    begin = np.zeros(size, bool)
    if start is not None:
        begin[joined.today] = start
    both = np.full(size, -1, np.int64)
    if previous is not None:  # its cells come first in the joined system
        both[: previous.system.size] = previous.blocks
    if blocks is not None:
        both[joined.today] = blocks
    result = protect(
        joined.system,
        threshold,
        shown=joined.shown,
        withheld=joined.withheld,
        cost=prices,
        start=begin,
        blocks=both,
    )
    return result.hidden[joined.today], result


def held(result: Protection) -> int:
    """The one rule for a release the audit could not protect: how many hidden figures
    of ``result`` (today's release joined with what was published before it) stay too
    narrow. When there are any, today's release is held: it is not published, and the
    publication it would have followed stays current (and is the one the next day is
    audited against). Nothing new is then seen, so nothing can be differenced; this is
    the whole release, not the narrowed population's rows alone, because a held row
    beside fresh totals would be differenced against them."""
    return int(np.count_nonzero(result.unprotected))
