"""Graduation requirements evaluated against standings: hand-worked cases, a brute-force
oracle for "what is left", and properties (monotone in standings, met iff nothing left)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.graduation import (
    Alternative,
    Gap,
    Kind,
    Projection,
    Requirement,
    RubricResult,
    evaluate,
    on_track,
    problems,
)
from proficio.core.progression.pace import DAYS_PER_YEAR, Growth

TODAY = dt.date(2026, 9, 1)
MATH = Requirement("math", Kind.ALL_OF, ("alg", "geo"), level=4)
SCI = Requirement("science", Kind.N_OF_M, ("bio", "chem", "phys"), level=4, count=2)
HABITS = Requirement("habits", Kind.HABITS, ("collab", "persist"), level=3)
CAPSTONE = Requirement("capstone", Kind.RUBRIC, minimum_score=3.0, accepts_alternative=True)


def test_all_of_lists_the_competencies_short_and_by_how_much():
    progress = evaluate([MATH], {"alg": 4, "geo": 2}, today=TODAY)
    (outcome,) = progress.outcomes
    assert not outcome.met
    assert outcome.gaps == (Gap("geo", 2, 4),)
    assert outcome.levels_left == 2
    assert [e.competency for e in outcome.evidence] == ["alg"]  # type: ignore[union-attr]
    assert progress.projection == Projection.NO_PACE
    assert progress.completion is None


def test_n_of_m_picks_the_closest_competencies_as_what_is_left():
    progress = evaluate([SCI], {"bio": 1, "chem": 3, "phys": None}, today=TODAY)
    (outcome,) = progress.outcomes
    assert outcome.gaps == (Gap("chem", 3, 4), Gap("bio", 1, 4))
    assert progress.levels_left == 4
    met = evaluate([SCI], {"bio": 5, "chem": 4, "phys": None}, today=TODAY)
    assert met.met
    assert met.projection == Projection.MET
    assert met.completion == TODAY
    assert {e.competency for e in met.outcomes[0].evidence} == {"bio", "chem"}  # type: ignore[union-attr]


def test_habits_need_all_unless_a_count_is_given():
    assert not evaluate([HABITS], {"collab": 3, "persist": 2}, today=TODAY).met
    one = Requirement("habits", Kind.HABITS, ("collab", "persist"), level=3, count=1)
    assert evaluate([one], {"collab": 3, "persist": 2}, today=TODAY).met


def test_capstone_is_met_by_a_rubric_result_at_the_minimum():
    low = {"capstone": [RubricResult(2.5, TODAY)]}
    progress = evaluate([CAPSTONE], {}, today=TODAY, rubric=low)
    assert not progress.met
    assert progress.outcomes[0].awaits_rubric
    assert progress.projection == Projection.AWAITS_RUBRIC
    good = RubricResult(3.0, TODAY, "panel")
    done = evaluate([CAPSTONE], {}, today=TODAY, rubric={"capstone": [good]})
    assert done.met
    assert done.outcomes[0].evidence == (good,)


def test_an_accepted_outside_credential_meets_a_requirement_that_accepts_one():
    cert = Alternative("Industry certificate", TODAY, "urn:x")
    progress = evaluate(
        [CAPSTONE, MATH], {}, today=TODAY, alternatives={"capstone": [cert], "math": [cert]}
    )
    capstone, math = progress.outcomes
    assert capstone.met
    assert capstone.via_alternative
    assert capstone.evidence == (cert,)
    assert not math.met  # MATH does not accept an alternative


def test_projection_uses_the_pace_rule_and_takes_the_latest_requirement():
    # One level a year from level 2 on TODAY: level 4 two years on, level 3 one year on.
    growth = Growth(per_year=1.0, standard_error=0.1, intercept_level=0.0, n=5)
    pace = {"geo": growth, "persist": growth}
    progress = evaluate(
        [MATH, HABITS], {"alg": 4, "geo": 2, "collab": 3, "persist": 2}, today=TODAY, pace=pace
    )
    assert progress.projection == Projection.PROJECTED
    expected = TODAY + dt.timedelta(days=2 * DAYS_PER_YEAR)
    assert progress.completion == expected
    assert progress.outcomes[1].projected == TODAY + dt.timedelta(days=DAYS_PER_YEAR)
    assert on_track(progress, expected)
    assert not on_track(progress, TODAY)


def test_projection_starts_from_the_level_shown_today_and_no_growth_means_none():
    # The fitted line's own intercept is ignored: three levels a year from level 2 today.
    fast = Growth(3.0, 0.1, 9.0, 3)
    progress = evaluate([MATH], {"alg": 4, "geo": 2}, today=TODAY, pace={"geo": fast})
    assert progress.completion == TODAY + dt.timedelta(days=2 / 3 * DAYS_PER_YEAR)
    flat = Growth(0.0, 0.1, 2.0, 3)
    stuck = evaluate([MATH], {"alg": 4, "geo": 2}, today=TODAY, pace={"geo": flat})
    assert stuck.projection == Projection.NO_PACE
    assert not on_track(stuck, TODAY)
    assert on_track(evaluate([], {}, today=TODAY), TODAY)


@pytest.mark.parametrize(
    ("requirement", "field"),
    [
        (Requirement(" ", Kind.ALL_OF, ("alg",), level=4), "key"),
        (Requirement("m", Kind.ALL_OF, ("nope",), level=4), "competencies"),
        (Requirement("m", Kind.ALL_OF, (), level=4), "competencies"),
        (Requirement("m", Kind.ALL_OF, ("alg", "alg"), level=4), "competencies"),
        (Requirement("m", Kind.ALL_OF, ("alg",), level=0), "level"),
        (Requirement("m", Kind.N_OF_M, ("alg", "geo"), level=4), "count"),
        (Requirement("m", Kind.N_OF_M, ("alg", "geo"), level=4, count=3), "count"),
        (Requirement("m", Kind.RUBRIC), "minimum_score"),
    ],
)
def test_problems_name_the_field(requirement, field):
    assert field in problems(requirement, {"alg", "geo"})


def test_sound_requirements_have_no_problems():
    known = {"alg", "geo", "bio", "chem", "phys", "collab", "persist"}
    assert all(not problems(r, known) for r in (MATH, SCI, HABITS, CAPSTONE))


# ---------------------------------------------------------------- properties

COMPS = ("a", "b", "c", "d", "e")
levels = st.one_of(st.none(), st.integers(1, 6))
standings_st = st.fixed_dictionaries({c: levels for c in COMPS})


@st.composite
def requirements(draw):
    kind = draw(st.sampled_from([Kind.ALL_OF, Kind.N_OF_M, Kind.HABITS]))
    comps = tuple(draw(st.lists(st.sampled_from(COMPS), min_size=1, max_size=5, unique=True)))
    count = None if kind == Kind.ALL_OF else draw(st.integers(1, len(comps)))
    return Requirement("r", kind, comps, level=draw(st.integers(1, 6)), count=count)


def _short(have, need):
    return max(0, need - (have or 0))


@settings(max_examples=200, deadline=None)
@given(requirements(), standings_st)
def test_met_iff_enough_competencies_reach_the_level_and_nothing_is_left(req, standings):
    progress = evaluate([req], standings, today=TODAY)
    reached = sum(1 for c in req.competencies if (standings[c] or 0) >= req.level)
    assert progress.met == (reached >= req.needed())
    assert progress.met == (progress.levels_left == 0)


@settings(max_examples=200, deadline=None)
@given(requirements(), standings_st)
def test_what_is_left_is_the_cheapest_choice_by_brute_force(req, standings):
    """Oracle: over every choice of ``needed`` competencies, the fewest levels to go."""
    cheapest = min(
        sum(_short(standings[c], req.level) for c in choice)
        for choice in itertools.combinations(req.competencies, req.needed())
    )
    assert evaluate([req], standings, today=TODAY).levels_left == cheapest


@settings(max_examples=200, deadline=None)
@given(requirements(), standings_st, st.sampled_from(COMPS), st.integers(1, 3))
def test_raising_a_standing_never_loses_ground(req, standings, comp, step):
    before = evaluate([req], standings, today=TODAY)
    raised = {**standings, comp: (standings[comp] or 0) + step}
    after = evaluate([req], raised, today=TODAY)
    assert after.levels_left <= before.levels_left
    assert after.met or not before.met


def test_a_set_counts_the_requirements_left():
    progress = evaluate([MATH, SCI, CAPSTONE], {"alg": 4, "geo": 4}, today=TODAY)
    assert [o.requirement.key for o in progress.unmet] == ["science", "capstone"]
    assert progress.requirements_left == 2
