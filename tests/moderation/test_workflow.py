"""Moderation sessions end to end through the actions and the pages."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proficio.audit.models import AuditEntry
from proficio.core.reliability import (
    category_counts,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from proficio.frameworks.models import Exemplar, Rubric
from proficio.moderation import actions, reports
from proficio.moderation.models import Assignment, RaterScore, SampleSource, WorkSample
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM
from tests.world_moderation import third_rater


def _scores(session, values):
    return {c.pk: v for c, v in zip(actions.criteria_of(session.rubric), values, strict=False)}


@pytest.fixture
def balanced(world):
    """Four raters, six samples, two raters per sample."""
    from proficio.accounts.models import User

    admin = world.user("district.admin")
    session = actions.create_session(
        admin,
        title="Balanced",
        task="Recipe scaling",
        rubric=Rubric.objects.get(title="Number sense and operations rubric"),
        owner=world.org("riverbend"),
        design="balanced",
        raters_per_sample=2,
    )
    teachers = (
        User.objects.filter(
            memberships__role="teacher",
            memberships__organization__path__startswith=world.org("riverbend").path,
        )
        .distinct()
        .order_by("username")[:4]
    )
    for user in teachers:
        actions.add_rater(SYSTEM, session, user)
    for i in range(6):
        actions.add_anchor_sample(SYSTEM, session, description=f"Work {i}")
    actions.open_scoring(SYSTEM, session)
    return session


def test_balanced_design_gives_each_sample_two_raters_and_fair_loads(balanced):
    per_sample = [s.assignments.count() for s in balanced.samples.all()]
    assert per_sample == [2] * 6
    loads = sorted(r.assignments.count() for r in balanced.raters.all())
    assert loads == [3, 3, 3, 3]


def test_a_rater_cannot_score_a_sample_not_assigned_to_them(balanced, client):
    rater = balanced.raters.first()
    other = WorkSample.objects.filter(session=balanced).exclude(assignments__rater=rater).first()
    with pytest.raises(PermissionDenied, match=f"Sample {other.code} is not assigned to you"):
        actions.submit_scores(rater.user, other, _scores(balanced, [3, 3, 3, 3]))
    client.force_login(rater.user)
    url = reverse("moderation:score", args=[balanced.pk, other.pk])
    response = client.post(url, {})
    assert response.status_code == 403
    assert "is not assigned to you" in response.content.decode()
    assert not RaterScore.objects.filter(assignment__sample=other).exists()


def test_a_score_outside_the_rubric_is_refused_and_nothing_is_saved(world, client):
    session = world.moderation_scoring
    sample = session.samples.get(code="S-02")
    rivera = world.user("rivera")
    criteria = actions.criteria_of(session.rubric)
    client.force_login(rivera)
    data = {f"criterion_{c.pk}": 3 for c in criteria}
    data[f"criterion_{criteria[1].pk}"] = 7
    response = client.post(reverse("moderation:score", args=[session.pk, sample.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"7 is not a level of “{criteria[1]}”; use one of 1, 2, 3, 4." in body
    assignment = Assignment.objects.get(sample=sample, rater__user=rivera)
    assert assignment.submitted_at is None
    assert not assignment.scores.exists()


def test_scoring_is_blind_until_the_reveal(world, client):
    session = world.moderation_scoring
    client.force_login(world.user("rivera"))
    discuss = client.get(reverse("moderation:discuss", args=[session.pk])).content.decode()
    assert "hidden until the organizer reveals them" in discuss
    assert "Rater B" not in discuss
    stats = client.get(reverse("moderation:statistics", args=[session.pk])).content.decode()
    assert "after the scores are revealed" in stats
    # The scoring page shows the rater's own scores only.
    first = session.samples.get(code="S-01")
    page = client.get(reverse("moderation:score", args=[session.pk, first.pk])).content.decode()
    assert page.count(" checked") == 4  # Rivera's four answers, nobody else's


def test_reveal_needs_two_ratings_on_some_sample(world):
    session = actions.create_session(
        SYSTEM,
        title="Too early",
        task="t",
        rubric=world.moderation_scoring.rubric,
        owner=world.org("riverbend"),
    )
    actions.add_rater(SYSTEM, session, world.user("rivera"))
    actions.add_rater(SYSTEM, session, world.user("principal"))
    actions.add_anchor_sample(SYSTEM, session, description="one")
    actions.open_scoring(SYSTEM, session)
    with pytest.raises(ValidationError, match="No sample has been scored by two raters yet"):
        actions.reveal(SYSTEM, session)


def test_open_scoring_needs_two_raters_and_a_sample(world):
    session = actions.create_session(
        SYSTEM,
        title="Empty",
        task="t",
        rubric=world.moderation_scoring.rubric,
        owner=world.org("riverbend"),
    )
    with pytest.raises(ValidationError) as exc:
        actions.open_scoring(SYSTEM, session)
    assert "at least 2 raters" in str(exc.value.message_dict["raters"])
    assert "at least one work sample" in str(exc.value.message_dict["samples"])


def test_an_educator_outside_the_organizer_cannot_rate(world):
    with pytest.raises(ValidationError, match="is not an educator in Riverbend"):
        actions.add_rater(SYSTEM, world.moderation_setup, world.user("lake.teacher"))


def test_reveal_puts_disagreements_first_and_hides_unscored_samples_from_raters(world, client):
    session = world.moderation_revealed
    client.force_login(world.user("district.admin"))
    body = client.get(reverse("moderation:discuss", args=[session.pk])).content.decode()
    # S-01 spreads 2 levels (1 to 3 on one criterion), S-02 one: S-01 comes first.
    assert body.index("Scores for S-01") < body.index("Scores for S-02")
    # The principal scored S-01 only, so sees S-01's scores and not S-02's.
    client.force_login(world.user("principal"))
    body = client.get(reverse("moderation:discuss", args=[session.pk])).content.decode()
    assert "Scores for S-01" in body
    assert "Scores for S-02" not in body
    assert "(you)" in body


def test_statistics_match_the_kernels_and_explain_themselves(world, client):
    session = world.moderation_revealed
    grid = reports.load_grid(session)
    first = grid.criteria[0]
    m = grid.matrix(first)
    stats = reports.criterion_statistics(grid)[0]
    exact = next(f for f in stats.figures if f.label == "Exact agreement")
    assert exact.value == pytest.approx(percent_agreement(m, 0))
    alpha = next(f for f in stats.figures if f.label.startswith("Krippendorff"))
    expected = krippendorff_alpha(m, "ordinal")
    assert alpha.value == pytest.approx(expected)
    fleiss = next(f for f in stats.figures if f.label == "Fleiss' kappa")
    assert fleiss.value == pytest.approx(fleiss_kappa(category_counts(m)[1]))
    assert alpha.band  # a plain-language reading
    client.force_login(world.user("district.admin"))
    body = client.get(reverse("moderation:statistics", args=[session.pk])).content.decode()
    assert "How well did the panel agree?" in body
    assert "Not available" in body or "interval" in body


def test_statistics_on_too_little_data_say_what_is_missing(world):
    session = world.moderation_revealed
    grid = reports.load_grid(session)
    grid.scores = {k: v for k, v in grid.scores.items() if k[1] == grid.samples[1].pk}
    grid.scores = dict(list(grid.scores.items())[:1])
    figures = reports.criterion_statistics(grid)[0].figures
    assert all(f.value is None for f in figures)
    assert all("need" in f.missing or "at least" in f.missing for f in figures), [
        f.missing for f in figures
    ]


def test_consensus_must_be_on_the_rubric_and_explained(world):
    session = world.moderation_revealed
    sample = session.samples.get(code="S-02")
    with pytest.raises(ValidationError) as exc:
        actions.record_consensus(SYSTEM, sample, _scores(session, [2, 2, 9, 2]), "")
    errors = exc.value.message_dict
    assert any("9 is not a level" in m for ms in errors.values() for m in ms)
    assert "rationale" in errors


def test_an_anchor_becomes_an_exemplar_on_the_continuum(world):
    session = world.moderation_revealed
    sample = session.samples.get(code="S-01")
    criterion = actions.criteria_of(session.rubric)[0]
    anchor = actions.choose_anchor(world.user("district.admin"), sample, criterion)
    exemplar = Exemplar.objects.get(pk=anchor.exemplar_id)
    assert exemplar.item_id == criterion.item_id
    assert "Strips show equivalence" in exemplar.description
    assert exemplar.file.read() == b"Scaling 3/4 cup by 2 gives 6/4 cups"
    # A sample without its work attached cannot illustrate a level.
    bare = session.samples.get(code="S-02")
    actions.record_consensus(SYSTEM, bare, _scores(session, [2, 2, 2, 2]), "ok")
    with pytest.raises(ValidationError, match="has no work attached"):
        actions.choose_anchor(SYSTEM, bare, criterion)


def test_each_rater_sees_only_their_own_feedback(world, client):
    session = world.moderation_revealed
    third = third_rater()
    client.force_login(third)
    body = client.get(reverse("moderation:feedback", args=[session.pk])).content.decode()
    assert "Your scoring, privately" in body
    # Third rater gave 1 where the consensus is 2 on the third criterion: listed with why.
    assert "Strips show equivalence" in body
    assert "Ms. Rivera" not in body
    assert "Dr. Okoye" not in body
    assert "The panel as a whole" not in body
    # The organizer sees aggregates, no names beside numbers, and no private section.
    client.force_login(world.user("district.admin"))
    body = client.get(reverse("moderation:feedback", args=[session.pk])).content.decode()
    assert "The panel as a whole" in body
    assert "Your scoring, privately" not in body
    for name in ("Ms. Rivera", "Dr. Okoye", str(third)):
        assert name not in body


def test_rater_feedback_numbers(world):
    session = world.moderation_revealed
    grid = reports.load_grid(session)
    seat = next(r for r in grid.raters if r.user.username == "rivera")
    mine = reports.rater_feedback(session, grid, seat)
    # Rivera's S-01 scores are the consensus: 4 of 4 exact.
    assert mine.compared == 4
    assert mine.exact.value == 1.0
    assert mine.severity.value == 0.0
    assert mine.drift.missing  # one session is not a trend


def test_drawn_samples_are_deidentified_copies_with_local_scores(world):
    session = world.moderation_setup
    before = AuditEntry.objects.count()
    made = actions.draw_samples(SYSTEM, session, per_school=5)
    assert made, "Ana's fraction strips project should be drawn"
    ana = world.ana
    for sample in made:
        assert sample.source == SampleSource.EVIDENCE
        assert ana.legal_given_name not in sample.description
        assert sample.local_scores
        assert sample.origin_school is not None
        assert not hasattr(sample, "student")
    drawn = next(s for s in made if "Fraction strips project" in s.description)
    criterion = actions.criteria_of(session.rubric)[0]  # MATH.1.2
    assert drawn.local_scores == {str(criterion.pk): 3.0}
    assert drawn.file.read() == b"My fraction notes"
    # Copying students' work is an audited read of each student's record.
    assert AuditEntry.objects.count() > before
    entry = AuditEntry.objects.filter(student_id=ana.pk, purpose="moderation sample").get()
    assert (entry.action, entry.object_type) == ("read", "evidence.evidence")


def test_comparability_report_per_school_criterion_and_subgroup(world):
    session = world.moderation_setup
    school = Organization.objects.get(code="maple-ms")
    rubric_criteria = actions.criteria_of(session.rubric)
    rng = np.random.default_rng(3)
    samples = []
    for i in range(24):
        local = {str(c.pk): float(rng.integers(2, 5)) for c in rubric_criteria}
        samples.append(
            WorkSample.objects.create(
                session=session,
                code=f"C-{i:02d}",
                source=SampleSource.EVIDENCE,
                origin_school=school,
                local_scores=local,
                english_learner=i % 2 == 0,
                disability=i < 4,
            )
        )
    from proficio.moderation.models import Consensus

    for s in samples:
        for c in rubric_criteria:
            # Moderators score every local score one level lower: local runs high.
            Consensus.objects.create(sample=s, criterion=c, score=s.local_scores[str(c.pk)] - 1)
    report = reports.comparability_report(reports.load_grid(session), threshold=10)
    [maple] = report.by_school
    assert maple.group == school.name
    assert maple.n == 96
    assert maple.figures[0].value == 0.0  # no exact agreement
    assert "-1.00" in maple.adjustment
    groups = {row.group: row for row in report.by_subgroup}
    assert groups["English learners"].n == 48
    assert not groups["English learners"].suppressed
    # Four students with disabilities (16 scores) show; the 0 < n < 10 rule hides small ones.
    assert not groups["Students with disabilities"].suppressed
    el, disability = report.gaps
    assert el.rate_group == "0%"
    assert el.verdict.startswith("No clear difference")
    assert disability.missing == ""
    small = reports.comparability_report(reports.load_grid(session), threshold=20)
    assert small.gaps[1].missing.startswith("Not shown")
    assert {r.group for r in small.by_subgroup if r.suppressed} == {"Students with disabilities"}


def test_anchor_uploads_are_checked_by_content(world):
    session = world.moderation_setup
    with pytest.raises(ValidationError, match="not a file type we accept"):
        actions.add_anchor_sample(
            SYSTEM, session, upload=SimpleUploadedFile("essay.pdf", b"MZ\x90\x00 not a pdf")
        )
    assert (
        not session.samples.filter(source=SampleSource.ANCHOR)
        .exclude(description__startswith="A strip")
        .exists()
    )


def test_comparability_page_shows_schools_groups_and_gaps(world, client):
    session = world.moderation_revealed
    school = Organization.objects.get(code="maple-ms")
    from proficio.moderation.models import Consensus

    criterion = actions.criteria_of(session.rubric)[0]
    for i in range(24):
        sample = WorkSample.objects.create(
            session=session,
            code=f"L-{i:02d}",
            source=SampleSource.EVIDENCE,
            origin_school=school,
            local_scores={str(criterion.pk): 3.0},
            english_learner=i % 2 == 0,
            disability=False,
        )
        Consensus.objects.create(sample=sample, criterion=criterion, score=3.0 if i % 3 else 2.0)
    client.force_login(world.user("district.admin"))
    response = client.get(reverse("moderation:comparability", args=[session.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert school.name in body
    assert "Is comparability the same for English learners?" in body
    assert "No clear difference" in body
    assert "Suggested adjustment" in body


def test_school_drift_pools_raters_and_needs_two_sessions(world):
    session = world.moderation_revealed
    [*rows] = reports.school_drift(session)
    assert {row.school for row in rows} >= {"Maple Middle School"}
    # No figure is shown: the reason is given instead of a number.
    assert all(row.figure.missing for row in rows)
    raters = {}
    for rater in session.raters.all():
        raters.setdefault(rater.school.name, set()).add(rater.user_id)
    for row in rows:
        if len(raters.get(row.school, ())) < reports.MIN_SCHOOL_RATERS:
            # A school with one or two raters would show one person's scores: withheld.
            assert row.figure.missing.startswith("Withheld: fewer than 3 raters")
        else:
            assert "2 different sessions" in row.figure.missing


def test_a_bad_consensus_is_refused_on_the_discussion_page(world, client):
    session = world.moderation_revealed
    sample = session.samples.get(code="S-02")
    criteria = actions.criteria_of(session.rubric)
    client.force_login(world.user("district.admin"))
    data = {f"criterion_{c.pk}": 2 for c in criteria}
    data[f"criterion_{criteria[0].pk}"] = 5
    data["rationale"] = "Agreed"
    response = client.post(reverse("moderation:consensus", args=[session.pk, sample.pk]), data)
    assert response.status_code == 400
    assert "5 is not a level of" in response.content.decode()
    assert not sample.consensus.exists()
    data[f"criterion_{criteria[0].pk}"] = 2
    response = client.post(reverse("moderation:consensus", args=[session.pk, sample.pk]), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/discuss/#sample-{sample.pk}")
    assert sample.consensus.count() == len(criteria)


def _open_session(world, title: str):
    from proficio.moderation.models import Rater

    session = actions.create_session(
        SYSTEM,
        title=title,
        task="t",
        rubric=world.moderation_scoring.rubric,
        owner=world.org("riverbend"),
    )
    teachers = (
        world.user("rivera")
        .__class__.objects.filter(
            memberships__role="teacher",
            memberships__organization__path__startswith=world.org("riverbend").path,
        )
        .distinct()
        .order_by("username")[:6]
    )
    for user in teachers:
        actions.add_rater(SYSTEM, session, user)
    actions.add_anchor_sample(SYSTEM, session, description="one")
    actions.open_scoring(SYSTEM, session)
    return list(Rater.objects.filter(session=session).order_by("pk"))


def test_rater_letters_are_shuffled_so_no_order_links_a_letter_to_a_name(world):
    orders = set()
    for n in range(8):
        raters = _open_session(world, f"Shuffle {n}")
        letters = [r.letter for r in raters]
        assert sorted(letters) == [actions.letter_for(i) for i in range(len(raters))]
        orders.add(tuple(letters))
    # Six raters joined in the same order eight times: 720 possible orders, so the panel
    # order (and the name order) leaves the letters unpredictable.
    assert len(orders) > 1


def test_organizers_never_see_a_letter_beside_a_name(world, client):
    import re

    session = world.moderation_revealed
    names = set()
    for rater in session.raters.select_related("user"):
        names |= {rater.user.username, str(rater.user)}
    client.force_login(world.user("district.admin"))
    for route in ("detail", "discuss", "statistics", "feedback", "comparability"):
        body = client.get(reverse(f"moderation:{route}", args=[session.pk])).content.decode()
        lettered = re.search(r"Rater [A-Z]{1,2}\b", body)
        named = [n for n in names if n in body]
        assert not (lettered and named), f"{route} shows a rater letter beside {named}"


def _educators(world, code: str, n: int):
    """``n`` educators of a school who may rate (teachers, then leaders), by username."""
    from proficio.accounts.models import User

    people = (
        User.objects.filter(
            memberships__organization__code=code,
            memberships__role__in=["teacher", "school_leader"],
        )
        .distinct()
        .order_by("username")
    )
    found = list(people[:n])
    assert len(found) == n, f"{code} has {len(found)} educators, the test needs {n}"
    return found


def test_school_drift_is_shown_from_three_raters_and_withheld_below(world):
    """The threshold itself: Maple rates with three people across the organizer's
    sessions and gets a figure; Cedar, with two, gets the reason instead of a number."""
    base = world.moderation_revealed
    maple = _educators(world, "maple-ms", 3)
    # Cedar's world rater and one more: two people in all.
    third = third_rater()
    cedar = [third, next(u for u in _educators(world, "cedar-es", 2) if u != third)]
    last = None
    for n, shift in enumerate((0, 1)):
        session = actions.create_session(
            SYSTEM,
            title=f"Drift {n}",
            task="Recipe scaling task",
            rubric=base.rubric,
            owner=base.owner,
        )
        for user in maple + cedar:
            actions.add_rater(SYSTEM, session, user)
        actions.add_anchor_sample(SYSTEM, session, description=f"Drift sample {n}")
        actions.open_scoring(SYSTEM, session)
        sample = session.samples.get()
        for i, user in enumerate(maple + cedar):
            level = 2 + (shift if i < len(maple) else 0) + (i % 2)
            actions.submit_scores(user, sample, _scores(session, [level] * 4))
        actions.reveal(SYSTEM, session)
        actions.record_consensus(SYSTEM, sample, _scores(session, [2, 2, 2, 2]), "Agreed")
        last = session
    rows = {row.school: row for row in reports.school_drift(last)}
    people = {}
    for session in base.owner.moderation_sessions.filter(
        rubric__framework=base.rubric.framework, status__in=["revealed", "closed"]
    ):
        for rater in session.raters.select_related("school"):
            people.setdefault(rater.school.name, set()).add(rater.user_id)
    maple_row, cedar_row = rows["Maple Middle School"], rows["Cedar Elementary School"]
    assert len(people["Maple Middle School"]) >= reports.MIN_SCHOOL_RATERS
    assert maple_row.figure.missing == ""
    assert maple_row.figure.value is not None
    assert len(people["Cedar Elementary School"]) == reports.MIN_SCHOOL_RATERS - 1
    assert cedar_row.figure.missing.startswith("Withheld: fewer than 3 raters")
    assert cedar_row.figure.value is None
