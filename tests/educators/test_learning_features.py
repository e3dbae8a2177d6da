"""Educators' professional learning, feature by feature, with every figure worked out
independently of the code under test:

- reviewer calibration through moderation: exact agreement worked by hand (and by pairs),
  Fleiss' kappa against statsmodels, the pool's drift against scipy's linear regression;
- the equity counts that feed the teacher-assignment bias check, before and after an
  award and a license;
- coaching notes and peer feedback, seen only by the educator and those they share with;
- growth on an indicator, determined by the students' mastery engine, against the shared
  oracle for the decaying average and hand-worked weights.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from scipy import stats
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from proficio import policy
from proficio.audit.context import acting
from proficio.core.mastery.policy import Status
from proficio.educators import actions, growth, reports
from proficio.educators.models import (
    CalibrationRound,
    EducatorEvidence,
    FeedbackNote,
    Share,
    Submission,
    SubmissionStatus,
)
from proficio.frameworks.models import Item
from proficio.moderation import actions as moderation
from proficio.moderation.reports import criterion_statistics, load_grid
from proficio.orgs.models import OrganizationKind
from proficio.policy import Subject
from tests.world_educators import award, micro_credentialed_by_hand

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def system():
    with acting(None, route="tests: educators features"):
        yield policy.SYSTEM


# ================================================================ 2. reviewer calibration

# Scores (met 1 / not yet 0) per reviewer, per common submission, per rubric part; the
# consensus per submission; two rounds, the second harsher.
ROUND_1 = {
    "hs.reviewer": [[1, 1, 1, 1], [1, 0, 1, 0]],
    "counselor": [[1, 1, 0, 1], [1, 0, 1, 1]],
    "principal": [[1, 1, 1, 1], [0, 0, 1, 0]],
}
ROUND_2 = {
    "hs.reviewer": [[0, 1, 1, 1], [1, 0, 0, 0]],
    "counselor": [[1, 1, 1, 1], [1, 0, 1, 0]],
    "principal": [[0, 0, 1, 1], [0, 0, 1, 0]],
}
CONSENSUS = [[1, 1, 1, 1], [1, 0, 1, 0]]


def _pairs_agreeing(table: dict[str, list[list[int]]]) -> tuple[int, int]:
    agree = total = 0
    for s in range(2):
        for c in range(4):
            for a, b in itertools.combinations([t[s][c] for t in table.values()], 2):
                total += 1
                agree += a == b
    return agree, total


def _run_round(world, admin, mc, versions, table, seed):
    reviewers = [world.user(u) for u in table]
    with acting(admin, route="tests: calibration"):
        found = actions.start_calibration(
            admin, mc, reviewers=reviewers, versions=versions, seed=seed
        )
    session = found.session
    samples = list(session.samples.order_by("code"))
    criteria = moderation.criteria_of(session.rubric)
    assert len(samples) == 2
    assert len(criteria) == 4
    for username, rows in table.items():
        reviewer = world.user(username)
        with acting(reviewer, route="tests: calibration scores"):
            for sample, row in zip(samples, rows, strict=True):
                moderation.submit_scores(
                    reviewer, sample, {c.pk: v for c, v in zip(criteria, row, strict=True)}
                )
    with acting(admin, route="tests: calibration consensus"):
        moderation.reveal(admin, session)
        for sample, row in zip(samples, CONSENSUS, strict=True):
            moderation.record_consensus(
                admin,
                sample,
                {c.pk: v for c, v in zip(criteria, row, strict=True)},
                "Agreed after discussion.",
            )
    return found


def test_a_calibration_round_has_agreement_kappa_and_drift_as_computed_independently(world):
    admin = world.user("district.admin")
    riverbend = world.org("riverbend")
    mc = world.riverbend_mc
    versions = [
        world.rivera_submission.versions.order_by("-number").first(),
        world.cedar_submission.versions.order_by("-number").first(),
    ]
    first = _run_round(world, admin, mc, versions, ROUND_1, seed=1)
    # Common submissions are de-identified copies: neither submitter is named.
    for sample in first.session.samples.all():
        for username in ("rivera", "cedar.teacher"):
            person = world.user(username)
            assert person.display_name not in sample.description
            assert person.last_name == "" or person.last_name not in sample.description
        assert "Overview questions" in sample.description
    rows, drift = reports._calibration(riverbend)
    assert len(rows) == 1
    assert rows[0]["reviewers"] == 3
    assert rows[0]["samples"] == 2
    # By hand: per (submission, part), agreeing pairs of the three reviewers:
    # 3,3,1,3 and 1,3,3,1 = 18 of 24.
    assert _pairs_agreeing(ROUND_1) == (18, 24)
    assert rows[0]["exact"] == pytest.approx(18 / 24)
    assert "missing" in drift  # one round: no drift yet
    # Moderation's Fleiss' kappa per part against statsmodels.
    grid = load_grid(first.session)
    by_letter = {r.user.username: r for r in grid.raters}
    for c, found in enumerate(criterion_statistics(grid)):
        ratings = np.array([[ROUND_1[u][s][c] for u in by_letter] for s in range(2)])
        table, _ = aggregate_raters(ratings, n_cat=2)
        kappa = next(f for f in found.figures if "Fleiss" in str(f.label))
        expected = fleiss_kappa(table, method="fleiss")
        if np.isfinite(expected):
            assert kappa.value == pytest.approx(expected), c
        else:
            assert kappa.value is None or not np.isfinite(kappa.value)

    second = _run_round(world, admin, mc, versions, ROUND_2, seed=2)
    assert CalibrationRound.objects.filter(micro_credential=mc).count() == 2
    rows, drift = reports._calibration(riverbend)
    assert [r["round"] for r in rows] == [first, second]
    assert rows[1]["exact"] == pytest.approx(_pairs_agreeing(ROUND_2)[0] / 24)
    # Drift: every reviewer's score minus the consensus, regressed on the round.
    xs, ys = [], []
    for index, table in enumerate((ROUND_1, ROUND_2)):
        for rows_of in table.values():
            for s in range(2):
                for c in range(4):
                    xs.append(index)
                    ys.append(rows_of[s][c] - CONSENSUS[s][c])
    fit = stats.linregress(xs, ys)
    assert drift["slope"] == pytest.approx(fit.slope)
    assert drift["p"] == pytest.approx(fit.pvalue, rel=1e-6)
    assert drift["significant"] is bool(fit.pvalue < 0.05)
    assert fit.slope < 0  # the second round is harsher

    # The programme page shows the figures; a teacher of the pool does not see it.
    from django.test import Client

    client = Client()
    client.force_login(admin)
    page = client.get(reverse("educators:program", args=[riverbend.pk])).content.decode()
    assert f"{round(100 * 18 / 24)}%" in page
    assert f"{fit.slope:.2f}" in page
    client.force_login(world.user("rivera"))
    assert client.get(reverse("educators:program", args=[riverbend.pk])).status_code == 404


def test_calibration_refuses_too_few_reviewers_or_submissions_and_foreign_actors(world):
    admin = world.user("district.admin")
    mc = world.riverbend_mc
    version = world.rivera_submission.versions.order_by("-number").first()
    with acting(admin, route="tests: calibration"), pytest.raises(ValidationError) as err:
        actions.start_calibration(
            admin, mc, reviewers=[world.user("counselor")], versions=[version]
        )
    assert set(err.value.message_dict) == {"reviewers", "versions"}
    lake = world.user("lake.admin")
    with acting(lake, route="tests: calibration"), pytest.raises(PermissionDenied):
        actions.start_calibration(
            lake,
            mc,
            reviewers=[world.user("counselor"), world.user("principal")],
            versions=[version, world.cedar_submission.versions.first()],
        )
    assert CalibrationRound.objects.count() == 0


# ================================================================ 3. equity


def _school_of(world, username):
    return actions._workplace(world.user(username))


def test_an_award_and_a_license_move_the_equity_counts_and_the_bias_checks_input(world):
    from proficio.pace.actions import _teachers

    riverbend = world.org("riverbend")
    cedar = _school_of(world, "cedar.teacher")
    maple = _school_of(world, "rivera")
    assert cedar.kind == OrganizationKind.SCHOOL
    before = reports._gather(riverbend).equity
    assert before is not None
    schools = before.schools
    group = {s.pk: (0 if need else 1) for s, need in zip(schools, before.need, strict=True)}
    g_cedar, g_maple = group[cedar.pk], group[maple.pk]

    # Awarding Mr. Ash his first micro-credential: one more educator with an award in
    # Cedar's group, one more award, nothing else.
    submission = world.cedar_submission
    assert not Submission.objects.filter(
        educator=submission.educator, status=SubmissionStatus.AWARDED
    ).exists()
    with acting(world.user("counselor"), route="tests: award"):
        award(world.user("counselor"), submission)
    after = reports._gather(riverbend).equity
    delta = [0, 0]
    delta[g_cedar] = 1
    assert after.with_award == [b + d for b, d in zip(before.with_award, delta, strict=True)]
    assert after.awards == [b + d for b, d in zip(before.awards, delta, strict=True)]
    assert after.sizes == before.sizes
    assert after.credentialed == before.credentialed
    # The counts, recounted straight from the rows.
    awarded_at = {
        _school_of(world, u).pk
        for u in Submission.objects.filter(status=SubmissionStatus.AWARDED)
        .values_list("educator__username", flat=True)
        .distinct()
        if _school_of(world, u) is not None and _school_of(world, u).pk in group
    }
    assert cedar.pk in awarded_at

    # The bias check reads "fully credentialed" (a standard license in force), which a
    # micro-credential does not change; a lapsed license does, for Ms. Rivera's students.
    ana = world.ana
    student_ids = np.array(sorted({ana.pk}), dtype=np.int64)
    today = timezone.localdate()
    _, credentialed, _ = _teachers(riverbend, student_ids, today)
    assert credentialed.get(ana.pk) is True
    profile = world.rivera_profile
    with acting(world.user("rivera"), route="tests: license"):
        actions.add_license(
            world.user("rivera"),
            profile,
            title="Standard teaching license",
            issued_on=today - dt.timedelta(days=2000),
            expires_on=today - dt.timedelta(days=1),
        )
    profile.refresh_from_db()
    assert profile.fully_credentialed is False
    lapsed = reports._gather(riverbend).equity
    delta = [0, 0]
    delta[g_maple] = -1
    assert lapsed.credentialed == [a + d for a, d in zip(after.credentialed, delta, strict=True)]
    others = [
        t
        for t in world.ana.enrollments.values_list(
            "section__staff__user__educator_profile__fully_credentialed", flat=True
        )
        if t is not None
    ]
    _, credentialed, _ = _teachers(riverbend, student_ids, today)
    assert credentialed.get(ana.pk) is any(others)


def test_a_micro_credential_moves_exactly_its_holders_students_in_the_bias_check(world):
    """Revoking Ms. Rivera's micro-credential flips her students (those with no other
    holder teaching them) to "no", and nobody else; awarding her next one flips them back.
    The educators' equity table moves with the same rule."""
    from proficio.credentials.actions import revoke_credential
    from proficio.orgs.models import Enrollment, Student
    from proficio.pace.actions import _teachers
    from proficio.policy import SYSTEM

    riverbend = world.org("riverbend")
    today = timezone.localdate()
    rivera = world.user("rivera")
    ids = np.array(
        sorted(
            Student.objects.filter(school__path__startswith=riverbend.path).values_list(
                "pk", flat=True
            )
        ),
        dtype=np.int64,
    )
    _, _, before = _teachers(riverbend, ids, today)
    assert before == micro_credentialed_by_hand(riverbend, today)
    hers = set(
        Enrollment.objects.filter(section__staff__user=rivera).values_list("student_id", flat=True)
    )
    assert world.ana.pk in hers
    assert before[world.ana.pk] is True
    equity_before = reports._gather(riverbend).equity

    credential = world.rivera_micro_credential
    with acting(None, route="tests: revoke"):
        revoke_credential(SYSTEM, credential, reason="Awarded in error.")
    _, _, revoked = _teachers(riverbend, ids, today)
    assert revoked == micro_credentialed_by_hand(riverbend, today)
    flipped = {s for s in before if before[s] != revoked[s]}
    assert flipped, "some of Ms. Rivera's students lose their only holder teacher"
    assert flipped <= hers
    assert all(before[s] and not revoked[s] for s in flipped)
    # The leaders' equity table uses the same rule: one educator fewer with one.
    maple = _school_of(world, "rivera")
    group = {s.pk: g for g, s in enumerate(equity_before.schools)}
    need = dict(zip(group, equity_before.need, strict=True))
    g = 0 if need[maple.pk] else 1
    delta = [0, 0]
    delta[g] = -1
    equity_after = reports._gather(riverbend).equity
    assert equity_after.with_award == [
        b + d for b, d in zip(equity_before.with_award, delta, strict=True)
    ]

    with acting(world.user("hs.reviewer"), route="tests: award"):
        award(world.user("hs.reviewer"), world.rivera_submission)
    _, _, again = _teachers(riverbend, ids, today)
    assert again == before


# ================================================================ 4. coaching and peer feedback


def _notes_for(world, username, educator):
    user = world.user(username)
    return set(
        policy.visible(user, Subject.FEEDBACK_NOTE)
        .filter(educator=world.user(educator))
        .values_list("text", flat=True)
    )


def test_notes_are_seen_by_the_educator_and_whom_they_share_with_only(world, client):
    rivera = world.user("rivera")
    coach_note = "Your conferring notes are thorough."
    peer_text = "Peer feedback: the reflection could name a next step."
    colleague_submission = world.colleague_submission
    with acting(rivera, route="tests: peer"):
        actions.leave_peer_feedback(rivera, colleague_submission, peer_text)
    # Ms. Rivera's coaching note: she and her coach (the principal) only.
    assert _notes_for(world, "rivera", "rivera") == {coach_note}
    assert _notes_for(world, "principal", "rivera") == {coach_note}
    for other in ("maple.colleague", "cedar.teacher", "counselor", "district.admin", "lake.admin"):
        assert _notes_for(world, other, "rivera") == set(), other
    # The colleague's peer feedback: she and its author only (not the principal, who
    # coaches Ms. Rivera, not her).
    assert peer_text in _notes_for(world, "maple.colleague", "maple.colleague")
    assert peer_text in _notes_for(world, "rivera", "maple.colleague")
    for other in ("principal", "cedar.teacher", "lake.teacher", "lake.admin"):
        assert _notes_for(world, other, "maple.colleague") == set(), other

    # Pages: the coach's page for Ms. Rivera, and nobody else's, with no name leaking.
    profile = world.rivera_profile
    url = reverse("educators:coaching", args=[profile.pk])
    client.force_login(world.user("principal"))
    page = client.get(url)
    assert page.status_code == 200
    assert coach_note in page.content.decode()
    for other in ("maple.colleague", "cedar.teacher", "lake.admin", "lake.teacher"):
        client.force_login(world.user(other))
        page = client.get(url)
        assert page.status_code == 404, other
        assert rivera.display_name not in page.content.decode()
        assert coach_note not in page.content.decode()
    lake_url = reverse("educators:coaching", args=[world.lake_profile.pk])
    client.force_login(world.user("principal"))
    page = client.get(lake_url)
    assert page.status_code == 404
    assert world.user("lake.teacher").display_name not in page.content.decode()


def test_sharing_and_unsharing_through_the_page(world, client):
    rivera, colleague = world.user("rivera"), world.user("maple.colleague")
    coach_note = "Your conferring notes are thorough."
    client.force_login(rivera)
    sharing = reverse("educators:sharing")
    # Share with the colleague (not as coach): she reads the notes, may not coach.
    assert client.post(sharing, {"username": "maple.colleague"}).status_code == 302
    share = Share.objects.get(educator=rivera, with_user=colleague, revoked_at__isnull=True)
    assert share.coach is False
    assert _notes_for(world, "maple.colleague", "rivera") == {coach_note}
    with acting(colleague, route="tests: coach"), pytest.raises(PermissionDenied):
        actions.leave_coaching_note(colleague, world.rivera_profile, "Not my place.")
    # Stop sharing with the principal: the coach's page is gone, the notes too (but for
    # the one the principal wrote, which is theirs).
    principal_share = Share.objects.get(educator=rivera, with_user=world.user("principal"))
    response = client.post(sharing, {"do": "stop", "share": principal_share.pk})
    assert response.status_code == 302
    client.force_login(world.user("principal"))
    assert (
        client.get(reverse("educators:coaching", args=[world.rivera_profile.pk])).status_code == 404
    )
    with acting(world.user("principal"), route="tests: coach"), pytest.raises(PermissionDenied):
        actions.leave_coaching_note(world.user("principal"), world.rivera_profile, "Still here?")
    assert FeedbackNote.objects.filter(educator=rivera).count() == 1
    # The colleague's share ends too.
    client.force_login(rivera)
    client.post(sharing, {"do": "stop", "share": share.pk})
    assert _notes_for(world, "maple.colleague", "rivera") == set()
    # Stopping someone else's share is a 404 that names nobody.
    lake_share = Share.objects.get(educator=world.user("lake.teacher"))
    response = client.post(sharing, {"do": "stop", "share": lake_share.pk})
    assert response.status_code == 404
    assert "Shore" not in response.content.decode()
    assert Share.objects.get(pk=lake_share.pk).revoked_at is None


@pytest.mark.parametrize("username", ["lake.admin", "lake.kid", "ana", "nobody", "no.such.user"])
def test_sharing_outside_the_district_is_refused_without_naming_anyone(world, client, username):
    client.force_login(world.user("rivera"))
    response = client.post(reverse("educators:sharing"), {"username": username})
    assert response.status_code == 400
    body = response.content.decode()
    assert "No educator of your district has that username." in body
    for name in ("Ms. Shore", "Lia Lake", "No Role", "Mr. Lake"):
        assert name not in body
    if username in ("ana", "lake.kid"):
        assert world.user(username).display_name not in body
    assert not Share.objects.filter(
        educator=world.user("rivera"), with_user__username=username
    ).exists()


def test_asking_a_peer_outside_the_district_names_nobody(world):
    colleague = world.user("maple.colleague")
    with acting(colleague, route="tests: peer"), pytest.raises(ValidationError) as err:
        actions.request_peer_feedback(
            colleague, world.colleague_submission, world.user("lake.admin")
        )
    assert "Shore" not in str(err.value)


# ================================================================ 5. growth


def test_growth_is_the_mastery_engines_determination_with_its_explanation(world, client, oracle):
    rivera, principal = world.user("rivera"), world.user("principal")
    indicator = Item.objects.get(
        framework__title__startswith="Educator competencies", human_coding_scheme="K.3.a"
    )
    assert growth.is_indicator(indicator)
    values = growth.scale_values(indicator)
    levels = sorted(values)[-4:] if len(values) >= 4 else sorted(values)
    assert not EducatorEvidence.objects.filter(educator=rivera, indicator=indicator).exists()
    profile = world.rivera_profile
    start = timezone.now() - dt.timedelta(days=40)
    seen = []
    with acting(principal, route="tests: observe"):
        for n, level in enumerate(levels):
            e = actions.record_observation(
                principal, profile, indicator=indicator, level=level, note=f"Visit {n + 1}"
            )
            seen.append(e)
    # Each visit a week apart (the engine orders evidence by when it was shown).
    for n, e in enumerate(seen):
        EducatorEvidence.objects.filter(pk=e.pk).update(
            assessed_at=start + dt.timedelta(days=7 * n)
        )
    with acting(rivera, route="tests: self"):
        actions.self_assess(rivera, rivera, {f"indicator-{indicator.pk}": str(levels[0])})
    self_row = EducatorEvidence.objects.get(
        educator=rivera, indicator=indicator, kind="self_assessment"
    )

    found = growth.growth_of(rivera, profile.organization, [indicator])[indicator.pk]
    # The world's policy for educators: the decaying average at rate 0.65 (v ← 0.35 v +
    # 0.65 s), self-assessments not counted.
    expected = float(levels[0])
    for s in levels[1:]:
        expected = 0.35 * expected + 0.65 * float(s)
    if [float(v) for v in levels] == [1.0, 2.0, 3.0, 4.0]:
        steps = oracle["mastery_rules"]["exponential_decaying_average_rate_0.65_steps"]
        assert expected == pytest.approx(steps[3])
    assert found.value == pytest.approx(expected)
    assert found.evidence_count == len(levels)
    mastery = growth.mastery_value(indicator)
    if expected + 1e-9 >= mastery:
        assert found.status in (Status.PROFICIENT, Status.ADVANCED)
        assert "Shown" in found.words
        assert "astered" not in found.words
    else:
        assert found.status == Status.NOT_YET
    explanation = found.explanation
    assert explanation["rule"] == "decaying_average"
    assert explanation["policy"] == "Educator growth"
    assert [u["key"] for u in explanation["used"]] == [f"e{e.pk}" for e in seen]
    n = len(levels)
    weights = [0.35 ** (n - 1)] + [0.65 * 0.35 ** (n - 1 - k) for k in range(1, n)]
    assert [u["weight"] for u in explanation["used"]] == pytest.approx(weights)
    assert sum(w * float(s) for w, s in zip(weights, levels, strict=True)) == pytest.approx(
        expected
    )
    assert [x["key"] for x in explanation["excluded"]] == [f"e{self_row.pk}"]

    # The page says the same: her determination, the evidence in order, the excluded one.
    client.force_login(rivera)
    page = client.get(reverse("educators:growth_indicator", args=[indicator.pk])).content.decode()
    assert str(found.words) in page
    for k in range(n):
        assert f"Visit {k + 1}" in page
    # Another educator's growth on the same indicator is theirs alone.
    client.force_login(world.user("maple.colleague"))
    page = client.get(reverse("educators:growth_indicator", args=[indicator.pk])).content.decode()
    assert "Visit 1" not in page


@pytest.fixture(scope="module")
def oracle():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "oracles.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared reference sits beside the checkout)")
    return json.loads(path.read_text(encoding="utf-8"))
