"""The leader views of professional learning through the joint publication audit.

Table-by-table suppression (what the dashboards did before: the three measure tables
suppressed together, the equity table on its own, each pathway's table on its own) can
leave a hidden count that an attacker holding every table pins down; the joint audit
must not. Checked by an independent attacker: integer programs over the raw relations,
as in the report cards' and the dashboards' reversal tests."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from proficio.core.equity.audit import CellSystem
from proficio.core.equity.suppression import suppress_table, suppress_tables
from proficio.educators import publication as P

THRESHOLD = 5


def narrowest(system: CellSystem, hidden: np.ndarray) -> float:
    """The fewest possible values an attacker holding every published cell can narrow a
    hidden count to (whole numbers, hidden counts at least 1)."""
    a = system.relations.to_scipy()
    n = system.size
    lower = np.where(hidden, 1.0, system.values)
    upper = np.where(hidden, np.inf, system.values.astype(float))
    best = np.inf
    cons = LinearConstraint(a, 0, 0)
    for k in np.flatnonzero(hidden):
        c = np.zeros(n)
        c[k] = 1
        lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        top = np.inf if hi.status != 0 else round(-hi.fun)
        best = min(best, top - round(lo.fun) + 1)
    return best


def table_by_table(c: P.Counts, threshold: int) -> np.ndarray:
    """The cells the former table-by-table suppression withheld."""
    _cells, system = P.build(c)
    index = {k: i for i, k in enumerate(system.keys)}
    hidden = np.zeros(system.size, bool)

    def mark(key: str, value: int | None) -> None:
        if value is None:
            hidden[index[key]] = True

    units = range(len(c.educators))
    tables = [
        [list(c.measures[m]), [e - y for e, y in zip(c.educators, c.measures[m], strict=True)]]
        for m in P.MEASURE_KEYS
    ]
    for m, t in zip(P.MEASURE_KEYS, suppress_tables(tables, threshold), strict=True):
        for k in units:
            mark(f"unit:{k}|{m}|yes", t.cells[0][k])
            mark(f"unit:{k}|{m}|no", t.cells[1][k])
            mark(f"unit:{k}|educators", t.column_totals[k])
        mark(f"all|{m}|yes", t.row_totals[0])
        mark(f"all|{m}|no", t.row_totals[1])
        mark("all|educators", t.total)
    if c.equity_educators is not None:
        assert c.equity_with_award is not None
        assert c.equity_credentialed is not None
        sizes = list(c.equity_educators)
        pair = [
            [
                list(c.equity_with_award),
                [n - y for n, y in zip(sizes, c.equity_with_award, strict=True)],
            ],
            [
                list(c.equity_credentialed),
                [n - y for n, y in zip(sizes, c.equity_credentialed, strict=True)],
            ],
        ]
        for name, t in zip(
            ("with_award", "credentialed"), suppress_tables(pair, threshold), strict=True
        ):
            for g in range(len(sizes)):
                mark(f"equity:{g}|{name}|yes", t.cells[0][g])
                mark(f"equity:{g}|{name}|no", t.cells[1][g])
                mark(f"equity:{g}|educators", t.column_totals[g])
    for p, table in enumerate(c.pathways):
        t = suppress_table([list(r) for r in table], threshold)
        for k in units:
            for s in range(len(table[0])):
                mark(f"pathway:{p}|unit:{k}|stage:{s}", t.cells[k][s])
            mark(f"pathway:{p}|unit:{k}", t.row_totals[k])
        for s in range(len(table[0])):
            mark(f"pathway:{p}|stage:{s}", t.column_totals[s])
        mark(f"pathway:{p}", t.total)
    for k in units:
        if not c.rates_shown[k] and c.in_review[k]:
            hidden[index[f"unit:{k}|in_review"]] = True
    return hidden


def a_district() -> P.Counts:
    """Three schools; the first is the district's only high-need school, so the equity
    table's high-need educators are that school's educators."""
    return P.Counts(
        educators=[12, 13, 19],
        measures={
            "participating": [12, 0, 2],
            "with_award": [10, 13, 4],
            "pathway_complete": [4, 12, 8],
        },
        in_review=[0, 0, 0],
        rates_shown=[True, True, True],
        equity_educators=[12, 32],
        equity_with_award=[10, 17],
        equity_credentialed=[3, 27],
        equity_group_of_unit=[0, 1, 1],
    )


def test_table_by_table_suppression_lets_an_attacker_pin_a_small_count():
    c = a_district()
    _cells, system = P.build(c)
    old = table_by_table(c, THRESHOLD)
    i = system.keys.index("unit:2|participating|yes")
    assert old[i]  # withheld for being small ...
    assert system.values[i] == 2
    assert narrowest(system, old) == 1  # ... yet solvable from the tables together


def test_the_joint_audit_leaves_every_hidden_count_open_to_the_threshold():
    c = a_district()
    decision = P.audit(c, THRESHOLD)
    system = decision.system
    small = (system.values > 0) & (system.values < THRESHOLD)
    assert decision.hidden[small].all()
    assert not decision.protection.unprotected.any()
    assert narrowest(system, decision.hidden) >= THRESHOLD
    assert decision.value("unit:2|participating|yes") is None
    assert decision.value("all|educators") == 44


def test_random_districts_with_pathways_and_review_counts_are_protected():
    rng = np.random.default_rng(7)
    for _trial in range(4):
        n = int(rng.integers(2, 5))
        people = [int(x) for x in rng.integers(1, 20, n)]
        measures = {m: [int(rng.integers(0, p + 1)) for p in people] for m in P.MEASURE_KEYS}
        group = [0] + [int(g) for g in rng.integers(0, 2, n - 1)]
        sizes = [sum(p for p, g in zip(people, group, strict=True) if g == h) for h in (0, 1)]
        award = [
            sum(y for y, g in zip(measures["with_award"], group, strict=True) if g == h)
            for h in (0, 1)
        ]
        c = P.Counts(
            educators=people,
            measures=measures,
            in_review=[int(x) for x in rng.integers(0, 8, n)],
            rates_shown=[bool(x) for x in rng.integers(0, 2, n)],
            equity_educators=sizes,
            equity_with_award=award,
            equity_credentialed=[int(rng.integers(0, s + 1)) for s in sizes],
            equity_group_of_unit=group,
            pathways=[[[int(x) for x in rng.integers(0, 7, 4)] for _ in range(n)]],
            review_assignments=int(rng.integers(0, 30)),
        )
        decision = P.audit(c, THRESHOLD)
        assert not decision.protection.unprotected.any()
        assert narrowest(decision.system, decision.hidden) >= THRESHOLD
        # the units whose rates are withheld keep their in-review count withheld
        for k in range(n):
            if not c.rates_shown[k] and c.in_review[k]:
                assert decision.value(f"unit:{k}|in_review") is None


def test_the_reviewers_load_cannot_reveal_a_withheld_in_review_total():
    """The mean load times the number of reviewers is the submissions in review: when the
    total is withheld (too few submitters behind it), so is the load."""
    c = P.Counts(
        educators=[20, 20],
        measures={m: [10, 10] for m in P.MEASURE_KEYS},
        in_review=[2, 1],
        rates_shown=[False, False],
        total_rates_shown=False,
        review_assignments=3,
    )
    decision = P.audit(c, THRESHOLD)
    assert decision.value("all|in_review") is None
    assert decision.value("reviewers|assignments") is None
    assert narrowest(decision.system, decision.hidden) >= THRESHOLD


def test_the_pages_show_the_withheld_marks_the_audit_decided(world, client):
    from django.urls import reverse

    from proficio.educators import reports
    from proficio.orgs.models import Organization

    district = Organization.objects.get(code="riverbend")
    limit = reports.threshold()
    gathered, decision = reports._audited(district, limit)
    dash = reports.dashboard(district)
    for k, row in enumerate(dash.rows):
        assert row.educators == decision.value(f"unit:{k}|educators")
        for key, _label in reports.MEASURES:
            assert row.measures[key] == decision.value(f"unit:{k}|{key}|yes")
    assert dash.totals.educators == decision.value("all|educators")
    if gathered.loads and decision.value("reviewers|assignments") is None:
        assert dash.load_mean is None
        assert dash.load_max is None
    for g, group in enumerate(dash.equity):
        assert group.with_award == decision.value(f"equity:{g}|with_award|yes")
    assert narrowest(decision.system, decision.hidden) >= limit
    client.force_login(world.user("admin"))
    page = client.get(reverse("educators:dashboard", args=[district.pk])).content.decode()
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    expected = sum(
        (row.educators is None)
        + sum(v is None for v in row.measures.values())
        + (row.in_review is None)
        for row in dash.rows
    )
    # each withheld count is a dash; median days and revision rate add their own
    assert table.count("—") >= expected
    assert table.count("—") == expected + sum(
        (row.median_days is None) + (row.revision_rate is None) for row in dash.rows
    )
    tables = reports.pathway_progress(district)
    for p, t in enumerate(tables):
        for k, (_unit, cells, total) in enumerate(t.rows):
            assert total == decision.value(f"pathway:{p}|unit:{k}")
            assert cells == [decision.value(f"pathway:{p}|unit:{k}|stage:{s}") for s in range(4)]
    pathways = client.get(reverse("educators:pathway_dashboard", args=[district.pk]))
    bodies = [b.split("</tbody>")[0] for b in pathways.content.decode().split("<tbody>")[1:]]
    withheld = sum(
        sum(c is None for c in cells) + (total is None)
        for t in tables
        for _u, cells, total in t.rows
    )
    assert sum(b.count("—") for b in bodies) == withheld
    assert decision.hidden.any()  # the world's district has counts to withhold
    assert gathered.units == [row.unit for row in dash.rows]
