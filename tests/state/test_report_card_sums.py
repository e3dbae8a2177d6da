"""Means and opportunity to learn on the report cards: their sums through the audit.

A growth figure shows a mean and its count, so its sum (mean × count); opportunity to
learn shows a share of targets and its expected targets, so its assessed and expected
targets. In every dimension a school's groups' sums add up to the whole school's, so
a withheld figure's sums can be solved from the published ones by differencing unless
enough others are withheld with it. The attacker here is independent of the audit: it
takes the real sums the published figures give, writes the additive relations from the
figures themselves, and solves the linear system with numpy/scipy (a withheld sum is
determined when no direction of the system's null space moves it)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from proficio.core.accountability import indicators as ind
from proficio.state import publication as P

DIMS = {"race": ["a", "b", "c"], "english_learner": ["no", "yes"]}
PARTS = {ind.GROWTH: ("sum",), ind.OPPORTUNITY: ("assessed", "expected")}


def sums(r: P.Row) -> dict[str, float]:
    """The sums a figure gives when it is published."""
    if r.indicator == ind.GROWTH:
        return {"sum": r.numerator}  # the mean times its count
    return {"assessed": r.numerator, "expected": float(r.denominator)}


def solved(rows: list[P.Row], published: dict[int, bool]) -> dict[tuple[int, str], float]:
    """Every withheld figure's sum that the published figures determine, with the value
    the attacker solves for it."""
    variables = [(r.key, part) for r in rows if r.indicator in PARTS for part in PARTS[r.indicator]]
    column = {v: k for k, v in enumerate(variables)}
    truth = np.array([sums(r)[part] for r in rows for part in PARTS.get(r.indicator, ())])
    relations = []
    units: dict[tuple[int, int, str], dict[tuple[str, str], P.Row]] = {}
    for r in rows:
        if r.indicator in PARTS:
            units.setdefault((r.school, r.year, r.indicator), {})[(r.dimension, r.group)] = r
    for (_, _, name), figs in units.items():
        whole = figs.get(("all", "all"))
        for dim, labels in DIMS.items():
            groups = [figs[(dim, g)] for g in labels if (dim, g) in figs]
            if whole is None or not groups:
                continue
            for part in PARTS[name]:
                line = np.zeros(len(variables))
                line[column[(whole.key, part)]] = 1
                for g in groups:
                    line[column[(g.key, part)]] = -1
                relations.append(line)
    a = np.array(relations, float).reshape(len(relations), len(variables))
    assert np.allclose(a @ truth, 0)  # the relations hold for the real sums
    hidden = np.array([not published[key] for key, _ in variables])
    if not hidden.any():
        return {}
    a_hidden = a[:, hidden]
    known = -a[:, ~hidden] @ truth[~hidden]
    free = null_space(a_hidden) if a_hidden.size else np.eye(int(hidden.sum()))
    value = np.linalg.lstsq(a_hidden, known, rcond=None)[0] if a_hidden.size else known
    names = [v for v, h in zip(variables, hidden, strict=True) if h]
    return {
        name: float(value[k])
        for k, name in enumerate(names)
        if np.abs(free[k]).max(initial=0.0) < 1e-9
    }


def row(key, dim, group, indicator, numerator, denominator, students, published=True):
    return P.Row(
        key, 1, 2025, dim, group, indicator, numerator, denominator, students, published, True
    )


def growth_rows(published_a: bool = False) -> list[P.Row]:
    """A school of 40: groups a (12), b (4) and c (24) by race, 30 and 10 by English
    learner. Group b's students have no growth yet (no prior year), so b has no growth
    figure; a's growth is withheld (its size is, as b's partner)."""
    return [
        row(1, "all", "all", ind.GROWTH, 36.0, 36, 40),
        row(2, "race", "a", ind.GROWTH, 6.0, 12, 12, published_a),
        row(3, "race", "c", ind.GROWTH, 30.0, 24, 24),
        row(4, "english_learner", "no", ind.GROWTH, 29.0, 26, 30),
        row(5, "english_learner", "yes", ind.GROWTH, 7.0, 10, 10),
    ]


def test_a_withheld_mean_is_solved_by_differencing_without_the_sums_audit():
    rows = growth_rows()
    published = {r.key: r.published for r in rows}
    recovered = solved(rows, published)
    # 36 - 30 (b has none): a's sum, and so its mean, 6 / 12 = 0.5.
    assert recovered == {(2, "sum"): 6.0}
    assert recovered[(2, "sum")] / 12 == 0.5


def test_the_sums_audit_withholds_a_partner_so_no_mean_is_solved():
    rows = growth_rows()
    audit = P.protect_sums(rows, DIMS, {2})
    assert audit.withheld  # a partner of a's
    published = {r.key: r.key != 2 and r.key not in audit.withheld for r in rows}
    assert solved(rows, published) == {}


def test_the_joint_audit_withholds_no_mean_that_can_be_solved():
    """The whole audit (counts with the dashboards, then sums): the dashboards withhold
    group a's size (24, with b's 4), so the report cards withhold a's growth; its count
    (12) is safe as published, but its sum would be the school's minus c's. The sums audit withholds
    a partner, and no withheld growth figure's sum is determined."""
    from proficio.core.equity.audit import CellSystem, Sparse

    keys = ("school:1", "school:1|race=a", "school:1|race=b", "school:1|race=c")
    dashboard = P.Dashboard(
        CellSystem(
            tuple(f"{k}|n" for k in keys),
            np.array([52, 24, 4, 24], np.int64),
            Sparse.from_triplets(
                np.zeros(4, np.int64),
                np.arange(4, dtype=np.int64),
                np.array([1, -1, -1, -1], np.int64),
                (1, 4),
            ),
            np.zeros(4, bool),
        ),
        np.array([False, True, True, False]),
        {f"{k}#0": c for c, k in enumerate(keys)},
        2025,
    )
    rows = [  # half of a's students have a growth value
        row(1, "all", "all", ind.GROWTH, 33.0, 36, 52),
        row(2, "race", "a", ind.GROWTH, 3.0, 12, 24),
        row(3, "race", "c", ind.GROWTH, 30.0, 24, 24),
    ]
    decision = P.audit(rows, {"race": DIMS["race"]}, 10, dashboard)
    published = {k: p for k, (p, _) in decision.figures.items()}
    assert decision.figures[2] == (False, False)  # a's size, and so its growth
    assert solved(rows, published) == {}
    # Without the sums audit's marks, a's mean is solved: (33 - 30) / 12.
    assert decision.sums.withheld
    before = {k: p or k in decision.sums.withheld for k, p in published.items()}
    assert solved(rows, before) == {(2, "sum"): 3.0}


def otl_rows() -> list[P.Row]:
    """Opportunity to learn (assessed of expected targets) for the same school: group
    a's figure is withheld, b's students were expected to reach no target yet."""
    return [
        row(1, "all", "all", ind.OPPORTUNITY, 300.0, 400, 40),
        row(2, "race", "a", ind.OPPORTUNITY, 60.0, 120, 12, False),
        row(3, "race", "c", ind.OPPORTUNITY, 240.0, 280, 24),
        row(4, "english_learner", "no", ind.OPPORTUNITY, 250.0, 300, 30),
        row(5, "english_learner", "yes", ind.OPPORTUNITY, 50.0, 100, 10),
    ]


def test_a_withheld_opportunity_to_learn_is_solved_without_the_sums_audit():
    """Counts of targets are not counts of students, but a group's share of its expected
    targets that were assessed is about its students: withheld with the group, it must
    not be solved either."""
    rows = otl_rows()
    recovered = solved(rows, {r.key: r.published for r in rows})
    assert recovered == {(2, "assessed"): 60.0, (2, "expected"): 120.0}  # a's share: 50%


def test_the_sums_audit_protects_opportunity_to_learn():
    rows = otl_rows()
    audit = P.protect_sums(rows, DIMS, {2})
    assert audit.withheld
    published = {r.key: r.key != 2 and r.key not in audit.withheld for r in rows}
    assert solved(rows, published) == {}


@st.composite
def schools(draw):
    """Random schools' growth and opportunity-to-learn figures over two dimensions,
    some groups without figures, and a random set withheld."""
    rows: list[P.Row] = []
    key = 0
    for school in range(draw(st.integers(1, 2))):
        for name in (ind.GROWTH, ind.OPPORTUNITY):
            per_group: dict[tuple[str, str], tuple[int, float]] = {}
            race = [draw(st.integers(0, 5)) for _ in DIMS["race"]]
            # each student with a value, by race and English learner
            counts = {}
            for g, n in zip(DIMS["race"], race, strict=True):
                el = draw(st.integers(0, n))
                counts[g] = (n - el, el)
            if sum(race) == 0:
                continue
            values = {
                (g, e): draw(st.integers(0, 9)) * counts[g][k]
                for g in DIMS["race"]
                for k, e in enumerate(DIMS["english_learner"])
            }
            for g in DIMS["race"]:
                n = sum(counts[g])
                if n:
                    per_group[("race", g)] = (n, sum(values[(g, e)] for e in ("no", "yes")))
            for k, e in enumerate(DIMS["english_learner"]):
                n = sum(counts[g][k] for g in DIMS["race"])
                if n:
                    per_group[("english_learner", e)] = (
                        n,
                        sum(values[(g, e)] for g in DIMS["race"]),
                    )
            per_group[("all", "all")] = (sum(race), sum(values.values()))
            for (dim, group), (n, total) in sorted(per_group.items()):
                key += 1
                if name == ind.OPPORTUNITY:  # 10 targets a student, half assessed
                    num, den = 5.0 * n, 10 * n
                else:
                    num, den = float(total), n
                rows.append(P.Row(key, school, 2025, dim, group, name, num, den, n, True, True))
    withheld = draw(st.sets(st.sampled_from([r.key for r in rows]) if rows else st.nothing()))
    return rows, withheld


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schools())
def test_no_withheld_sum_is_ever_solved(case):
    rows, withheld = case
    audit = P.protect_sums(rows, DIMS, set(withheld))
    assert not (audit.withheld & set(withheld))  # only new figures are reported
    published = {r.key: r.key not in withheld and r.key not in audit.withheld for r in rows}
    assert solved(rows, published) == {}
    # Nothing published is withheld for nothing: with no figure withheld, none is.
    if not withheld:
        assert not audit.withheld


def test_a_mean_withheld_by_the_sums_audit_shows_an_asterisk_and_its_flag(world, client):
    """Through the state's batch marks, the audit and the public pages: a school's
    growth figures, where the group with no disability has its size withheld (as the
    district's dashboards would make it) but not its count. The sums audit withholds a
    partner; every withheld growth figure reads "*" on the public report card and is
    flagged, without value or count, in the open-data file."""
    import csv
    import io
    import re

    from django.urls import reverse

    from proficio.orgs.models import Organization
    from proficio.state import actions
    from proficio.state.models import BatchRun, BatchStatus, SchoolFigure
    from proficio.state.reports import group_label

    school = Organization.objects.get(code="cedar-es")
    run = BatchRun.objects.create(
        state=Organization.objects.get(code="columbia"),
        engine="local",
        status=BatchStatus.DONE,
        years=[2025],
        threshold=10,
    )

    def figure(dim, group, numerator, denominator, students, students_published=True):
        return SchoolFigure.objects.create(
            run=run,
            school=school,
            year=2025,
            dimension=dim,
            group=group,
            indicator=ind.GROWTH,
            numerator=numerator,
            denominator=denominator,
            students=students,
            published=True,
            students_published=students_published,
        )

    figures = [
        figure("all", "all", 33.0, 36, 52),
        figure("disability", "none", 3.0, 12, 24, students_published=False),
        figure("disability", "504", 30.0, 24, 24),
    ]
    decision = actions.audit_report_cards(run)[school.parent_id]
    assert decision.sums.withheld  # a partner of the group with no disability
    withheld = {f.pk for f in figures if not decision.figures[f.pk][0]}
    assert withheld == {figures[1].pk} | decision.sums.withheld
    rows = [P.district_rows([f])[0] for f in SchoolFigure.objects.filter(run=run)]
    assert solved(rows, {r.key: r.published for r in rows}) == {}

    client.logout()
    page = client.get(reverse("state:report_card", args=[school.pk])).content.decode()
    cells = dict(
        re.findall(
            r'<tr><th scope="row">([^<]*)</th><td class="num">[^<]*</td><td class="num">([^<]*)',
            page,
        )
    )
    for f in SchoolFigure.objects.filter(run=run):
        label = "2025" if f.dimension == "all" else group_label(f.dimension, f.group)
        assert (cells[label].strip() == "*") == (f.pk in withheld), (label, cells)
    body = client.get(reverse("state:open_data", args=[school.pk])).content.decode()
    flags = {(r["dimension"], r["group"]): r for r in csv.DictReader(io.StringIO(body))}
    for f in SchoolFigure.objects.filter(run=run):
        r = flags[(f.dimension, f.group)]
        assert r["suppressed"] == ("1" if f.pk in withheld else "0")
        if f.pk in withheld:
            assert r["value"] == ""
            assert r["n"] == ""
