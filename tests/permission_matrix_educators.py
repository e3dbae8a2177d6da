"""Permission rows and route cases of the educators app (merged by permission_matrix).

Every route that takes an id is tried with a Riverbend object (Maple, the named people's
school), one from another Riverbend school (Cedar Elementary) where it matters, and one
from another district (Lakeside)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import ALL_ROLES, Foreign, RouteCase, _u

R = Role
SCHOOL, DISTRICT = Foreign.SCHOOL, Foreign.DISTRICT
EDUCATORS = {R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}
PROGRAM = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
CATALOGUE_READERS = EDUCATORS | {R.STATE_ANALYST, R.SYSTEM_ADMIN}
AGGREGATE_READERS = {
    R.SCHOOL_LEADER,
    R.DISTRICT_ADMIN,
    R.DISTRICT_DATA_LEAD,
    R.STATE_ANALYST,
    R.SYSTEM_ADMIN,
}

OBJECT_ROWS = {
    (Subject.EDUCATOR_PROFILE, Act.VIEW): {
        "rivera_profile": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "cedar_profile": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lake_profile": {R.SYSTEM_ADMIN},
    },
    (Subject.EDUCATOR_PROFILE, Act.CHANGE): {
        "rivera_profile": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "cedar_profile": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lake_profile": {R.SYSTEM_ADMIN},
    },
    (Subject.OWN_PRACTICE, Act.CHANGE): {
        "rivera_profile": {R.TEACHER},
        "cedar_profile": set(),
        "lake_profile": set(),
    },
    (Subject.GROWTH_PLAN, Act.VIEW): {
        "rivera_plan": {R.TEACHER, R.SCHOOL_LEADER},
        "cedar_growth_plan": set(),
        "lake_plan": set(),
    },
    (Subject.GROWTH_PLAN, Act.CHANGE): {
        "rivera_plan": {R.SCHOOL_LEADER},
        "cedar_growth_plan": set(),
        "lake_plan": set(),
    },
    (Subject.MICRO_CREDENTIAL, Act.VIEW): {
        "riverbend_mc": CATALOGUE_READERS,
        "riverbend_draft_mc": {R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "state_mc": CATALOGUE_READERS,
        "lake_mc": {R.STATE_ANALYST, R.SYSTEM_ADMIN},
    },
    (Subject.MICRO_CREDENTIAL, Act.CHANGE): {
        "riverbend_mc": PROGRAM,
        "state_mc": {R.SYSTEM_ADMIN},
        "lake_mc": {R.SYSTEM_ADMIN},
    },
    (Subject.PATHWAY, Act.VIEW): {
        "riverbend_pathway": CATALOGUE_READERS,
        "lake_pathway": {R.STATE_ANALYST, R.SYSTEM_ADMIN},
    },
    (Subject.PATHWAY, Act.CHANGE): {
        "riverbend_pathway": PROGRAM,
        "lake_pathway": {R.SYSTEM_ADMIN},
    },
    (Subject.PATHWAY_ENROLLMENT, Act.VIEW): {
        "rivera_enrollment": {R.TEACHER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lake_enrollment": {R.SYSTEM_ADMIN},
    },
    (Subject.PATHWAY_ENROLLMENT, Act.CHANGE): {
        "rivera_enrollment": PROGRAM,
        "lake_enrollment": {R.SYSTEM_ADMIN},
    },
    (Subject.SUBMISSION, Act.VIEW): {
        # Ms. Rivera shares with the principal as her coach: her work is theirs to read.
        "rivera_submission": {R.TEACHER, R.SCHOOL_LEADER},
        "cedar_submission": {R.ADVISOR},  # its assigned reviewer
        "colleague_submission": {R.TEACHER},  # asked for peer feedback
        "lake_submission": set(),
    },
    (Subject.SUBMISSION, Act.CHANGE): {
        "rivera_submission": {R.TEACHER},
        "cedar_submission": set(),
        "lake_submission": set(),
    },
    (Subject.REVIEW, Act.CHANGE): {
        "rivera_submission": set(),  # reviewed by Mr. Osei, who holds no matrix role
        "cedar_submission": {R.ADVISOR},
        "lake_submission": set(),
    },
    (Subject.EDUCATOR_PROGRAM, Act.VIEW): {
        "riverbend": PROGRAM,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.EDUCATOR_PROGRAM, Act.CHANGE): {
        "riverbend": PROGRAM,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.EDUCATOR_AGGREGATE, Act.VIEW): {
        "maple": AGGREGATE_READERS,
        "cedar": {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "riverbend": {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "lakeside_ms": {R.STATE_ANALYST, R.SYSTEM_ADMIN},
    },
    (Subject.EDUCATOR_CREDENTIAL, Act.VIEW): {
        "rivera_micro_credential": {R.TEACHER},
        "lake_micro_credential": set(),
    },
    (Subject.FEEDBACK_NOTE, Act.VIEW): {
        "rivera_note": {R.TEACHER, R.SCHOOL_LEADER},
        "lake_note": set(),
    },
    (Subject.COACHING, Act.CHANGE): {
        "rivera_profile": {R.SCHOOL_LEADER},
        "lake_profile": set(),
    },
}


def _pk(name: str):
    return lambda w: getattr(w, name).pk


def _org(code: str):
    return lambda w: w.org(code).pk


def _artifact(name: str):
    def first(w):
        return getattr(w, name).artifacts.order_by("pk").first().pk

    return first


def _with_file(name: str):
    """The submission, after giving it a file (the world's submissions hold text only)."""

    def pk(w):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from proficio.educators.models import SubmissionArtifact

        submission = getattr(w, name)
        if not submission.artifacts.exists():
            part = submission.micro_credential.parts.order_by("position").first()
            artifact = SubmissionArtifact(
                submission=submission, part=part, name="plan.txt", content_type="text/plain", size=4
            )
            artifact.file.save("plan.txt", SimpleUploadedFile("plan.txt", b"plan"), save=True)
        return submission.pk

    return pk


def _artifact_url(name: str):
    def url(w):
        from django.urls import reverse

        pk = _with_file(name)(w)
        return reverse("educators:artifact", args=[pk, _artifact(name)(w)])

    return url


def _credential_uuid(name: str):
    return lambda w: str(getattr(w, name).uuid)


EDUCATOR_PAGES = EDUCATORS  # pages only an educator has (their own growth, submissions...)
HOME = EDUCATORS | {R.STATE_ANALYST, R.SYSTEM_ADMIN}
RIVERBEND_AGGREGATES = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST, R.SYSTEM_ADMIN}

ROUTE_CASES = {
    "educators:home": [RouteCase(_u("educators:home"), HOME, denied=403)],
    "educators:profile": [
        RouteCase(
            _u("educators:profile", _pk("rivera_profile")),
            OBJECT_ROWS[(Subject.EDUCATOR_PROFILE, Act.VIEW)]["rivera_profile"],
        ),
        RouteCase(
            _u("educators:profile", _pk("cedar_profile")),
            {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
            foreign=SCHOOL,
        ),
        RouteCase(_u("educators:profile", _pk("lake_profile")), {R.SYSTEM_ADMIN}, foreign=DISTRICT),
        # Editing with bad input: 400 for those who may, the same 404 for the rest.
        RouteCase(
            _u("educators:profile", _pk("lake_profile")),
            {R.SYSTEM_ADMIN},
            ok=400,
            method="post",
            data={"form": "profile", "years_experience": "many"},
            foreign=DISTRICT,
        ),
    ],
    "educators:license": [
        RouteCase(
            _u("educators:license", _pk("rivera_profile")),
            OBJECT_ROWS[(Subject.EDUCATOR_PROFILE, Act.VIEW)]["rivera_profile"],
        ),
        RouteCase(
            _u("educators:license", _pk("cedar_profile")),
            {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
            foreign=SCHOOL,
        ),
        RouteCase(_u("educators:license", _pk("lake_profile")), {R.SYSTEM_ADMIN}, foreign=DISTRICT),
    ],
    "educators:growth": [
        RouteCase(_u("educators:growth"), EDUCATOR_PAGES, denied=403),
        RouteCase(
            _u("educators:growth"),
            EDUCATOR_PAGES,
            ok=400,
            denied=403,
            method="post",
            data={"indicator-999999999": "3"},
        ),
    ],
    "educators:growth_indicator": [
        RouteCase(
            _u("educators:growth_indicator", lambda w: w.riverbend_mc.item.pk),
            EDUCATOR_PAGES,
            denied=403,
        ),
        # Another district's framework item is no indicator of the educator framework.
        RouteCase(
            _u("educators:growth_indicator", lambda w: w.lake_target.pk),
            set(),
            denied=403,
            answers=dict.fromkeys(EDUCATOR_PAGES, 404),
            foreign=DISTRICT,
        ),
    ],
    "educators:plans": [
        RouteCase(_u("educators:plans"), EDUCATOR_PAGES, denied=403),
        RouteCase(
            _u("educators:plans"),
            EDUCATOR_PAGES,
            ok=400,
            denied=403,
            method="post",
            data={"goals": "", "micro_credentials": ["NO-SUCH"]},
        ),
    ],
    "educators:plan": [
        RouteCase(_u("educators:plan", _pk("rivera_plan")), {R.TEACHER, R.SCHOOL_LEADER}),
        RouteCase(_u("educators:plan", _pk("cedar_growth_plan")), set(), foreign=SCHOOL),
        RouteCase(_u("educators:plan", _pk("lake_plan")), set(), foreign=DISTRICT),
        RouteCase(
            _u("educators:plan", _pk("lake_plan")),
            set(),
            method="post",
            data={"form": "decide", "decision": "approve"},
            foreign=DISTRICT,
        ),
    ],
    "educators:catalogue": [RouteCase(_u("educators:catalogue"), CATALOGUE_READERS, denied=403)],
    "educators:micro_credential": [
        RouteCase(_u("educators:micro_credential", _pk("riverbend_mc")), CATALOGUE_READERS),
        RouteCase(
            _u("educators:micro_credential", _pk("riverbend_draft_mc")),
            {R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN},
        ),
        RouteCase(
            _u("educators:micro_credential", _pk("lake_mc")),
            {R.STATE_ANALYST, R.SYSTEM_ADMIN},
            foreign=DISTRICT,
        ),
    ],
    "educators:catalogue_new": [
        RouteCase(_u("educators:catalogue_new", _org("riverbend")), PROGRAM),
        RouteCase(
            _u("educators:catalogue_new", _org("lakeside")), {R.SYSTEM_ADMIN}, foreign=DISTRICT
        ),
        RouteCase(
            _u("educators:catalogue_new", _org("lakeside")),
            {R.SYSTEM_ADMIN},
            ok=400,
            method="post",
            data={"code": ""},
            foreign=DISTRICT,
        ),
    ],
    "educators:catalogue_export": [
        RouteCase(_u("educators:catalogue_export", _org("riverbend")), PROGRAM),
        RouteCase(
            _u("educators:catalogue_export", _org("lakeside")), {R.SYSTEM_ADMIN}, foreign=DISTRICT
        ),
    ],
    "educators:catalogue_import": [
        RouteCase(_u("educators:catalogue_import", _org("riverbend")), PROGRAM),
        RouteCase(
            _u("educators:catalogue_import", _org("lakeside")),
            {R.SYSTEM_ADMIN},
            ok=400,
            method="post",
            data={},
            foreign=DISTRICT,
        ),
    ],
    "educators:submissions": [RouteCase(_u("educators:submissions"), EDUCATOR_PAGES, denied=403)],
    "educators:submission": [
        RouteCase(
            _u("educators:submission", _pk("rivera_submission")), {R.TEACHER, R.SCHOOL_LEADER}
        ),
        RouteCase(_u("educators:submission", _pk("cedar_submission")), {R.ADVISOR}, foreign=SCHOOL),
        RouteCase(_u("educators:submission", _pk("colleague_submission")), {R.TEACHER}),
        RouteCase(_u("educators:submission", _pk("lake_submission")), set(), foreign=DISTRICT),
        RouteCase(
            _u("educators:submission", _pk("lake_submission")),
            set(),
            method="post",
            data={"do": "save"},
            foreign=DISTRICT,
        ),
    ],
    "educators:artifact": [
        RouteCase(_artifact_url("rivera_submission"), {R.TEACHER, R.SCHOOL_LEADER}),
        RouteCase(_artifact_url("cedar_submission"), {R.ADVISOR}, foreign=SCHOOL),
        RouteCase(_artifact_url("lake_submission"), set(), foreign=DISTRICT),
    ],
    "educators:reviews": [RouteCase(_u("educators:reviews"), EDUCATORS, denied=403)],
    "educators:review": [
        # Mr. Osei (no matrix role) reviews Ms. Rivera's RB-S8-01, and nobody else of the
        # matrix is in its pool: 404 for all. The counselor's 200 and a pool member's 403
        # on RB-K2-01 are in tests/educators/test_review.py.
        RouteCase(_u("educators:review", _pk("rivera_awarded_submission")), set()),
        # Mr. Ash's (Cedar) is the counselor's to review; the principal, in RB-K2-01's pool,
        # knows such submissions exist (403); nobody else learns it exists (404).
        RouteCase(
            _u("educators:review", _pk("cedar_submission")),
            {R.ADVISOR},
            answers={R.SCHOOL_LEADER: 403},
            foreign=SCHOOL,
        ),
        RouteCase(_u("educators:review", _pk("lake_submission")), set(), foreign=DISTRICT),
        RouteCase(
            _u("educators:review", _pk("lake_submission")),
            set(),
            method="post",
            data={"do": "score"},
            foreign=DISTRICT,
        ),
    ],
    "educators:credentials": [RouteCase(_u("educators:credentials"), EDUCATORS, denied=403)],
    "educators:credential_download": [
        RouteCase(
            _u("educators:credential_download", _credential_uuid("rivera_micro_credential")),
            {R.TEACHER},
        ),
        RouteCase(
            _u("educators:credential_download", _credential_uuid("lake_micro_credential")),
            set(),
            foreign=DISTRICT,
        ),
        RouteCase(_u("educators:credential_download", lambda w: "not-a-uuid"), set()),
    ],
    "educators:pathways": [RouteCase(_u("educators:pathways"), CATALOGUE_READERS, denied=403)],
    "educators:pathway": [
        RouteCase(_u("educators:pathway", _pk("riverbend_pathway")), CATALOGUE_READERS),
        RouteCase(
            _u("educators:pathway", _pk("lake_pathway")),
            {R.STATE_ANALYST, R.SYSTEM_ADMIN},
            foreign=DISTRICT,
        ),
    ],
    "educators:enrollment": [
        RouteCase(
            _u("educators:enrollment", _pk("rivera_enrollment")),
            {R.TEACHER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        ),
        RouteCase(
            _u("educators:enrollment", _pk("lake_enrollment")), {R.SYSTEM_ADMIN}, foreign=DISTRICT
        ),
        RouteCase(
            _u("educators:enrollment", _pk("lake_enrollment")),
            {R.SYSTEM_ADMIN},
            ok=400,
            method="post",
            data={"decision": "maybe"},
            foreign=DISTRICT,
        ),
    ],
    "educators:program": [
        RouteCase(_u("educators:program", _org("riverbend")), PROGRAM),
        RouteCase(_u("educators:program", _org("lakeside")), {R.SYSTEM_ADMIN}, foreign=DISTRICT),
        RouteCase(
            _u("educators:program", _org("lakeside")),
            {R.SYSTEM_ADMIN},
            ok=400,
            method="post",
            data={"do": "qualify", "reviewer": "no-such-person"},
            foreign=DISTRICT,
        ),
    ],
    "educators:payroll": [
        RouteCase(_u("educators:payroll", _org("riverbend")), PROGRAM),
        RouteCase(_u("educators:payroll", _org("lakeside")), {R.SYSTEM_ADMIN}, foreign=DISTRICT),
    ],
    "educators:dashboard": [
        RouteCase(
            _u("educators:dashboard", _org("cedar-es")), RIVERBEND_AGGREGATES, foreign=SCHOOL
        ),
        RouteCase(_u("educators:dashboard", _org("maple-ms")), AGGREGATE_READERS),
        RouteCase(_u("educators:dashboard", _org("riverbend")), RIVERBEND_AGGREGATES),
        RouteCase(
            _u("educators:dashboard", _org("lakeside-ms")),
            {R.STATE_ANALYST, R.SYSTEM_ADMIN},
            foreign=DISTRICT,
        ),
    ],
    "educators:pathway_dashboard": [
        RouteCase(_u("educators:pathway_dashboard", _org("riverbend")), RIVERBEND_AGGREGATES),
        RouteCase(
            _u("educators:pathway_dashboard", _org("lakeside")),
            {R.STATE_ANALYST, R.SYSTEM_ADMIN},
            foreign=DISTRICT,
        ),
    ],
    "educators:sharing": [
        RouteCase(_u("educators:sharing"), EDUCATOR_PAGES, denied=403),
        RouteCase(
            _u("educators:sharing"),
            EDUCATOR_PAGES,
            ok=400,
            denied=403,
            method="post",
            data={"do": "share", "username": "no-such-person"},
        ),
    ],
    "educators:coaching": [
        RouteCase(_u("educators:coaching", _pk("rivera_profile")), {R.SCHOOL_LEADER}),
        RouteCase(_u("educators:coaching", _pk("cedar_profile")), set(), foreign=SCHOOL),
        RouteCase(_u("educators:coaching", _pk("lake_profile")), set(), foreign=DISTRICT),
    ],
}

# Routes whose object no school owns: a district (or the state) publishes the catalogue
# and pathways and runs the programme, so only another district's object is foreign.
_ISSUER = "the catalogue, pathways and programme belong to an issuing district or the state"
SCHOOL_EXEMPT = {
    **{
        name: _ISSUER
        for name in (
            "educators:micro_credential",
            "educators:catalogue_new",
            "educators:catalogue_export",
            "educators:catalogue_import",
            "educators:pathway",
            "educators:program",
            "educators:payroll",
            "educators:pathway_dashboard",
        )
    },
    "educators:growth_indicator": "an indicator belongs to the educator framework, not a school",
    "educators:enrollment": "an enrollment is on a district's pathway, reviewed by that district",
    "educators:credential_download": (
        "a micro-credential is its holder's alone: another educator's, of any school, is refused"
        " alike (the Lakeside case)"
    ),
}

__all__ = ["ALL_ROLES", "OBJECT_ROWS", "ROUTE_CASES", "SCHOOL_EXEMPT"]
