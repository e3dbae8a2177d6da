"""The state batch kernels: a student's rows do not depend on the partition, the replayed
standings agree with the single-pair policy path, and the school figures agree with a
pandas group-by and never publish a small count."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.accountability import batch as B
from proficio.core.accountability import indicators as ind
from proficio.core.mastery.policy import KIND_CODES, Point, Policy, Scale, Status, evaluate
from proficio.core.progression.pace import expected_level
from proficio.scale import synthetic as S

SCALE = Scale((1.0, 2.0, 3.0, 4.0), 3.0)
CODES = {v: k for k, v in KIND_CODES.items()}
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def state(seed, students=120, per=40, cohorts=True):
    shape = S.Shape(
        students=students,
        evidence_per_student=per,
        seed=seed,
        districts=2,
        schools_per_district=3,
        competencies=3,
        levels=5,
        cohorts=cohorts,
        chunk_students=50,
    )
    return shape, S.whole(shape)


def kernel_inputs(shape, w):
    c = S.continuum(shape)
    return (
        B.Evidence(**w["evidence"]),
        B.Enrollments(**w["enrollments"]),
        B.Continuum(c["competency"], c["level"]),
        B.Expectations(**S.expectations(shape)),
        B.BatchConfig(years=shape.years, policy=Policy(), scale=SCALE),
    )


def subset(table, mask):
    return {k: v[mask] for k, v in table.items()}


@SETTINGS
@given(st.integers(0, 10_000), st.integers(2, 7))
def test_a_students_rows_do_not_depend_on_the_partition(seed, parts):
    """Exactly, except growth, whose running maximum (``pace.highest_so_far``) lifts
    each group by a multiple of the partition's range: equal to 1e-9. The engines use
    the same partitions, so their growth is identical too."""
    shape, w = state(seed, students=60, per=30)
    ev, en, cont, exp, cfg = kernel_inputs(shape, w)
    whole = B.student_years(ev, en, cont, exp, cfg)
    pieces = []
    for p in range(parts):
        e = B.Evidence(**subset(w["evidence"], w["evidence"]["student"] % parts == p))
        n = B.Enrollments(**subset(w["enrollments"], w["enrollments"]["student"] % parts == p))
        pieces.append(pd.DataFrame(B.student_years(e, n, cont, exp, cfg)))
    joined = pd.concat(pieces).sort_values(["student", "year"]).reset_index(drop=True)
    expected = pd.DataFrame(whole)
    exact = [c for c in expected.columns if c != "growth"]
    pd.testing.assert_frame_equal(joined[exact], expected[exact], check_exact=True)
    np.testing.assert_allclose(joined.growth, expected.growth, rtol=0, atol=1e-9)


def test_standings_agree_with_the_single_pair_policy():
    """Proficient and opportunity to learn, recomputed student by student with
    ``policy.evaluate`` (the path every evidence write takes)."""
    shape, w = state(3, students=40, per=30, cohorts=False)
    ev, en, cont, exp, cfg = kernel_inputs(shape, w)
    out = pd.DataFrame(B.student_years(ev, en, cont, exp, cfg))
    evidence = pd.DataFrame(w["evidence"])
    epoch = dt.date(1970, 1, 1)
    e = S.expectations(shape)
    checked = 0
    for row in out.itertuples():
        end = ind.school_year_end(row.year)
        mine = evidence[(evidence.student == row.student) & (evidence.day <= end)]
        points = [
            (epoch + dt.timedelta(days=int(d)), float(lv))
            for dd, g, d, lv in zip(e["district"], e["grade"], e["day"], e["level"], strict=True)
            if dd == row.district and g == row.grade
        ]
        expected = (
            math.floor(expected_level(points, epoch + dt.timedelta(days=end)) + 1e-9)
            if points
            else None
        )
        standing, judged, assessed_at_or_below = {}, set(), 0
        for target, rows in mine.groupby("target"):
            pts = [
                Point(
                    str(k),
                    float(r.score),
                    dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=int(r.day)),
                    CODES[int(r.kind)],
                )
                for k, r in enumerate(rows.itertuples())
            ]
            result = evaluate(pts, Policy(), SCALE)
            if result.status in (Status.NOT_ASSESSED, Status.INSUFFICIENT):
                continue
            comp, level = int(cont.competency[target]), int(cont.level[target])
            judged.add(comp)
            place = level - 1 + min(result.value / 3.0, 1.0)
            standing[comp] = max(standing.get(comp, 0.0), place)
            if expected is not None and level <= expected:
                assessed_at_or_below += 1
        if expected is None or not judged:
            assert math.isnan(row.proficient)
            continue
        proficient = all(math.floor(standing[c] + 1e-9) >= expected for c in judged)
        assert row.proficient == float(proficient)
        assert row.assessed_targets == assessed_at_or_below
        per_level = [int(((cont.competency == c) & (cont.level <= expected)).sum()) for c in judged]
        assert row.expected_targets == sum(per_level)
        checked += 1
    assert checked > 20


def school_inputs(shape, w, years_rows):
    st_ = w["students"]
    frame = pd.DataFrame(years_rows).merge(
        pd.DataFrame(
            {"student": st_["student"], **{f"code{d}": st_[f"code{d}"] for d in range(5)}}
        ),
        on="student",
    )
    att = pd.DataFrame(w["attendance"]).astype({"enrolled": float, "absent": float})
    eng = pd.DataFrame(w["english"])
    frame = frame.merge(att, on=["student", "year"], how="left")
    frame = frame.merge(
        eng.rename(columns={"level": "el_level"}), on=["student", "year"], how="left"
    )
    frame = frame.merge(
        eng.assign(year=eng.year + 1).rename(columns={"level": "el_previous"}),
        on=["student", "year"],
        how="left",
    )
    cohorts = pd.DataFrame(w["cohorts"]).merge(
        pd.DataFrame(
            {"student": st_["student"], **{f"code{d}": st_[f"code{d}"] for d in range(5)}}
        ),
        on="student",
    )
    return frame, cohorts


def figures_of(frame, cohorts, years, threshold=5):
    cols = [*B.SCHOOL_COLUMNS, *[f"code{d}" for d in range(5)]]
    inputs = B.SchoolInputs(
        rows={c: frame[c].to_numpy() for c in cols},
        cohorts={
            c: cohorts[c].to_numpy() for c in [*B.COHORT_COLUMNS, *[f"code{d}" for d in range(5)]]
        },
        dimensions=S.DIMENSIONS,
    )
    return pd.DataFrame(B.school_figures(inputs, years, threshold))


@pytest.fixture(scope="module")
def school_case():
    shape, w = state(11, students=300, per=20)
    ev, en, cont, exp, cfg = kernel_inputs(shape, w)
    frame, cohorts = school_inputs(shape, w, B.student_years(ev, en, cont, exp, cfg))
    return shape, frame, cohorts, figures_of(frame, cohorts, shape.years)


def test_school_figures_match_a_group_by(school_case):
    _shape, frame, _, figures = school_case
    whole = figures[figures.dimension == "all"]
    for (school, year), rows in frame.groupby(["school", "year"]):
        got = whole[(whole.school == school) & (whole.year == year)].set_index("indicator")
        known = rows.proficient.dropna()
        if len(known):
            assert got.loc["proficiency", "numerator"] == known.sum()
            assert got.loc["proficiency", "denominator"] == len(known)
        g = rows.growth.dropna()
        if len(g):
            assert got.loc["growth", "numerator"] == pytest.approx(g.sum())
        assert got.loc["opportunity_to_learn", "denominator"] == rows.expected_targets.sum()
        counted = rows[rows.enrolled >= 10]
        if len(counted):
            chronic = (counted.absent >= 0.1 * counted.enrolled).sum()
            assert got.loc["chronic_absence", "numerator"] == chronic
    gender = figures[(figures.dimension == "gender") & (figures.indicator == "proficiency")]
    for (school, year, group), rows in frame.groupby(["school", "year", "code4"]):
        label = S.DIMENSIONS["gender"][group]
        got = gender[(gender.school == school) & (gender.year == year) & (gender.group == label)]
        known = rows.proficient.dropna()
        assert (len(got) == 0) == (len(known) == 0)
        if len(known):
            assert got.numerator.iloc[0] == known.sum()


def test_graduation_rates_are_in_the_figures(school_case):
    shape, _, cohorts, figures = school_case
    four = figures[(figures.indicator == "graduation_4") & (figures.dimension == "all")]
    last = shape.years[-1]
    expected = cohorts[(cohorts.cohort_year == last - 3) & ~cohorts.removed]
    for school, rows in expected.groupby("school"):
        got = four[(four.school == school) & (four.year == last)]
        assert got.denominator.iloc[0] == len(rows)
        assert got.numerator.iloc[0] == (rows.awarded_on >= 0).sum()


def test_published_figures_hold_no_small_count(school_case):
    _, _, _, figures = school_case
    counts = figures[figures.indicator.isin(sorted(ind.STUDENT_COUNTS)) & figures.published]
    yes, n = counts.numerator.round().astype(int), counts.denominator
    for value in (yes, n - yes, n):
        assert ((value == 0) | (value >= 5)).all()
    sizes = figures[figures.students_published].students
    assert ((sizes == 0) | (sizes >= 5)).all()
    # No figure is published about a group whose size is withheld: not a share of
    # targets (opportunity to learn), not a mean, not a rate.
    assert not (figures.published & ~figures.students_published).any()
    otl = figures[figures.indicator == "opportunity_to_learn"]
    assert (otl.published & (otl.denominator >= 5) & (otl.students < 5)).sum() == 0
    assert ((otl.denominator >= 5) & (otl.students < 5)).any()  # the case arises
    assert (~figures.published).any()  # something was withheld at this size


def test_school_figures_do_not_depend_on_the_partition(school_case):
    shape, frame, cohorts, figures = school_case
    parts = [
        figures_of(frame[frame.school % 2 == k], cohorts[cohorts.school % 2 == k], shape.years)
        for k in (0, 1)
    ]
    joined = pd.concat(parts).sort_values(["school", "year", "dimension", "group", "indicator"])
    ordered = figures.sort_values(["school", "year", "dimension", "group", "indicator"])
    pd.testing.assert_frame_equal(joined.reset_index(drop=True), ordered.reset_index(drop=True))


def test_empty_and_bad_inputs():
    shape, w = state(1, students=10, per=5, cohorts=False)
    ev, en, cont, exp, cfg = kernel_inputs(shape, w)
    none = B.Enrollments(*(np.zeros(0, np.int64) for _ in range(5)))
    assert B.student_years(ev, none, cont, exp, cfg)["student"].size == 0
    bad = B.Evidence(ev.student[:1], np.array([10_000]), ev.day[:1], ev.score[:1], ev.kind[:1])
    with pytest.raises(ValueError, match="outside the continuum"):
        B.student_years(bad, en, cont, exp, cfg)
    with pytest.raises(ValueError, match="one value per row"):
        B.Evidence(ev.student, ev.target[:1], ev.day, ev.score, ev.kind)
    with pytest.raises(ValueError, match="one value per row"):
        B.Enrollments(en.student, en.year[:1], en.school, en.district, en.grade)
    with pytest.raises(ValueError, match="one value per target"):
        B.Continuum(np.zeros(2, np.int64), np.ones(3, np.int64))
    with pytest.raises(ValueError, match="start at 1"):
        B.Continuum(np.zeros(1, np.int64), np.zeros(1, np.int64))
    nothing = B.Expectations(*(np.zeros(0, np.int64) for _ in range(3)), np.zeros(0))
    assert np.isnan(nothing.expected(np.array([0]), np.array([3]), 100)).all()
    out = B.student_years(ev, en, cont, nothing, cfg)
    assert np.isnan(out["proficient"]).all()
    empty = B.SchoolInputs(
        rows={c: np.zeros(0) for c in [*B.SCHOOL_COLUMNS, *[f"code{d}" for d in range(5)]]},
        cohorts={},
        dimensions=S.DIMENSIONS,
    )
    assert B.school_figures(empty, shape.years, 5)["school"].size == 0
    no_dims = B.SchoolInputs(
        rows={c: np.zeros(0) for c in B.SCHOOL_COLUMNS}, cohorts={}, dimensions={}
    )
    assert B.school_figures(no_dims, shape.years, 5)["school"].size == 0


def test_expectations_only_where_the_district_and_grade_have_some():
    """A (district, grade) with no expectation gets NaN; the others the pace kernel's
    interpolation, computed here with ``expected_level`` directly."""
    day0 = (dt.date(2024, 9, 1) - dt.date(1970, 1, 1)).days
    exp = B.Expectations(
        district=np.array([0, 0]),
        grade=np.array([3, 3]),
        day=np.array([day0, day0 + 100]),
        level=np.array([1.0, 2.0]),
    )
    got = exp.expected(np.array([0, 1, 0]), np.array([3, 3, 4]), day0 + 50)
    epoch = dt.date(1970, 1, 1)
    points = [(epoch + dt.timedelta(days=day0), 1.0), (epoch + dt.timedelta(days=day0 + 100), 2.0)]
    assert got[0] == pytest.approx(expected_level(points, epoch + dt.timedelta(days=day0 + 50)))
    assert got[0] == pytest.approx(1.5)
    assert np.isnan(got[1])
    assert np.isnan(got[2])


def test_a_year_with_no_enrolment_has_no_rows():
    shape, w = state(5, students=20, per=10, cohorts=False)
    ev, en, cont, exp, cfg = kernel_inputs(shape, w)
    later = B.BatchConfig(years=(*shape.years, shape.years[-1] + 5), policy=Policy(), scale=SCALE)
    base = pd.DataFrame(B.student_years(ev, en, cont, exp, cfg))
    more = pd.DataFrame(B.student_years(ev, en, cont, exp, later))
    assert shape.years[-1] + 5 not in set(more.year)
    pd.testing.assert_frame_equal(base, more)


def test_without_cohorts_there_are_no_graduation_figures(school_case):
    shape, frame, cohorts, figures = school_case
    none = figures_of(frame, cohorts.iloc[0:0], shape.years)
    assert not none.indicator.isin(sorted(ind.GRADUATION)).any()
    rest = figures[~figures.indicator.isin(sorted(ind.GRADUATION))]
    key = ["school", "year", "dimension", "group", "indicator"]
    pd.testing.assert_frame_equal(
        none.sort_values(key).reset_index(drop=True), rest.sort_values(key).reset_index(drop=True)
    )


def _shown(n: int, limit: int) -> bool:
    return n == 0 or n >= limit


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 60), st.integers(1, 12))
def test_a_whole_school_rate_is_published_by_the_batch_rule(yes, no, extra, limit):
    """Independently: a yes count and a no count (and the school's size) each zero or at
    least the threshold; the batch applies it to its own figures."""
    students = yes + no + extra
    expected = _shown(yes, limit) and _shown(no, limit) and _shown(students, limit)
    assert B.rate_published(yes, yes + no, students, limit) is expected


def test_rate_published_refuses_impossible_counts():
    with pytest.raises(ValueError, match="between 0 and the denominator"):
        B.rate_published(5, 4, 10, 3)
