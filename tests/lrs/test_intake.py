"""Learning-tool statements through a real LRS (Ralph) become evidence."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proficio.audit.context import acting
from proficio.evidence.models import Evidence, EvidenceScore, EvidenceStatus, ItemResponse
from proficio.lrs import actions
from proficio.lrs.client import LrsClient
from proficio.lrs.models import (
    ActivityAlignment,
    LrsCursor,
    LrsPull,
    Outcome,
    PullStatus,
    StatementRecord,
)
from proficio.mastery import actions as mastery
from proficio.mastery.models import Determination
from proficio.policy import SYSTEM
from tests.lrs.conftest import statement, voiding

QUIZ = "https://tool.example/activities/fractions-quiz"


def _pull():
    with acting(None, route="test: lrs pull"):
        return actions.pull_statements(SYSTEM)


def test_aligned_statements_become_scores_and_update_the_standing(world, lrs):
    target = world.target("MATH.1.2")
    ana = world.ana
    posted = lrs.post(
        [
            statement("ana", QUIZ + "/1", case_item=target.uri, scaled=1.0),
            statement(
                "ana",
                QUIZ + "/2",
                case_item=str(target.identifier),
                scaled=0.5,
                timestamp="2026-01-16T10:00:00Z",
            ),
            statement("ana", QUIZ + "/3", success=True),  # aligned to nothing
        ]
    )
    assert len(posted) == 3
    pull = _pull()
    assert pull.status == PullStatus.DONE
    assert pull.counts["fetched"] == 3
    assert pull.counts["evidence"] == 2
    assert pull.counts["scores"] == 2
    assert pull.counts["unmapped"] == 1
    assert pull.unmapped == {QUIZ + "/3": 1}
    scores = EvidenceScore.objects.filter(student=ana, target=target, evidence__kind="quiz")
    # Scaled 1.0 and 0.5 on the 1-4 scale.
    assert sorted(scores.values_list("score", flat=True)) == [2.5, 4.0]
    evidence = Evidence.objects.get(
        pk=StatementRecord.objects.get(statement_id=posted[0]).evidence_id
    )
    assert evidence.title == "Activity 1"
    assert evidence.assessed_at.isoformat() == "2026-01-15T10:00:00+00:00"
    det = Determination.objects.get(student=ana, target=target)
    assert det.evidence_count >= 2
    assert LrsCursor.objects.get(endpoint=lrs.url).last_statement_id == posted[-1]
    # Pulling again finds nothing new; taking the same statements again records nothing.
    again = _pull()
    assert again.counts.get("fetched", 0) == 0
    intake = actions.Intake()
    raw = lrs.page("", 5000)[0]
    with acting(None, route="test"):
        actions.take_statements(SYSTEM, [s for s in raw if s["id"] in posted], intake)
    assert intake.counts["duplicate"] == 3
    assert intake.counts["evidence"] == 0
    assert scores.count() == 2


def test_bkt_target_gets_item_responses(world, lrs):
    target = world.target("MATH.1.3")
    mastery.create_policy(
        SYSTEM,
        name="BKT for MATH.1.3",
        scope="target",
        owner=world.org("riverbend"),
        item=target,
        params={
            "method": "bkt",
            "bkt_params": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1, "forget": 0.0},
        },
    )
    lrs.post(
        [
            statement("ana", QUIZ + "/b1", case_item=target.uri, success=True),
            statement("ana", QUIZ + "/b2", case_item=target.uri, success=False),
            statement("ana", QUIZ + "/b3", case_item=target.uri, scaled=1.0),
        ]
    )
    pull = _pull()
    assert pull.counts["item_responses"] == 3
    answers = ItemResponse.objects.filter(student=world.ana, target=target).order_by("evidence_id")
    assert list(answers.values_list("correct", flat=True)) == [True, False, True]
    det = Determination.objects.get(student=world.ana, target=target)
    assert det.policy_version.method == "bkt"
    assert det.evidence_count == 3


def test_alignment_table_and_unknown_learners(world, lrs):
    target = world.target("MATH.1.2")
    admin = world.user("district.admin")
    with acting(admin, route="test"):
        actions.align_activity(
            admin, world.org("riverbend"), activity_id=QUIZ + "/7", target=target
        )
    lrs.post(
        [
            statement("ben", QUIZ + "/7", success=True),
            statement("nobody-we-know", QUIZ + "/7", success=True),
            statement("lake.kid", QUIZ + "/7", success=True),  # Lakeside has no such alignment
        ]
    )
    pull = _pull()
    assert pull.counts["evidence"] == 1
    assert EvidenceScore.objects.get(student=world.ben, target=target).score == 4.0
    assert pull.counts["unknown_learner"] == 1
    assert pull.counts["unmapped"] == 1
    # The report names the statement, never the learner.
    assert all("nobody-we-know" not in p["message"] for p in pull.problems)


def test_voided_statement_retracts_its_evidence(world, lrs):
    target = world.target("MATH.1.2")
    first = lrs.post([statement("ana", QUIZ + "/v", case_item=target.uri, scaled=1.0)])[0]
    _pull()
    record = StatementRecord.objects.get(statement_id=first)
    assert record.outcome == Outcome.EVIDENCE
    before = Determination.objects.get(student=world.ana, target=target).evidence_count
    lrs.post([voiding(first)])
    pull = _pull()
    assert pull.counts["voiding"] == 1
    assert pull.counts["voided"] == 1
    record.refresh_from_db()
    assert record.outcome == Outcome.VOIDED
    evidence = Evidence.objects.get(pk=record.evidence_id)
    assert evidence.status == EvidenceStatus.RETURNED  # kept, no longer counting
    assert not evidence.scores.get().counts
    assert Determination.objects.get(student=world.ana, target=target).evidence_count == before - 1


def test_void_arriving_before_its_statement(world, lrs):
    target = world.target("MATH.1.2")
    later = str(uuid.uuid4())
    lrs.post([voiding(later)])
    lrs.post(
        [statement("ana", QUIZ + "/late", case_item=target.uri, scaled=1.0, statement_id=later)]
    )
    pull = _pull()
    assert pull.counts["voided"] == 1
    assert pull.counts.get("evidence", 0) == 0
    assert StatementRecord.objects.get(statement_id=later).outcome == Outcome.VOIDED


def test_malformed_statement_is_reported_by_id(world, lrs):
    target = world.target("MATH.1.2")
    bad = lrs.post([statement("ana", QUIZ + "/m", case_item=target.uri, raw={"raw": 7})])[0]
    pull = _pull()
    assert pull.counts["malformed"] == 1
    assert pull.problems == [
        {
            "statement": bad,
            "message": "result.score.raw needs min and max (max above min) to be read.",
        }
    ]
    assert StatementRecord.objects.get(statement_id=bad).outcome == Outcome.MALFORMED


def test_lrs_down_keeps_the_cursor_and_says_so(world, lrs, settings):
    cursor = LrsCursor.objects.get(endpoint=lrs.url).last_statement_id
    from proficio.lrs import ralph

    down = LrsClient(f"http://127.0.0.1:{ralph.free_port()}/xAPI", "x", "y", timeout=2)
    with acting(None, route="test"):
        pull = actions.pull_statements(SYSTEM, client=down)
    assert pull.status == PullStatus.LRS_DOWN
    assert "could not be reached" in pull.message
    assert LrsCursor.objects.get(endpoint=lrs.url).last_statement_id == cursor
    wrong = LrsClient(lrs.url, "proficio-test", "wrong-password", timeout=5)
    with acting(None, route="test"):
        refused = actions.pull_statements(SYSTEM, client=wrong)
    assert refused.status == PullStatus.LRS_DOWN
    assert "401" in refused.message
    settings.PROFICIO_LRS_URL = down.url
    with pytest.raises(CommandError, match="run the pull again later"):
        call_command("lrs", "pull")
    assert LrsPull.objects.filter(status=PullStatus.LRS_DOWN).count() == 3


def test_cli_pull_reports(world, lrs, capsys):
    target = world.target("MATH.1.2")
    lrs.post(
        [
            statement("ana", QUIZ + "/c", case_item=target.uri, success=True),
            statement("ana", QUIZ + "/d"),
        ]
    )
    call_command("lrs", "pull")
    out = capsys.readouterr().out
    assert "Pulled 2 statements" in out
    assert "1 became evidence" in out
    assert f"unmapped activity {QUIZ}/d: 1" in out


def test_only_district_admins_align_their_own_district(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    target = world.target("MATH.1.2")
    with pytest.raises(PermissionDenied):
        actions.align_activity(
            world.user("lake.admin"), world.org("riverbend"), activity_id=QUIZ, target=target
        )
    with pytest.raises(PermissionDenied):
        actions.align_activity(
            world.user("rivera"), world.org("riverbend"), activity_id=QUIZ, target=target
        )
    with pytest.raises(ValidationError) as caught:
        actions.align_activity(
            world.user("district.admin"), world.org("riverbend"), activity_id="quiz", target=target
        )
    assert "activity_id" in caught.value.message_dict
    assert not ActivityAlignment.objects.filter(activity_id__in=[QUIZ, "quiz"]).exists()
