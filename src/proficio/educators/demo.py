"""Professional learning in the demo district (called by the generator, with history).

Riverbend publishes a catalogue of 20 micro-credentials over the educator framework's
four domains (one of them issued with a university partner for graduate credit) and two
pathways; a pool of trained reviewers from every school calibrates on common
submissions; and educators are at every stage: drafting, in review, revising after a
"not yet", awarded, and one who has completed a pathway. Everything goes through the
educators' actions, as a person would do it."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from proficio.accounts.models import User
from proficio.educators import actions
from proficio.educators.models import (
    MicroCredential,
    PathwayEnrollment,
    Submission,
    SubmissionVersion,
)
from proficio.frameworks.models import Framework, Item, ItemKind
from proficio.moderation import actions as moderation
from proficio.orgs.models import Organization, RoleMembership, active_on
from proficio.policy import SYSTEM

PARTS = [
    {
        "kind": "overview",
        "title": "Overview questions",
        "prompt": "Who are your learners, and why did you choose this method for them?",
        "met_criteria": "Names the learners' needs and ties the method to them.",
    },
    {
        "kind": "work_example",
        "title": "Work example",
        "prompt": "A lesson plan, protocol or artifact showing the method in use.",
        "met_criteria": "The artifact shows the method's key moves.",
    },
    {
        "kind": "student_evidence",
        "title": "De-identified student evidence",
        "prompt": "Work from three learners, before and after, with names removed.",
        "met_criteria": "Shows the method's effect on the learners' progress.",
    },
    {
        "kind": "reflection",
        "title": "Reflection",
        "prompt": "What did you learn, and what will you change next?",
        "met_criteria": "Draws a next step from the evidence.",
    },
]

# code, competency, title, key method, research basis
CATALOGUE = [
    ("RB-K1", "K.1", "Knowing myself as a learner", "Learning autobiography", "Brookfield 2017"),
    ("RB-K2", "K.2", "Learner profiles", "Learner profiles and interest surveys", "Tomlinson 2014"),
    ("RB-K3", "K.3", "How people learn", "Retrieval practice", "Roediger & Karpicke 2006"),
    ("RB-K4", "K.4", "Defining mastery", "Proficiency scales", "Marzano 2010"),
    (
        "RB-K5",
        "K.5",
        "Competency-based teaching",
        "Flexible pacing with checkpoints",
        "Sturgis 2016",
    ),
    ("RB-S6", "S.6", "Designing for mastery", "Backward design", "Wiggins & McTighe 2005"),
    ("RB-S7", "S.7", "Culturally responsive teaching", "Culturally responsive lessons", "Gay 2018"),
    ("RB-S8", "S.8", "Formative assessment", "Conferring and feedback", "Black & Wiliam 1998"),
    ("RB-S9", "S.9", "Student agency", "Goal-setting conferences", "Zimmerman 2002"),
    ("RB-S10", "S.10", "Flexible learning spaces", "Station rotation", "Horn & Staker 2014"),
    ("RB-S11", "S.11", "Personalising learning", "Playlists with choice", "Pane et al. 2017"),
    ("RB-I13", "INTRA.13", "Equity mindset", "Equity audit of one unit", "Gorski 2018"),
    ("RB-I14", "INTRA.14", "Growth mindset in practice", "Process praise", "Dweck 2006"),
    ("RB-I15", "INTRA.15", "Reflective practice", "Video self-study", "Schön 1983"),
    ("RB-I16", "INTRA.16", "Leading change", "Plan-do-study-act cycles", "Bryk et al. 2015"),
    ("RB-I17", "INTRA.17", "Critical thinking", "Data inquiry cycles", "Boudett et al. 2013"),
    ("RB-R19", "INTER.19", "Family partnerships", "Home visits", "Mapp & Kuttner 2013"),
    ("RB-R20", "INTER.20", "Belonging", "Restorative circles", "Gregory et al. 2016"),
    ("RB-R21", "INTER.21", "Community partners", "Community-based projects", "Smith 2002"),
    ("RB-R22", "INTER.22", "Professional teams", "Lesson study", "Lewis & Perry 2017"),
]
PARTNER = "RB-S8"  # offered with a university partner, for graduate credit
ONE_REVIEWER = "RB-K3"  # reviewed by one trained reviewer only (t.riverbend-hs.001)

WORK = [
    "My grade-7 learners range widely; I chose this method to find each one's next step.",
    "Protocol: three short conferences per period, with a note-taking grid.",
    "Learner A moved from level 2 to 3; Learner B asked for a reassessment; Learner C "
    "set her own goal.",
    "I saw who was stuck sooner; next I will add peer conferences.",
]
THIN = "Learner A improved."  # what a reviewer returns as "not yet"


def _item(framework: Framework, code: str) -> Item:
    return Item.objects.get(framework=framework, human_coding_scheme=code, kind=ItemKind.COMPETENCY)


def _teachers(district: Organization) -> dict[str, list[User]]:
    """The district's teachers by school code (account order), Ms. Rivera first at Maple."""
    out: dict[str, list[User]] = {}
    for m in (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            organization__path__startswith=district.path,
            role="teacher",
        )
        .select_related("user", "organization")
        .order_by("user_id")
    ):
        out.setdefault(m.organization.code, []).append(m.user)
    return out


def _write(educator: User, submission: Submission, *, thin: bool = False) -> None:
    parts = list(submission.micro_credential.parts.order_by("position"))
    texts = {f"part-{p.pk}": WORK[i % len(WORK)] for i, p in enumerate(parts)}
    if thin:
        texts[f"part-{parts[2].pk}"] = THIN
    actions.save_draft(educator, submission, texts)


def _review(reviewer: User, submission: Submission, *, met: bool) -> None:
    actions.declare_conflict(reviewer, submission, conflict=False)
    parts = list(submission.micro_credential.parts.order_by("position"))
    scores = {f"part-{p.pk}": "met" for p in parts}
    feedback: dict[str, str] = {}
    if not met:
        scores[f"part-{parts[2].pk}"] = "not_yet"
        feedback[f"part-{parts[2].pk}"] = (
            "Show the work of three learners, before and after, so the effect is visible."
        )
    actions.review_submission(
        reviewer,
        submission,
        scores=scores,
        feedback=feedback,
        comment="Clear practice." if met else "",
    )


def _assigned(submission: Submission) -> User:
    assignment = submission.assignments.filter(active=True).select_related("reviewer").first()
    assert assignment is not None, "the demo's reviewer pool covers every micro-credential"
    return assignment.reviewer


def _submit(educator: User, mc: MicroCredential, *, thin: bool = False) -> Submission:
    submission = actions.start_submission(educator, educator, mc)
    _write(educator, submission, thin=thin)
    actions.submit(educator, submission)
    return Submission.objects.get(pk=submission.pk)


def _earn(educator: User, mc: MicroCredential) -> Submission:
    submission = _submit(educator, mc)
    _review(_assigned(submission), submission, met=True)
    return submission


def _calibrate(mc: MicroCredential, reviewers: list[User], seed: int) -> None:
    """One calibration round on common submissions, scored by the pool and revealed."""
    versions = list(
        SubmissionVersion.objects.filter(submission__micro_credential=mc).order_by("pk")[:4]
    )
    if len(versions) < 2:
        return
    round_ = actions.start_calibration(
        SYSTEM, mc, reviewers=reviewers, versions=versions, seed=seed
    )
    session = round_.session
    criteria = moderation.criteria_of(session.rubric)
    rng = random.Random(seed)
    for r, reviewer in enumerate(reviewers):
        for sample in session.samples.order_by("code"):
            scores: dict[int, Any] = {}
            for criterion in criteria:
                values = moderation.level_scores(criterion)
                # Mostly "met"; the last reviewer is a little harsher (drift to watch).
                harsh = r == len(reviewers) - 1 and rng.random() < 0.3
                scores[criterion.pk] = values[0] if harsh else values[-1]
            moderation.submit_scores(reviewer, sample, scores)
    moderation.reveal(SYSTEM, session)


def seed_educators(district: Organization, *, today: dt.date, seed: int = 0) -> int:
    """The catalogue, the pathways, the reviewer pool and educators at every stage.
    Returns the number of submissions made."""
    framework = Framework.objects.filter(title__startswith="Educator competencies").first()
    if framework is None:
        return 0
    from proficio.mastery import actions as mastery

    actions.sync_profiles(SYSTEM, district)
    mastery.create_policy(
        SYSTEM,
        name="Educator growth",
        scope="framework",
        owner=district,
        framework=framework,
        params={"method": "decaying_average", "min_evidence": 1},
    )
    catalogue: dict[str, MicroCredential] = {}
    for code, competency, title, method, basis in CATALOGUE:
        partner = code == PARTNER
        catalogue[code] = actions.create_micro_credential(
            SYSTEM,
            issuer=district,
            code=code,
            title=title,
            item=_item(framework, competency),
            key_method=method,
            research_basis=basis,
            parts=PARTS,
            issuer_kind="partner" if partner else "district",
            partner_name="Columbia State University" if partner else "",
            graduate_credit="1 graduate credit (EDU 590)" if partner else "",
            credit_value="0.5",
            blind_review=partner,
            publish=True,
        )
    actions.create_pathway(
        SYSTEM,
        issuer=district,
        code="RB-PW-LEAD",
        title="Teacher leader pathway",
        description="For teachers who lead colleagues in competency-based practice.",
        required=["RB-K4", "RB-S8", "RB-I16"],
        electives=["RB-S6", "RB-S9", "RB-I15", "RB-R22", "RB-K5"],
        choose_k=2,
        core_area="Assessment and leadership",
        outcome_role="Teacher leader",
        stipend="1500",
        salary_step=True,
        renewal_credits="2",
        publish=True,
    )
    actions.create_pathway(
        SYSTEM,
        issuer=district,
        code="RB-PW-EQUITY",
        title="Equity and belonging pathway",
        required=["RB-S7", "RB-I13"],
        electives=["RB-R19", "RB-R20", "RB-R21"],
        choose_k=1,
        core_area="Relationships",
        sequenced=True,
        review_required=False,
        renewal_credits="1",
        publish=True,
    )

    teachers = _teachers(district)
    maple = [u for u in teachers.get("maple-ms", []) if u.username != "rivera"]
    cedar = teachers.get("cedar-es", [])
    high = teachers.get("riverbend-hs", [])
    rivera = User.objects.get(username="rivera")
    principal = User.objects.get(username="principal")
    admin = User.objects.get(username="district.admin")
    # The reviewer pool: trained teachers from each school, and the counselor. The first
    # high-school teacher reviews every micro-credential; the others all but RB-K3, whose
    # one reviewer is therefore known (the browser test follows a submission to them).
    pool = [*high[:2], *cedar[:1], *maple[-1:], User.objects.get(username="counselor")]
    trained = today - dt.timedelta(days=120)
    for n, reviewer in enumerate(pool):
        if n == 0:
            actions.qualify_reviewer(SYSTEM, district, reviewer, trained_on=trained)
            continue
        for code, mc in catalogue.items():
            if code != ONE_REVIEWER:
                actions.qualify_reviewer(
                    SYSTEM, district, reviewer, trained_on=trained, micro_credential=mc
                )
    # Everyone else, one school after another, for the stages and the pathways.
    taken = {u.pk for u in pool} | {rivera.pk}
    by_school = [[u for u in group if u.pk not in taken] for group in (cedar, high, maple)]
    rest = [
        group[i]
        for i in range(max(map(len, by_school), default=0))
        for group in by_school
        if i < len(group)
    ]

    made = 0
    # Ms. Rivera: a license to renew in two years (6 credits), on the teacher-leader
    # pathway, one micro-credential earned and one back for revision.
    actions.add_license(
        SYSTEM,
        actions.my_profile(rivera),
        title="Secondary mathematics (grades 6-12)",
        number="CO-MATH-20417",
        issued_on=today - dt.timedelta(days=3 * 365),
        expires_on=today + dt.timedelta(days=2 * 365),
        renewal_credits_required="6",
    )
    plan = actions.propose_plan(
        rivera,
        rivera,
        goals=["Confer with every student weekly", "Lead my team's assessment work"],
        micro_credentials=["RB-K4"],
        pathway="RB-PW-LEAD",
        electives=["RB-S9", "RB-I15"],
    )
    actions.decide_plan(principal, plan, approve=True, comment="A strong plan. Go ahead.")
    _earn(rivera, catalogue["RB-K4"])
    back = _submit(rivera, catalogue["RB-S8"], thin=True)
    _review(_assigned(back), back, met=False)
    made += 2

    # Educators at every stage, spread over the schools.
    others = rest[2:20]
    codes = [c for c, *_ in CATALOGUE]
    rng = random.Random(seed)
    stages = ["drafting", "in_review", "revising", "awarded", "awarded"]
    for n, educator in enumerate(others):
        stage = stages[n % len(stages)]
        mc = catalogue[codes[(3 * n + 1) % len(codes)]]
        if stage == "drafting":
            draft = actions.start_submission(educator, educator, mc)
            _write(educator, draft)
        elif stage == "in_review":
            _submit(educator, mc)
        elif stage == "revising":
            back = _submit(educator, mc, thin=True)
            _review(_assigned(back), back, met=False)
        else:
            _earn(educator, mc)
            if rng.random() < 0.5:
                _submit(educator, catalogue[codes[(3 * n + 2) % len(codes)]])
                made += 1
        made += 1

    # One teacher has completed the teacher-leader pathway (its review approved by the
    # district), and another the equity pathway (no review: it completes itself).
    if len(rest) < 2:
        return made
    leader, equity = rest[0], rest[1]
    plan = actions.propose_plan(
        leader,
        leader,
        goals=["Lead assessment work across the high school"],
        pathway="RB-PW-LEAD",
        electives=["RB-S6", "RB-R22"],
    )
    actions.decide_plan(SYSTEM, plan, approve=True, comment="Approved.")
    for code in ("RB-K4", "RB-S8", "RB-I16", "RB-S6", "RB-R22"):
        _earn(leader, catalogue[code])
        made += 1
    enrollment = PathwayEnrollment.objects.get(educator=leader, pathway__code="RB-PW-LEAD")
    actions.request_pathway_review(leader, enrollment)
    actions.decide_pathway_review(admin, enrollment, approve=True)
    plan = actions.propose_plan(
        equity,
        equity,
        goals=["Every learner belongs"],
        pathway="RB-PW-EQUITY",
        electives=["RB-R20"],
    )
    actions.decide_plan(SYSTEM, plan, approve=True)
    for code in ("RB-S7", "RB-I13", "RB-R20"):
        _earn(equity, catalogue[code])
        made += 1

    # The pool calibrates on common submissions of the teacher-leader pathway's first.
    _calibrate(catalogue["RB-K4"], pool[:4], seed)
    return made
