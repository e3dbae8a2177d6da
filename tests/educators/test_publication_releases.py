"""Consecutive leader releases audited together, and the reviewers' calibration inside
the release.

Someone who saw a school's figures before and after an award holds two releases; each
safe on its own, the two together may pin a hidden count (a count hidden on both days
whose partner one day publishes). The attacker here is the integer program of
``test_publication.narrowest``, given both releases at once: every published cell of
either, both days' relations, and, more than a reader can know, which figures did not
change (a cell of the same name and value on both days is one unknown). It is written
without the kernel's ``join_days``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pytest
from scipy.sparse import block_diag, coo_array, csr_array, vstack

from proficio.core.equity.audit import CellSystem, Sparse
from proficio.educators import publication as P
from tests.educators.test_publication import THRESHOLD, narrowest


def both_releases(day1: P.Decision, day2: P.Decision) -> tuple[CellSystem, np.ndarray]:
    """The two releases as one system for the attacker, with what each day hid."""
    return both_systems(day1.system, day1.hidden, day2.system, day2.hidden)


def both_systems(
    s1: CellSystem, hidden1: np.ndarray, s2: CellSystem, hidden2: np.ndarray
) -> tuple[CellSystem, np.ndarray]:
    n1 = s1.size
    first = {k: i for i, k in enumerate(s1.keys)}
    ties = []
    for j, key in enumerate(s2.keys):
        i = first.get(key)
        if i is not None and s1.values[i] == s2.values[j] and s1.latent[i] == s2.latent[j]:
            row = np.zeros(n1 + s2.size)
            row[i], row[n1 + j] = 1, -1
            ties.append(row)
    parts = [block_diag([s1.relations.to_scipy(), s2.relations.to_scipy()])]
    if ties:
        parts.append(csr_array(np.array(ties)))
    a = coo_array(vstack(parts))
    system = CellSystem(
        tuple(f"1:{k}" for k in s1.keys) + tuple(f"2:{k}" for k in s2.keys),
        np.concatenate([s1.values, s2.values]),
        Sparse.from_triplets(
            a.row.astype(np.int64), a.col.astype(np.int64), a.data.astype(np.int64), a.shape
        ),
        np.concatenate([s1.latent, s2.latent]),
    )
    return system, np.concatenate([hidden1, hidden2])


def award(c: P.Counts, k: int, *, first: bool) -> P.Counts:
    """``c`` after one more micro-credential awarded to an educator of unit ``k`` (their
    first when ``first``): the awards, and with a first award the educators with one,
    move in the unit, its equity group and the group's part of the unit."""
    with_award = list(c.measures["with_award"])
    with_award[k] += int(first)
    awards = list(c.awards)
    awards[k] += 1
    g = next(iter(c.equity_split[k])) if c.equity_split else 0
    eq_with = list(c.equity_with_award or ())
    eq_awards = list(c.equity_awards or ())
    split = [dict(s) for s in c.equity_split or ()]
    if eq_with:
        eq_with[g] += int(first)
        eq_awards[g] += 1
        e, w, a = split[k][g]
        split[k][g] = (e, w + int(first), a + 1)
    return dataclasses.replace(
        c,
        measures={**c.measures, "with_award": with_award},
        awards=awards,
        equity_with_award=eq_with or None,
        equity_awards=eq_awards or None,
        equity_split=split or None,
    )


def a_district(rng: np.random.Generator) -> P.Counts:
    n = int(rng.integers(2, 5))
    people = [int(x) for x in rng.integers(3, 20, n)]
    measures: dict[str, Sequence[int]] = {
        m: [int(rng.integers(0, p)) for p in people] for m in P.MEASURE_KEYS
    }
    group = [0] + [int(g) for g in rng.integers(0, 2, n - 1)]
    awards = [y + int(rng.integers(0, 3)) for y in measures["with_award"]]
    sizes = [sum(p for p, g in zip(people, group, strict=True) if g == h) for h in (0, 1)]

    def of_group(values: list[int], h: int) -> int:
        return sum(v for v, g in zip(values, group, strict=True) if g == h)

    decided = [int(x) for x in rng.integers(0, 10, n)]
    return P.Counts(
        educators=people,
        measures=measures,
        in_review=[int(x) for x in rng.integers(0, 8, n)],
        decided=decided,
        revised=[int(rng.integers(0, d + 1)) for d in decided],
        awards=awards,
        equity_educators=sizes,
        equity_with_award=[of_group(measures["with_award"], h) for h in (0, 1)],
        equity_credentialed=[int(rng.integers(0, s + 1)) for s in sizes],
        equity_awards=[of_group(awards, h) for h in (0, 1)],
        equity_split=[
            {g: (p, y, a)}
            for g, p, y, a in zip(group, people, measures["with_award"], awards, strict=True)
        ],
    )


# ------------------------------------------------------------------ two releases (gap A)


def a_school_district() -> P.Counts:
    """Three schools; the second (the only one not high-need) is about to award a
    micro-credential to an educator who had none."""
    return P.Counts(
        educators=[11, 15, 19],
        measures={
            "participating": [0, 2, 15],
            "with_award": [10, 3, 5],
            "pathway_complete": [9, 6, 5],
        },
        in_review=[6, 6, 4],
        decided=[0, 0, 8],
        revised=[0, 0, 7],
        awards=[11, 4, 6],
        equity_educators=[30, 15],
        equity_with_award=[15, 3],
        equity_credentialed=[10, 7],
        equity_awards=[17, 4],
        equity_split=[{0: (11, 10, 11)}, {1: (15, 3, 4)}, {0: (19, 5, 6)}],
    )


def test_an_award_between_two_releases_audited_apart_gives_a_hidden_count_away():
    """Each release alone is safe; an award at the second school changes what the
    second release's audit withholds: it publishes the third school's educators who
    completed a pathway (5, unchanged), which the first release withheld, and so gives
    that count and its partners away. Audited together with the first, the second
    release keeps what the first withheld hidden."""
    before = a_school_district()
    after = award(before, 1, first=True)
    day1 = P.audit(before, THRESHOLD)
    apart = P.audit(after, THRESHOLD)
    assert narrowest(day1.system, day1.hidden) >= THRESHOLD
    assert narrowest(apart.system, apart.hidden) >= THRESHOLD
    key = "unit:2|pathway_complete|yes"
    assert day1.value(key) is None  # withheld on the first day ...
    assert apart.value(key) == 5  # ... published on the second
    system, hidden = both_releases(day1, apart)
    assert narrowest(system, hidden) == 1
    together = P.audit(after, THRESHOLD, previous=day1.state())
    assert not together.protection.unprotected.any()
    system, hidden = both_releases(day1, together)
    assert narrowest(system, hidden) >= THRESHOLD
    assert together.value(key) is None
    # a count hidden yesterday and unchanged stays hidden; one published stays published
    for k, i in day1.index.items():
        j = together.index[k]
        if day1.system.values[i] == together.system.values[j] and not day1.system.latent[i]:
            assert bool(day1.hidden[i]) == bool(together.hidden[j]), k


def test_releases_after_random_awards_cannot_be_differenced():
    rng = np.random.default_rng(11)
    for _trial in range(3):
        c = a_district(rng)
        decision = P.audit(c, THRESHOLD)
        for _step in range(2):
            k = int(rng.integers(0, len(c.educators)))
            nc = award(c, k, first=c.measures["with_award"][k] < c.educators[k])
            nd = P.audit(nc, THRESHOLD, previous=decision.state())
            assert not nd.protection.unprotected.any()
            system, hidden = both_releases(decision, nd)
            assert narrowest(system, hidden) >= THRESHOLD
            c, decision = nc, nd


def test_cells_are_matched_across_releases_by_the_units_ids_not_their_places():
    """A new school sorts first: the places shift, the names a reader knows stay."""
    before = dataclasses.replace(a_school_district(), unit_ids=[20, 30, 40])
    links = P.links(before, P.build(before)[1].keys)
    assert links["unit#30|with_award|yes"] == P.build(before)[0].index["unit:1|with_award|yes"]
    assert "equity:0|unit#40|educators" in links  # a latent part, named the same way
    grown = P.Counts(
        educators=[6, *before.educators],
        measures={m: [1, *v] for m, v in before.measures.items()},
        in_review=[0, *before.in_review],
        decided=[0, *before.decided],
        revised=[0, *before.revised],
        awards=[1, *before.awards],
        equity_educators=[36, 15],
        equity_with_award=[16, 3],
        equity_credentialed=[10, 7],
        equity_awards=[18, 4],
        equity_split=[{0: (6, 1, 1)}, *(before.equity_split or [])],
        unit_ids=[10, 20, 30, 40],
    )
    day1 = P.audit(before, THRESHOLD)
    day2 = P.audit(grown, THRESHOLD, previous=day1.state())
    cells2, _system2 = P.build(grown)
    named2 = P.links(grown, cells2.keys)
    assert named2["unit#30|with_award|yes"] == cells2.index["unit:2|with_award|yes"]
    # the attacker matching by the schools' ids (renaming today's places to yesterday's)
    rename = {"unit:1": "unit:0", "unit:2": "unit:1", "unit:3": "unit:2", "unit:0": "unit:new"}
    keys = tuple("|".join(rename.get(p, p) for p in k.split("|")) for k in day2.system.keys)
    moved = CellSystem(keys, day2.system.values, day2.system.relations, day2.system.latent)
    system, hidden = both_systems(day1.system, day1.hidden, moved, day2.hidden)
    assert narrowest(system, hidden) >= THRESHOLD


# ------------------------------------------------------ calibration in the release (gap C)


def with_rounds(*rounds: P.Calibration) -> P.Counts:
    return dataclasses.replace(a_school_district(), calibration=rounds)


def test_agreement_is_shown_only_when_both_of_its_counts_are_published():
    c = with_rounds(
        P.Calibration(reviewers=3, samples=4, pairs=36, agreeing=34, scores=36),
        P.Calibration(reviewers=8, samples=6, pairs=480, agreeing=400, scores=192),
    )
    decision = P.audit(c, THRESHOLD)
    assert decision.value("calibration:0|reviewers") is None  # three reviewers
    assert decision.value("calibration:0|agree|no") is None  # two pairs disagreed
    assert not decision.agreement_shown(0)
    assert narrowest(decision.system, decision.hidden) >= THRESHOLD
    # Had the first round's agreement (34 of 36) been shown, as every load did before,
    # next to whichever of its counts is published, a withheld count is back.
    shown_before = (("calibration:0|agree|yes", "calibration:0|pairs", Fraction(34, 36)),)
    assert narrowest(decision.system, decision.hidden, shown_before) == 1
    assert decision.agreement_shown(1)
    shown = (("calibration:1|agree|yes", "calibration:1|pairs", Fraction(400, 480)),)
    assert narrowest(decision.system, decision.hidden, shown) >= THRESHOLD


@pytest.mark.parametrize(
    ("scores", "shown"),
    [((24, 24), True), ((24, 3), False), ((24, 0), True), ((), False)],
)
def test_drift_is_shown_only_over_published_scores_of_at_least_the_threshold(scores, shown):
    rounds = [
        P.Calibration(reviewers=6, samples=2, pairs=60, agreeing=50, scores=n) for n in scores
    ]
    decision = P.audit(with_rounds(*rounds), THRESHOLD)
    assert decision.drift_shown() is shown
    if shown:
        assert all(decision.value(f"calibration:{r}|scores") is not None for r in range(2))


# ------------------------------------------------------------------ stored releases


def test_the_stored_release_is_audited_together_with_the_one_it_replaces(world, settings):
    from proficio.audit.context import acting
    from proficio.core.equity.audit import AuditState
    from proficio.educators import actions, reports
    from proficio.educators.models import LeaderRelease
    from proficio.orgs.models import Organization
    from tests.world_educators import award as award_in_world

    district = Organization.objects.get(code="riverbend")
    admin = world.user("admin")
    limit = reports.threshold()
    with acting(None, route="tests: educators"):
        first = actions.refresh_leader_release(admin, district)
        award_in_world(world.user("hs.reviewer"), world.rivera_submission)
        second = actions.refresh_leader_release(admin, district)
    assert first.audit_state is not None
    assert second.audit_state is not None
    one = AuditState.unpack(first.audit_state)
    two = AuditState.unpack(second.audit_state)
    # the stored view publishes exactly the cells the stored state did not hide
    for state, release in ((one, first), (two, second)):
        published = {
            k: int(v)
            for k, v, h, latent in zip(
                state.system.keys,
                state.system.values,
                state.hidden,
                state.system.latent,
                strict=True,
            )
            if not h and not latent
        }
        assert {k: v for k, v in release.view["published"].items() if v is not None} == published
    assert not np.array_equal(one.system.values, two.system.values)  # the award counted
    system, hidden = both_systems(one.system, one.hidden, two.system, two.hidden)
    assert narrowest(system, hidden) >= limit
    # the second is what the audit joined with the first decides
    view, _decision = reports.compute(district, limit, one)
    assert second.view == view
    # under another threshold, a new series starts: the release is audited on its own
    settings.PROFICIO_MIN_CELL_SIZE = limit + 2
    with acting(None, route="tests: educators"):
        third = actions.leader_release(admin, district)
    assert third.threshold == limit + 2
    assert third.view == reports.compute_view(district, limit + 2)
    # a release stored before calibration joined it is recomputed on the next read
    older = {k: v for k, v in third.view.items() if k not in ("rounds", "agreement", "drift")}
    LeaderRelease.objects.filter(pk=third.pk).update(view=older)
    with acting(None, route="tests: educators"):
        fourth = actions.leader_release(admin, district)
    assert fourth.view == third.view


def test_the_dashboard_shows_calibration_only_as_the_release_publishes_it(world, client, settings):
    from django.urls import reverse

    from proficio.educators import reports
    from tests.educators.test_learning_features import ROUND_1, ROUND_2, _run_round

    admin = world.user("district.admin")
    riverbend = world.org("riverbend")
    mc = world.riverbend_mc
    versions = [
        world.rivera_submission.versions.order_by("-number").first(),
        world.cedar_submission.versions.order_by("-number").first(),
    ]
    _run_round(world, admin, mc, versions, ROUND_1, seed=1)
    _run_round(world, admin, mc, versions, ROUND_2, seed=2)
    rounds = reports._calibration_rounds(riverbend)
    assert [(r.counts.pairs, r.counts.scores, r.counts.reviewers) for r in rounds] == [
        (24, 24, 3),
        (24, 24, 3),
    ]  # three reviewers, two submissions of four parts
    url = reverse("educators:dashboard", args=[riverbend.pk])
    client.force_login(admin)
    # Threshold 5: the three reviewers are withheld; the 24 scores of each round are
    # published, so the drift is shown.
    settings.PROFICIO_MIN_CELL_SIZE = 5
    view, decision = reports.compute(riverbend, 5)
    assert decision.value("calibration:0|reviewers") is None
    for r, found in enumerate(rounds):
        expected = found.exact if decision.agreement_shown(r) else None
        assert view["agreement"][r] == expected
        if not decision.shown(f"calibration:{r}|agree|yes"):
            assert view["agreement"][r] is None
    assert view["drift"]["slope"] == pytest.approx(reports._calibration(riverbend)[1]["slope"])
    page = client.get(url).content.decode()
    table = page.split("Reviewer agreement in calibration", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 3  # a header and one row per round
    assert table.count("—") == 2 + sum(a is None for a in view["agreement"])
    assert "per round" in page.split("Drift of the pool from consensus:", 1)[1][:200]
    assert narrowest(decision.system, decision.hidden) >= 5
    # Threshold 25: each round's 24 scores are withheld, and so is the drift fitted on
    # them; the page says so, in English and in Spanish.
    settings.PROFICIO_MIN_CELL_SIZE = 25
    view, decision = reports.compute(riverbend, 25)
    assert decision.value("calibration:0|scores") is None
    assert view["drift"] == {"withheld": True}
    assert view["agreement"] == [None, None]
    page = client.get(url).content.decode()
    drift = page.split("Drift of the pool from consensus:", 1)[1][:300]
    assert "withheld" in drift
    assert "per round" not in drift
    client.post(reverse("accounts:language"), {"language": "es", "next": url})
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "no se publican todas las puntuaciones de calibración" in spanish


def test_a_leader_update_the_audit_cannot_protect_is_held(world, client, monkeypatch):
    """A recomputation whose joint audit reports figures it could not protect
    (``joint.held``) is held: the stored views stay as they were published, marked with
    the day and the number held, a page load that day does not recompute them, both
    leader pages say so in both languages, and the next recomputation is audited
    against the views that stayed published."""
    from django.urls import reverse
    from django.utils import timezone

    from proficio.audit.context import acting
    from proficio.core.equity.audit import AuditState
    from proficio.educators import actions, reports
    from proficio.orgs.models import Organization
    from tests.world_educators import award as award_in_world

    district = Organization.objects.get(code="riverbend")
    admin = world.user("admin")
    with acting(None, route="tests: educators"):
        first = actions.refresh_leader_release(admin, district)
        award_in_world(world.user("hs.reviewer"), world.rivera_submission)
        monkeypatch.setattr(actions, "held", lambda protection: 4)
        kept = actions.refresh_leader_release(admin, district)
        again = actions.leader_release(admin, district)
    assert first.held_on is None
    assert first.held_figures == 0
    assert kept.pk == first.pk
    assert kept.view == first.view
    assert bytes(kept.audit_state) == bytes(first.audit_state)
    assert kept.computed_at == first.computed_at
    assert (kept.held_on, kept.held_figures, kept.stale) == (timezone.localdate(), 4, False)
    assert (again.view, again.held_figures) == (first.view, 4)  # read, not recomputed
    client.force_login(world.user("district.admin"))
    for name in ("educators:dashboard", "educators:pathway_dashboard"):
        url = reverse(name, args=[district.pk])
        page = client.get(url).content.decode()
        assert "was not published: 4 withheld figures could have been worked out" in page, name
        client.post(reverse("accounts:language"), {"language": "es", "next": url})
        spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "no se publicó: 4 cifras reservadas" in spanish, name
        client.post(reverse("accounts:language"), {"language": "en", "next": url})
    monkeypatch.undo()
    with acting(None, route="tests: educators"):
        published = actions.refresh_leader_release(admin, district)
    assert (published.held_on, published.held_figures) == (None, 0)
    view, _decision = reports.compute(
        district, reports.threshold(), AuditState.unpack(first.audit_state)
    )
    assert published.view == view
    page = client.get(reverse("educators:dashboard", args=[district.pk])).content.decode()
    assert "was not published" not in page
