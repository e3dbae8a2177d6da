"""The student's home and forms, the teacher's queue and the family report, through pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from proficio.accounts import actions as accounts
from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence, EvidenceStatus
from proficio.learners.models import FamilyReportView, ReassessmentRequest, RequestStatus
from proficio.mastery.models import Determination

HOME = "/home/student/"


def _record(world, code, score, days_ago=5, kind="performance_task"):
    with acting(world.user("rivera"), route="test"):
        return evidence.record_evidence(
            world.user("rivera"),
            student=world.ana,
            kind=kind,
            title=f"Task on {code}",
            assessed_at=timezone.now() - dt.timedelta(days=days_ago),
            scores=[evidence.ScoreInput(world.target(code), score)],
        )


@pytest.fixture
def as_ana(client, world):
    client.force_login(world.user("ana"))
    return client


def test_student_home_shows_the_continuum_next_targets_portfolio_and_chart(as_ana, world):
    _record(world, "MATH.1.1", 3, days_ago=9)
    _record(world, "MATH.1.1", 4, days_ago=8)
    page = as_ana.get(HOME)
    assert page.status_code == 200
    html = page.content.decode()
    assert "My competencies on the continuum" in html
    assert "Habits of success" in html
    # What proficiency looks like at the next level (the district's level statements).
    assert "What proficiency looks like next" in html
    # The standing by the one definition: Level 1 shown on MATH.1, so the next step is 2.
    math1 = next(
        r for r in page.context["academic"] if r.competency.human_coding_scheme == "MATH.1"
    )
    assert math1.shown.standing.level == 1
    assert math1.shown.standing.next_step == 2
    assert 'data-competency="MATH.1" data-level="1"' in html
    # MATH.1.1 is met, so MATH.1.2 (it follows MATH.1.1) is suggested; MATH.1.1 is not.
    suggested = page.context["suggested"]
    codes = {t.human_coding_scheme for t in suggested}
    assert "MATH.1.2" in codes
    assert "MATH.1.1" not in codes
    # The portfolio file is reached through the authorized download (the evidence panel).
    artifact = world.ana_evidence.artifacts.get()
    evidence = as_ana.get(HOME, {"show": "evidence"}).content.decode()
    assert reverse("evidence:artifact", args=[artifact.pk]) in evidence
    assert reverse("evidence:artifact", args=[artifact.pk]) not in html  # one panel at a time
    # The progress chart, with its data table (the progress panel).
    assert page.context["chart"] is None
    progress = as_ana.get(HOME, {"show": "progress"})
    assert progress.context["chart"] is not None
    assert "Learning targets met" in progress.content.decode()
    assert "<table" in progress.content.decode()


def test_goal_and_reflection_forms(as_ana, world):
    bad = as_ana.post(reverse("learners:goal_add"), {"text": "Ratios", "target_date": "2001-01-01"})
    assert bad.status_code == 400
    assert "Choose a date from today on." in bad.content.decode()
    day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    ok = as_ana.post(reverse("learners:goal_add"), {"text": "Ratios", "target_date": day})
    assert ok.status_code == 302
    goal = world.ana.goals.get()
    assert as_ana.post(reverse("learners:goal_done", args=[goal.pk])).status_code == 302
    assert as_ana.post(reverse("learners:reflection_add"), {"text": " "}).status_code == 400
    assert as_ana.post(reverse("learners:reflection_add"), {"text": "I can."}).status_code == 302
    page = as_ana.get(HOME, {"show": "goals"}).content.decode()  # the goals panel
    assert "Ratios" in page
    assert "I can." in page


def _upload_data(world, file):
    return {
        "title": "Robotics budget",
        "target": world.target("MATH.1.5").pk,
        "level": "3",
        "partner_organization": "Robotics Club",
        "assessed_at": timezone.localdate().isoformat(),
        "file": file,
    }


def test_wrong_file_type_shows_a_clear_message_on_the_form(as_ana, world):
    before = Evidence.objects.count()
    page = as_ana.post(
        reverse("learners:outside_learning"),
        _upload_data(world, SimpleUploadedFile("photo.png", b"\x00\x01\x02\xff\xfe" * 100)),
    )
    assert page.status_code == 400
    assert "photo.png is not a file type we accept" in page.content.decode()
    assert Evidence.objects.count() == before


def test_outside_upload_then_the_teacher_accepts_it_from_the_queue(client, as_ana, world):
    page = as_ana.post(
        reverse("learners:outside_learning"),
        _upload_data(world, SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget")),
    )
    assert page.status_code == 302
    work = Evidence.objects.get(title="Robotics budget")
    assert work.status == EvidenceStatus.SUBMITTED
    client.force_login(world.user("rivera"))
    queue = client.get(reverse("learners:queue"))
    assert "Robotics budget" in queue.content.decode()
    assert "I redid the practice set on division." in queue.content.decode()  # Ana's request
    # Listing a student's work in the queue is an audited read of their record.
    assert AuditEntry.objects.filter(
        action="read", student_id=world.ana.pk, purpose="reassessment and review queue"
    ).exists()
    review = client.post(
        reverse("evidence:review", args=[work.pk]),
        {"decision": "accept", "next": reverse("learners:queue")},
    )
    assert review.status_code == 302
    assert review["Location"] == reverse("learners:queue")
    work.refresh_from_db()
    assert work.status == EvidenceStatus.ACCEPTED


def test_request_for_a_target_outside_the_students_classes_gets_a_clear_error(as_ana, world):
    educator_target = world.educator_framework.items.filter(kind="target").first()
    page = as_ana.post(
        reverse("learners:request_reassessment"),
        {"target": educator_target.pk, "note": "I am ready"},
    )
    assert page.status_code == 400
    assert "is not part of any class you are enrolled in" in page.content.decode()
    form = as_ana.get(reverse("learners:request_reassessment"))
    assert str(educator_target.pk) not in [
        c[0] for c in form.context["form"].fields["target"].choices
    ]


def test_request_then_teacher_accepts_and_the_level_changes(client, as_ana, world):
    target = world.target("MATH.1.5")
    _record(world, "MATH.1.5", 2, days_ago=10)
    _record(world, "MATH.1.5", 2, days_ago=9)
    before = Determination.objects.get(student=world.ana, target=target)
    assert before.status == "not_yet"
    sent = as_ana.post(
        reverse("learners:request_reassessment"),
        {"target": target.pk, "note": "I practised unit rates with my tutor."},
    )
    assert sent.status_code == 302
    req = ReassessmentRequest.objects.get(student=world.ana, target=target)
    client.force_login(world.user("rivera"))
    prefix = f"r{req.pk}-"
    schedule = client.post(
        reverse("learners:decide", args=[req.pk]),
        {
            prefix + "decision": "schedule",
            prefix + "seen_status": "requested",
            prefix + "scheduled_for": timezone.localdate().isoformat(),
        },
    )
    assert schedule.status_code == 302
    # A stale form (still showing "requested") is refused with a message.
    stale = client.post(
        reverse("learners:decide", args=[req.pk]),
        {
            prefix + "decision": "decline",
            prefix + "seen_status": "requested",
            prefix + "reason": "x",
        },
        follow=True,
    )
    assert "changed since you opened the page" in stale.content.decode()
    accept = client.post(
        reverse("learners:decide", args=[req.pk]),
        {prefix + "decision": "accept", prefix + "seen_status": "scheduled", prefix + "score": "4"},
    )
    assert accept.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED
    after = Determination.objects.get(student=world.ana, target=target)
    assert after.evidence_count == 3
    assert after.value > before.value
    assert after.status == "proficient"


# --- the family report --------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_family_report_separates_habits_and_says_what_changed(client, world):
    guardian = world.user("garcia.family")
    client.force_login(guardian)
    url = reverse("learners:family_report", args=[world.ana.pk])
    first = client.get(url)
    html = first.content.decode()
    assert first.status_code == 200
    assert "This is your first report" in html
    assert "Academics" in html
    assert "Habits of success" in html
    assert "GPA" not in html
    assert "rank" not in html.lower()
    assert FamilyReportView.objects.filter(guardian=guardian, student=world.ana).count() == 1
    # The guardian's read of Ana's record is audited.
    assert AuditEntry.objects.filter(
        action="read", student_id=world.ana.pk, purpose="family report"
    ).exists()
    # Time passes, evidence comes in, and the next report says what changed.
    FamilyReportView.objects.filter(guardian=guardian).update(
        at=timezone.now() - dt.timedelta(days=7)
    )
    _record(world, "MATH.1.4", 3, days_ago=2)
    _record(world, "MATH.1.4", 4, days_ago=1)
    second = client.get(url).content.decode()
    assert "Since your last report" in second
    assert "has learned it (proficient)" in second or "has gone beyond it (advanced)" in second
    # The PDF says the same as the page just read (same comparison), as text.
    pdf = client.get(reverse("learners:family_report_pdf", args=[world.ana.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    text = _pdf_text(pdf.content)
    assert "Ana" in text
    assert "progress" in text
    assert "Since your last report" in text
    assert "Habits of success" in text
    assert "Academics" in text


def test_family_report_in_spanish(client, world):
    guardian = world.user("garcia.family")
    accounts.set_preferred_language(guardian, "es")
    client.force_login(guardian)
    html = client.get(reverse("learners:family_report", args=[world.ana.pk])).content.decode()
    assert "Hábitos de éxito" in html
    assert "Materias académicas" in html
    assert "Qué cambió desde el último informe" in html
    text = _pdf_text(client.get(reverse("learners:family_report_pdf", args=[world.ana.pk])).content)
    assert "Hábitos de éxito" in text


def test_the_pdf_fetches_nothing():
    from proficio.learners.pdf import _fetcher, render_pdf

    with pytest.raises(ValueError, match="no external resources"):
        _fetcher().fetch("https://example.invalid/font.woff")
    pdf = render_pdf(
        '<p>Hello</p><img src="https://example.invalid/x.png" alt="">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )
    assert _pdf_text(pdf).strip().startswith("Hello")
