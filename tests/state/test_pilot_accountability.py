"""Pilot step 4: a pilot's calibrated results count as an accountability measure for the
participating schools only, published by the batch's rule, weighed by the plan, shown on
the scorecard with a link to the comparability report; refusals name why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from proficio.core.accountability.indicators import PILOT
from proficio.frameworks.models import Rubric
from proficio.moderation import actions as moderation
from proficio.moderation.models import Consensus, SampleSource, WorkSample
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM
from proficio.state import actions
from proficio.state.figures import latest_run
from proficio.state.models import Identification, Pilot, SchoolFigure
from tests.state.test_pages import demo_state  # noqa: F401 - the fixture
from tests.world_state import TODAY

# Per school: the consensus scores (two criteria each) of its samples; the standard is 3.
MAPLE = [(3, 3)] * 9 + [(2, 4)] * 3 + [(2, 3)] * 4 + [(1, 2)] * 8  # 12 of 24 meet it
CEDAR = [(4, 4)] * 14 + [(2, 2)] * 1  # 14 of 15: a no count of 1 is withheld


def _state() -> Organization:
    return Organization.objects.get(code="columbia")


def _outside_school() -> Organization:
    """A school of a district that is not in the pilot, with batch figures."""
    run = latest_run(_state())
    school_ids = SchoolFigure.objects.filter(run=run).values_list("school_id", flat=True)
    return (
        Organization.objects.filter(pk__in=school_ids, kind="school")
        .exclude(parent__code="riverbend")
        .order_by("code")
        .first()
    )


@pytest.fixture
def pilot_task(demo_state):  # noqa: F811
    pilot = Pilot.objects.get(name="Columbia pilot")  # Riverbend only
    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    criteria = moderation.criteria_of(rubric)
    item = next(c.item for c in criteria if c.item_id)
    task = actions.add_pilot_task(
        SYSTEM, pilot, title="Recipe scaling", item=item, rubric=rubric, standard=3.0
    )
    return pilot, task, criteria


def _session_with(task, criteria, rows_by_school):
    """A state-organized session of the task whose samples carry these consensus
    scores (the first two criteria; the others get the mean of the two, so a sample's
    calibrated score is the mean of the two given)."""
    session = moderation.create_session(
        SYSTEM, title="State moderation", task=task.title, rubric=task.rubric, owner=_state()
    )
    n = 0
    for school, rows in rows_by_school.items():
        for a, b in rows:
            n += 1
            sample = WorkSample.objects.create(
                session=session, code=f"P-{n:03d}", source=SampleSource.ANCHOR, origin_school=school
            )
            values = [a, b] + [(a + b) / 2] * (len(criteria) - 2)
            for c, v in zip(criteria, values, strict=True):
                Consensus.objects.create(sample=sample, criterion=c, score=v)
    actions.add_pilot_session(SYSTEM, task, session)
    return session


def _meets(rows):
    return sum(1 for a, b in rows if (a + b) / 2 >= 3), len(rows)


def test_counting_a_pilot_without_calibrated_results_is_refused(pilot_task):
    pilot, task, criteria = pilot_task
    with pytest.raises(ValidationError) as refused:
        actions.set_pilot_in_accountability(SYSTEM, pilot, True)
    assert "no calibrated results yet" in refused.value.message_dict["count_in_accountability"][0]
    pilot.refresh_from_db()
    assert pilot.count_in_accountability is False
    # A sample without a consensus on every criterion is no calibrated result either.
    session = moderation.create_session(
        SYSTEM, title="Half-done", task=task.title, rubric=task.rubric, owner=_state()
    )
    sample = WorkSample.objects.create(
        session=session,
        code="H-1",
        source=SampleSource.ANCHOR,
        origin_school=Organization.objects.get(code="maple-ms"),
    )
    Consensus.objects.create(sample=sample, criterion=criteria[0], score=4)
    actions.add_pilot_session(SYSTEM, task, session)
    with pytest.raises(ValidationError, match="no calibrated results yet"):
        actions.set_pilot_in_accountability(SYSTEM, pilot, True)


def test_the_results_count_for_participating_schools_only(pilot_task):
    pilot, task, criteria = pilot_task
    maple = Organization.objects.get(code="maple-ms")
    cedar = Organization.objects.get(code="cedar-es")
    outside = _outside_school()
    _session_with(task, criteria, {maple: MAPLE, cedar: CEDAR, outside: MAPLE})
    actions.set_pilot_in_accountability(SYSTEM, pilot, True)
    run = latest_run(_state())
    figures = {f.school.code: f for f in SchoolFigure.objects.filter(run=run, indicator=PILOT)}
    assert outside.code not in figures  # its district is not in the pilot
    for school, rows in ((maple, MAPLE), (cedar, CEDAR)):
        f = figures[school.code]
        assert (f.numerator, f.denominator) == _meets(rows)
        assert f.year == max(run.years)
        assert f.pilot == pilot
        assert f.dimension == "all"
        whole = SchoolFigure.objects.filter(
            run=run, school=school, year=f.year, dimension="all"
        ).exclude(indicator=PILOT)
        assert {w.students for w in whole} == {f.students}
    limit = run.threshold
    # Maple: 12 meet, 12 do not: published when the school's size is.
    assert figures["maple-ms"].published is (figures["maple-ms"].students >= limit)
    # Cedar: one result below the standard is a count under the threshold: withheld.
    assert figures["cedar-es"].published is False


def test_the_plan_weighs_the_pilot_and_the_scorecard_links_its_evidence(pilot_task, client, world):
    pilot, task, criteria = pilot_task
    maple = Organization.objects.get(code="maple-ms")
    _session_with(task, criteria, {maple: MAPLE})
    actions.set_pilot_in_accountability(SYSTEM, pilot, True)
    spec = {
        "indicators": {"school_quality": 0.5, PILOT: 0.5},
        "min_n": 10,
        "lowest_share": 0.34,
    }
    version = actions.new_plan_version(SYSTEM, _state(), spec, note="with the pilot")
    actions.adopt_plan_version(SYSTEM, version)
    run = latest_run(_state())
    year = max(run.years)

    def value(school, name):
        f = SchoolFigure.objects.get(
            run=run, school=school, year=year, dimension="all", indicator=name
        )
        return f.numerator / f.denominator, f.denominator

    quality, n_quality = value(maple, "school_quality")
    mine = Identification.objects.get(version=version, run=run, school=maple)
    pilot_value, _n = value(maple, PILOT)
    rated = [(0.5, pilot_value)] + ([(0.5, quality)] if n_quality >= 10 else [])
    expected = sum(w * v for w, v in rated) / sum(w for w, _ in rated)
    assert mine.rated  # the pilot's 24 results rate Maple even where quality is thin
    if mine.composite is not None:  # None only when a figure in it is withheld
        assert mine.composite == pytest.approx(expected, abs=5e-4)
    outside = _outside_school()
    theirs = Identification.objects.get(version=version, run=run, school=outside)
    if theirs.composite is not None:
        assert theirs.composite == pytest.approx(value(outside, "school_quality")[0], abs=5e-4)

    client.force_login(world.user("state.analyst"))
    page = client.get(reverse("state:scorecard", args=[maple.pk])).content.decode()
    assert "Pilot performance tasks: calibrated results meeting the standard" in page
    link = reverse("state:pilot", args=[pilot.pk]) + "#comparability"
    assert f'href="{link}"' in page
    other = client.get(reverse("state:scorecard", args=[outside.pk])).content.decode()
    assert "calibrated results meeting the standard" not in other

    # Stopping the count while the plan in force weighs it is refused, naming why.
    with pytest.raises(ValidationError, match="adopt a version without them first"):
        actions.set_pilot_in_accountability(SYSTEM, pilot, False)
    assert SchoolFigure.objects.filter(run=run, indicator=PILOT).exists()
    pilot.refresh_from_db()
    assert pilot.count_in_accountability is True

    # A new batch keeps the counted pilot's results among its figures.
    again = actions.run_batch(SYSTEM, _state(), engine="local", today=TODAY)
    again_pilot = SchoolFigure.objects.get(run=again, school=maple, indicator=PILOT)
    assert (again_pilot.numerator, again_pilot.denominator) == _meets(MAPLE)

    # Under a plan without it, the pilot can stop counting; its figures go.
    plain = actions.new_plan_version(
        SYSTEM, _state(), {**spec, "indicators": {"school_quality": 1.0}}, note="without"
    )
    actions.adopt_plan_version(SYSTEM, plain)
    actions.set_pilot_in_accountability(SYSTEM, pilot, False)
    assert not SchoolFigure.objects.filter(run=again, indicator=PILOT).exists()


def test_a_district_counts_through_one_pilot_only(pilot_task):
    pilot, task, criteria = pilot_task
    maple = Organization.objects.get(code="maple-ms")
    _session_with(task, criteria, {maple: MAPLE})
    actions.set_pilot_in_accountability(SYSTEM, pilot, True)
    second = actions.create_pilot(SYSTEM, _state(), name="Second pilot", districts=[maple.parent])
    task2 = actions.add_pilot_task(
        SYSTEM, second, title="Again", item=task.item, rubric=task.rubric, standard=2.0
    )
    task2.sessions.set(task.sessions.all())
    with pytest.raises(ValidationError, match="already count through the pilot"):
        actions.set_pilot_in_accountability(SYSTEM, second, True)


def test_task_and_session_refusals_name_their_field(pilot_task):
    pilot, task, _criteria = pilot_task
    with pytest.raises(ValidationError) as bad:
        actions.find_item("not-a-uuid")
    assert "item" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        actions.find_item("00000000-0000-0000-0000-000000000000")
    assert "No CASE item" in bad.value.message_dict["item"][0]
    with pytest.raises(ValidationError) as bad:
        actions.add_pilot_task(
            SYSTEM, pilot, title="Too high", item=task.item, rubric=task.rubric, standard=99
        )
    assert "standard" in bad.value.message_dict
    other_rubric = Rubric.objects.exclude(pk=task.rubric_id).filter(criteria__isnull=False).first()
    session = moderation.create_session(
        SYSTEM, title="Other rubric", task="x", rubric=other_rubric, owner=_state()
    )
    with pytest.raises(ValidationError, match="the task's rubric"):
        actions.add_pilot_session(SYSTEM, task, session)
