"""The class grid (cells, filters, CSV, query count), the scoring sheet's autosave with its
400/409 answers, and flexible groups (formed, saved, printed)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proficio.audit.context import acting
from proficio.classroom.models import GroupSet, ScoringTask
from proficio.evidence import actions as evidence
from proficio.mastery.models import Determination


@pytest.fixture
def task(world):
    return ScoringTask.objects.get(title="World task")


def _record(world, student, code, *scores):
    rivera = world.user("rivera")
    with acting(rivera, route="tests"):
        for n, score in enumerate(scores):
            evidence.record_evidence(
                rivera,
                student=student,
                kind="performance_task" if n % 2 == 0 else "project",
                title=f"Task {code} {n}",
                assessed_at=timezone.now() - timezone.timedelta(days=10 - n),
                scores=[evidence.ScoreInput(world.target(code), score)],
            )


def test_grid_shows_levels_by_text_and_icon_and_tells_insufficient_apart(world, client):
    _record(world, world.ben, "MATH.1.3", 3, 4)  # proficient or above
    _record(world, world.ben, "MATH.1.4", 2)  # one piece: not enough evidence yet
    client.force_login(world.user("rivera"))
    response = client.get(reverse("classroom:grid", args=[world.rivera_section.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert ">MATH.1.3</abbr>" in page
    # The mathematics course's scope: mathematics only, unless widened deliberately.
    assert ">HAB.1.1</abbr>" not in page
    assert ">WRIT.1.1</abbr>" not in page
    assert "MATH.3.1" in page
    assert "EDU" not in page
    assert 'data-scope="course"' in page
    wide = client.get(reverse("classroom:grid", args=[world.rivera_section.pk]), {"scope": "all"})
    assert ">HAB.1.1</abbr>" in wide.content.decode()
    assert 'data-scope="all"' in wide.content.decode()
    assert 'class="gc gc-insufficient"' in page
    assert "Not enough evidence yet" in page
    assert 'class="gc gc-none"' in page
    assert "Not yet assessed" in page
    href = reverse("mastery:student_target", args=[world.ben.pk, world.target("MATH.1.3").pk])
    assert href in page  # a cell opens the evidence and explanation
    assert "data-chart" in page
    assert "Show the data as a table" in page


def test_grid_reads_in_a_fixed_number_of_queries(world, client):
    client.force_login(world.user("rivera"))
    url = reverse("classroom:grid", args=[world.rivera_section.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _record(world, world.ana, "MATH.2.1", 3, 3)
    _record(world, world.ben, "WRIT.1.1", 1, 2)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few) <= 22  # 15, the standings, the unread-notifications count


def test_grid_filters_and_sorts(world, client):
    _record(world, world.ben, "MATH.1.3", 3, 4)
    client.force_login(world.user("rivera"))
    url = reverse("classroom:grid", args=[world.rivera_section.pk])
    math1 = world.target("MATH.1.3").outgoing.get(association_type="isChildOf").destination_item
    page = client.get(url, {"competency": math1.pk}).content.decode()
    assert ">MATH.1.3</abbr>" in page
    assert ">WRIT.1.1</abbr>" not in page
    page = client.get(url, {"level": "proficient"}).content.decode()
    page_adv = client.get(url, {"level": "advanced"}).content.decode()
    assert (world.ben.display_name in page) or (world.ben.display_name in page_adv)
    assert world.ana.display_name not in page
    page = client.get(url, {"sort": "proficient_desc", "pace": ""}).content.decode()
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert world.ben.display_name in first_row
    assert client.get(url, {"competency": "nonsense", "sort": "x"}).status_code == 200


def test_grid_csv_names_targets_by_code(world, client):
    _record(world, world.ben, "MATH.1.3", 3, 4)
    client.force_login(world.user("principal"))
    response = client.get(reverse("classroom:grid_csv", args=[world.rivera_section.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[:2] == ["Student", "Local ID"]
    assert "MATH.1.3" in header
    assert "Targets met" in header
    assert "Rising" in header
    ben = next(r for r in rows if r[0] == world.ben.display_name)
    # Ben's standing on MATH.1, in the words of the pages (one definition).
    assert ben[header.index("MATH.1 standing")].startswith("Level 3")
    # Levels 1 and 2 are met through the Level 3 evidence (the district infers them).
    assert ben[header.index("MATH.1.1")] == "Met through a higher level's evidence"
    assert ben[header.index("MATH.1.3")].split()[0] in ("3", "4")
    assert ben[header.index("MATH.1.4")] == "Not yet assessed"


def test_scoring_sheet_autosave_and_its_answers(world, client, task):
    client.force_login(world.user("rivera"))
    section = world.rivera_section
    page = client.get(reverse("classroom:scoring", args=[section.pk, task.pk])).content.decode()
    assert 'role="grid"' in page
    assert 'aria-live="polite"' in page
    assert "scoring.js" in page
    criterion = task.rubric.criteria.order_by("position", "pk").first()
    url = reverse("classroom:score", args=[section.pk, task.pk])
    data = {"student": world.ben.pk, "criterion": criterion.pk, "score": "3", "version": "0"}
    ok = client.post(url, data)
    assert ok.status_code == 200
    body = ok.content.decode()
    assert 'data-version="1"' in body
    assert 'hx-swap-oob="true"' in body
    assert "Saved:" in body
    assert Determination.objects.filter(student=world.ben, target=criterion.item).exists()
    # The same page, still at version 0, tries to save over it: 409 with the newer value.
    stale = client.post(url, {**data, "score": "1"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed to 3" in text
    assert 'data-score="3"' in text
    # A level outside the rubric: 400, with the allowed levels, and nothing saved.
    bad = client.post(url, {**data, "score": "9", "version": "1"})
    assert bad.status_code == 400
    assert "9 is not a level" in bad.content.decode()
    assert 'data-score="3"' in bad.content.decode()
    assert client.post(url, {**data, "score": "x", "version": "1"}).status_code == 400
    assert client.post(url, {**data, "criterion": "0"}).status_code == 400
    # Attendance and comment.
    row = client.post(
        reverse("classroom:task_student", args=[section.pk, task.pk]),
        {"student": world.ana.pk, "version": "0", "attendance": "absent", "comment": "Trip"},
    )
    assert row.status_code == 200
    assert "row-absent" in row.content.decode()
    again = client.post(
        reverse("classroom:task_student", args=[section.pk, task.pk]),
        {"student": world.ana.pk, "version": "0", "attendance": "present", "comment": ""},
    )
    assert again.status_code == 409


def test_new_task_form(world, client):
    client.force_login(world.user("rivera"))
    url = reverse("classroom:tasks", args=[world.rivera_section.pk])
    page = client.get(url).content.decode()
    assert "Number sense and operations rubric" in page
    from proficio.frameworks.models import Rubric

    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    bad = client.post(url, {"title": "Quiz", "kind": "performance_task", "rubric": rubric.pk})
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()
    good = client.post(
        url,
        {
            "title": "Place value quiz",
            "kind": "quiz",
            "assessed_on": timezone.localdate().isoformat(),
            "rubric": rubric.pk,
        },
    )
    assert good.status_code == 302
    assert ScoringTask.objects.filter(title="Place value quiz").exists()


def test_groups_are_formed_saved_and_printed(world, client):
    _record(world, world.ana, "MATH.1.2", 3, 4)
    _record(world, world.ben, "MATH.1.1", 1, 1)
    client.force_login(world.user("rivera"))
    url = reverse("classroom:groups", args=[world.rivera_section.pk])
    target = world.target("MATH.1.2")
    page = client.get(url, {"target": target.pk}).content.decode()
    assert "Ready to move on or extend" in page
    assert "Needs reteaching on prerequisite MATH.1.1" in page
    extend = page.split("Ready to move on or extend")[1]
    assert world.ana.display_name in extend
    reteach = page.split("Needs reteaching on prerequisite MATH.1.1")[1].split("</section>")[0]
    assert world.ben.display_name in reteach
    saved = client.post(url, {"target": target.pk, "title": "Tuesday groups"})
    assert saved.status_code == 302
    group_set = GroupSet.objects.get(title="Tuesday groups")
    printable = client.get(saved["Location"]).content.decode()
    assert "Tuesday groups" in printable
    assert world.ben.display_name in printable
    assert group_set.members.count() == len(
        world.rivera_section.enrollments.values_list("student", flat=True)
    )
    # A leader may look but not save.
    client.force_login(world.user("principal"))
    assert client.get(url, {"target": target.pk}).status_code == 200
    assert client.post(url, {"target": target.pk, "title": "x"}).status_code == 404
