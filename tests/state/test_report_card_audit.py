"""Report cards through the joint publication audit: their counts are audited as one
system with the district's published dashboards, so that no hidden count can be solved
from the report cards and the dashboards together. Checked by an independent attacker
(integer programs over the raw relations, as in the dashboards' reversal tests)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from proficio.core.equity.audit import CellSystem, Sparse, join_days
from proficio.state import publication as P
from tests.insights.stand_in import stand_in_roster

DIMS = {"english_learner": ["no", "yes"]}


def narrowest(system: CellSystem, hidden: np.ndarray) -> float:
    """The fewest possible values an attacker holding every published cell can narrow a
    hidden count to (whole numbers, hidden counts at least 1, latent ones at least 0)."""
    a = system.relations.to_scipy()
    n = system.size
    unknown = hidden | system.latent
    lower = np.where(system.latent, 0.0, np.where(hidden, 1.0, system.values))
    upper = np.where(unknown, np.inf, system.values.astype(float))
    best = np.inf
    for k in np.flatnonzero(hidden & ~system.latent):
        c = np.zeros(n)
        c[k] = 1
        cons = LinearConstraint(a, 0, 0)
        lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        top = np.inf if hi.status != 0 else round(-hi.fun)
        best = min(best, top - round(lo.fun) + 1)
    return best


def joint(decision: P.Decision, dashboard: P.Dashboard, rc_hidden: np.ndarray):
    """What a reader of both sees: the two releases as one system, and every hidden cell."""
    pairs = sorted(
        {(dashboard.links[k], c) for k, c in decision.links.items() if k in dashboard.links}
    )
    joined = join_days(dashboard.system, dashboard.hidden, decision.system, pairs)
    old = dashboard.system.size
    hidden = np.zeros(joined.system.size, bool)
    hidden[:old] = dashboard.hidden
    new = joined.today >= old
    hidden[joined.today[new]] = rc_hidden[new]
    # A figure both publish is hidden only if both hide it.
    hidden[joined.today[~new]] &= rc_hidden[~new]
    return joined.system, hidden, pairs


def a_dashboard() -> P.Dashboard:
    """A school of 30: its English learners (12) and the others (18) are both withheld
    by the dashboard (the secondary suppression that protects their small counts)."""
    keys = ("school:1|n", "school:1|english_learner=yes|n", "school:1|english_learner=no|n")
    system = CellSystem(
        keys,
        np.array([30, 12, 18], np.int64),
        Sparse.from_triplets(
            np.zeros(3, np.int64),
            np.array([0, 1, 2], np.int64),
            np.array([1, -1, -1], np.int64),
            (1, 3),
        ),
        np.zeros(3, bool),
    )
    links = {
        "school:1#0": 0,
        "school:1|english_learner=yes#0": 1,
        "school:1|english_learner=no#0": 2,
    }
    return P.Dashboard(system, np.array([False, True, True]), links, 2025)


def card(key, dim, group, students, indicator, yes, den, published=True):
    return P.Row(key, 1, 2025, dim, group, indicator, float(yes), den, students, published, True)


def report_card() -> list[P.Row]:
    """The batch's table-by-table marks: every count here is at least 10, so each table
    alone publishes it, the group sizes 12 and 18 included."""
    return [
        card(1, "all", "all", 30, "proficiency", 15, 30),
        card(2, "english_learner", "yes", 12, "proficiency", 0, 12, published=False),
        card(3, "english_learner", "no", 18, "proficiency", 15, 18, published=False),
    ]


def test_a_group_size_the_dashboard_withholds_is_withheld_on_the_report_card():
    dashboard = a_dashboard()
    rows = report_card()
    decision = P.audit(rows, DIMS, 10, dashboard)
    system = decision.system
    assert not system.relations.dot(system.values).any()  # the cells satisfy the relations
    # Before: the report card's sizes as the batch marked them (shown) pin the
    # dashboard's withheld 12 (30 - 18), and 18 likewise.
    before = np.zeros(system.size, bool)
    for group in ("yes", "no"):  # the two withheld figures' counts
        for kind in ("yes", "no"):
            name = f"2025|school:1|english_learner={group}|proficiency|{kind}"
            before[system.keys.index(name)] = system.values[system.keys.index(name)] > 0
    joint_before, hidden_before, pairs = joint(decision, dashboard, before)
    assert len(pairs) == 3  # the sizes are the dashboard's own cells
    assert narrowest(joint_before, hidden_before) == 1
    # After: the audit withholds the two group sizes, and nothing can be solved.
    assert decision.figures[2] == (False, False)
    assert decision.figures[3] == (False, False)
    joint_after, hidden_after, _ = joint(decision, dashboard, decision.hidden)
    assert narrowest(joint_after, hidden_after) >= 10


def test_report_cards_the_audit_cannot_protect_are_held_back_whole(monkeypatch):
    # The rule (``core.equity.joint.held``, proven against the attacker in the core
    # tests) reports figures the dashboards narrow whatever is hidden: then none of the
    # district's report-card figures of the run is published, sizes included.
    dashboard = a_dashboard()
    alone = P.audit(report_card(), DIMS, 10, dashboard)
    assert alone.held == 0
    assert alone.figures[1] == (False, True)  # the school's size is published
    monkeypatch.setattr(P, "held_back", lambda result: 3)
    decision = P.audit(report_card(), DIMS, 10, dashboard)
    assert decision.held == 3
    assert decision.figures == {1: (False, False), 2: (False, False), 3: (False, False)}
    shown = ~decision.hidden & ~decision.system.latent & (decision.system.values > 0)
    assert not shown.any()


def test_without_a_dashboard_the_report_card_is_audited_on_its_own():
    rows = [
        card(1, "all", "all", 40, "chronic_absence", 12, 40),
        card(2, "english_learner", "yes", 10, "chronic_absence", 7, 10),
        card(3, "english_learner", "no", 30, "chronic_absence", 5, 30),
    ]
    decision = P.audit(rows, DIMS, 10)
    assert not decision.system.relations.dot(decision.system.values).any()
    # 7 and 5 are small: hidden; 10 - 7 = 3 and 30 - 5 = 25 go with them.
    assert decision.figures[2][0] is False
    assert decision.figures[3][0] is False
    assert narrowest(decision.system, decision.hidden) >= 10


@pytest.fixture
def paced(world):
    """The world after the daily check, which publishes Riverbend's dashboards."""
    from tests.world_pace import add_pace_evidence

    add_pace_evidence()
    return world


@pytest.mark.slow
def test_the_worlds_report_cards_and_dashboards_together(
    paced, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The world: Riverbend's dashboards are published (the daily check); Riverbend then
    submits to the state on the dashboards' day and the state's batch runs, so the report
    cards' latest school year is the dashboards'. After the joint audit, an attacker
    holding Riverbend's dashboards and every report card of its schools narrows no hidden
    count below the threshold."""
    from proficio.insights.models import PublishedRelease
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM
    from proficio.state import actions
    from proficio.state.models import SchoolFigure, Submission

    settings.PROFICIO_STATE_STORE = tmp_path / "store"
    riverbend = Organization.objects.get(code="riverbend")
    release = PublishedRelease.objects.filter(district=riverbend).latest("pk")
    Submission.objects.filter(district=riverbend).delete()
    actions.export_submission(SYSTEM, riverbend, release.day, actions.state_key(), tmp_path / "p")
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_submission(SYSTEM, tmp_path / "p")
    columbia = Organization.objects.get(code="columbia")
    run = actions.run_batch(SYSTEM, columbia, engine="local", today=release.day)
    assert release.threshold == run.threshold
    decision = actions.audit_report_cards(run)[riverbend.pk]
    dashboard = actions.dashboard_of(riverbend.pk, run.threshold)
    assert dashboard is not None
    assert dashboard.year == max(run.years)
    system, hidden, pairs = joint(decision, dashboard, decision.hidden)
    # The report cards share cells with the dashboards (the same counts, the same names).
    same = [(i, j) for i, j in pairs if dashboard.system.values[i] == decision.system.values[j]]
    assert same
    assert not decision.system.relations.dot(decision.system.values).any()
    assert narrowest(system, hidden) >= run.threshold
    # The stored marks are the decision's: a figure is published only if the audit says.
    for f in SchoolFigure.objects.filter(run=run, school__parent=riverbend):
        assert (f.published, f.students_published) == decision.figures[f.pk]
    # The next day's dashboard release is audited with the published report cards: an
    # attacker holding both learns no withheld count and narrows none below the threshold.
    import datetime as dt

    from proficio.audit.context import acting
    from proficio.insights.actions import publish_release, unpack
    from proficio.state.figures import report_cards_of

    day = release.day + dt.timedelta(days=1)
    with acting(None, route="tests: publish", purpose="daily pace check"):
        later = publish_release(SYSTEM, riverbend, day=day)
    assert later.summary["alongside"] == 1
    assert later.summary["two_day"] is True
    cards = report_cards_of(riverbend, later.threshold, day)
    assert cards is not None
    assert cards.links  # the report cards' sizes of that school year
    s2, h2, links2, _ = unpack(later.audit_state)
    system, hidden, pairs = combined(cards, s2, h2, links2)
    assert pairs
    assert not (cards.hidden & ~hidden[: cards.system.size]).any()
    assert narrowest(system, hidden) >= run.threshold


# --- A dashboard released after the report cards ---------------------------------------


def a_roster():
    """One school (pk 1) of 30 seventh graders: 12 English learners, 18 others; every
    count the dashboards show is at least 10, so the dashboard alone withholds nothing
    of the school's sizes."""
    n = 30
    codes = np.zeros((n, 1), np.int64)
    codes[:12, 0] = 1
    return stand_in_roster(
        np.zeros(n, np.int64),
        [(1, "North")],
        behind=np.arange(n) % 2 == 0,
        proficient=np.arange(n) % 3 == 0,
        district=(100, "Tiny"),
        codes=codes,
        dimensions=DIMS,
    )


def published_report_cards() -> P.Published:
    """The report cards of 2025 as stored after the joint audit of the first test above
    (which withholds the two groups' sizes, 12 and 18, with their figures)."""
    rows = report_card()
    decision = P.audit(rows, DIMS, 10, a_dashboard())
    assert decision.figures[2] == (False, False)
    marked = [
        dataclasses.replace(r, published=p, students_published=s)
        for r in rows
        for p, s in [decision.figures[r.key]]
    ]
    return P.published_cells(marked, DIMS, 2025)


def combined(first: P.Published, second_system, second_hidden, second_links):
    """An attacker holding two publications, who knows which figures are the same (same
    name, same value): both as one system, and every cell either keeps hidden."""
    pairs = sorted({(first.links[k], c) for k, c in second_links.items() if k in first.links})
    joined = join_days(first.system, first.hidden, second_system, pairs)
    old = first.system.size
    hidden = np.zeros(joined.system.size, bool)
    hidden[:old] = first.hidden
    new = joined.today >= old
    hidden[joined.today[new]] = second_hidden[new]
    hidden[joined.today[~new]] &= second_hidden[~new]  # known if either publishes it
    return joined.system, hidden, pairs


def test_a_later_dashboard_is_audited_with_the_published_report_cards():
    """The report cards withhold the English learners' size (12) and the others' (18);
    the next day's dashboard counts the same students. Audited with the previous
    dashboard only, it publishes 12 and 18, which are the report cards' hidden figures;
    audited with the report cards, it keeps them hidden, and nothing can be narrowed."""
    from proficio.insights.release import compute

    cards = published_report_cards()
    assert cards.links.keys() >= {"school:1#0", "school:1|english_learner=yes#0"}
    roster = a_roster()
    alone = compute(roster, 10)
    system, hidden, pairs = combined(cards, alone.system, alone.hidden, alone.links)
    assert len(pairs) == 3  # the school's size and its two groups' are the same figures
    # The dashboard publishes the report cards' hidden 12 and 18 (the same figures).
    given_away = cards.hidden & ~hidden[: cards.system.size]
    named = {cards.system.keys[k]: int(cards.system.values[k]) for k in np.flatnonzero(given_away)}
    assert named == {
        "2025|school:1|english_learner=yes|n": 12,
        "2025|school:1|english_learner=no|n": 18,
    }
    audited = compute(roster, 10, alongside=[cards])
    assert audited.summary["alongside"] == 1
    rows = {r["group"]: r for r in audited.rows if r["org"] == 1 and r["breakdown"] != "school"}
    assert rows["yes"]["students"] is None
    assert "students" in rows["yes"]["withheld"]
    system, hidden, _ = combined(cards, audited.system, audited.hidden, audited.links)
    assert not (cards.hidden & ~hidden[: cards.system.size]).any()
    assert narrowest(system, hidden) >= 10
