"""The everyday loop (issue: continuum, section 3 and the small things): the student's
whole evidence history a page at a time with returned work and its feedback kept in view,
the counselor's caseload with pace and open flags, the off-pace list with its total and
the way to the next page, plural counts on the leaders' homes, and the policy preview's
human labels and progress indicator."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from proficio.audit.models import AuditEntry
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import Evidence, EvidenceKind
from proficio.insights import views as insights_views
from proficio.learners import views as learners_views
from proficio.pace.models import StudentPace, SupportFlag


def _submit(world, title: str, days_ago: int) -> Evidence:
    return evidence_actions.record_evidence(
        world.user("ana"),
        student=world.ana,
        kind=EvidenceKind.PERFORMANCE_TASK,
        title=title,
        assessed_at=timezone.now() - dt.timedelta(days=days_ago),
        scores=[evidence_actions.ScoreInput(world.target("MATH.1.3"), 3.0)],
        submitted_by_student=True,
    )


def _two_behind(world) -> None:
    """Ben behind (the pace world), and a classmate of his grade with the same little
    evidence, then the daily check again: two students behind pace."""
    from proficio.audit.context import acting
    from proficio.orgs.models import Student
    from proficio.pace import actions as pace_actions
    from tests.world_pace import add_pace_evidence, targets_at

    add_pace_evidence()
    ben = world.ben
    other = (
        Student.objects.filter(school=ben.school, grade_level=ben.grade_level)
        .exclude(pk__in=[ben.pk, world.ana.pk])
        .order_by("pk")
        .first()
    )
    rivera = world.user("rivera")
    now = timezone.now()
    with acting(rivera, route="tests: everyday loop"):
        for days, score in ((90, 1.0), (70, 1.5)):
            evidence_actions.record_evidence(
                rivera,
                student=other,
                kind="quiz",
                title="Pace check",
                assessed_at=now - dt.timedelta(days=days),
                scores=[evidence_actions.ScoreInput(targets_at(3)[-1], score)],
            )
    with acting(None, route="tests: everyday loop", purpose="daily pace check"):
        pace_actions.refresh_pace(world.org("riverbend"))


def test_student_sees_all_her_evidence_a_page_at_a_time_and_returned_work_stays_in_view(
    world, client, monkeypatch
):
    monkeypatch.setattr(learners_views, "EVIDENCE_PAGE", 2)
    old = _submit(world, "Long-ago poster", days_ago=200)
    evidence_actions.return_evidence(
        world.user("rivera"), old, feedback="Label the axes, then send it again."
    )
    for i in range(3):
        _submit(world, f"Recent sketch {i}", days_ago=i + 1)
    total = Evidence.objects.filter(student=world.ana).count()
    assert total >= 5
    client.force_login(world.user("ana"))
    url = reverse("web:role_home", args=["student"])
    # The history is the home's evidence panel (``?show=evidence``), a page at a time.
    first = client.get(url, {"show": "evidence"})
    text = first.content.decode()
    assert len(first.context["evidence"]) == 2
    assert f"{total} pieces of evidence in all." in text
    pages = -(-total // 2)
    assert f"Page 1 of {pages}" in text
    # The returned piece is old (not on page 1 of the history) but its feedback is shown.
    assert old.pk not in {e.pk for e in first.context["evidence"]}
    returned = text[text.index("Returned to you with feedback") :]
    assert "Long-ago poster" in returned
    assert "Label the axes, then send it again." in returned
    # Every page together is the whole history, each piece once.
    seen = []
    for n in range(1, pages + 1):
        seen += [e.pk for e in client.get(url, {"show": "evidence", "page": n}).context["evidence"]]
    assert sorted(seen) == sorted(
        Evidence.objects.filter(student=world.ana).values_list("pk", flat=True)
    )


def test_counselor_caseload_shows_pace_and_open_flags_and_filters(world, client):
    from tests.world_pace import add_pace_evidence

    add_pace_evidence()  # Ana on pace, Ben behind and flagged
    client.force_login(world.user("counselor"))
    url = reverse("web:role_home", args=["advisor"])
    page = client.get(url)
    caseload = page.context["caseload"]
    by_pk = {s.pk: s for s in caseload}
    assert world.ben.pk in by_pk
    ben = by_pk[world.ben.pk]
    newest = (
        StudentPace.objects.filter(student=world.ben, competency__isnull=True)
        .order_by("computed_on", "pk")
        .last()
    )
    assert ben.pace_status == newest.status == "behind"
    open_reasons = {
        str(f.get_reason_display())
        for f in SupportFlag.objects.filter(student=world.ben, resolved_on__isnull=True)
    }
    assert open_reasons
    assert set(ben.open_flags) == open_reasons
    row = re.search(
        rf"{re.escape(world.ben.display_name)}</a></th>(.*?)</tr>", page.content.decode()
    )
    assert "Behind pace" in row.group(1)
    for reason in open_reasons:
        assert reason in row.group(1)

    behind = client.get(url, {"show": "behind"}).context["caseload"]
    assert behind
    assert all(s.pace_status == "behind" for s in behind)
    assert world.ben.pk in {s.pk for s in behind}
    assert len(behind) == page.context["counts"]["behind"] < len(caseload)
    flagged = client.get(url, {"show": "flagged"}).context["caseload"]
    assert world.ben.pk in {s.pk for s in flagged}
    assert all(s.open_flags for s in flagged)
    # An unknown filter shows everyone (never an error).
    assert len(client.get(url, {"show": "<nonsense>"}).context["caseload"]) == len(caseload)
    # Only the students shown are recorded as read through the filtered page.
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    client.get(url, {"show": "behind"})
    read = set(
        AuditEntry.objects.filter(purpose="caseload", pk__gt=last).values_list(
            "student_id", flat=True
        )
    )
    assert read == {s.pk for s in behind}


def test_off_pace_list_gives_the_total_and_pages_through_every_name(world, client, monkeypatch):
    _two_behind(world)
    monkeypatch.setattr(insights_views, "OFF_PACE_PAGE", 1)
    client.force_login(world.user("district.admin"))
    dashboard = client.get(reverse("insights:dashboard", args=[world.org("riverbend").pk]))
    url = reverse("insights:off_pace", args=[world.org("riverbend").pk])
    assert url in dashboard.content.decode(), "the dashboard links to the full list"
    first = client.get(url)
    total = first.context["page"].paginator.count
    assert dashboard.context["off_pace_count"] == total
    expected = StudentPace.objects.filter(
        competency__isnull=True,
        status="behind",
        student__school__path__startswith=world.org("riverbend").path,
    ).count()
    assert total == expected >= 2, "the check needs two pages"
    text = first.content.decode()
    assert f"{total} students you serve are behind pace." in text
    assert "Showing 1–1." in text
    assert f"Page 1 of {total}" in text
    assert 'rel="next"' in text
    names = []
    for n in range(1, total + 1):
        rows = client.get(url, {"page": n}).context["off_pace"]
        assert len(rows) == 1
        names.append(rows[0].student_id)
    assert len(set(names)) == total
    assert world.ben.pk in names


def test_leader_home_counts_agree_in_number(world, client):
    client.force_login(world.user("principal"))
    page = client.get(reverse("web:role_home", args=["school_leader"]))
    schools = page.context["schools"]
    text = re.sub(r"\s+", " ", page.content.decode())
    assert len(schools) == 1
    assert '<span class="stat-value">1</span> <span class="stat-label">school</span>' in text
    assert '1</span> <span class="stat-label">schools' not in text
    client.force_login(world.user("district.admin"))
    text = re.sub(
        r"\s+", " ", client.get(reverse("web:role_home", args=["district_admin"])).content.decode()
    )
    assert re.search(r'stat-value">([2-9]|\d\d+)</span> <span class="stat-label">schools<', text)


def test_policy_preview_names_fields_by_label_and_shows_progress(world, client):
    from proficio.mastery.models import MasteryPolicy

    client.force_login(world.user("district.admin"))
    found = MasteryPolicy.objects.filter(owner=world.org("riverbend")).first()
    page = client.get(reverse("mastery:policy", args=[found.pk])).content.decode()
    # The preview button names an indicator that exists on the page, hidden until it runs.
    indicator = re.search(r'hx-indicator="#([\w-]+)"', page).group(1)
    assert re.search(rf'id="{indicator}" class="htmx-indicator', page)
    assert "<progress" in page[page.index(f'id="{indicator}"') :]
    response = client.post(
        reverse("mastery:policy_preview", args=[found.pk]),
        {"method": "decaying_average", "min_evidence": "0"},
    )
    text = response.content.decode()
    assert "Minimum pieces of evidence:" in text
    assert "min_evidence" not in text


def test_support_list_gives_the_total_filters_by_reason_and_pages(world, client, monkeypatch):
    from proficio.pace import views as pace_views

    _two_behind(world)
    monkeypatch.setattr(pace_views, "SUPPORT_PAGE", 1)
    client.force_login(world.user("counselor"))
    url = reverse("pace:supports")
    first = client.get(url)
    total = first.context["page"].paginator.count
    assert total >= 2
    text = first.content.decode()
    assert f"{total} open flags." in text
    assert f"Page 1 of {total}" in text
    seen = []
    for n in range(1, total + 1):
        seen += [r["flag"].pk for r in client.get(url, {"page": n}).context["rows"]]
    assert len(set(seen)) == total
    stalled = client.get(url, {"reason": "stalled"})
    reasons = {r["flag"].reason for r in stalled.context["rows"]}
    assert reasons <= {"stalled"}
    n_stalled = stalled.context["page"].paginator.count
    assert 0 < n_stalled < total
    # The next page keeps the filter.
    assert stalled.context["page_query"] == "reason=stalled"
    if n_stalled > 1:
        assert 'href="?reason=stalled&amp;page=2"' in stalled.content.decode()
    assert client.get(url, {"reason": "<x>"}).context["page"].paginator.count == total


def test_principal_sees_the_school_at_a_glance(world, client):
    _two_behind(world)
    client.force_login(world.user("principal"))
    page = client.get(reverse("web:role_home", args=["school_leader"]))
    (school,) = page.context["schools"]
    behind = StudentPace.objects.filter(
        competency__isnull=True, status="behind", student__school=school
    ).count()
    flagged = (
        SupportFlag.objects.filter(resolved_on__isnull=True, student__school=school)
        .values("student")
        .distinct()
        .count()
    )
    assert behind >= 2
    assert school.behind == behind
    assert school.flagged == flagged >= 2
    text = re.sub(r"\s+", " ", page.content.decode())
    assert f'<span class="stat-value">{behind}</span> <span class="stat-label">behind pace' in text


def test_the_reassessment_decision_names_fields_by_label(world, client):
    from proficio.learners import actions as learners_actions
    from proficio.learners.models import ReassessmentRequest

    learners_actions.request_reassessment(
        world.user("ana"),
        student=world.ana,
        target=world.target("MATH.1.5"),
        note="I practised unit rates with my tutor.",
    )
    req = ReassessmentRequest.objects.get(student=world.ana, target=world.target("MATH.1.5"))
    client.force_login(world.user("rivera"))
    prefix = f"r{req.pk}-"
    response = client.post(
        reverse("learners:decide", args=[req.pk]),
        {
            prefix + "decision": "someday",
            prefix + "seen_status": "requested",
            prefix + "scheduled_for": "not-a-date",
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Day: ") for m in shown), shown
    assert any(m.startswith("Decision: ") for m in shown), shown
    assert not any("scheduled_for" in m or "decision:" in m for m in shown), shown


def test_the_students_self_assessment_is_shown_beside_the_teachers_judgment(world, client):
    from proficio.learners import reports
    from proficio.mastery.models import Determination

    target = world.target("MATH.1.5")
    for days in (9, 8):  # the teacher's judgment first: two pieces at 2
        evidence_actions.record_evidence(
            world.user("rivera"),
            student=world.ana,
            kind=EvidenceKind.PERFORMANCE_TASK,
            title="Unit rates task",
            assessed_at=timezone.now() - dt.timedelta(days=days),
            scores=[evidence_actions.ScoreInput(target, 2.0)],
        )
    det = Determination.objects.get(student=world.ana, target=target)
    before = (det.status, det.value, det.level_value)
    evidence_actions.record_evidence(
        world.user("rivera"),
        student=world.ana,
        kind=EvidenceKind.SELF_ASSESSMENT,
        title="How I think I am doing with unit rates",
        assessed_at=timezone.now() - dt.timedelta(days=1),
        scores=[evidence_actions.ScoreInput(target, 4.0)],
    )
    det.refresh_from_db()
    # Excluded by the default policy: the teacher's judgment does not move.
    assert (det.status, det.value, det.level_value) == before
    rows, _ = reports.competencies(world.ana)
    (mine,) = [t for r in rows for t in r.targets if t.target.pk == target.pk]
    assert mine.self_label
    client.force_login(world.user("ana"))
    text = client.get(reverse("web:role_home", args=["student"])).content.decode()
    assert "My self-assessment" in text
    row = re.search(r"MATH\.1\.5 .*?</tr>", text, re.S).group(0)
    assert f'<td class="self-assessment">{mine.self_label}</td>' in row
