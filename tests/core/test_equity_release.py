"""Building a release's cells and relations from its students (core.equity.release)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.core.test_equity_audit import assert_protected

from proficio.core.equity._lp import Sparse
from proficio.core.equity.audit import protect
from proficio.core.equity.release import Family, build_release


def incidence(pops, n, counts=None):
    rows = np.concatenate([np.full(len(m), p) for p, m in enumerate(pops)]).astype(np.int64)
    cols = np.concatenate([np.asarray(m) for m in pops]).astype(np.int64)
    data = np.ones(cols.size, np.int64) if counts is None else np.concatenate(counts)
    return Sparse.from_triplets(rows, cols, data.astype(np.int64), (len(pops), n))


# Twelve students in one grade. Mathematics splits them 0-5 / 6-11, English by parity,
# so no section equals a roster class (a pair of sections): the classes are latent.
N = 12
MATH = [list(range(6)), list(range(6, 12))]
ENGLISH = [list(range(0, 12, 2)), list(range(1, 12, 2))]
BEHIND = np.array([i in (0, 3, 7, 8) for i in range(N)])


def sections_release(**kwargs):
    everyone = list(range(N))
    sections = MATH + ENGLISH
    memberships = [[2] * N]  # every student is in two sections
    pops = [everyone, *sections, everyone]
    names = ["grade", "math A", "math B", "english A", "english B", "all sections"]
    inc = incidence(pops, N, [np.ones(N, np.int64)] + [np.ones(6, np.int64)] * 4 + memberships)
    classes = np.array([(i >= 6) * 2 + (i % 2) for i in range(N)], dtype=np.int64)
    family = Family(classes, ["A/A", "A/B", "B/A", "B/B"], np.zeros(4, np.int64))
    return build_release(inc, names, {"behind": BEHIND}, [family], **kwargs)


def test_sections_that_cross_make_latent_roster_classes():
    built = sections_release(weight=[4, 1, 1, 1, 1, 2], block=[0, 0, 0, 0, 0, 0])
    system = built.system
    assert system.latent.sum() == 4 * 3  # four classes, each with size, behind, not behind
    assert not system.latent[built.cells].any()
    # The values satisfy every relation (checked when the system is made), and the
    # classes add up to each section.
    value = dict(zip(system.keys, system.values, strict=True))
    assert value["math A|n"] == value["A/A|n"] + value["A/B|n"] == 6
    assert value["all sections|behind|yes"] == 2 * BEHIND.sum()
    assert (built.blocks == 0).all()
    assert built.cost[built.cells[0, 0]] == 8  # a size costs twice its population


def test_a_release_with_latent_classes_is_protected():
    built = sections_release()
    result = protect(built.system, 3, cost=built.cost)
    assert not result.hidden[built.system.latent].any()
    assert_protected(built.system, result.hidden, 3)


def test_populations_with_the_same_students_share_cells():
    pops = [[0, 1, 2], [0, 1, 2], [0, 1]]
    built = build_release(
        incidence(pops, 3),
        ["school", "its only grade", "a section"],
        {"behind": np.array([True, False, False])},
        [],
        block=[0, 1, 0],
    )
    assert (built.cells[0] == built.cells[1]).all()
    assert built.system.size == 2 * 3
    assert built.blocks[built.cells[0, 0]] == -1  # shared by two blocks
    assert built.blocks[built.cells[2, 0]] == 0


def test_bad_input_is_refused():
    inc = incidence([[0, 1]], 2)
    behind = {"behind": np.array([True, False])}
    with pytest.raises(ValueError, match="one name per population"):
        build_release(inc, [], behind, [])
    with pytest.raises(ValueError, match="one value per student"):
        build_release(inc, ["a"], {"behind": np.array([True])}, [])
    with pytest.raises(ValueError, match="one price per population"):
        build_release(inc, ["a"], behind, [], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="one block per population"):
        build_release(inc, ["a"], behind, [], block=[0, 0])
    with pytest.raises(ValueError, match="one atom per student"):
        build_release(inc, ["a"], behind, [Family(np.array([0]), ["x"])])


@pytest.mark.parametrize("threshold", [3, 4, 5])
def test_cell_by_cell_checks_alone_protect_as_well(monkeypatch, threshold):
    # Without the batch programs every cell is settled by its own programs, through the
    # search for a whole-number point where the linear bound is fractional; the
    # independent attack (exact integer programs) must find the release protected.
    import proficio.core.equity.audit as audit

    monkeypatch.setattr(audit, "_BATCH_ROUNDS", 0)
    built = sections_release()
    result = protect(built.system, threshold, cost=built.cost)
    assert not result.unprotected.any()
    assert_protected(built.system, result.hidden, threshold)


def crossed_release(seed, n=30, subjects=3, per=2):
    """One grade of ``n`` students whose ``subjects`` subjects each split it into
    ``per`` sections at random, plus "all sections" (every student counted once per
    subject): the roster classes are latent, and the attacker's linear program has
    fractional vertices."""
    rng = np.random.default_rng(seed)
    parts = [rng.permutation(n) % per for _ in range(subjects)]
    pops, names, counts = [list(range(n))], ["grade"], [np.ones(n, np.int64)]
    for s, part in enumerate(parts):
        for k in range(per):
            members = np.flatnonzero(part == k).tolist()
            pops.append(members)
            names.append(f"subject {s} section {k}")
            counts.append(np.ones(len(members), np.int64))
    pops.append(list(range(n)))
    names.append("all sections")
    counts.append(np.full(n, subjects, np.int64))
    key = sum(p * per**i for i, p in enumerate(parts)).astype(np.int64)
    used, atom = np.unique(key, return_inverse=True)
    family = Family(atom.astype(np.int64), [f"class {u}" for u in used])
    behind = rng.random(n) < 0.3
    return build_release(incidence(pops, n, counts), names, {"behind": behind}, [family])


@pytest.mark.parametrize(("seed", "threshold"), [(0, 5), (51, 3)])
def test_a_fractional_bound_is_confirmed_by_a_whole_point(monkeypatch, seed, threshold):
    import proficio.core.equity.audit as audit

    monkeypatch.setattr(audit, "_BATCH_ROUNDS", 0)
    searches = []
    point = audit._Component.point

    def spy(self, objective, lower=None, upper=None, **kw):
        found = point(self, objective, lower, upper, **kw)
        if lower is not None:
            searches.append((bool(np.isfinite(upper).any()), found is not None))
        return found

    monkeypatch.setattr(audit._Component, "point", spy)
    built = crossed_release(seed)
    result = protect(built.system, threshold, cost=built.cost)
    # A cell's target (its largest value for seed 0, its smallest for seed 51) was
    # reached by a whole-number point after the linear bound came out fractional.
    assert (seed == 51, True) in searches
    assert not result.unprotected.any()
    assert_protected(built.system, result.hidden, threshold)
