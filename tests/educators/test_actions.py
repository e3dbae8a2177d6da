"""Educators' professional learning through its actions, on the named test world
(tests/world_educators.py): every refusal of the issue's "Bad input" list, with the part
or field named and nothing half-saved; the award as an OB 3.0 credential held by the
educator, accepted by the project's own verifier and by the independent one; renewal
credits; a pathway's completion and its payroll export; who may read a submission."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio import policy
from proficio.audit.context import acting
from proficio.core.credentials.verify import verify_bytes
from proficio.credentials.models import IssuedCredential
from proficio.credentials.trust import trust
from proficio.educators import actions, reports
from proficio.educators.models import (
    EnrollmentStatus,
    GrowthPlan,
    PartResponse,
    PartScore,
    Review,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from proficio.policy import Subject
from tests.core.credentials_support import needs_fixtures, schemas
from tests.credentials.test_issue_and_verify import node_check
from tests.world_educators import GOOD_WORK, award

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def system():
    with acting(None, route="tests: educators"):
        yield policy.SYSTEM


def _parts(submission: Submission):
    return list(submission.micro_credential.parts.order_by("position"))


def _state(submission: Submission) -> tuple:
    """Everything a refused action must leave as it was."""
    s = Submission.objects.get(pk=submission.pk)
    return (
        s.status,
        s.versions_submitted,
        SubmissionVersion.objects.filter(submission=s).count(),
        Review.objects.filter(submission=s).count(),
        PartScore.objects.filter(review__submission=s).count(),
        sorted(PartResponse.objects.filter(submission=s).values_list("part_id", "text")),
        IssuedCredential.objects.filter(educator=s.educator).count(),
    )


# ---------------------------------------------------------------- bad input


def test_a_missing_required_part_is_refused_by_name_and_nothing_is_saved(world, system):
    colleague = world.user("maple.colleague")
    draft = world.colleague_submission
    parts = _parts(draft)
    before = _state(draft)
    texts = {f"part-{p.pk}": GOOD_WORK[i] for i, p in enumerate(parts)}
    texts[f"part-{parts[3].pk}"] = "   "  # the reflection, left blank
    texts[f"part-{parts[0].pk}"] = "A new overview that must not be kept."
    with pytest.raises(ValidationError) as err:
        actions.work_on(colleague, draft, texts=texts, then="submit")
    assert err.value.message_dict == {
        f"part-{parts[3].pk}": [f"The required part “{parts[3].title}” is missing."]
    }
    # The whole save was one transaction: the new overview is not kept either.
    assert _state(draft) == before
    assert (
        PartResponse.objects.get(submission=draft, part=parts[0]).text == GOOD_WORK[0]
    )  # the text written before


def test_a_rostered_students_name_in_student_evidence_blocks_submission(world, system):
    colleague = world.user("maple.colleague")
    draft = world.colleague_submission
    ana = world.ana
    evidence = next(p for p in _parts(draft) if p.kind == "student_evidence")
    before = _state(draft)
    text = f"{ana.legal_given_name} moved from level 2 to 3 after two conferences."
    with pytest.raises(ValidationError) as err:
        actions.work_on(colleague, draft, texts={f"part-{evidence.pk}": text}, then="submit")
    message = err.value.message_dict[f"part-{evidence.pk}"][0]
    assert f"“{ana.legal_given_name}”" in message
    assert "De-identify" in message
    assert _state(draft) == before
    # Saved as a draft it is flagged; the moderation copy's scrubbing removes the name,
    # and then it may be submitted.
    actions.save_draft(colleague, draft, {f"part-{evidence.pk}": text})
    assert actions.names_in_student_evidence(draft) == {
        f"part-{evidence.pk}": [ana.legal_given_name]
    }
    assert actions.scrub_names(colleague, draft) == 1
    scrubbed = PartResponse.objects.get(submission=draft, part=evidence).text
    assert ana.legal_given_name not in scrubbed
    assert scrubbed.startswith("[student] moved")
    version = actions.submit(colleague, draft)
    assert version.number == 1
    assert Submission.objects.get(pk=draft.pk).status == SubmissionStatus.IN_REVIEW


def test_a_name_outside_the_educators_roster_is_not_flagged(world, system):
    """Lakeside's student is nobody on a Maple teacher's roster: no false alarm."""
    colleague = world.user("maple.colleague")
    draft = world.colleague_submission
    evidence = next(p for p in _parts(draft) if p.kind == "student_evidence")
    lake_kid = world.lake_kid
    actions.save_draft(
        colleague, draft, {f"part-{evidence.pk}": f"{lake_kid.legal_given_name} improved."}
    )
    assert actions.names_in_student_evidence(draft) == {}


def test_a_reviewer_not_assigned_is_refused_403_and_nothing_changes(world, system):
    # Ms. Rivera's RB-K2-01 is in review with Mr. Osei; the principal is in the pool.
    submission = world.rivera_submission
    principal = world.user("principal")
    assert policy.in_review_pool(principal, submission)
    before = _state(submission)
    scores = {f"part-{p.pk}": "met" for p in _parts(submission)}
    with pytest.raises(PermissionDenied):
        actions.review_submission(principal, submission, scores=scores, feedback={})
    with pytest.raises(PermissionDenied):
        actions.declare_conflict(principal, submission, conflict=False)
    assert _state(submission) == before
    # Through the page: a pool member gets 403, someone outside the pool 404, and
    # neither response names the educator.
    from django.test import Client

    url = reverse("educators:review", args=[submission.pk])
    for username, code in (("principal", 403), ("lake.admin", 404), ("data.lead", 404)):
        client = Client()
        client.force_login(world.user(username))
        response = client.post(url, {"do": "review", **scores})
        assert response.status_code == code, username
        body = response.content.decode()
        assert "Rivera" not in body
        assert "Amelia" not in body
    assert _state(submission) == before


def test_not_yet_without_feedback_is_refused_naming_the_part(world, system):
    submission = world.rivera_submission
    osei = world.user("hs.reviewer")
    actions.declare_conflict(osei, submission, conflict=False)
    parts = _parts(submission)
    before = _state(submission)
    scores = {f"part-{p.pk}": "met" for p in parts}
    scores[f"part-{parts[1].pk}"] = "not_yet"
    with pytest.raises(ValidationError) as err:
        actions.review_submission(
            osei, submission, scores=scores, feedback={f"part-{parts[1].pk}": "  "}
        )
    assert err.value.message_dict == {
        f"part-{parts[1].pk}": [f"“{parts[1].title}” is not yet met: say what would meet it."]
    }
    # A part left unscored is named too.
    del scores[f"part-{parts[2].pk}"]
    with pytest.raises(ValidationError) as err:
        actions.review_submission(
            osei, submission, scores=scores, feedback={f"part-{parts[1].pk}": "More detail."}
        )
    assert list(err.value.message_dict) == [f"part-{parts[2].pk}"]
    assert _state(submission) == before


def test_a_plan_naming_an_unknown_micro_credential_is_refused(world, system):
    cedar = world.user("cedar.teacher")
    # Mr. Ash's plan is waiting (a second would be refused for that): decide it first.
    actions.decide_plan(system, world.cedar_growth_plan, approve=True)
    before = GrowthPlan.objects.filter(educator=cedar).count()
    with pytest.raises(ValidationError) as err:
        actions.propose_plan(
            cedar, cedar, goals=["Grow"], micro_credentials=["RB-K2-01", "NO-SUCH-01"]
        )
    assert err.value.message_dict == {
        "micro_credentials": ["No published micro-credential “NO-SUCH-01”."]
    }
    # A draft (unpublished) and another district's are just as unknown to him.
    with pytest.raises(ValidationError) as err:
        actions.propose_plan(cedar, cedar, goals=["Grow"], micro_credentials=["RB-DRAFT", "LK-01"])
    assert err.value.message_dict["micro_credentials"] == [
        "No published micro-credential “RB-DRAFT, LK-01”."
    ]
    assert GrowthPlan.objects.filter(educator=cedar).count() == before


def test_a_pathway_choice_breaking_k_of_n_is_refused(world, system):
    cedar = world.user("cedar.teacher")
    actions.decide_plan(system, world.cedar_growth_plan, approve=True)
    before = GrowthPlan.objects.filter(educator=cedar).count()
    # RB-PW-LEAD: RB-K2-01 required, 1 of {RB-S8-01, CO-INTER-01}.
    with pytest.raises(ValidationError) as err:
        actions.propose_plan(
            cedar,
            cedar,
            goals=["Lead"],
            pathway="RB-PW-LEAD",
            electives=["RB-S8-01", "CO-INTER-01"],
        )
    assert err.value.message_dict == {
        "electives": [
            "“Riverbend teacher leader pathway” takes 1 of the 2 micro-credentials of its core"
            " area; 2 chosen."
        ]
    }
    with pytest.raises(ValidationError) as err:
        actions.propose_plan(
            cedar, cedar, goals=["Lead"], pathway="RB-PW-LEAD", electives=["RB-K2-01"]
        )
    assert err.value.message_dict["electives"] == [
        "RB-K2-01 is not in the core area of “Riverbend teacher leader pathway”."
    ]
    assert GrowthPlan.objects.filter(educator=cedar).count() == before
    plan = actions.propose_plan(
        cedar, cedar, goals=["Lead"], pathway="RB-PW-LEAD", electives=["CO-INTER-01"]
    )
    assert [m.code for m in plan.electives.all()] == ["CO-INTER-01"]


def test_a_returned_plan_needs_comments_and_only_the_building_leader_decides(world, system):
    plan = world.rivera_plan
    with pytest.raises(ValidationError) as err:
        actions.decide_plan(world.user("principal"), plan, approve=False, comment=" ")
    assert list(err.value.message_dict) == ["comment"]
    for outsider in ("lake.admin", "counselor", "rivera"):
        with pytest.raises(PermissionDenied):
            actions.decide_plan(world.user(outsider), plan, approve=True)
    assert GrowthPlan.objects.get(pk=plan.pk).status == "proposed"


# ---------------------------------------------------------------- the award


@needs_fixtures
def test_the_award_is_an_ob3_credential_the_educator_holds_and_verifiers_accept(
    world, system, client
):
    rivera = world.user("rivera")
    osei = world.user("hs.reviewer")
    submission = world.rivera_submission
    parts = _parts(submission)
    # Not yet, with feedback: returned for revision, every version and review kept.
    actions.declare_conflict(osei, submission, conflict=False)
    scores = {f"part-{p.pk}": "met" for p in parts}
    scores[f"part-{parts[2].pk}"] = "not_yet"
    first = actions.review_submission(
        osei,
        submission,
        scores=scores,
        feedback={f"part-{parts[2].pk}": "Show the work of three learners."},
    )
    assert first.met is False
    returned = Submission.objects.get(pk=submission.pk)
    assert returned.status == SubmissionStatus.RETURNED
    assert not IssuedCredential.objects.filter(educator=rivera, revoked_at=None).exclude(
        pk=world.rivera_micro_credential.pk
    )
    # Revise and resubmit: the same reviewer stays.
    actions.save_draft(
        rivera, returned, {f"part-{parts[2].pk}": "Learners A, B and C, with their drafts."}
    )
    second_version = actions.submit(rivera, returned)
    assert second_version.number == 2
    assert second_version.content[str(parts[2].pk)]["text"].startswith("Learners A, B and C")
    award(osei, returned)
    awarded = Submission.objects.get(pk=submission.pk)
    assert awarded.status == SubmissionStatus.AWARDED
    assert [v.number for v in awarded.versions.order_by("number")] == [1, 2]
    assert [r.met for r in awarded.reviews.order_by("pk")] == [False, True]
    credential = awarded.credential
    assert credential.educator_id == rivera.pk
    assert credential.student_id is None
    assert credential.kind == "micro"
    document = json.loads(credential.content)
    assert document["credentialSubject"]["achievement"]["name"] == "RB-K2-01 micro-credential"
    assert document["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    alignment = document["credentialSubject"]["achievement"]["alignment"][0]
    assert alignment["targetCode"] == "K.2.a"
    assert "Rivera" not in credential.content  # the recipient is hashed, not named
    # The project's verifier and the independent one both accept it.
    verdict = verify_bytes(credential.content.encode(), trust())
    assert verdict.status == "valid", verdict.headline
    assert node_check(credential)[str(credential.uuid)]["verified"]
    assert schemas().check(document, "ob3") == []
    # Hers to download, with or without a role; nobody else's.
    client.force_login(rivera)
    url = reverse("educators:credential_download", args=[credential.uuid])
    downloaded = client.get(url)
    assert downloaded.status_code == 200
    assert json.loads(downloaded.content) == document
    client.force_login(world.user("principal"))
    assert client.get(url).status_code == 404


def test_a_reviewer_who_declares_a_conflict_hands_the_work_on(world, system):
    submission = world.rivera_submission
    osei = world.user("hs.reviewer")
    nxt = actions.declare_conflict(osei, submission, conflict=True, note="Former co-teacher")
    assert nxt is not None
    assert nxt.reviewer.username in ("counselor", "principal")
    assert nxt.reviewer.username != "principal" or submission.micro_credential.supervisor_may_review
    assert policy.reviewer_problem(osei, submission) == (
        f"{osei} declared a conflict of interest with this educator."
    )


# ---------------------------------------------------------------- credits and pathways


def test_two_half_credit_micro_credentials_make_one_renewal_credit(world, system):
    """RB-S8-01 and RB-K2-01 are worth 0.5 each: both earned, the license shows 1 credit
    toward its renewal (plus the pathway's own credit once the pathway completes)."""
    rivera = world.user("rivera")
    profile = world.rivera_profile
    today = timezone.localdate()
    license = actions.add_license(
        rivera,
        profile,
        title="Secondary mathematics",
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=400),
        renewal_credits_required="6",
    )
    progress = reports.renewal_progress(license)
    assert progress.earned == Decimal("0.5")  # RB-S8-01 so far
    submission = world.rivera_submission
    award(world.user("hs.reviewer"), submission)
    progress = reports.renewal_progress(license)
    assert progress.earned == Decimal("1.0")
    assert [line.credits for line in progress.lines] == [Decimal("0.5"), Decimal("0.5")]
    # Refusals name their field and save nothing.
    with pytest.raises(ValidationError) as err:
        actions.add_license(
            rivera,
            profile,
            title="",
            issued_on=today,
            expires_on=today - dt.timedelta(days=1),
            renewal_credits_required="lots",
        )
    assert set(err.value.message_dict) == {"title", "expires_on", "renewal_credits_required"}
    assert profile.licenses.count() == 1


def test_completing_a_pathway_records_its_outcomes_and_the_payroll_export(world, system, client):
    rivera = world.user("rivera")
    enrollment = world.rivera_enrollment
    with pytest.raises(ValidationError) as err:
        actions.request_pathway_review(rivera, enrollment)
    assert err.value.message_dict == {"pathway": ["Still to earn: RB-K2-01."]}
    award(world.user("hs.reviewer"), world.rivera_submission)
    actions.request_pathway_review(rivera, enrollment)
    with pytest.raises(PermissionDenied):
        actions.decide_pathway_review(world.user("lake.admin"), enrollment, approve=True)
    with pytest.raises(ValidationError):
        actions.decide_pathway_review(
            world.user("district.admin"), enrollment, approve=False, comment=""
        )
    done = actions.decide_pathway_review(world.user("district.admin"), enrollment, approve=True)
    assert done.status == EnrollmentStatus.COMPLETE
    assert done.outcomes == {
        "role": "Teacher leader",
        "stipend": "1500.00",
        "salary_step": True,
        "renewal_credits": "1.00",
    }
    client.force_login(world.user("district.admin"))
    riverbend = world.org("riverbend")
    response = client.get(reverse("educators:payroll", args=[riverbend.pk]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["pathway"] == "RB-PW-LEAD"
    assert rows[0]["stipend"] == "1500.00"
    assert rows[0]["salary_step"] == "yes"
    assert rows[0]["role_eligibility"] == "Teacher leader"
    # Lakeside's administrator gets no Riverbend payroll.
    client.force_login(world.user("lake.admin"))
    assert client.get(reverse("educators:payroll", args=[riverbend.pk])).status_code == 404


# ---------------------------------------------------------------- privacy


def test_a_submission_is_visible_to_its_educator_reviewer_and_shares_only(world, system):
    submission = world.rivera_submission

    def readers() -> set[str]:
        from proficio.accounts.models import User

        return {
            u.username
            for u in User.objects.all()
            if policy.visible(u, Subject.SUBMISSION).filter(pk=submission.pk).exists()
        }

    # Her own, her reviewer's (Mr. Osei), and the principal's (she shares as her coach).
    assert readers() == {"rivera", "hs.reviewer", "principal"}
    share = actions.share_with(
        world.user("rivera"), world.user("rivera"), with_user=world.user("principal")
    )
    actions.stop_sharing(world.user("rivera"), share)
    assert readers() == {"rivera", "hs.reviewer"}
    # A district administrator runs the programme but reads no one's work.
    assert not policy.visible(world.user("district.admin"), Subject.SUBMISSION).exists()
    # Only she may change it.
    with pytest.raises(PermissionDenied):
        actions.save_draft(world.user("hs.reviewer"), submission, {})
