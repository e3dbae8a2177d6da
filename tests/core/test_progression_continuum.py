"""The continuum kernel: standing, expectation, status, proficient and next step."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.progression.continuum import (
    STATUS_CODES,
    Expectation,
    LevelState,
    StandingStatus,
    Target,
    expectation,
    highest_shown_batch,
    is_proficient,
    proficient_from_share,
    proficient_overall,
    standing,
    status_batch,
    status_of,
)

JAN = dt.date(2026, 1, 20)
JUNE = dt.date(2026, 6, 15)


def t(key: str, level: int, met: bool, assessed: bool = True) -> Target:
    return Target(key, level, met, assessed)


def test_anas_level_6_meets_the_levels_below_and_looks_to_level_7():
    # Evidence only on levels 4-6, all met: levels 1-3 are met through Level 6 evidence.
    targets = [t("1.1", 1, False, False), t("1.2", 2, False, False), t("1.3", 3, False, False)]
    targets += [t("1.4", 4, True), t("1.5", 5, True), t("1.6", 6, True)]
    exp = Expectation(now=6.4, level=6, next_level=7, next_due=JUNE)
    s = standing(targets, steps=range(1, 9), expected=exp)
    assert s.level == 6
    assert s.next_step == 7
    assert s.status == StandingStatus.ON_TRACK
    assert s.proficient is True
    assert s.inferred == {"1.1", "1.2", "1.3"}
    assert s.met == {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6"}
    by_position = {lv.position: lv for lv in s.levels}
    assert by_position[2].state == LevelState.INFERRED
    assert by_position[2].through == 6
    assert by_position[6].state == LevelState.SHOWN
    assert by_position[7].state == LevelState.OPEN


def test_without_inference_a_lower_level_not_shown_is_a_gap_and_next_stays_above():
    targets = [t("a", 3, False), t("b", 6, True)]
    s = standing(targets, steps=range(1, 9), infer_below=False)
    assert s.level == 6
    assert s.next_step == 7
    assert s.inferred == frozenset()
    assert s.met == {"b"}
    assert {lv.position: lv.state for lv in s.levels}[3] == LevelState.GAP
    assert s.status == StandingStatus.NO_EXPECTATION
    assert s.proficient is None


def test_a_level_with_two_targets_is_shown_only_when_both_are_met():
    s = standing([t("a", 2, True), t("b", 2, False), t("c", 1, True)])
    assert s.level == 1
    assert s.next_step == 2


def test_nothing_assessed_and_the_top_of_the_continuum():
    s = standing([t("a", 1, False, False)], steps=[1, 2], expected=None)
    assert s.level is None
    assert s.status == StandingStatus.NOT_ASSESSED
    assert s.next_step == 1
    top = standing([t("a", 1, True), t("b", 2, True)], steps=[1, 2])
    assert top.next_step is None


def test_status_reads_working_toward_on_track_beyond():
    exp = Expectation(now=6.2, level=6, next_level=7, next_due=JUNE)
    assert status_of(5, True, exp) == StandingStatus.WORKING_TOWARD
    assert status_of(6, True, exp) == StandingStatus.ON_TRACK
    assert status_of(7, True, exp) == StandingStatus.BEYOND
    assert status_of(None, True, exp) == StandingStatus.WORKING_TOWARD
    at_target = Expectation(now=7.0, level=7, next_level=7, next_due=JUNE)
    assert status_of(7, True, at_target) == StandingStatus.ON_TRACK
    assert status_of(8, True, at_target) == StandingStatus.BEYOND
    assert not is_proficient(None, 1)


def test_expectation_from_a_grades_targets():
    points = [(JAN, 5.0), (JUNE, 6.0)]
    autumn = expectation(points, dt.date(2025, 10, 1))
    assert autumn is not None
    assert autumn.level == 5
    assert autumn.next_level == 5
    assert autumn.next_due == JAN
    spring = expectation(points, dt.date(2026, 3, 1))
    assert spring is not None
    assert spring.level == 5
    assert spring.next_level == 6
    assert spring.next_due == JUNE
    assert 5 < spring.now < 6
    summer = expectation(points, dt.date(2026, 7, 1))
    assert summer is not None
    assert summer.level == 6
    assert summer.next_due == JUNE
    assert expectation([], JAN) is None


def test_proficient_overall_needs_every_judged_competency():
    exp = Expectation(now=3, level=3, next_level=3, next_due=JUNE)
    good = standing([t("a", 3, True)], expected=exp)
    short = standing([t("a", 3, False)], expected=exp)
    unjudged = standing([t("a", 3, True)])
    assert proficient_overall([good, unjudged]) is True
    assert proficient_overall([good, short]) is False
    assert proficient_overall([unjudged]) is None
    shares = [1.0, 0.5, np.nan, 0.0]
    assert list(proficient_from_share(shares)) == [True, False, False, False]


def test_batches_on_empty_input():
    groups, best = highest_shown_batch([], [], [])
    assert groups.size == 0
    assert best.size == 0


# --- Properties -----------------------------------------------------------------------------

target_lists = st.lists(
    st.tuples(st.integers(1, 8), st.booleans(), st.booleans()), min_size=0, max_size=12
)


def _targets(rows: list[tuple[int, bool, bool]]) -> list[Target]:
    return [Target(k, lv, met, assessed or met) for k, (lv, met, assessed) in enumerate(rows)]


@settings(max_examples=300, deadline=None)
@given(target_lists, st.booleans())
def test_next_step_is_always_above_what_was_shown(rows, infer):
    targets = _targets(rows)
    s = standing(targets, steps=range(1, 9), infer_below=infer)
    shown = [lv.position for lv in s.levels if lv.state == LevelState.SHOWN]
    if s.level is not None:
        assert s.level == max(shown)
        assert s.next_step is None or s.next_step > s.level
        assert all(lv.state != LevelState.SHOWN for lv in s.levels if lv.position > s.level)
    if s.next_step is not None:
        assert all(s.next_step > p for p in shown)
    if infer and s.level is not None:
        assert {x.key for x in targets if x.level <= s.level} <= s.met
    assert s.inferred <= s.met


@settings(max_examples=300, deadline=None)
@given(target_lists, st.integers(0, 11))
def test_meeting_one_more_target_never_lowers_the_standing(rows, pick):
    targets = _targets(rows)
    if not targets:
        return
    k = pick % len(targets)
    before = standing(targets).level or 0
    lifted = list(targets)
    lifted[k] = Target(targets[k].key, targets[k].level, True, True)
    assert (standing(lifted).level or 0) >= before


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 8), st.booleans()), max_size=40),
)
def test_the_batch_agrees_with_one_group_at_a_time(rows):
    groups, best = highest_shown_batch(
        [g for g, _, _ in rows], [lv for _, lv, _ in rows], [m for _, _, m in rows]
    )
    for g, level in zip(groups.tolist(), best.tolist(), strict=True):
        mine = [Target(k, lv, m) for k, (gg, lv, m) in enumerate(rows) if gg == g]
        assert (standing(mine).level or 0) == level


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 8),
    st.booleans(),
    st.one_of(st.none(), st.tuples(st.integers(1, 8), st.integers(0, 2))),
)
def test_status_batch_agrees_with_status_of(level, assessed, exp_pair):
    exp = (
        None
        if exp_pair is None
        else Expectation(float(exp_pair[0]), exp_pair[0], exp_pair[0] + exp_pair[1], JUNE)
    )
    codes, proficient = status_batch(
        [level],
        [assessed],
        [np.nan if exp is None else exp.level],
        [np.nan if exp is None else exp.next_level],
    )
    one = status_of(level or None, assessed, exp)
    assert STATUS_CODES[int(codes[0])] == one
    s_prof = standing(
        [Target("x", level, True, assessed)] if level else [Target("x", 1, False, assessed)],
        expected=exp,
    ).proficient
    assert bool(proficient[0]) == bool(s_prof)
    assert bool(proficient[0]) == (one in (StandingStatus.ON_TRACK, StandingStatus.BEYOND))
