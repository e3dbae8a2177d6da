"""The published release: one audited set of figures behind every page, export and API.

The world's district has its release published by the daily check (the ``paced``
fixture runs it). These tests read the stored release the way an attacker would read
what the district publishes, and check the pages, CSV, JSON, API and state pages
against it and against each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import json
import re

import numpy as np
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from scipy.optimize import Bounds, LinearConstraint, milp

from proficio.audit.context import acting
from proficio.core.equity.audit import intervals, join_days
from proficio.insights import data
from proficio.insights import release as release_module
from proficio.insights.actions import publish_release, unpack
from proficio.insights.models import HeldRelease, PublishedRelease
from proficio.pace import actions as pace_actions
from proficio.policy import SYSTEM
from tests.insights.stand_in import stand_in_roster
from tests.world_educators import micro_credentialed_by_hand

COUNT_FIELDS = {
    "students": "students",
    "behind_pace_percent": "behind",
    "proficient_percent": "proficient",
    "stalled_percent": "stalled",
    "taught_by_micro_credentialed_percent": "micro_credentialed",
}


def latest(world):
    return PublishedRelease.objects.filter(district=world.org("riverbend")).latest("pk")


def test_every_hidden_count_spans_the_threshold(paced, world):
    release = latest(world)
    system, hidden, _, _ = unpack(release.audit_state)
    assert hidden.any()
    low, high = intervals(system, hidden)
    width = high[hidden] - low[hidden] + 1
    assert (width >= release.threshold).all(), width.min()
    # Nothing small is published, zeros aside.
    shown = ~hidden & ~system.latent
    assert not (shown & (system.values > 0) & (system.values < release.threshold)).any()
    assert release.summary["withheld"] == int(hidden.sum())
    assert release.summary["unprotected"] == 0


def test_maple_english_learners_behind_pace_cannot_be_pinned(paced, world):
    release = latest(world)
    system, hidden, links, _ = unpack(release.audit_state)
    maple = world.org("maple-ms").pk
    cell = links[f"school:{maple}|english_learner=yes#1"]  # size, then behind yes
    value = int(system.values[cell])
    if 0 < value < release.threshold:
        assert hidden[cell]
    if hidden[cell]:
        low, high = intervals(system, hidden)
        assert high[cell] - low[cell] + 1 >= release.threshold
    row = next(
        r
        for r in release.rows
        if r["org"] == maple and r["breakdown"] == "english_learner" and r["key"] == "yes"
    )
    assert (row["behind"] is None) == bool(hidden[cell] or hidden[cell + 1])


def _page_cells(html, caption):
    """The rows of the table with this caption, as lists of cell texts."""
    table = re.search(
        r"<table[^>]*>\s*<caption>" + re.escape(caption) + r"</caption>(.*?)</table>",
        html,
        re.S,
    )
    assert table, caption
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]
    return [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c).strip())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_pages_csv_json_api_and_state_pages_agree(paced, world, client):
    district = world.org("riverbend")
    client.force_login(world.user("state.analyst"))
    body = client.get(reverse("insights:export", args=[district.pk, "json"])).json()
    api = client.get(reverse("api:organization_aggregates", args=[district.pk])).json()
    text = client.get(reverse("insights:export", args=[district.pk, "csv"])).content.decode()
    from_csv = list(csv.DictReader(io.StringIO(text)))
    assert api["rows"] == body["rows"]
    assert len(from_csv) == len(body["rows"])
    hidden_anywhere = 0
    for row, line in zip(body["rows"], from_csv, strict=True):
        assert line["group"] == row["group"]
        assert line["suppressed"] == ("true" if row["suppressed"] else "false")
        for field in COUNT_FIELDS:
            if field in row["suppressed_fields"]:
                assert row[field] is None
                assert line[field] == "suppressed"  # never blank
                hidden_anywhere += 1
            else:
                assert line[field] == ("n/a" if row[field] is None else str(row[field]))
    assert hidden_anywhere
    # The dashboard shows the same figures.
    html = client.get(reverse("insights:dashboard", args=[district.pk])).content.decode()
    school_rows = [r for r in body["rows"] if r["breakdown"] == "school"]
    page = _page_cells(html, "By school")
    assert len(page) == len(school_rows)
    for cells, row in zip(page, school_rows, strict=True):
        assert cells[0] == row["group"]
        students = "<10 or withheld" if row["students"] is None else str(row["students"])
        assert cells[1] == students
        rate = row["behind_pace_percent"]
        assert cells[2] == ("withheld" if rate is None else f"{rate}%")
    # The state export and the state analyst's home read the same release.
    state = client.get(
        reverse("insights:state_export", args=[world.org("columbia").pk]) + "?format=json"
    ).json()
    mine = [r for r in state["rows"] if r["district_code"] == "riverbend"]
    dims = [r for r in body["rows"] if r["breakdown"] in data.DIMENSIONS]
    assert [
        {k: v for k, v in r.items() if k not in ("district", "district_code", "dimension")}
        for r in mine
    ] == [{k: v for k, v in r.items() if k != "breakdown"} for r in dims]
    # The state CSV marks the same withheld figures, never with a blank.
    state_csv = client.get(
        reverse("insights:state_export", args=[world.org("columbia").pk]) + "?format=csv"
    ).content.decode()
    state_lines = list(csv.DictReader(io.StringIO(state_csv)))
    assert len(state_lines) == len(state["rows"])
    marked = 0
    for row, line in zip(state["rows"], state_lines, strict=True):
        assert line["district_code"] == row["district_code"]
        for field in COUNT_FIELDS:
            if field in row["suppressed_fields"]:
                assert line[field] == "suppressed"
                marked += 1
            else:
                assert line[field] == ("n/a" if row[field] is None else str(row[field]))
    assert marked
    home = client.get(reverse("web:role_home", args=["state_analyst"])).content.decode()
    caption = re.search(
        "<caption>" + re.escape(district.name) + r": (.*?)</caption>", home, re.S
    ).group(1)
    total = school_rows[-1]["students"]
    assert (str(total) in caption) if total is not None else ("withheld" in caption)
    for row in school_rows[:-1]:
        shown = "&lt;10 or withheld" if row["students"] is None else str(row["students"])
        assert re.search(
            r"<th scope=\"row\">" + re.escape(row["group"]) + r"</th><td>[^<]*</td>"
            r"<td class=\"num\">(<span[^>]*>)?" + re.escape(shown),
            home,
        ), row["group"]


def test_a_school_request_is_served_from_the_district_release(paced, world, client):
    """Asking for one school (or adding parameters) never re-suppresses a smaller table:
    the answer is the district release's rows for that school, hidden counts hidden."""
    release = latest(world)
    maple = world.org("maple-ms")
    client.force_login(world.user("principal"))
    url = reverse("insights:export", args=[maple.pk, "json"])
    body = client.get(url).json()
    again = client.get(url + "?threshold=1&min_cell_size=1&suppress=0").json()
    assert again == body
    stored = [r for r in release.rows if r["org"] == maple.pk]
    assert len(body["rows"]) == len(stored)
    for row, raw in zip(body["rows"], stored, strict=True):
        assert row["students"] == raw["students"]
        assert ("behind_pace_percent" in row["suppressed_fields"]) == (raw["behind"] is None)
    assert {r["breakdown"] for r in body["rows"]} >= {"section", "teacher", "cohort"}
    assert client.get(reverse("insights:export", args=[maple.pk, "xml"])).status_code == 404


def test_hidden_figures_are_marked_on_pages_in_both_languages(paced, world, client):
    client.force_login(world.user("district.admin"))
    url = reverse("insights:dashboard", args=[world.org("maple-ms").pk])
    html = client.get(url).content.decode()
    assert "&lt;10 or withheld" in html
    assert 'class="withheld"' in html
    assert (
        "*"
        not in re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S).split("<main", 1)[-1]
    )
    client.post(reverse("accounts:language"), {"language": "es", "next": url})
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "&lt;10 u oculto" in spanish


@override_settings(PROFICIO_MIN_CELL_SIZE=30)
def test_the_threshold_travels_with_the_release(paced, world, client):
    with acting(None, route="tests: publish", purpose="daily pace check"):
        publish_release(SYSTEM, world.org("riverbend"), day=latest(world).day)
    release = latest(world)
    assert release.threshold == 30
    assert release.summary["two_day"] is False  # a new threshold starts a new series
    assert release.summary["unprotected"] == 0
    system, hidden, _, _ = unpack(release.audit_state)
    low, high = intervals(system, hidden)
    assert (high[hidden] - low[hidden] + 1 >= 30).all()
    client.force_login(world.user("district.admin"))
    body = client.get(reverse("insights:export", args=[world.org("riverbend").pk, "json"])).json()
    assert body["suppression_threshold"] == 30
    for row in body["rows"]:
        assert row["students"] is None or row["students"] == 0 or row["students"] >= 30


def test_no_release_yet_is_said_not_computed(world, client):
    PublishedRelease.objects.all().delete()
    client.force_login(world.user("district.admin"))
    district = world.org("riverbend")
    html = client.get(reverse("insights:dashboard", args=[district.pk])).content.decode()
    assert "No release has been published yet" in html
    body = client.get(reverse("insights:export", args=[district.pk, "json"])).json()
    assert body["rows"] == []


def _bounds(system, hidden, k):
    """The independent attacker's (low, high) for hidden cell ``k`` of one day's cells."""
    a = system.relations.to_scipy()
    n = system.size
    unknown = hidden | system.latent
    lower = np.where(system.latent, 0.0, np.where(hidden, 1.0, system.values))
    upper = np.where(unknown, np.inf, system.values.astype(float))
    c = np.zeros(n)
    c[k] = 1
    cons = LinearConstraint(a, 0, 0)
    lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
    hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
    return round(lo.fun), (np.inf if hi.status != 0 else round(-hi.fun))


def _attack_two_days(first, second):
    """An attacker holding both stored releases who knows which figures did not change
    (linked by name and unchanged value), by integer programming from the raw relations
    of both days. Returns the narrowest interval (in possible values) of a hidden count."""
    s1, h1, links1, _ = unpack(first.audit_state)
    s2, h2, links2, _ = unpack(second.audit_state)
    pairs = sorted({(links1[k], v) for k, v in links2.items() if k in links1})
    joined = join_days(s1, h1, s2, pairs)
    hidden = np.zeros(joined.system.size, bool)
    hidden[: s1.size] = h1
    hidden[joined.today] |= h2
    system = joined.system
    a = system.relations.to_scipy()
    n = system.size
    unknown = hidden | system.latent
    lower = np.where(system.latent, 0.0, np.where(hidden, 1.0, system.values))
    upper = np.where(unknown, np.inf, system.values.astype(float))
    narrowest = np.inf
    for k in np.flatnonzero(hidden):
        c = np.zeros(n)
        c[k] = 1
        cons = LinearConstraint(a, 0, 0)
        lo = milp(c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        hi = milp(-c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=cons)
        top = np.inf if hi.status != 0 else round(-hi.fun)
        narrowest = min(narrowest, top - round(lo.fun) + 1)
    return narrowest


def test_two_consecutive_days_cannot_be_differenced(paced, world):
    """Day two: one student's status changes. Whoever downloads both days' releases
    still cannot narrow any hidden count (on either day) below the threshold."""
    from django.utils import timezone

    from proficio.evidence import actions as evidence
    from tests.world_pace import targets_at

    first = latest(world)
    rivera = world.user("rivera")
    with acting(rivera, route="tests: pace evidence"):
        evidence.record_evidence(
            rivera,
            student=world.ben,
            kind="performance_task",
            title="Caught up",
            assessed_at=timezone.now() - dt.timedelta(days=1),
            scores=[evidence.ScoreInput(targets_at(5)[-1], 3.0)],
        )
    with acting(None, route="tests: world pace", purpose="daily pace check"):
        pace_actions.refresh_pace(world.org("riverbend"), today=first.day + dt.timedelta(days=1))
    second = latest(world)
    assert second.pk != first.pk
    assert second.summary["two_day"] is True
    s1, _, _, _ = unpack(first.audit_state)
    s2, _, _, _ = unpack(second.audit_state)
    assert not np.array_equal(s1.values, s2.values)  # something did change
    assert _attack_two_days(first, second) >= second.threshold


def test_the_release_report_counts_before_and_after(paced, world):
    out = io.StringIO()
    call_command("release_report", "--district", "riverbend", stdout=out)
    line = out.getvalue()
    release = latest(world)
    assert f"{release.summary['cells']} cells" in line
    assert f"withheld after the joint audit: {release.summary['withheld']}" in line
    assert "withheld table by table (unaudited)" in line
    assert "LP attack" not in line
    out = io.StringIO()
    call_command("release_report", "--district", "riverbend", "--attack", stdout=out)
    attack_line = out.getvalue().splitlines()[-1]
    figures = re.search(
        r"table by table, (\d+) of (\d+) hidden counts narrowed below (\d+) possible values, "
        r"(\d+) pinned exactly; after the joint audit, (\d+) of (\d+) narrowed, (\d+) pinned",
        attack_line,
    )
    assert figures, attack_line
    old_narrow, old_hidden, limit, old_pinned, new_narrow, new_hidden, new_pinned = map(
        int, figures.groups()
    )
    assert limit == release.threshold
    assert (new_narrow, new_pinned) == (0, 0)
    assert new_hidden == release.summary["withheld"]
    assert old_pinned <= old_narrow <= old_hidden
    # The table-by-table figures, checked by the independent attacker of these tests.
    system, hidden = release_module.table_by_table_pattern(
        release_module.read_roster(world.org("riverbend"), release.day), release.threshold
    )
    widths = []
    for k in np.flatnonzero(hidden):
        lo, hi = _bounds(system, hidden, k)
        widths.append(hi - lo + 1)
    widths = np.array(widths)
    assert old_hidden == len(widths)
    assert old_narrow == int((widths < release.threshold).sum())
    assert old_pinned == int((widths == 1).sum())
    err = io.StringIO()
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no district"):
        call_command("release_report", "--district", "nowhere", stdout=err)


def test_a_human_cannot_publish(paced, world):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        publish_release(world.user("district.admin"), world.org("riverbend"), day=latest(world).day)
    with pytest.raises(ValueError, match="district"):
        publish_release(SYSTEM, world.org("maple-ms"), day=latest(world).day)
    assert json.loads(json.dumps(latest(world).summary))["cells"] > 0


def test_the_micro_credential_column_counts_what_the_roster_says(paced, world, client):
    """ "Taught by a teacher with a micro-credential": the snapshot's field per student,
    the release's published counts per school and district, and the dashboard's bias
    table, each against a count made by hand from enrolments and awards."""
    from django.utils import timezone

    from proficio.orgs.models import Student
    from proficio.pace.models import StudentPace

    district = world.org("riverbend")
    release = latest(world)
    by_hand = micro_credentialed_by_hand(district, timezone.localdate())
    snapshot = dict(
        StudentPace.objects.filter(
            competency__isnull=True, student__school__path__startswith=district.path
        ).values_list("student_id", "micro_credentialed_teacher")
    )
    assert snapshot == {s: by_hand.get(s) for s in snapshot}
    assert any(snapshot.values())  # Ms. Rivera holds one: her students say yes
    school_of = dict(Student.objects.filter(pk__in=snapshot).values_list("pk", "school_id"))
    # The audit's own cells (size, then yes/no per measure; the micro-credential pair
    # comes after behind, proficient and stalled) hold the hand counts, published or not.
    system, hidden, links, _ = unpack(release.audit_state)
    slot = 1 + 2 * release_module.CELL_MEASURES.index("micro_credentialed")
    checked = 0
    for row in release.rows:
        if row["org"] != district.pk or row["breakdown"] != "school":
            continue
        if row["total"]:
            members, name = list(snapshot), "district"
        else:
            members = [s for s in snapshot if school_of[s] == row["link"]]
            name = f"school:{row['link']}"
        expected = sum(1 for s in members if by_hand.get(s))
        yes, no = links[f"{name}#{slot}"], links[f"{name}#{slot + 1}"]
        assert int(system.values[yes]) == expected, row["group"]
        assert int(system.values[no]) == len(members) - expected, row["group"]
        if hidden[yes] or hidden[no] or row["students"] is None:
            assert row["micro_credentialed"] is None
            assert "micro_credentialed" in row["withheld"]
        else:
            assert row["micro_credentialed"] == expected, row["group"]
        checked += 1
    assert checked
    # The bias table shows it as a share of the published size, or says it is withheld.
    client.force_login(world.user("district.admin"))
    html = client.get(
        reverse("insights:dashboard", args=[district.pk]), {"by": "gender"}
    ).content.decode()
    assert "Taught by a teacher with a micro-credential (%)" in html
    page = _page_cells(html, "Bias checks by Gender")
    rows = [
        data.Row.of(r)
        for r in release.rows
        if r["org"] == district.pk and r["breakdown"] == "gender" and not r["total"]
    ]
    assert len(page) == len(rows)
    for cells, row in zip(page, rows, strict=True):
        share = row.bias["micro_credentialed"]
        if "micro_credentialed" in row.withheld:
            assert cells[-1] == "withheld"
        elif row.students == 0:  # an empty group has no share
            assert share is None
            assert cells[-1] == "n/a"
        else:
            assert share is not None
            assert cells[-1] == str(share)
            assert share == round(100 * row.micro_credentialed / row.students, 1)


def test_a_small_micro_credential_count_and_its_partners_are_withheld():
    """The column is a pair of cells of the joint audit: a school of 40 where 3 are taught
    by a holder is withheld, with a partner, so the district total cannot give it away;
    an attacker holding every published cell narrows no hidden one below the threshold."""
    n = 75
    micro = np.zeros(n, bool)
    micro[[0, 1, 2]] = True
    micro[40:60] = True
    roster = stand_in_roster(
        np.array([0] * 40 + [1] * 35),
        [(10, "North"), (11, "South")],
        behind=np.arange(n) % 2 == 0,
        proficient=np.arange(n) % 2 == 1,
        micro_credentialed=micro,
    )
    computed = release_module.compute(roster, 10)
    rows = {(r["breakdown"], r["group"]): r for r in computed.rows}
    north, south = rows[("school", "North")], rows[("school", "South")]
    assert north["micro_credentialed"] is None
    assert "micro_credentialed" in north["withheld"]
    assert south["micro_credentialed"] is None  # its partner
    assert north["students"] == 40
    total = next(r for r in computed.rows if r["breakdown"] == "school" and r["total"])
    assert total["micro_credentialed"] == 23
    assert data.Row.of(north).bias["micro_credentialed"] is None
    assert release_module.attack(computed.system, computed.hidden, 10)["narrowed"] == 0
    # Table by table, the same 3 would be hidden too (a primary cell), never shown.
    _, alone = release_module.table_by_table_pattern(roster, 10)
    assert alone.any()


def test_a_release_the_audit_cannot_protect_is_held(paced, world, client, monkeypatch):
    """When the joint audit reports figures it could not protect (``joint.held``; the
    core tests prove every count an attacker narrows is reported), the day's release is
    held: nothing is published, the last release stays current on every surface, the
    dashboard says so in both languages, and the next day is audited against the release
    that was published (never against the held one, which nobody saw)."""
    first = latest(world)
    riverbend = world.org("riverbend")
    client.force_login(world.user("district.admin"))
    url = reverse("insights:dashboard", args=[riverbend.pk])
    export = reverse("insights:export", args=[riverbend.pk, "json"])
    before = client.get(export).content
    assert "was not published" not in client.get(url).content.decode()
    held_day = first.day + dt.timedelta(days=1)
    monkeypatch.setattr(release_module, "held", lambda result: 2)
    assert publish_release(SYSTEM, riverbend, day=held_day) is None
    assert latest(world).pk == first.pk
    assert data.release_of(world.org("maple-ms")).pk == first.pk
    hold = HeldRelease.objects.get(district=riverbend)
    assert (hold.day, hold.unprotected, hold.threshold) == (held_day, 2, first.threshold)
    assert client.get(export).content == before  # the figures are the published ones
    page = client.get(url).content.decode()
    assert "was not published: 2 withheld figures could have been worked out" in page
    client.post(reverse("accounts:language"), {"language": "es", "next": url})
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "no se publicó: 2 cifras reservadas" in spanish
    client.post(reverse("accounts:language"), {"language": "en", "next": url})
    out = io.StringIO()
    call_command("release_report", "--district", "riverbend", stdout=out)
    assert f"release of {held_day} held (not published): 2 withheld figures" in out.getvalue()
    assert f"release of {first.day} (threshold" in out.getvalue()
    # The next day: audited against the last published release, and published.
    monkeypatch.undo()
    seen = []
    compute = release_module.compute

    def spy(roster, threshold, *, previous=None, alongside=()):
        seen.append(previous)
        return compute(roster, threshold, previous=previous, alongside=alongside)

    monkeypatch.setattr(release_module, "compute", spy)
    third = publish_release(SYSTEM, riverbend, day=held_day + dt.timedelta(days=1))
    assert third is not None
    assert third.summary["two_day"] is True
    system, hidden, links, _ = unpack(first.audit_state)
    assert np.array_equal(seen[0][0].values, system.values)
    assert np.array_equal(seen[0][1], hidden)
    assert seen[0][2] == links
    assert latest(world).pk == third.pk
    assert "was not published" not in client.get(url).content.decode()
