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
