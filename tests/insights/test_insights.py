"""Leader dashboards and exports: every figure suppressed, students only within policy."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from django.test import override_settings
from django.urls import reverse

from proficio.insights import data
from tests.insights.stand_in import stand_in_roster


def test_district_dashboard_shows_breakdowns_equity_and_the_off_pace_list(paced, world, client):
    client.force_login(world.user("district.admin"))
    url = reverse("insights:dashboard", args=[world.org("riverbend").pk])
    page = client.get(url)
    text = page.content.decode()
    for heading in ("Summary", "Students off pace", "By school"):
        assert heading in text
    # The other breakdowns are one selector away, one table at a time.
    for label in ("Grade band", "Race / ethnicity", "Gender", "Predictability"):
        assert f">{label}</a>" in text
    assert "By grade band" not in text
    assert world.ben.display_name in text  # off pace, and the admin may open him
    assert "By grade band" in client.get(url, {"by": "grade_band"}).content.decode()
    equity = client.get(url, {"by": "race_ethnicity"}).content.decode()
    assert "Bias checks" in equity
    assert "Gaps by race / ethnicity" in equity
    fairness = client.get(url, {"by": "fairness"}).content.decode()
    assert "Predictability of success" in fairness


def test_school_dashboard_breaks_down_by_section_and_teacher(paced, world, client):
    client.force_login(world.user("principal"))
    url = reverse("insights:dashboard", args=[world.org("maple-ms").pk])
    assert b"By section" in client.get(url, {"by": "section"}).content
    assert b"By teacher" in client.get(url, {"by": "teacher"}).content
    # A breakdown the school does not offer falls back to the first, never an error.
    assert b"By grade band" in client.get(url, {"by": "school"}).content


def test_state_analyst_sees_aggregates_but_no_students(paced, world, client):
    client.force_login(world.user("state.analyst"))
    text = client.get(reverse("insights:dashboard", args=[world.org("riverbend").pk])).content
    assert b"Students off pace" not in text
    assert world.ben.display_name.encode() not in text
    export = client.get(reverse("insights:state_export", args=[world.org("columbia").pk]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["dimension"] for r in rows} >= {"race_ethnicity", "gender"}
    assert rows
    for row in rows:
        assert row["students"] == "suppressed" or int(row["students"]) in (0, *range(10, 10**6))
        assert (row["students"] == "suppressed") <= (row["suppressed"] == "true")


def _published_counts(rows):
    for row in rows:
        n = row["students"]
        if n is not None:
            yield n
            for key in ("behind_pace_percent", "proficient_percent", "stalled_percent"):
                if row[key] is not None and n:
                    yield round(row[key] * n / 100)
                    yield n - round(row[key] * n / 100)


def test_exports_publish_no_small_counts(paced, world, client):
    client.force_login(world.user("district.admin"))
    url = reverse("insights:export", args=[world.org("riverbend").pk, "json"])
    body = json.loads(client.get(url).content)
    assert body["suppression_threshold"] == 10
    counts = list(_published_counts(body["rows"]))
    assert counts
    assert all(c == 0 or c >= 10 for c in counts)
    csv_text = client.get(
        reverse("insights:export", args=[world.org("riverbend").pk, "csv"])
    ).content.decode()
    assert csv_text.startswith("breakdown,group,students")


def test_a_small_behind_count_and_its_partners_are_withheld():
    """A tiny district: one school of 40 with 3 behind, one of 35. Hiding the 3 alone
    would leave it as the district's count minus the other school's."""
    from proficio.insights.release import compute

    n = 75
    school = np.array([0] * 40 + [1] * 35)
    behind = np.zeros(n, bool)
    behind[[0, 1, 2]] = True
    behind[40:60] = True
    roster = stand_in_roster(
        school,
        [(10, "North"), (11, "South")],
        behind=behind,
        proficient=np.arange(n) % 2 == 0,
    )
    computed = compute(roster, 10)
    by_school = {r["group"]: r for r in computed.rows if r["breakdown"] == "school"}
    assert by_school["North"]["behind"] is None
    assert by_school["South"]["behind"] is None  # its partner
    assert "behind" in by_school["North"]["withheld"]
    assert by_school["North"]["students"] == 40
    assert by_school["North"]["stalled"] == 0
    assert np.isclose(by_school["North"]["growth"], 1.0)


def test_teacher_cannot_open_a_dashboard(world, client):
    client.force_login(world.user("rivera"))
    assert (
        client.get(reverse("insights:dashboard", args=[world.org("riverbend").pk])).status_code
        == 404
    )


def test_the_json_api_serves_suppressed_aggregates(paced, world, client):
    client.force_login(world.user("state.analyst"))
    url = reverse("api:organization_aggregates", args=[world.org("riverbend").pk])
    body = client.get(url).json()
    assert body["suppression_threshold"] == 10
    assert all(c == 0 or c >= 10 for c in _published_counts(body["rows"]))
    client.force_login(world.user("rivera"))
    assert client.get(url).status_code == 404


@override_settings(PROFICIO_MIN_CELL_SIZE=0)
def test_a_threshold_below_one_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="at least 1"):
        data.threshold()


def test_subgroup_codes_follow_the_federal_rollup(world):
    import numpy as np

    from proficio.orgs.models import Student
    from proficio.pace import engine

    students = list(
        Student.objects.filter(school__path__startswith=world.org("riverbend").path)
        .select_related("demographics")
        .order_by("pk")
    )
    ids = np.array([s.pk for s in students], dtype=np.int64)
    codes = engine.subgroup_codes(ids, within=world.org("riverbend").path)
    assert (codes == engine.subgroup_codes(ids)).all()
    levels = engine.SUBGROUP_LEVELS
    for row, student in zip(codes, students, strict=True):
        d = student.demographics
        assert levels["race_ethnicity"][row[0]] == d.federal_race_ethnicity
        assert row[1] == int(d.english_learner)
        assert levels["disability"][row[2]] == d.disability
        assert row[3] == int(d.economically_disadvantaged)
        assert levels["gender"][row[4]] == d.gender
