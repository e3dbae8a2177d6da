"""The state plan: parsing with every problem named, the composite, identification for
comprehensive and targeted support, reasons that never carry a suppressed figure, the
preview of a new version, and the change since last year."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.accountability.plan import (
    ALL,
    Figures,
    PlanError,
    composite,
    cutoff,
    identify,
    improvement,
    letter,
    parse_plan,
    preview,
)

BASE = {
    "indicators": {
        "proficiency": {"weight": 0.5},
        "growth": {"weight": 0.3},
        "school_quality": 0.2,
    },
    "min_n": 10,
    "lowest_share": 0.25,
    "consecutive_years": 2,
}


def problems(data, **kw):
    with pytest.raises(PlanError) as caught:
        parse_plan(data, **kw)
    return dict(caught.value.problems)


def test_a_good_plan_reads():
    plan = parse_plan(BASE, available={"proficiency", "growth", "school_quality"}, threshold=10)
    assert plan.names == ("proficiency", "growth", "school_quality")
    assert plan.spec("school_quality").weight == 0.2
    assert plan.min_n == 10
    assert plan.summative == "none"


def test_weights_that_do_not_add_up_are_refused_on_the_field():
    bad = {**BASE, "indicators": {"proficiency": 0.5, "growth": 0.3}}
    assert "they must add up to 1" in problems(bad)["indicators"]


def test_an_indicator_without_data_is_refused_by_name():
    found = problems(BASE, available={"proficiency", "growth"})
    assert "no data" in found["indicators.school_quality"]


def test_every_problem_is_named():
    bad = {
        "indicators": {"letters": 1, "growth": {"weight": 0.5, "growth_target": 0}, "on_track": -1},
        "min_n": 3,
        "lowest_share": 2,
        "graduation_floor": 0.6,
        "consecutive_years": 9,
        "summative": "stars",
    }
    found = problems(bad, threshold=10)
    assert set(found) == {
        "indicators.letters",
        "indicators.growth.growth_target",
        "indicators.on_track.weight",
        "min_n",
        "lowest_share",
        "graduation_floor",
        "consecutive_years",
        "summative",
    }
    assert "publication threshold" in found["min_n"]
    assert problems({"indicators": {}, "min_n": True})["indicators"]
    assert "min_n" in problems({"indicators": {"proficiency": 1}, "min_n": "ten"})
    floor = problems({**BASE, "graduation_floor": 1.5})
    assert "between 0 and 1" in floor["graduation_floor"]


def test_letters_only_when_asked_and_with_falling_cutoffs():
    plan = parse_plan({**BASE, "summative": "letter", "letter_cutoffs": [0.8, 0.6, 0.4, 0.2]})
    assert [letter(v, plan) for v in (0.9, 0.8, 0.5, 0.1)] == ["A", "A", "C", "F"]
    assert letter(float("nan"), plan) is None
    assert letter(0.9, parse_plan(BASE)) is None
    assert "letter_cutoffs" in problems(
        {**BASE, "summative": "letter", "letter_cutoffs": [0.2, 0.4, 0.6, 0.8]}
    )
    assert "letter_cutoffs" in problems({**BASE, "summative": "letter"})


def fig(school, values, n=30, group=ALL, published=True, students=None, shown=None):
    names = list(values)
    return Figures(
        school=school,
        group=group,
        students=n if students is None else students,
        students_published=published,
        values=values,
        n=dict.fromkeys(names, n),
        published=shown if shown is not None else dict.fromkeys(names, published),
    )


PLAN = parse_plan(BASE)


def test_composite_rescales_over_rated_indicators():
    f = fig("a", {"proficiency": 0.6, "growth": 0.5, "school_quality": 0.9})
    c = composite(f, PLAN)
    assert c.value == pytest.approx(0.5 * 0.6 + 0.3 * 0.5 + 0.2 * 0.9)
    assert c.published
    partial = Figures(
        "a",
        ALL,
        30,
        True,
        {"proficiency": 0.6, "growth": 0.5},
        {"proficiency": 30, "growth": 5},
        {"proficiency": True, "growth": True},
    )
    assert composite(partial, PLAN).value == pytest.approx(0.6)
    assert composite(partial, PLAN).rated == ("proficiency",)
    assert math.isnan(composite(fig("a", {"proficiency": 0.6}, n=5), PLAN).value)
    assert math.isnan(composite(fig("a", {"growth": float("nan")}), PLAN).value)
    hidden = fig("a", {"proficiency": 0.6}, shown={"proficiency": False})
    assert not composite(hidden, PLAN).published


def year_of(values):
    return [fig(s, {"proficiency": v, "growth": 0.5, "school_quality": 0.5}) for s, v in values]


def test_the_lowest_share_is_identified_with_its_reasons():
    schools = year_of([("a", 0.2), ("b", 0.5), ("c", 0.7), ("d", 0.9), ("e", 0.3)])
    cut, lowest = cutoff(schools, PLAN)
    assert lowest == {"a", "e"}  # ceil(0.25 × 5) = 2
    out = {i.school: i for i in identify({2024: schools}, PLAN, 2024)}
    assert out["a"].comprehensive
    assert out["e"].comprehensive
    assert not out["b"].comprehensive
    assert out["a"].reasons[0].code == "lowest_share"
    assert out["a"].reasons[0].params["cutoff"] == pytest.approx(round(cut, 3))
    assert out["b"].reasons[0].code == "above_cutoff"
    assert out["b"].reasons[-1].code == "no_subgroup_underperforming"
    assert cutoff([], PLAN) != cutoff(schools, PLAN)
    with pytest.raises(ValueError, match="no figures"):
        identify({2024: schools}, PLAN, 2023)


def test_small_schools_are_not_rated():
    small = [fig("tiny", {"proficiency": 0.1}, n=4), *year_of([("a", 0.5)])]
    out = {i.school: i for i in identify({2024: small}, PLAN, 2024)}
    assert not out["tiny"].rated
    assert not out["tiny"].comprehensive
    assert out["tiny"].reasons[0].code == "not_rated"
    assert out["tiny"].composite is None


def test_a_graduation_floor_identifies_on_its_own():
    plan = parse_plan(
        {
            "indicators": {"proficiency": 0.5, "graduation_4": 0.5},
            "min_n": 10,
            "lowest_share": 0.1,
            "graduation_floor": 0.67,
        }
    )
    schools = [
        fig("a", {"proficiency": 0.2, "graduation_4": 0.9}),
        fig("b", {"proficiency": 0.8, "graduation_4": 0.6}),
        fig("c", {"proficiency": 0.9, "graduation_4": 0.95}),
    ]
    out = {i.school: i for i in identify({2024: schools}, plan, 2024)}
    assert out["b"].comprehensive
    assert [r.code for r in out["b"].reasons][:2] == ["above_cutoff", "graduation_below_floor"]
    assert out["b"].reasons[1].params["rate"] == 0.6


def test_targeted_support_needs_consecutive_years_below_the_cutoff():
    def year(el_b):
        schools = year_of([("a", 0.2), ("b", 0.6), ("c", 0.7), ("d", 0.8)])
        schools.append(
            fig(
                "b",
                {"proficiency": el_b, "growth": 0.5, "school_quality": 0.5},
                group=("english_learner", "yes"),
            )
        )
        return schools

    both = {2023: year(0.1), 2024: year(0.15)}
    out = {i.school: i for i in identify(both, PLAN, 2024)}
    assert out["b"].targeted
    assert not out["b"].comprehensive
    reason = next(r for r in out["b"].reasons if r.code == "subgroup_underperforming")
    assert reason.params["years"] == [2024, 2023]
    assert out["b"].groups == (("english_learner", "yes"),)
    once = {2023: year(0.9), 2024: year(0.15)}
    assert not {i.school: i for i in identify(once, PLAN, 2024)}["b"].targeted
    missing = {2024: year(0.15)}
    assert not {i.school: i for i in identify(missing, PLAN, 2024)}["b"].targeted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.floats(0.01, 0.99), st.booleans(), st.booleans()), min_size=1, max_size=8)
)
def test_suppressed_figures_never_appear_in_reasons(rows):
    """Every number in a reason is a published value; a withheld one is None."""
    years = {}
    for y in (2023, 2024):
        figures = []
        for k, (value, shown, group_shown) in enumerate(rows):
            school = f"s{k}"
            figures.append(
                fig(
                    school,
                    {"proficiency": value, "growth": 0.4, "school_quality": 0.3},
                    shown={"proficiency": shown, "growth": True, "school_quality": True},
                )
            )
            figures.append(
                fig(
                    school,
                    {"proficiency": value / 3, "growth": 0.1, "school_quality": 0.1},
                    group=("gender", "female"),
                    shown={"proficiency": group_shown, "growth": True, "school_quality": True},
                )
            )
        years[y] = figures
    for ident in identify(years, PLAN, 2024):
        value, shown, group_shown = rows[int(ident.school[1:])]
        for reason in ident.reasons:
            if reason.code in ("lowest_share", "above_cutoff"):
                assert (reason.params["composite"] is None) == (not shown)
            if reason.code == "subgroup_underperforming":
                assert all((c is None) == (not group_shown) for c in reason.params["composites"])
        assert (ident.composite is None) == (not shown)


def test_preview_counts_what_would_change():
    schools = year_of([("a", 0.2), ("b", 0.5), ("c", 0.7), ("d", 0.9)])
    wider = parse_plan({**BASE, "lowest_share": 0.5})
    p = preview({2024: schools}, PLAN, wider, 2024)
    assert p.counts["comprehensive_before"] == 1
    assert p.counts["comprehensive_after"] == 2
    assert p.counts["changed"] == 1
    assert {r.school: r.change for r in p.rows}["b"] == "none→comprehensive"
    assert {r.school: r.change for r in p.rows}["a"] == "same"
    first = preview({2024: schools}, None, PLAN, 2024)
    assert first.counts["comprehensive_before"] == 0
    assert {r.school: r.change for r in first.rows}["a"] == "none→comprehensive"
    tsi = fig(
        "b", {"proficiency": 0.0, "growth": 0.0, "school_quality": 0.0}, group=("gender", "male")
    )
    p2 = preview({2024: [*schools, tsi]}, None, parse_plan({**BASE, "consecutive_years": 1}), 2024)
    assert {r.school: r.change for r in p2.rows}["b"] == "none→targeted"


def test_improvement_only_between_published_figures():
    before = fig(
        "a", {"proficiency": 0.4, "growth": 0.5}, shown={"proficiency": True, "growth": False}
    )
    now = fig("a", {"proficiency": 0.5, "growth": 0.7})
    change = improvement(before, now, ["proficiency", "growth", "on_track"])
    assert change == {"proficiency": pytest.approx(0.1), "growth": None, "on_track": None}


def test_a_weight_that_is_not_a_number_is_refused_on_its_field():
    found = problems({**BASE, "indicators": {"proficiency": "half", "growth": 0.5}})
    assert "indicators.proficiency.weight" in found
    assert "lowest_share" in problems({**BASE, "lowest_share": "some"})
