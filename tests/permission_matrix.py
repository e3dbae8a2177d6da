"""The permission matrix: every role × every kind of object × own/other → allowed or not.

Later features extend it by adding rows to ``OBJECT_MATRIX`` (for the policy) and
``ROUTES`` (for views and endpoints). ``test_permission_matrix.py`` fails when a policy
row or a URL route has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject

R = Role
LEADERS_OF_MAPLE = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}
DISTRICT = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}

# (subject, act) -> {object name in the world: roles allowed}
OBJECT_MATRIX: dict[tuple[Subject, Act], dict[str, set[Role]]] = {
    (Subject.STUDENT, Act.VIEW): {
        "ana": {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "ben": {R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_kid": DISTRICT,
        "lake_kid": set(),
    },
    (Subject.STUDENT, Act.CHANGE): {
        "ana": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "ben": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_kid": {R.DISTRICT_ADMIN},
        "lake_kid": set(),
    },
    (Subject.DEMOGRAPHICS, Act.VIEW): {
        "ana.demographics": {R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_kid.demographics": DISTRICT,
        "lake_kid.demographics": set(),
    },
    (Subject.DEMOGRAPHICS, Act.CHANGE): {
        "ana.demographics": {R.DISTRICT_ADMIN},
        "lake_kid.demographics": set(),
    },
    (Subject.SECTION, Act.VIEW): {
        "rivera_section": {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_section": DISTRICT,
        "lake_section": set(),
    },
    (Subject.SECTION, Act.CHANGE): {
        "rivera_section": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_section": {R.DISTRICT_ADMIN},
        "lake_section": set(),
    },
    (Subject.ORGANIZATION, Act.VIEW): {
        "maple": {R.TEACHER, R.ADVISOR, R.STATE_ANALYST, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE,
        "cedar": DISTRICT | {R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "riverbend": DISTRICT | {R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "lakeside_ms": {R.STATE_ANALYST, R.SYSTEM_ADMIN},
    },
    (Subject.ORGANIZATION, Act.CHANGE): {
        "maple": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.AGGREGATE, Act.VIEW): {
        "maple": LEADERS_OF_MAPLE | {R.STATE_ANALYST},
        "cedar": DISTRICT | {R.STATE_ANALYST},
        "lakeside_ms": {R.STATE_ANALYST},
    },
    (Subject.AUDIT_LOG, Act.VIEW): {
        # An entry for a read of Ana's record by Ms. Rivera, and one for Lia (Lakeside).
        "ana_read_entry": {
            R.STUDENT,
            R.GUARDIAN,
            R.SCHOOL_LEADER,
            R.DISTRICT_ADMIN,
            R.SYSTEM_ADMIN,
        },
        "lake_read_entry": {R.SYSTEM_ADMIN},
    },
}

ALL_ROLES = set(Role)
ANON = "anonymous"
NOBODY = "nobody"  # logged in, no role


@dataclass
class RouteCase:
    """One request and who gets which answer. Roles not in ``allowed`` get ``denied``."""

    url: Callable[[object], str]
    allowed: set[Role]
    ok: int = 200
    denied: int = 404
    method: str = "get"
    data: dict[str, str] = field(default_factory=dict)
    anonymous: int = 302  # web pages send you to log in; the API answers 401


def _u(name: str, *args: Callable[[object], object]) -> Callable[[object], str]:
    from django.urls import reverse

    return lambda w: reverse(name, args=[a(w) for a in args])


ana = lambda w: w.ana.pk  # noqa: E731
lake_kid = lambda w: w.lake_kid.pk  # noqa: E731
ben = lambda w: w.ben.pk  # noqa: E731
rivera_section = lambda w: w.rivera_section.pk  # noqa: E731
lake_section = lambda w: w.lake_section.pk  # noqa: E731

STUDENT_VIEWERS = OBJECT_MATRIX[(Subject.STUDENT, Act.VIEW)]
SECTION_VIEWERS = OBJECT_MATRIX[(Subject.SECTION, Act.VIEW)]
ORG_VIEWERS = OBJECT_MATRIX[(Subject.ORGANIZATION, Act.VIEW)]
AUDIT_VIEWERS = {R.STUDENT, R.GUARDIAN, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
STUDENT_LISTERS = {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE

# url name -> cases. Every named route in the project must appear here.
ROUTES: dict[str, list[RouteCase]] = {
    "web:home": [RouteCase(_u("web:home"), ALL_ROLES, ok=302)],
    "web:role_home": [
        RouteCase(lambda w, r=r: _u("web:role_home", lambda _: r.value)(w), {r}, denied=403)
        for r in Role
    ],
    "web:student_list": [RouteCase(_u("web:student_list"), STUDENT_LISTERS, denied=403)],
    "web:student_detail": [
        RouteCase(_u("web:student_detail", ana), STUDENT_VIEWERS["ana"]),
        RouteCase(_u("web:student_detail", ben), STUDENT_VIEWERS["ben"]),
        RouteCase(_u("web:student_detail", lake_kid), STUDENT_VIEWERS["lake_kid"]),
    ],
    "web:student_access": [
        RouteCase(_u("web:student_access", ana), AUDIT_VIEWERS & STUDENT_VIEWERS["ana"]),
        RouteCase(_u("web:student_access", ben), {R.SCHOOL_LEADER, R.DISTRICT_ADMIN}),
        RouteCase(_u("web:student_access", lake_kid), set()),
    ],
    "web:section_detail": [
        RouteCase(_u("web:section_detail", rivera_section), SECTION_VIEWERS["rivera_section"]),
        RouteCase(_u("web:section_detail", lake_section), SECTION_VIEWERS["lake_section"]),
    ],
    "web:organization_detail": [
        RouteCase(
            _u("web:organization_detail", lambda w: w.org("maple-ms").pk), ORG_VIEWERS["maple"]
        ),
        RouteCase(
            _u("web:organization_detail", lambda w: w.org("lakeside-ms").pk),
            ORG_VIEWERS["lakeside_ms"],
        ),
    ],
    "web:audit_log": [RouteCase(_u("web:audit_log"), AUDIT_VIEWERS, denied=403)],
    "accounts:login": [RouteCase(_u("accounts:login"), ALL_ROLES, ok=302, anonymous=200)],
    "accounts:logout": [
        RouteCase(_u("accounts:logout"), ALL_ROLES, ok=302, method="post", anonymous=302)
    ],
    "accounts:language": [
        RouteCase(
            _u("accounts:language"),
            ALL_ROLES,
            ok=302,
            method="post",
            data={"language": "es"},
            anonymous=302,
        )
    ],
    "api:me": [RouteCase(_u("api:me"), ALL_ROLES, anonymous=401)],
    "api:list_students": [
        RouteCase(_u("api:list_students"), STUDENT_LISTERS, denied=403, anonymous=401)
    ],
    "api:get_student": [
        RouteCase(_u("api:get_student", ana), STUDENT_VIEWERS["ana"], anonymous=401),
        RouteCase(_u("api:get_student", lake_kid), set(), anonymous=401),
    ],
    "api:list_sections": [
        RouteCase(_u("api:list_sections"), STUDENT_LISTERS, denied=403, anonymous=401)
    ],
    "api:get_section": [
        RouteCase(
            _u("api:get_section", rivera_section), SECTION_VIEWERS["rivera_section"], anonymous=401
        ),
        RouteCase(_u("api:get_section", lake_section), set(), anonymous=401),
    ],
    "api:list_organizations": [
        RouteCase(
            _u("api:list_organizations"),
            {R.TEACHER, R.ADVISOR, R.STATE_ANALYST, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE,
            denied=403,
            anonymous=401,
        )
    ],
    "api:list_audit": [RouteCase(_u("api:list_audit"), AUDIT_VIEWERS, denied=403, anonymous=401)],
    # The API root answers nothing but "not found"; it exists for URL reversing.
    "api:api-root": [RouteCase(_u("api:api-root"), set(), anonymous=404)],
    # The API's self-description is public, like any OpenAPI document.
    "api:openapi-json": [RouteCase(_u("api:openapi-json"), ALL_ROLES, anonymous=200)],
    "api:openapi-view": [RouteCase(_u("api:openapi-view"), ALL_ROLES, anonymous=200)],
}
