"""The publication audit: joint suppression of a whole release, checked by an attacker.

The attacker here is written independently of the kernel: it builds its own integer
program with ``scipy.optimize.milp`` from the raw relations (or, in the property tests,
from the students themselves), knowing every published cell, that counts are whole
numbers, that zeros are published (so a hidden count is at least 1) and that latent
counts are at least 0. For each hidden cell it finds the smallest and largest value;
the release passes when every hidden cell can take at least ``threshold`` values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from proficio.core.equity import audit, joint
from proficio.core.equity._lp import Program, Sparse, solve_milp
from proficio.core.equity.audit import CellSystem, intervals, join_days, protect
from proficio.core.equity.release import Family, build_release


def attacker(a_eq, values, hidden, latent):
    """(low, high) per hidden cell by integer programming over the raw relations."""
    a_eq = sparse.csr_array(a_eq)
    n = values.size
    unknown = hidden | latent
    lower = np.where(latent, 0.0, np.where(hidden, 1.0, values))
    upper = np.where(unknown, np.inf, values.astype(float))
    constraint = [LinearConstraint(a_eq, 0, 0)] if a_eq.shape[0] else []
    out = {}
    for k in np.flatnonzero(hidden & ~latent):
        c = np.zeros(n)
        c[k] = 1
        lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=constraint)
        hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=constraint)
        assert lo.status == 0
        out[int(k)] = (round(lo.fun), np.inf if hi.status != 0 else round(-hi.fun))
    return out


def table(counts):
    """A two-way table with its margins as a cell system (rows, columns, totals)."""
    n_r, n_c = len(counts), len(counts[0])
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(grid[i][j] for i in range(n_r)) for j in range(n_c + 1)])
    index = {(i, j): i * (n_c + 1) + j for i in range(n_r + 1) for j in range(n_c + 1)}
    rows, cols, data, r = [], [], [], 0
    for i in range(n_r + 1):
        for j in range(n_c):
            rows.append(r), cols.append(index[i, j]), data.append(1)
        rows.append(r), cols.append(index[i, n_c]), data.append(-1)
        r += 1
    for j in range(n_c + 1):
        for i in range(n_r):
            rows.append(r), cols.append(index[i, j]), data.append(1)
        rows.append(r), cols.append(index[n_r, j]), data.append(-1)
        r += 1
    values = np.array([v for row in grid for v in row], dtype=np.int64)
    relations = Sparse.from_triplets(
        np.array(rows), np.array(cols), np.array(data), (r, values.size)
    )
    keys = tuple(f"{i},{j}" for i in range(n_r + 1) for j in range(n_c + 1))
    return CellSystem(keys, values, relations, np.zeros(values.size, bool))


def assert_protected(system, hidden, threshold, extra_rows=None):
    a = system.relations.to_scipy()
    found = attacker(a, system.values, hidden, system.latent)
    for k, (lo, hi) in found.items():
        assert hi - lo + 1 >= threshold, (system.keys[k], system.values[k], lo, hi)
    return found


def test_a_small_count_in_a_table_is_protected_jointly():
    system = table([[40, 35, 3], [50, 44, 31], [22, 18, 27]])
    result = protect(system, 10)
    assert result.hidden[system.keys.index("0,2")]
    assert result.primary.sum() == 1
    assert not result.unprotected.any()
    found = assert_protected(system, result.hidden, 10)
    assert len(found) >= 4
    # The kernel's own intervals agree with the independent attacker.
    low, high = intervals(system, result.hidden)
    for k, (lo, hi) in found.items():
        assert (low[k], high[k]) == (lo, hi)
    assert np.isnan(low[~result.hidden]).all()


def test_the_interval_must_hold_the_threshold_not_just_two_values():
    # Hidden 3 and 7 of a published 10: each could only be 1..9, nine values.
    system = table([[3, 7], [20, 30]])
    result = protect(system, 10)
    found = assert_protected(system, result.hidden, 10)
    assert len(found) >= 2
    for lo, hi in found.values():
        assert hi - lo + 1 >= 10


def test_nothing_small_means_nothing_hidden():
    system = table([[40, 35], [50, 44]])
    result = protect(system, 10)
    assert not result.hidden.any()
    assert result.rounds == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.one_of(st.integers(0, 12), st.integers(0, 60)), min_size=2, max_size=4),
        min_size=2,
        max_size=4,
    ).filter(lambda t: len({len(r) for r in t}) == 1),
    st.integers(2, 10),
)
def test_random_tables_are_protected(counts, threshold):
    system = table(counts)
    result = protect(system, threshold)
    published = ~result.hidden
    assert not (published & (system.values > 0) & (system.values < threshold)).any()
    assert not (result.hidden & (system.values == 0)).any()  # zeros are always published
    assert_protected(system, result.hidden, threshold)


# --- Releases built from students ----------------------------------------------------


def release_from(students):
    """A release from (school, grade, section, code, behind) tuples: district, schools,
    grades, school×grade, sections (a section inside one school and grade), one
    subgroup dimension by school; roster and subgroup families."""
    n = len(students)
    school = np.array([s[0] for s in students])
    grade = np.array([s[1] for s in students])
    section = np.array([s[2] for s in students])
    code = np.array([s[3] for s in students])
    behind = np.array([s[4] for s in students], dtype=bool)
    pops = [("district", np.arange(n))]
    for s in sorted(set(school)):
        pops.append((f"school{s}", np.flatnonzero(school == s)))
        for c in sorted(set(code)):
            pops.append((f"school{s}|code{c}", np.flatnonzero((school == s) & (code == c))))
    for g in sorted(set(grade)):
        pops.append((f"grade{g}", np.flatnonzero(grade == g)))
    for c in sorted(set(code)):
        pops.append((f"code{c}", np.flatnonzero(code == c)))
    for s in sorted(set(school)):
        for g in sorted(set(grade)):
            pops.append((f"school{s}|grade{g}", np.flatnonzero((school == s) & (grade == g))))
    roster = school * 100 + grade * 10 + section
    for r in sorted(set(roster)):
        pops.append((f"section{r}", np.flatnonzero(roster == r)))
    rows = np.concatenate([np.full(m.size, p) for p, (_, m) in enumerate(pops)])
    cols = np.concatenate([m for _, m in pops])
    incidence = Sparse.from_triplets(
        rows.astype(np.int64),
        cols.astype(np.int64),
        np.ones(cols.size, np.int64),
        (len(pops), n),
    )
    roster_ids, roster_atom = np.unique(roster, return_inverse=True)
    code_ids, code_atom = np.unique(school * 10 + code, return_inverse=True)
    families = [
        Family(roster_atom.astype(np.int64), [f"r{x}" for x in roster_ids]),
        Family(code_atom.astype(np.int64), [f"c{x}" for x in code_ids]),
    ]
    built = build_release(incidence, [p for p, _ in pops], {"behind": behind}, families)
    return built, pops, behind


def member(name, school, grade, section, code):
    """Whether a student with these attributes belongs to the named population."""
    if name == "district":
        return True
    if name.startswith("section"):
        return int(name[7:]) == school * 100 + grade * 10 + section
    if "|" in name:
        first, second = name.split("|")
        if school != int(first[6:]):
            return False
        if second.startswith("code"):
            return code == int(second[4:])
        return grade == int(second[5:])
    if name.startswith("school"):
        return school == int(name[6:])
    if name.startswith("grade"):
        return grade == int(name[5:])
    return code == int(name[4:])


def independent_attack(students, names, published):
    """Attack from the students' structure alone. The unknowns are how many students
    are behind (and not) in each class schedule and subgroup: every schedule seen, with
    every subgroup code; the attacker cannot rule any out. Every figure is a sum of them;
    a published one is known, a hidden one is at least 1."""
    rosters = sorted({s[:3] for s in students})
    codes = sorted({s[3] for s in students})
    unknowns = [(*r, c, b) for r in rosters for c in codes for b in (False, True)]
    n_u = len(unknowns)
    figures = []
    for name in names:
        inside = np.array([member(name, *u[:4]) for u in unknowns], dtype=float)
        behind = np.array([u[4] for u in unknowns], dtype=float)
        figures += [(name, 0, inside), (name, 1, inside * behind), (name, 2, inside * (1 - behind))]
    hidden = [(name, slot, row) for name, slot, row in figures if published[(name, slot)] is None]
    m = len(hidden)
    rows, rhs = [], []
    for name, slot, row in figures:
        if published[(name, slot)] is not None:
            rows.append(np.concatenate([row, np.zeros(m)]))
            rhs.append(published[(name, slot)])
    for j, (_, _, row) in enumerate(hidden):
        tied = np.concatenate([row, np.zeros(m)])
        tied[n_u + j] = -1
        rows.append(tied)
        rhs.append(0)
    constraint = LinearConstraint(np.array(rows), rhs, rhs)
    bounds = Bounds(np.concatenate([np.zeros(n_u), np.ones(m)]), np.full(n_u + m, np.inf))
    out = {}
    for j, (name, slot, _) in enumerate(hidden):
        c = np.zeros(n_u + m)
        c[n_u + j] = 1
        lo = milp(c, integrality=np.ones(n_u + m), bounds=bounds, constraints=constraint)
        hi = milp(-c, integrality=np.ones(n_u + m), bounds=bounds, constraints=constraint)
        assert lo.status == 0
        out[(name, slot)] = (round(lo.fun), np.inf if hi.status != 0 else round(-hi.fun))
    return out


students_strategy = st.lists(
    st.tuples(
        st.integers(0, 2),  # school
        st.integers(0, 1),  # grade
        st.integers(0, 1),  # section within the grade
        st.integers(0, 2),  # subgroup code
        st.booleans(),  # behind
    ),
    min_size=4,
    max_size=45,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(students_strategy, st.integers(2, 6))
def test_random_releases_withstand_the_attack(students, threshold):
    built, pops, _ = release_from(students)
    result = protect(built.system, threshold, cost=built.cost)
    values = built.system.values
    published = {}
    for p, (name, _) in enumerate(pops):
        for slot in range(3):
            cell = built.cells[p, slot]
            published[(name, slot)] = None if result.hidden[cell] else int(values[cell])
            if not result.hidden[cell]:
                assert values[cell] == 0 or values[cell] >= threshold
    # The kernel's own relations: every hidden cell spans the threshold.
    assert_protected(built.system, result.hidden, threshold)
    # An attacker built from the students alone agrees.
    for (name, slot), (lo, hi) in independent_attack(
        students, [name for name, _ in pops], published
    ).items():
        assert hi - lo + 1 >= threshold, (name, slot, lo, hi)


def test_two_days_cannot_be_differenced():
    """Day two changes one student; an attacker holding both releases, who even knows
    which figures did not change, still cannot narrow any hidden count."""
    rng = np.random.default_rng(3)
    students = [
        (
            int(rng.integers(0, 2)),
            int(rng.integers(0, 2)),
            int(rng.integers(0, 2)),
            int(rng.integers(0, 3)),
            bool(rng.random() < 0.3),
        )
        for _ in range(60)
    ]
    day1, _, _ = release_from(students)
    first = protect(day1.system, 5, cost=day1.cost)
    students[0] = (*students[0][:4], not students[0][4])
    day2, _, _ = release_from(students)
    links = [(i, i) for i in range(day1.system.size)]
    joined = join_days(day1.system, first.hidden, day2.system, links)
    second = protect(joined.system, 5, shown=joined.shown, withheld=joined.withheld, cost=None)
    assert not second.unprotected.any()
    # Cells hidden yesterday and unchanged stay hidden.
    same = joined.today < day1.system.size
    assert (second.hidden[joined.today[same]] >= first.hidden[joined.today[same]]).all()
    assert_protected(joined.system, second.hidden, 5)


def test_differencing_two_separately_protected_days_reveals_a_count():
    """Why the join matters: two patterns, each safe on its own day, and nothing
    changed overnight. Day one hides the first two columns, day two the first and last;
    the first column is hidden on both days, but day two publishes the middle column,
    so day one's first row gives the small count away."""
    counts = [[3, 40, 45], [50, 44, 31]]
    day = table(counts)
    grid = lambda cells: np.array([k in cells for k in day.keys])  # noqa: E731
    first = grid({"0,0", "0,1", "1,0", "1,1"})
    second = grid({"0,0", "0,2", "1,0", "1,2"})
    for pattern in (first, second):
        assert_protected(day, pattern, 10)  # each day alone is safe
    joined = join_days(day, first, day, [(i, i) for i in range(day.size)])
    assert joined.system.size == day.size  # nothing changed: one unknown per figure
    found = attacker(day.relations.to_scipy(), day.values, first & second, day.latent)
    assert found[day.keys.index("0,0")] == (3, 3)
    # Protected jointly, day two keeps day one's hidden cells hidden.
    result = protect(joined.system, 10, shown=joined.shown, withheld=joined.withheld)
    assert (result.hidden[joined.today] >= first).all()
    assert_protected(day, result.hidden, 10)


# --- Errors and edges ------------------------------------------------------------------


def test_bad_systems_are_refused():
    rel = Sparse.from_triplets(np.array([0, 0]), np.array([0, 1]), np.array([1, -1]), (1, 2))
    with pytest.raises(ValueError, match="one entry per cell"):
        CellSystem(("a", "b"), np.array([1]), rel, np.zeros(2, bool))
    with pytest.raises(ValueError, match="one column per cell"):
        CellSystem(("a",), np.array([1]), rel, np.zeros(1, bool))
    with pytest.raises(ValueError, match="negative"):
        CellSystem(("a", "b"), np.array([-1, -1]), rel, np.zeros(2, bool))
    with pytest.raises(ValueError, match="unique"):
        CellSystem(("a", "a"), np.array([1, 1]), rel, np.zeros(2, bool))
    with pytest.raises(ValueError, match="do not satisfy"):
        CellSystem(("a", "b"), np.array([1, 2]), rel, np.zeros(2, bool))
    system = CellSystem(("a", "b"), np.array([3, 3]), rel, np.zeros(2, bool))
    with pytest.raises(ValueError, match="at least 1"):
        protect(system, 0)
    with pytest.raises(ValueError, match="both shown and withheld"):
        protect(system, 5, shown=np.array([True, False]), withheld=np.array([True, False]))
    with pytest.raises(ValueError, match="positive price"):
        protect(system, 5, cost=[1.0, 0.0])
    with pytest.raises(ValueError, match="one block per cell"):
        protect(system, 5, blocks=np.array([0]))


def test_a_count_pinned_by_an_earlier_release_is_reported_unprotected():
    # a = b; b was published before, so a hidden a is known whatever we do. The
    # unrelated c is hidden too, as a last resort, before giving up.
    rel = Sparse.from_triplets(np.array([0, 0]), np.array([0, 1]), np.array([1, -1]), (1, 3))
    system = CellSystem(("a", "b", "c"), np.array([3, 3, 20]), rel, np.zeros(3, bool))
    result = protect(system, 5, shown=np.array([False, True, False]))
    assert result.unprotected.tolist() == [True, False, False]
    assert result.hidden.tolist() == [True, False, True]


def test_an_unrelated_hidden_count_is_unbounded():
    rel = Sparse.from_triplets(
        np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), (0, 1)
    )
    system = CellSystem(("a",), np.array([3]), rel, np.zeros(1, bool))
    result = protect(system, 5)
    assert result.hidden[0]
    assert not result.unprotected.any()
    low, high = intervals(system, result.hidden)
    assert low[0] == 1
    assert np.isinf(high[0])


def test_latent_cells_are_never_published_and_weaken_the_attacker():
    # total = x + y, with y latent (never published): a hidden x could be anything.
    rel = Sparse.from_triplets(
        np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, -1, -1]), (1, 3)
    )
    system = CellSystem(("t", "x", "y"), np.array([30, 4, 26]), rel, np.array([False, False, True]))
    result = protect(system, 10)
    assert result.hidden.tolist() == [False, True, False]
    low, high = intervals(system, result.hidden)
    assert (low[1], high[1]) == (1, 30)


def test_fractional_bounds_are_confirmed_in_whole_numbers():
    # b = 2a and b + d = 8: the linear program lets a reach 3.5 (b = 7, d = 1), but
    # in whole numbers a is at most 3.
    rel = Sparse.from_triplets(
        np.array([0, 0, 1, 1, 1]),
        np.array([0, 1, 1, 2, 3]),
        np.array([2, -1, 1, 1, -1]),
        (2, 4),
    )
    system = CellSystem(("a", "b", "d", "t"), np.array([3, 6, 2, 8]), rel, np.zeros(4, bool))
    hidden = np.array([True, True, True, False])
    low, high = intervals(system, hidden)
    assert (low[0], high[0]) == (1, 3)
    assert_protected(system, protect(system, 3).hidden, 3)


def test_a_fraction_that_reaches_is_settled_in_whole_numbers():
    # a + 2e = 9: a is odd, 1 to 7. Reaching 4 works only in fractions (e = 2.5), so the
    # audit confirms with whole numbers, and the exact bounds show a is safe.
    rel = Sparse.from_triplets(
        np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, 2, -1]), (1, 3)
    )
    system = CellSystem(("a", "e", "f"), np.array([3, 3, 9]), rel, np.zeros(3, bool))
    result = protect(system, 4, withheld=np.array([True, True, False]))
    assert result.hidden.tolist() == [True, True, False]
    assert not result.unprotected.any()
    assert assert_protected(system, result.hidden, 4)[0] == (1, 7)


def test_a_proposed_start_is_kept():
    system = table([[40, 35], [50, 44]])
    start = np.array([k in {"0,0", "0,1", "1,0", "1,1"} for k in system.keys])
    result = protect(system, 10, start=start)
    assert (result.hidden == start).all()
    assert not result.primary.any()


def test_program_reports_infeasible_and_unbounded():
    rel = Sparse.from_triplets(np.array([0]), np.array([0]), np.array([1]), (1, 1))
    program = Program(rel, np.array([5.0]), np.array([0.0]), np.array([3.0]))
    assert program.minimize(np.array([1.0])).status == 2
    program = Program(
        Sparse.from_triplets(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), (0, 1)
        ),
        np.zeros(0),
        np.array([0.0]),
        np.array([np.inf]),
    )
    assert program.minimize(np.array([-1.0])).status == 3
    whole = solve_milp(np.array([1.0]), rel, np.array([5.0]), np.array([0.0]), np.array([3.0]))
    assert whole.status == 2


def test_large_components_are_checked_block_by_block(monkeypatch):
    monkeypatch.setattr(audit, "_LOCAL_LIMIT", 2)
    system = table([[40, 35, 3], [50, 44, 31], [22, 18, 27]])
    blocks = np.array([0, 0, 0, -1, 1, 1, 1, -1, 2, 2, 2, -1, -1, -1, -1, -1])
    result = protect(system, 10, blocks=blocks)
    assert_protected(system, result.hidden, 10)


def _first_round_pending(monkeypatch, cell, value):
    """Make the batch programs leave ``cell`` uncertified, seen only at its true value,
    in the first round (later rounds run the real batch), so that the exact search for
    a cover decides it."""
    real = audit._uncertified
    calls = []

    def once(system, hidden, certified, threshold, counter, blocks):
        calls.append(1)
        if len(calls) == 1:
            return [audit._Pending(cell, float(value), float(value))]
        return real(system, hidden, certified, threshold, counter, blocks)

    monkeypatch.setattr(audit, "_uncertified", once)
    return calls


def test_a_cell_the_batches_missed_is_certified_by_an_exact_cover(monkeypatch):
    # The hidden 3 in a table with its margins can reach 3 + 9 as the table stands
    # (its row and column partners are hidden too): the exact search proves it
    # without hiding anything more.
    system = table([[40, 35, 3], [50, 44, 31], [22, 18, 27]])
    expected = protect(system, 10).hidden
    cell = system.keys.index("0,2")
    calls = _first_round_pending(monkeypatch, cell, 3)
    result = protect(system, 10, start=expected)
    assert len(calls) >= 2
    assert (result.hidden == expected).all()
    assert not result.unprotected.any()
    assert_protected(system, result.hidden, 10)


def test_a_cover_only_in_fractions_hides_a_neighbour(monkeypatch):
    # a + b = 2x with x latent, and a + e = g with e withheld: a is odd (b = 5 is
    # published) and at most 6 (e is at least 1). Raising a to 3 + 3 = 6 keeps the
    # relations only with x at 5.5, and no whole point reaches 6 or more, so the cover
    # is fractional with nothing whole near it. The audit does not trust it and hides
    # the cheapest published cell sharing a relation with a (b), then checks again.
    rel = Sparse.from_triplets(
        np.array([0, 0, 0, 1, 1, 1]),
        np.array([0, 1, 2, 0, 3, 4]),
        np.array([1, 1, -2, 1, 1, -1]),
        (2, 5),
    )
    system = CellSystem(
        ("a", "b", "x", "e", "g"),
        np.array([3, 5, 4, 4, 7]),
        rel,
        np.array([False, False, True, False, False]),
    )
    calls = _first_round_pending(monkeypatch, 0, 3)
    result = protect(system, 4, withheld=np.array([False, False, False, True, False]))
    assert len(calls) >= 2
    assert result.hidden.tolist() == [True, True, False, True, False]
    assert result.primary.tolist() == [True, False, False, False, False]
    assert result.secondary_by_round[0] == 1
    assert not result.unprotected.any()
    assert_protected(system, result.hidden, 4)


def test_whole_points_are_whole_feasible_or_refused():
    # 2a - 2b = 1 has fractional answers (a = b + 1/2) but no whole one.
    odd = Sparse.from_triplets(np.array([0, 0]), np.array([0, 1]), np.array([2, -2]), (1, 2))
    program = Program(odd, np.array([1.0]), np.zeros(2), np.full(2, np.inf))
    assert program.minimize(np.array([1.0, 0.0])).status == 0
    assert program.whole(np.array([1.0, 0.0]), np.zeros(2), np.full(2, np.inf)).status == 2
    comp = audit._Component(np.arange(2), odd, np.array([1.0]), np.zeros(2))
    assert comp.point(np.zeros(2)) is None
    # a + b = 7 with a at least 5: the whole points are (5, 2), (6, 1), (7, 0).
    pair = Sparse.from_triplets(np.array([0, 0]), np.array([0, 1]), np.array([1, 1]), (1, 2))
    comp = audit._Component(np.arange(2), pair, np.array([7.0]), np.zeros(2))
    point = comp.point(np.array([0.0, -1.0]), np.array([5.0, -np.inf]), gap=0.5, nodes=10)
    assert point is not None
    assert point.tolist() == [5.0, 2.0]
    # The same model answers again with new bounds (it is kept alive).
    point = comp.point(np.array([1.0, 0.0]), upper=np.array([np.inf, 3.0]))
    assert point is not None
    assert point.tolist() == [4.0, 3.0]


def test_protect_after_joins_the_previous_release_and_its_state_survives_storage():
    """``protect_after`` is the two-day path the releases take: today's cells are
    matched with yesterday's by name, yesterday's decisions are fixed, and the stored
    state comes back cell for cell."""
    counts = [[3, 40, 45], [50, 44, 31]]
    day = table(counts)
    names = {k: i for i, k in enumerate(day.keys)}
    first = np.array([k in {"0,0", "0,1", "1,0", "1,1"} for k in day.keys])
    blocks = np.full(day.size, -1, np.int64)
    state = audit.AuditState(day, first, names, blocks)
    back = audit.AuditState.unpack(memoryview(state.pack()))
    assert back.system.keys == day.keys
    assert np.array_equal(back.system.values, day.values)
    assert np.array_equal(
        back.system.relations.to_scipy().toarray(), day.relations.to_scipy().toarray()
    )
    assert np.array_equal(back.hidden, first)
    assert dict(back.links) == names
    assert np.array_equal(back.blocks, blocks)
    # Alone, today may choose another pattern; after yesterday, it keeps what it hid.
    alone, _ = joint.protect_after(None, day, 10, names)
    assert np.array_equal(alone, protect(day, 10).hidden)
    hidden, result = joint.protect_after(
        back, day, 10, names, cost=np.ones(day.size), start=first, blocks=blocks
    )
    assert (hidden >= first).all()
    assert not result.unprotected.any()
    assert_protected(day, hidden, 10)
    # Cells named differently today are new unknowns: nothing is fixed by yesterday.
    renamed = {f"{k}'": i for k, i in names.items()}
    free, _ = joint.protect_after(back, day, 10, renamed)
    assert_protected(day, free, 10)


def test_a_fractional_cover_with_a_whole_point_near_it_hides_nothing_more(monkeypatch):
    # a + 2e = 9 with f = 9 published: a is odd, 1 to 7. The cover puts a at exactly
    # 3 + 3 = 6, which only fractions reach (e = 1.5); a whole point near it (a = 7,
    # e = 1) reaches beyond, so a is safe as things stand and f stays published.
    rel = Sparse.from_triplets(
        np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, 2, -1]), (1, 3)
    )
    system = CellSystem(("a", "e", "f"), np.array([3, 3, 9]), rel, np.zeros(3, bool))
    calls = _first_round_pending(monkeypatch, 0, 3)
    result = protect(system, 4, withheld=np.array([True, True, False]))
    assert len(calls) >= 2
    assert result.hidden.tolist() == [True, True, False]
    assert result.secondary_by_round[0] == 0
    assert not result.unprotected.any()
    assert assert_protected(system, result.hidden, 4)[0] == (1, 7)
