"""Permission rows and route cases of graduation (merged by permission_matrix): a
student's path, diplomas and requirement sets, each asked with objects of Maple, of Cedar
Elementary (another school of Riverbend) and of Lakeside (another district)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u, ana, lake_kid

R = Role
DISTRICT = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}
LEADERS_OF_MAPLE = {R.SCHOOL_LEADER} | DISTRICT
DIPLOMA_LEADERS = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
EDUCATORS_WITHIN = {R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER} | DISTRICT
STATE_AND_SYSTEM = {R.STATE_ANALYST, R.SYSTEM_ADMIN}
ANA_PATH = {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE

OBJECT_ROWS = {
    (Subject.GRADUATION, Act.VIEW): {
        "ana": ANA_PATH,
        "ben": {R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_kid": DISTRICT,
        "lake_kid": set(),
    },
    (Subject.GRADUATION, Act.CHANGE): {
        "ana": {R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_kid": {R.DISTRICT_ADMIN},
        "lake_kid": set(),
    },
    (Subject.DIPLOMA, Act.VIEW): {
        "ben_diploma": {R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_diploma": {R.DISTRICT_ADMIN},
        "lake_diploma": set(),
    },
    (Subject.DIPLOMA, Act.CHANGE): {
        "ben_diploma": DIPLOMA_LEADERS,
        "cedar_diploma": {R.DISTRICT_ADMIN},
        "lake_diploma": set(),
    },
    (Subject.GRADUATION_REQUIREMENTS, Act.VIEW): {
        "state_requirements": EDUCATORS_WITHIN | STATE_AND_SYSTEM,
        "riverbend_requirements": EDUCATORS_WITHIN | STATE_AND_SYSTEM,
        "lakeside_requirements": STATE_AND_SYSTEM,
    },
    (Subject.GRADUATION_REQUIREMENTS, Act.CHANGE): {
        "state_requirements": STATE_AND_SYSTEM,
        "riverbend_requirements": {R.DISTRICT_ADMIN} | STATE_AND_SYSTEM,
        "lakeside_requirements": STATE_AND_SYSTEM,
    },
}


def cedar_kid(w):
    return w.cedar_kid.pk


def _diploma(name: str):
    return lambda w: getattr(w, name).pk


def _org(code: str):
    return lambda w: w.org(code).pk


SERVERS = {R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE
UNCHANGED = ("graduation.Diploma", "credentials.IssuedCredential")

ROUTE_CASES = {
    "graduation:mine": [RouteCase(_u("graduation:mine"), {R.STUDENT, R.GUARDIAN}, denied=403)],
    "graduation:caseload": [RouteCase(_u("graduation:caseload"), SERVERS, denied=403)],
    "graduation:student": [
        RouteCase(_u("graduation:student", ana), ANA_PATH),
        RouteCase(_u("graduation:student", cedar_kid), DISTRICT, foreign=Foreign.SCHOOL),
        RouteCase(_u("graduation:student", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
    # Ana has not met her requirements: leaders are sent back with the unmet list.
    "graduation:award": [
        RouteCase(
            _u("graduation:award", ana),
            DIPLOMA_LEADERS,
            ok=302,
            method="post",
            unchanged=UNCHANGED,
        ),
        RouteCase(
            _u("graduation:award", cedar_kid),
            {R.DISTRICT_ADMIN},
            ok=302,
            method="post",
            foreign=Foreign.SCHOOL,
            unchanged=UNCHANGED,
        ),
        RouteCase(
            _u("graduation:award", lake_kid),
            set(),
            method="post",
            foreign=Foreign.DISTRICT,
            unchanged=UNCHANGED,
        ),
    ],
    # Without a reason nothing is rescinded: leaders are sent back with the error.
    "graduation:rescind": [
        RouteCase(
            _u("graduation:rescind", _diploma("ben_diploma")),
            DIPLOMA_LEADERS,
            ok=302,
            method="post",
            data={"reason": ""},
        ),
        RouteCase(
            _u("graduation:rescind", _diploma("cedar_diploma")),
            {R.DISTRICT_ADMIN},
            ok=302,
            method="post",
            data={"reason": ""},
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(
            _u("graduation:rescind", _diploma("lake_diploma")),
            set(),
            method="post",
            data={"reason": "no"},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "graduation:cohorts": [
        RouteCase(_u("graduation:cohorts", _org("riverbend")), DISTRICT),
        RouteCase(_u("graduation:cohorts", _org("cedar-es")), set(), foreign=Foreign.SCHOOL),
        RouteCase(_u("graduation:cohorts", _org("lakeside")), set(), foreign=Foreign.DISTRICT),
    ],
}


# ---------------------------------------------------------------- editing (pages and API)
# Requirement sets are written by those who answer for them; a student's graduation record
# (entry, capstone results, alternatives) by those who keep it; opting in by the student.

RECORD_KEEPERS = {R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
REQUIREMENT_READERS = EDUCATORS_WITHIN | STATE_AND_SYSTEM
REQUIREMENT_WRITERS = {R.DISTRICT_ADMIN} | STATE_AND_SYSTEM
RECORD_ROWS = (
    "graduation.GraduationRecord",
    "graduation.RubricResult",
    "graduation.AcceptedAlternative",
    "graduation.RequirementSet",
    "graduation.Requirement",
)


def _set(name: str):
    return lambda w: getattr(w, name).pk


def _capstone(name: str):
    return lambda w: getattr(w, name).requirements.get(kind="rubric").pk


def _set_body(code: str):
    """A valid new version of ``code``'s requirements (one capstone)."""

    def body(w=None):
        from proficio.orgs.models import Organization

        return {
            "owner_id": Organization.objects.get(code=code).pk,
            "title": "Next version",
            "first_cohort": 2030,
            "in_force_from": "2026-01-01",
            "requirements": [
                {
                    "key": "capstone",
                    "title": "Defense",
                    "kind": "rubric",
                    "minimum_score": 3,
                }
            ],
        }

    return body


def _rubric_body(set_name: str):
    def body():
        from tests.world_graduation import lookup

        requirement = lookup(set_name).requirements.get(kind="rubric")
        return {"requirement_id": requirement.pk, "score": 3.5, "judged_on": "2025-05-01"}

    return body


def _alternative_body(set_name: str, credential_of: str | None = None):
    def body():
        from proficio.credentials.models import OutsideCredential
        from tests.world_graduation import _student, lookup

        requirement = lookup(set_name).requirements.get(kind="rubric")
        data: dict[str, object] = {"requirement_id": requirement.pk, "name": "Outside badge"}
        if credential_of is not None:
            # A verified credential another school's (or district's) student presented.
            data["outside_credential_id"] = OutsideCredential.objects.create(
                student=_student(credential_of),
                name="Outside badge",
                content="{}",
                verdict={"outcome": "valid"},
            ).pk
        return data

    return body


def _opt_in_body(set_name: str):
    def body():
        from tests.world_graduation import lookup

        return {"requirement_set_id": lookup(set_name).pk}

    return body


def _student_posts(route: str, data: dict | None = None) -> list[RouteCase]:
    return [
        RouteCase(
            _u(route, ana),
            RECORD_KEEPERS,
            ok=302,
            method="post",
            data=data or {},
            unchanged=RECORD_ROWS,
        ),
        RouteCase(
            _u(route, cedar_kid),
            {R.DISTRICT_ADMIN},
            ok=302,
            method="post",
            data=data or {},
            foreign=Foreign.SCHOOL,
            unchanged=RECORD_ROWS,
        ),
        RouteCase(
            _u(route, lake_kid),
            set(),
            method="post",
            data=data or {},
            foreign=Foreign.DISTRICT,
            unchanged=RECORD_ROWS,
        ),
    ]


def _api_student_posts(route: str, body, ok: int, allowed=RECORD_KEEPERS) -> list[RouteCase]:
    return [
        RouteCase(
            _u(route, ana), allowed, ok=ok, method="post", data=body, json=True, anonymous=401
        ),
        RouteCase(
            _u(route, cedar_kid),
            {R.DISTRICT_ADMIN} if allowed is RECORD_KEEPERS else DISTRICT,
            ok=ok,
            method="post",
            data=body,
            json=True,
            anonymous=401,
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(
            _u(route, lake_kid),
            set(),
            method="post",
            data=body,
            json=True,
            anonymous=401,
            foreign=Foreign.DISTRICT,
            unchanged=RECORD_ROWS,
        ),
    ]


ROUTE_CASES.update(
    {
        "graduation:entry": _student_posts("graduation:entry", {"entered_on": "2023-08-20"}),
        "graduation:rubric": _student_posts("graduation:rubric"),
        "graduation:alternative": _student_posts("graduation:alternative"),
        # Viewers reach the form; with no newer version the choice is refused (302 back).
        "graduation:opt_in": [
            RouteCase(
                _u("graduation:opt_in", ana), ANA_PATH, ok=302, method="post", unchanged=RECORD_ROWS
            ),
            RouteCase(
                _u("graduation:opt_in", cedar_kid),
                DISTRICT,
                ok=302,
                method="post",
                foreign=Foreign.SCHOOL,
                unchanged=RECORD_ROWS,
            ),
            RouteCase(
                _u("graduation:opt_in", lake_kid),
                set(),
                method="post",
                foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
        ],
        "graduation:requirement_sets": [
            RouteCase(_u("graduation:requirement_sets"), REQUIREMENT_READERS, denied=403)
        ],
        "graduation:requirement_set": [
            RouteCase(
                _u("graduation:requirement_set", _set("riverbend_requirements")),
                REQUIREMENT_READERS,
            ),
            RouteCase(
                _u("graduation:requirement_set", _set("state_requirements")), REQUIREMENT_READERS
            ),
            RouteCase(
                _u("graduation:requirement_set", _set("lakeside_requirements")),
                STATE_AND_SYSTEM,
                foreign=Foreign.DISTRICT,
            ),
        ],
        "graduation:requirement_set_new": [
            RouteCase(_u("graduation:requirement_set_new", _org("riverbend")), REQUIREMENT_WRITERS),
            RouteCase(
                _u("graduation:requirement_set_new", _org("cedar-es")),
                set(),
                foreign=Foreign.SCHOOL,
            ),
            RouteCase(
                _u("graduation:requirement_set_new", _org("lakeside")),
                STATE_AND_SYSTEM,
                foreign=Foreign.DISTRICT,
            ),
            # A refused version (no requirements' fields) is answered 400, nothing saved.
            RouteCase(
                _u("graduation:requirement_set_new", _org("lakeside")),
                STATE_AND_SYSTEM,
                ok=400,
                method="post",
                data={"first_cohort": "x", "req-TOTAL_FORMS": "0", "req-INITIAL_FORMS": "0"},
                foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
        ],
        "api:list_requirement_sets": [
            RouteCase(
                _u("api:list_requirement_sets"), REQUIREMENT_READERS, denied=403, anonymous=401
            )
        ],
        "api:get_requirement_set": [
            RouteCase(
                _u("api:get_requirement_set", _set("riverbend_requirements")),
                REQUIREMENT_READERS,
                anonymous=401,
            ),
            RouteCase(
                _u("api:get_requirement_set", _set("lakeside_requirements")),
                STATE_AND_SYSTEM,
                anonymous=401,
                foreign=Foreign.DISTRICT,
            ),
        ],
        "api:define_requirement_set": [
            RouteCase(
                _u("api:define_requirement_set"),
                REQUIREMENT_WRITERS,
                ok=201,
                method="post",
                data=_set_body("riverbend"),
                json=True,
                anonymous=401,
            ),
            RouteCase(
                _u("api:define_requirement_set"),
                set(),
                method="post",
                data=_set_body("cedar-es"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.SCHOOL,
                unchanged=RECORD_ROWS,
            ),
            RouteCase(
                _u("api:define_requirement_set"),
                STATE_AND_SYSTEM,
                ok=201,
                method="post",
                data=_set_body("lakeside"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
        ],
        "api:enter_high_school": _api_student_posts(
            "api:enter_high_school", {"entered_on": "2023-08-20"}, ok=400
        ),
        "api:record_rubric_result": [
            *_api_student_posts(
                "api:record_rubric_result", _rubric_body("riverbend_requirements"), ok=201
            ),
            RouteCase(
                _u("api:record_rubric_result", ana),
                RECORD_KEEPERS,
                ok=400,
                method="post",
                data=_rubric_body("lakeside_requirements"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
        ],
        "api:accept_alternative": [
            *_api_student_posts(
                "api:accept_alternative", _alternative_body("riverbend_requirements"), ok=201
            ),
            RouteCase(
                _u("api:accept_alternative", ana),
                RECORD_KEEPERS,
                ok=400,
                method="post",
                data=_alternative_body("lakeside_requirements"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
            RouteCase(
                _u("api:accept_alternative", ana),
                RECORD_KEEPERS,
                ok=400,
                method="post",
                data=_alternative_body("riverbend_requirements", "cedar-es"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.SCHOOL,
                unchanged=RECORD_ROWS,
            ),
        ],
        "api:opt_in": [
            *_api_student_posts(
                "api:opt_in", _opt_in_body("riverbend_requirements"), ok=400, allowed=ANA_PATH
            ),
            RouteCase(
                _u("api:opt_in", ana),
                ANA_PATH,
                ok=400,
                method="post",
                data=_opt_in_body("lakeside_requirements"),
                json=True,
                anonymous=401,
                body_foreign=Foreign.DISTRICT,
                unchanged=RECORD_ROWS,
            ),
        ],
    }
)
