"""Build a release's cells and every linear relation between them, from its students.

A release publishes figures about *populations*: a district, a school, a grade cohort,
a subgroup of a school, a section, a teacher's students, "all sections" (a count of
memberships). Each population is a row of an integer incidence matrix over students
(how many times each student counts in it). For every population the release has one
cell for its size and, for every yes/no measure (behind pace, proficient, stalled), one
cell for the students who are and one for those who are not.

The relations come from *atoms*, not from a list of which table sums to which. A family
of atoms is a partition of the students that the attacker is assumed to know: every
student's school, grade and class schedule (the roster family), or every student's
school and subgroup of one dimension (one demographic family each). Every population
that is a union of a family's atoms (with multiplicities) equals the sum of their
cells. So school tables sum to the district table, a school's one band equals the
school, a section that holds a whole grade repeats the cohort, and the sections of a
grade add up to it, without anyone having to list those facts. An atom that is itself
a population uses that population's cells; the others are *latent* (never published).
Populations with the same students are one set of cells, wherever they appear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from proficio.core.equity._lp import BoolArray, FloatArray, IntArray, Sparse
from proficio.core.equity.audit import CellSystem

__all__ = ["Family", "Release", "build_release"]


@dataclass(frozen=True)
class Family:
    """A partition of the students: ``atom[i]`` is student i's atom, ``keys[a]`` names
    atom a (stable from day to day, e.g. school, grade and sections) and ``block[a]``
    (optional) the block its cells belong to (see :func:`build_release`)."""

    atom: IntArray
    keys: Sequence[str]
    block: IntArray | None = None


@dataclass(frozen=True)
class Release:
    """The cells of a release. ``cells[p]`` gives population p's cells: its size, then
    (yes, no) for each measure in order. ``cost`` is each cell's price for secondary
    suppression, ``blocks`` the block of each cell."""

    system: CellSystem
    cells: IntArray
    cost: FloatArray
    measures: tuple[str, ...]
    blocks: IntArray


def _row_signature(matrix: Sparse) -> list[bytes]:
    rows, cols, data = matrix.triplets()
    order = np.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    bounds = np.searchsorted(rows, np.arange(matrix.shape[0] + 1))
    return [
        cols[bounds[r] : bounds[r + 1]].tobytes() + b"|" + data[bounds[r] : bounds[r + 1]].tobytes()
        for r in range(matrix.shape[0])
    ]


def build_release(
    incidence: Sparse,
    names: Sequence[str],
    measures: Mapping[str, BoolArray],
    families: Sequence[Family],
    weight: Sequence[float] | FloatArray | None = None,
    block: Sequence[int] | IntArray | None = None,
) -> Release:
    """The cells and relations of the populations ``incidence`` (populations × students,
    named ``names``), with one size cell and yes/no cells per measure, tied through the
    atom ``families``. ``weight`` prices each population's cells (default 1; a size cell
    costs twice its population's weight, since hiding it hides the whole row).
    ``block`` groups populations (for example by school, -1 for the district's), which
    lets the search for secondary suppressions work one block at a time."""
    n_pops, n_students = incidence.shape
    if len(names) != n_pops:
        raise ValueError("names must give one name per population")
    flags = {m: np.asarray(v, dtype=bool) for m, v in measures.items()}
    if any(v.shape != (n_students,) for v in flags.values()):
        raise ValueError("each measure must give one value per student")
    prices = np.ones(n_pops) if weight is None else np.asarray(weight, dtype=np.float64)
    if prices.shape != (n_pops,):
        raise ValueError("weight must give one price per population")
    pop_block = np.full(n_pops, -1, np.int64) if block is None else np.asarray(block, np.int64)
    if pop_block.shape != (n_pops,):
        raise ValueError("block must give one block per population")
    slots = 1 + 2 * len(flags)
    indicators = [np.ones(n_students)]
    for v in flags.values():
        indicators += [v.astype(np.float64), (~v).astype(np.float64)]

    # Populations with the same students share their cells.
    signature = _row_signature(incidence)
    group_of: dict[bytes, int] = {}
    group = np.empty(n_pops, dtype=np.int64)
    first: list[int] = []
    for p, sig in enumerate(signature):
        g = group_of.setdefault(sig, len(first))
        if g == len(first):
            first.append(p)
        group[p] = g
    reps = np.array(first, dtype=np.int64)
    base = incidence.rows(reps)
    n_groups = reps.size
    group_price = np.zeros(n_groups)
    np.maximum.at(group_price, group, prices)
    group_block = pop_block[reps].copy()
    for p in range(n_pops):  # a population shared by two blocks is shared
        if pop_block[p] != group_block[group[p]]:
            group_block[group[p]] = -1

    keys: list[str] = []
    for g in range(n_groups):
        name = names[int(reps[g])]
        keys += [f"{name}|n"] + [f"{name}|{m}|{s}" for m in flags for s in ("yes", "no")]
    values = [np.rint(base.dot(ind)).astype(np.int64) for ind in indicators]
    cell_values = np.column_stack(values).reshape(-1)
    latent = [np.zeros(n_groups * slots, bool)]
    costs = [np.repeat(group_price, slots) * np.tile([2.0] + [1.0] * (slots - 1), n_groups)]
    blocks = [np.repeat(group_block, slots)]
    n_cells = n_groups * slots

    rel_rows: list[IntArray] = []
    rel_cols: list[IntArray] = []
    rel_data: list[IntArray] = []
    n_rel = 0

    def relate(rows: IntArray, cols: IntArray, data: IntArray) -> None:
        nonlocal n_rel
        rel_rows.append(rows + n_rel)
        rel_cols.append(cols)
        rel_data.append(data)
        n_rel += int(rows.max(initial=-1)) + 1

    for family in families:
        atom = np.asarray(family.atom, dtype=np.int64)
        if atom.shape != (n_students,):
            raise ValueError("a family must give one atom per student")
        n_atoms = len(family.keys)
        members = Sparse.from_triplets(
            atom,
            np.arange(n_students, dtype=np.int64),
            np.ones(n_students, np.int64),
            (n_atoms, n_students),
        )
        # Which atoms are populations already, and which are latent.
        atom_cell = np.empty(n_atoms, dtype=np.int64)
        atom_sigs = _row_signature(members)
        fresh: list[int] = []
        for a, sig in enumerate(atom_sigs):
            same = group_of.get(sig)
            if same is None:
                atom_cell[a] = n_cells + len(fresh) * slots
                fresh.append(a)
            else:
                atom_cell[a] = same * slots
        if fresh:
            picked = np.array(fresh, dtype=np.int64)
            sub = members.rows(picked)
            for f_key in (family.keys[a] for a in fresh):
                keys += [f"{f_key}|n"] + [f"{f_key}|{m}|{s}" for m in flags for s in ("yes", "no")]
            atom_values = np.column_stack(
                [np.rint(sub.dot(ind)).astype(np.int64) for ind in indicators]
            )
            cell_values = np.concatenate([cell_values, atom_values.reshape(-1)])
            latent.append(np.ones(picked.size * slots, bool))
            costs.append(np.ones(picked.size * slots))
            atom_block = (
                np.full(picked.size, -1, np.int64)
                if family.block is None
                else np.asarray(family.block, np.int64)[picked]
            )
            blocks.append(np.repeat(atom_block, slots))
            n_cells += picked.size * slots
        # A population is a union of atoms when its incidence is constant on each atom:
        # with s1 the sum and s2 the sum of squares over an atom of size k, s1² = k·s2.
        sizes = np.bincount(atom, minlength=n_atoms).astype(np.float64)
        rows, cols, data = base.triplets()
        key = rows * n_atoms + atom[cols]
        uniq, inverse = np.unique(key, return_inverse=True)
        s1 = np.bincount(inverse, weights=data.astype(np.float64))
        s2 = np.bincount(inverse, weights=data.astype(np.float64) ** 2)
        counted = np.bincount(inverse)
        p_of, a_of = uniq // n_atoms, uniq % n_atoms
        whole = (counted == sizes[a_of]) & np.isclose(s1 * s1, sizes[a_of] * s2)
        bad = np.zeros(n_groups, bool)
        bad[p_of[~whole]] = True
        ok = ~bad[p_of]
        p_ok, a_ok = p_of[ok], a_of[ok]
        mult = np.rint(s1[ok] / sizes[a_ok]).astype(np.int64)
        # Skip a population that is one of this family's atoms (nothing to say).
        is_self = (atom_cell[a_ok] == p_ok * slots) & (mult == 1)
        single = np.bincount(p_ok, minlength=n_groups) == 1
        drop = is_self & single[p_ok]
        p_ok, a_ok, mult = p_ok[~drop], a_ok[~drop], mult[~drop]
        pops = np.unique(p_ok)
        if pops.size == 0:
            continue
        rank = np.searchsorted(pops, p_ok)
        n_measured = 1 + len(flags)  # the size and each "yes" (each "no" then follows)
        for s in range(n_measured):
            slot = 0 if s == 0 else 2 * s - 1
            rows_s = np.concatenate([np.arange(pops.size), rank]).astype(np.int64)
            cols_s = np.concatenate([pops * slots + slot, atom_cell[a_ok] + slot])
            data_s = np.concatenate([np.ones(pops.size, np.int64), -mult])
            relate(rows_s, cols_s, data_s)

    # Each population and atom: size = yes + no, for every measure.
    starts = np.arange(0, n_cells, slots, dtype=np.int64)
    for k in range(len(flags)):
        r = np.arange(starts.size, dtype=np.int64)
        relate(
            np.concatenate([r, r, r]),
            np.concatenate([starts, starts + 1 + 2 * k, starts + 2 + 2 * k]),
            np.concatenate(
                [np.ones(r.size, np.int64), -np.ones(r.size, np.int64), -np.ones(r.size, np.int64)]
            ),
        )
    relations = Sparse.from_triplets(
        np.concatenate(rel_rows) if rel_rows else np.zeros(0, np.int64),
        np.concatenate(rel_cols) if rel_cols else np.zeros(0, np.int64),
        np.concatenate(rel_data) if rel_data else np.zeros(0, np.int64),
        (n_rel, n_cells),
    )
    system = CellSystem(tuple(keys), cell_values, relations, np.concatenate(latent))
    cells = group[:, None] * slots + np.arange(slots)[None, :]
    return Release(
        system, cells.astype(np.int64), np.concatenate(costs), tuple(flags), np.concatenate(blocks)
    )
