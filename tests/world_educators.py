"""Educators in the test world, made through the real actions.

Riverbend (the demo district) gets a small catalogue, a pathway, a reviewer pool and
educators at several stages; Lakeside (another district) gets its own; Cedar Elementary
is "another school" of Riverbend. Named objects:

- profiles: ``rivera_profile`` (Maple), ``cedar_profile`` (Cedar), ``lake_profile``;
- micro-credentials: ``riverbend_mc`` (RB-K2-01), ``riverbend_blind_mc`` (RB-S8-01, blind),
  ``riverbend_draft_mc``, ``state_mc`` (issued by the state), ``lake_mc``;
- pathways: ``riverbend_pathway``, ``lake_pathway``;
- plans: ``rivera_plan`` (proposed), ``cedar_growth_plan``, ``lake_plan``;
- enrollments: ``rivera_enrollment``, ``lake_enrollment``;
- submissions: ``rivera_submission`` (in review with Mr. Osei), ``cedar_submission`` (in
  review with the counselor), ``colleague_submission`` (a Maple colleague's draft, peer
  feedback asked of Ms. Rivera), ``lake_submission`` (in review in Lakeside);
- credentials: ``rivera_micro_credential`` (RB-S8-01 awarded), ``lake_micro_credential``;
- notes: ``rivera_note`` (the principal coaches Ms. Rivera), ``lake_note``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from proficio.audit.context import acting

PASSWORD = "proficio-demo"

PARTS = [
    {
        "kind": "overview",
        "title": "Overview questions",
        "prompt": "Describe your students and why you chose this method.",
        "met_criteria": "Names the learners' needs and links the method to them.",
    },
    {
        "kind": "work_example",
        "title": "Work example",
        "prompt": "A lesson plan or artifact showing the method in use.",
        "met_criteria": "The artifact shows the method's key moves.",
    },
    {
        "kind": "student_evidence",
        "title": "De-identified student evidence",
        "prompt": "Student work from three learners, names removed.",
        "met_criteria": "Shows the method's effect on learning.",
    },
    {
        "kind": "reflection",
        "title": "Reflection",
        "prompt": "What you learned and what you will change.",
        "met_criteria": "Draws a next step from the evidence.",
    },
]

GOOD_WORK = {
    0: "My seventh graders vary widely; I chose conferring to find each one's next step.",
    1: "Lesson plan: three conferences per period, with a note-taking grid.",
    2: "Learner A moved from level 2 to 3; Learner B asked for a reassessment.",
    3: "Conferring showed me who was stuck; next I will add peer conferences.",
}


def _user(username: str, display: str, role: str, org_code: str):
    from proficio.accounts import actions as accounts
    from proficio.orgs import actions as orgs
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM

    org = Organization.objects.get(code=org_code)
    user = accounts.create_user(
        username=username,
        password=PASSWORD,
        display_name=display,
        email=f"{username}@example.test",
    )
    orgs.grant_role(
        SYSTEM,
        user=user,
        role=role,
        organization=org,
        start_date=timezone.localdate() - dt.timedelta(days=200),
    )
    return user


def _item(code: str):
    from proficio.frameworks.models import Item

    return Item.objects.get(
        framework__title__startswith="Educator competencies", human_coding_scheme=code
    )


def write_work(actor, submission) -> None:
    from proficio.educators import actions

    parts = list(submission.micro_credential.parts.order_by("position"))
    actions.save_draft(
        actor, submission, {f"part-{p.pk}": GOOD_WORK[i % 4] for i, p in enumerate(parts)}
    )


def award(reviewer, submission) -> None:
    """The assigned reviewer declares no conflict and scores every part met."""
    from proficio.educators import actions

    actions.declare_conflict(reviewer, submission, conflict=False)
    parts = submission.micro_credential.parts.all()
    actions.review_submission(
        reviewer,
        submission,
        scores={f"part-{p.pk}": "met" for p in parts},
        feedback={},
        comment="Clear evidence of the method in practice.",
    )


def micro_credentialed_by_hand(district, today):
    """Oracle for the bias check's "taught by a teacher with a micro-credential": every
    student of the district with a teacher who has a profile, read object by object (no
    shared query), against the awards whose credential is not revoked."""
    from proficio.educators.models import Submission, SubmissionStatus
    from proficio.orgs.models import Enrollment
    from proficio.pace.models import EducatorProfile

    def live(d, start, end):
        return (start is None or start <= d) and (end is None or end >= d)

    holders = {
        s.educator_id
        for s in Submission.objects.select_related("credential")
        if s.status == SubmissionStatus.AWARDED
        and (s.credential is None or s.credential.revoked_at is None)
    }
    profiled = set(EducatorProfile.objects.values_list("user_id", flat=True))
    out: dict[int, bool] = {}
    for e in Enrollment.objects.select_related("student__school", "section"):
        if not e.student.school.path.startswith(district.path):
            continue
        if not live(today, e.start_date, e.end_date):
            continue
        for staff in e.section.staff.all():
            if staff.user_id in profiled and live(today, staff.start_date, staff.end_date):
                out[e.student_id] = out.get(e.student_id, False) or staff.user_id in holders
    return out


def build() -> None:
    from proficio.educators import actions
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM

    with acting(None, route="tests: world educators"):
        riverbend = Organization.objects.get(code="riverbend")
        lakeside = Organization.objects.get(code="lakeside")
        state = Organization.objects.get(code="columbia")
        colleague = _user("maple.colleague", "Ms. Birch", "teacher", "maple-ms")
        cedar = _user("cedar.teacher", "Mr. Ash", "teacher", "cedar-es")
        osei = _user("hs.reviewer", "Mr. Osei", "teacher", "riverbend-hs")
        actions.sync_profiles(SYSTEM, riverbend)
        actions.sync_profiles(SYSTEM, lakeside)
        from proficio.frameworks.models import Framework
        from proficio.mastery import actions as mastery

        educator_framework = Framework.objects.get(title__startswith="Educator competencies")
        mastery.create_policy(
            SYSTEM,
            name="Educator growth",
            scope="framework",
            owner=riverbend,
            framework=educator_framework,
            params={"method": "decaying_average", "min_evidence": 1},
        )

        def mc(issuer, code, item, **more):
            return actions.create_micro_credential(
                SYSTEM,
                issuer=issuer,
                code=code,
                title=f"{code} micro-credential",
                item=_item(item),
                key_method="Conferring",
                research_basis="Formative assessment research (Black & Wiliam, 1998).",
                parts=PARTS,
                publish=more.pop("publish", True),
                **more,
            )

        rb = mc(riverbend, "RB-K2-01", "K.2.a", credit_value="0.5")
        blind = mc(riverbend, "RB-S8-01", "S.8", blind_review=True, credit_value="0.5")
        mc(riverbend, "RB-DRAFT", "K.3.a", publish=False)
        state_mc = mc(state, "CO-INTER-01", "INTER.22.a", issuer_kind="state")
        lake_mc = mc(lakeside, "LK-01", "K.1.a")
        lake_mc2 = mc(lakeside, "LK-02", "K.1.b")
        actions.create_pathway(
            SYSTEM,
            issuer=riverbend,
            code="RB-PW-LEAD",
            title="Riverbend teacher leader pathway",
            required=["RB-K2-01"],
            electives=["RB-S8-01", "CO-INTER-01"],
            choose_k=1,
            core_area="Assessment literacy",
            outcome_role="Teacher leader",
            stipend="1500",
            salary_step=True,
            renewal_credits="1",
            publish=True,
        )
        actions.create_pathway(
            SYSTEM,
            issuer=lakeside,
            code="LK-PW",
            title="Lakeside pathway",
            required=["LK-01"],
            electives=["LK-02"],
            choose_k=1,
            publish=True,
        )
        today = timezone.localdate()
        counselor = _named("counselor")
        principal = _named("principal")
        rivera = _named("rivera")
        lake_teacher = _named("lake.teacher")
        lake_admin = _named("lake.admin")
        # Mr. Osei reviews every Riverbend micro-credential; the counselor and the
        # principal only RB-K2-01.
        actions.qualify_reviewer(SYSTEM, riverbend, osei, trained_on=today)
        for reviewer in (counselor, principal):
            actions.qualify_reviewer(
                SYSTEM, riverbend, reviewer, trained_on=today, micro_credential=rb
            )
        actions.qualify_reviewer(SYSTEM, lakeside, lake_admin, trained_on=today)

        # Plans: Ms. Rivera's first plan (approved: she is on the pathway), then a second,
        # proposed; Mr. Ash's and Lakeside's proposed.
        first = actions.propose_plan(
            rivera,
            rivera,
            goals=["Confer with every student weekly"],
            micro_credentials=["RB-K2-01"],
            pathway="RB-PW-LEAD",
            electives=["RB-S8-01"],
        )
        actions.decide_plan(principal, first, approve=True, comment="Go ahead.")
        actions.propose_plan(
            rivera, rivera, goals=["Mentor a new colleague"], micro_credentials=["CO-INTER-01"]
        )
        actions.propose_plan(cedar, cedar, goals=["Feedback loops"], micro_credentials=["RB-K2-01"])
        lake_first = actions.propose_plan(
            lake_teacher,
            lake_teacher,
            goals=["Lakeside goal"],
            pathway="LK-PW",
            electives=["LK-02"],
        )
        actions.decide_plan(SYSTEM, lake_first, approve=True)
        actions.propose_plan(
            lake_teacher, lake_teacher, goals=["Another"], micro_credentials=["LK-01"]
        )

        # Ms. Rivera earns the blind one (Mr. Osei reviews), then submits RB-K2-01.
        s = actions.start_submission(rivera, rivera, blind)
        write_work(rivera, s)
        actions.submit(rivera, s)
        award(osei, s)
        s = actions.start_submission(rivera, rivera, rb)
        write_work(rivera, s)
        actions.submit(rivera, s)
        # Mr. Ash's goes to the counselor (Mr. Osei is busier; the principal supervises
        # no one at Cedar, but the counselor is free).
        s = actions.start_submission(cedar, cedar, rb)
        write_work(cedar, s)
        actions.submit(cedar, s)
        # A Maple colleague's draft; she asks Ms. Rivera for feedback.
        s = actions.start_submission(colleague, colleague, rb)
        write_work(colleague, s)
        actions.request_peer_feedback(colleague, s, rivera)
        # Lakeside: LK-02 awarded, LK-01 in review.
        s = actions.start_submission(lake_teacher, lake_teacher, lake_mc2)
        write_work(lake_teacher, s)
        actions.submit(lake_teacher, s)
        award(lake_admin, s)
        s = actions.start_submission(lake_teacher, lake_teacher, lake_mc)
        write_work(lake_teacher, s)
        actions.submit(lake_teacher, s)
        # Coaching: Ms. Rivera shares with the principal as her coach; Lakeside alike.
        actions.share_with(rivera, rivera, with_user=principal, coach=True)
        actions.leave_coaching_note(
            principal, actions._profile(rivera), "Your conferring notes are thorough."
        )
        actions.share_with(lake_teacher, lake_teacher, with_user=lake_admin, coach=True)
        actions.leave_coaching_note(lake_admin, actions._profile(lake_teacher), "Lakeside note.")
        _ = state_mc


def _named(username: str):
    from proficio.accounts.models import User

    return User.objects.get(username=username)


def _mc(code: str):
    from proficio.educators.models import MicroCredential

    return MicroCredential.objects.get(code=code)


def _submission(username: str, code: str):
    from proficio.educators.models import Submission

    return Submission.objects.get(educator__username=username, micro_credential__code=code)


def _profile(username: str):
    from proficio.pace.models import EducatorProfile

    return EducatorProfile.objects.get(user__username=username)


def _plan(username: str):
    from proficio.educators.models import GrowthPlan, PlanStatus

    return GrowthPlan.objects.get(educator__username=username, status=PlanStatus.PROPOSED)


def _enrollment(username: str):
    from proficio.educators.models import PathwayEnrollment

    return PathwayEnrollment.objects.get(educator__username=username)


def _credential(username: str):
    from proficio.credentials.models import IssuedCredential

    return IssuedCredential.objects.get(educator__username=username)


def _note(username: str):
    from proficio.educators.models import FeedbackNote

    return FeedbackNote.objects.get(educator__username=username)


def _pathway(code: str):
    from proficio.educators.models import Pathway

    return Pathway.objects.get(code=code)


NAMES = {
    "rivera_profile": lambda: _profile("rivera"),
    "cedar_profile": lambda: _profile("cedar.teacher"),
    "lake_profile": lambda: _profile("lake.teacher"),
    "riverbend_mc": lambda: _mc("RB-K2-01"),
    "riverbend_blind_mc": lambda: _mc("RB-S8-01"),
    "riverbend_draft_mc": lambda: _mc("RB-DRAFT"),
    "state_mc": lambda: _mc("CO-INTER-01"),
    "lake_mc": lambda: _mc("LK-01"),
    "riverbend_pathway": lambda: _pathway("RB-PW-LEAD"),
    "lake_pathway": lambda: _pathway("LK-PW"),
    "rivera_plan": lambda: _plan("rivera"),
    "cedar_growth_plan": lambda: _plan("cedar.teacher"),
    "lake_plan": lambda: _plan("lake.teacher"),
    "rivera_enrollment": lambda: _enrollment("rivera"),
    "lake_enrollment": lambda: _enrollment("lake.teacher"),
    "rivera_submission": lambda: _submission("rivera", "RB-K2-01"),
    "rivera_awarded_submission": lambda: _submission("rivera", "RB-S8-01"),
    "cedar_submission": lambda: _submission("cedar.teacher", "RB-K2-01"),
    "colleague_submission": lambda: _submission("maple.colleague", "RB-K2-01"),
    "lake_submission": lambda: _submission("lake.teacher", "LK-01"),
    "rivera_micro_credential": lambda: _credential("rivera"),
    "lake_micro_credential": lambda: _credential("lake.teacher"),
    "rivera_note": lambda: _note("rivera"),
    "lake_note": lambda: _note("lake.teacher"),
}


def lookup(name: str):
    found = NAMES.get(name)
    return found() if found is not None else None
