"""Returned work comes back: the student (or a teacher on their behalf) sends a new version
through the upload check, the return is cleared, the work is in the teacher's queue again,
the teacher who returned it is told, and the feedback history stays in the student's view."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proficio.audit.models import AuditEntry
from proficio.evidence import actions as evidence
from proficio.evidence.models import Artifact, Evidence, EvidenceReturn, EvidenceStatus
from proficio.notifications.models import Kind, Notification
from tests.world_resubmit import FEEDBACK, RETURNED_TITLE

HOME = "/home/student/"


@pytest.fixture
def work(world) -> Evidence:
    return Evidence.objects.get(title=RETURNED_TITLE)


def _pdf(name: str = "poster-v2.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 poster with the working shown")


def test_the_student_resubmits_and_the_teacher_sees_it_again(
    world, client, work, django_capture_on_commit_callbacks
):
    client.force_login(world.user("ana"))
    # The returned work on her home links to its page, which shows the feedback.
    home = client.get(HOME).content.decode()
    returned = home[home.index("Returned to you with feedback") :]
    assert reverse("evidence:resubmit", args=[work.pk]) in returned
    page = client.get(reverse("evidence:resubmit", args=[work.pk])).content.decode()
    assert FEEDBACK in page
    assert "Send a new version" in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("evidence:resubmit", args=[work.pk]),
            {"file": _pdf(), "note": "I wrote out each total."},
        )
    assert answer.status_code == 302
    assert answer["Location"].endswith("#my-evidence")
    work.refresh_from_db()
    assert work.status == EvidenceStatus.SUBMITTED
    assert work.feedback == ""
    versions = list(work.artifacts.order_by("version").values_list("version", "content_type"))
    assert versions == [(1, ""), (2, "application/pdf")]
    (history,) = work.returns.all()
    assert history.feedback == FEEDBACK
    assert history.resubmitted_by == world.user("ana")
    assert history.note == "I wrote out each total."
    # The teacher who returned it is told, and finds it in her queue with the history.
    told = Notification.objects.get(kind=Kind.WORK_RESUBMITTED)
    assert told.recipient == world.user("rivera")
    assert told.student == world.ana
    assert "resubmitted “Budget poster from the library” (version 2)" in told.message
    assert told.link == reverse("learners:queue") + "#uploads"
    assert not Notification.objects.filter(
        kind=Kind.WORK_RESUBMITTED, recipient=world.user("ana")
    ).exists()
    client.force_login(world.user("rivera"))
    queue = client.get(reverse("learners:queue"))
    assert work.pk in {e.pk for e in queue.context["uploads"]}
    text = queue.content.decode()
    card = text[text.index(RETURNED_TITLE) :]
    assert FEEDBACK in card
    assert "I wrote out each total." in card
    assert "(version 2)" in card
    # The student still sees what was said, though the work is no longer returned.
    client.force_login(world.user("ana"))
    home = client.get(HOME).content.decode()
    assert "Returned to you with feedback" not in home
    history = client.get(HOME, {"show": "evidence"}).content.decode()
    assert FEEDBACK in history[history.index('id="my-evidence"') :]


def test_a_file_the_upload_check_refuses_keeps_nothing_and_says_why(world, client, work):
    client.force_login(world.user("ana"))
    before = Artifact.objects.count()
    answer = client.post(
        reverse("evidence:resubmit", args=[work.pk]),
        {"file": SimpleUploadedFile("poster.pdf", b"\x00\x01\x02\xff\xfe" * 50)},
    )
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "is not a file type we accept" in errors["file"][0]
    work.refresh_from_db()
    assert work.status == EvidenceStatus.RETURNED
    assert work.feedback == FEEDBACK
    assert Artifact.objects.count() == before
    assert work.returns.get().resubmitted_at is None


def test_nothing_attached_is_refused_beside_the_file_field(world, client, work):
    client.force_login(world.user("ana"))
    answer = client.post(reverse("evidence:resubmit", args=[work.pk]), {"note": "Done."})
    assert answer.status_code == 400
    assert answer.context["form"].errors["file"] == ["Attach the new version: a file or a link."]
    assert Evidence.objects.get(pk=work.pk).status == EvidenceStatus.RETURNED


def test_a_teacher_resubmits_on_the_students_behalf_and_the_read_is_audited(
    world, client, work, django_capture_on_commit_callbacks
):
    rivera = world.user("rivera")
    client.force_login(rivera)
    detail = client.get(reverse("web:student_detail", args=[world.ana.pk])).content.decode()
    assert reverse("evidence:resubmit", args=[work.pk]) in detail
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("evidence:resubmit", args=[work.pk]),
            {"url": "https://example.org/poster-v2", "note": "Brought in on paper."},
        )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("web:student_detail", args=[world.ana.pk])
    work.refresh_from_db()
    assert work.status == EvidenceStatus.SUBMITTED
    assert work.artifacts.get(version=2).url == "https://example.org/poster-v2"
    assert work.returns.get().resubmitted_by == rivera
    # Rivera returned it and resubmitted it: nobody is told of their own act.
    assert not Notification.objects.filter(kind=Kind.WORK_RESUBMITTED).exists()
    assert AuditEntry.objects.filter(
        actor=rivera, student_id=world.ana.pk, purpose="resubmit returned work"
    ).exists()


def test_only_returned_student_work_can_be_resubmitted(world, work):
    ana = world.user("ana")
    evidence.resubmit_evidence(ana, work, url="https://example.org/v2")
    with pytest.raises(ValidationError) as twice:
        evidence.resubmit_evidence(ana, work, url="https://example.org/v3")
    assert twice.value.message_dict["status"] == [
        "This work is not returned: there is nothing to resubmit."
    ]
    assert work.artifacts.count() == 2
    # Evidence a teacher recorded (returned, say, as a voided statement) is not the
    # student's submission.
    rivera = world.user("rivera")
    teachers = world.ana_evidence
    Evidence.objects.filter(pk=teachers.pk).update(status=EvidenceStatus.RETURNED)
    teachers.refresh_from_db()
    with pytest.raises(ValidationError) as not_hers:
        evidence.resubmit_evidence(rivera, teachers, url="https://example.org/x")
    assert not_hers.value.message_dict["status"] == [
        "Only work a student submitted can be resubmitted."
    ]


def test_nobody_else_resubmits(world, work):
    # Another student, her guardian, her counselor (who may read, not change, her record)
    # and a guardian of another district.
    for username in ("ben", "garcia.family", "counselor", "lake.parent"):
        with pytest.raises(PermissionDenied):
            evidence.resubmit_evidence(world.user(username), work, url="https://example.org/x")
    work.refresh_from_db()
    assert work.status == EvidenceStatus.RETURNED
    assert work.artifacts.count() == 1


def test_work_returned_before_the_history_was_kept_keeps_its_feedback(world, work):
    EvidenceReturn.objects.filter(evidence=work).delete()
    evidence.resubmit_evidence(world.user("ana"), work, url="https://example.org/v2", note="ok")
    (history,) = work.returns.all()
    assert history.feedback == FEEDBACK
    assert history.returned_by == world.user("rivera")
    assert history.resubmitted_at is not None


def test_a_second_return_adds_to_the_history(world, work):
    ana, rivera = world.user("ana"), world.user("rivera")
    evidence.resubmit_evidence(ana, work, url="https://example.org/v2")
    evidence.return_evidence(rivera, work, feedback="Closer: now label the axes.")
    evidence.resubmit_evidence(ana, work, url="https://example.org/v3")
    assert list(work.returns.values_list("feedback", flat=True)) == [
        FEEDBACK,
        "Closer: now label the axes.",
    ]
    assert sorted(work.artifacts.values_list("version", flat=True)) == [1, 2, 3]
    assert all(r.resubmitted_at for r in work.returns.all())
