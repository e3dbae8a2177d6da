"""Permission rows and route cases of the transcripts app (merged by permission_matrix),
with foreign-object cases: a Cedar Elementary student (another school of Riverbend) and
Lia (Lakeside, another district)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u, ana, lake_kid

R = Role
SCHOOL, DISTRICT = Foreign.SCHOOL, Foreign.DISTRICT
READERS = {R.STUDENT, R.GUARDIAN, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
SHARERS = {R.STUDENT, R.GUARDIAN}
SETTINGS_EDITORS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}

OBJECT_ROWS = {
    (Subject.TRANSCRIPT, Act.VIEW): {
        "ana": READERS,
        "ben": {R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_kid": {R.DISTRICT_ADMIN},
        "lake_kid": set(),
    },
    (Subject.TRANSCRIPT, Act.CHANGE): {
        "ana": SHARERS,
        "ben": set(),
        "cedar_kid": set(),
        "lake_kid": set(),
    },
    (Subject.TRANSCRIPT_SETTINGS, Act.VIEW): {
        "riverbend": SETTINGS_EDITORS,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.TRANSCRIPT_SETTINGS, Act.CHANGE): {
        "riverbend": SETTINGS_EDITORS,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
}

cedar_kid = lambda w: w.cedar_kid.pk  # noqa: E731


def _org(code: str):
    return lambda w: w.org(code).pk


def _link(name: str):
    return lambda w: getattr(w, name).uuid


def _token(name: str):
    def token(w):
        from proficio.transcripts.actions import token_for

        return token_for(getattr(w, name))

    return token


def _job(name: str):
    return lambda w: getattr(w, name).pk


def _reads(route: str) -> list[RouteCase]:
    return [
        RouteCase(_u(route, ana), READERS),
        RouteCase(_u(route, cedar_kid), {R.DISTRICT_ADMIN}, foreign=SCHOOL),
        RouteCase(_u(route, lake_kid), set(), foreign=DISTRICT),
    ]


SHARE = {"recipient": "Columbia State University", "days": 14}

ROUTE_CASES = {
    # The student is sent to their own transcript, a guardian to their child's.
    "transcripts:mine": [RouteCase(_u("transcripts:mine"), {R.STUDENT, R.GUARDIAN}, ok=302)],
    "transcripts:student": _reads("transcripts:student"),
    "transcripts:pdf": _reads("transcripts:pdf"),
    "transcripts:json": _reads("transcripts:json"),
    # Nothing is reached in the world: the allowed are sent back to the page with a message.
    "transcripts:clr": [
        RouteCase(_u("transcripts:clr", ana), SHARERS, ok=302, method="post"),
        *(
            RouteCase(
                _u("transcripts:clr", who),
                set(),
                method="post",
                foreign=where,
                unchanged=("credentials.IssuedCredential",),
            )
            for who, where in ((cedar_kid, SCHOOL), (lake_kid, DISTRICT))
        ),
    ],
    "transcripts:share": [
        RouteCase(_u("transcripts:share", ana), SHARERS, ok=302, method="post", data=SHARE),
        *(
            RouteCase(
                _u("transcripts:share", who),
                set(),
                method="post",
                data=SHARE,
                foreign=where,
                unchanged=("transcripts.ShareLink", "audit.AuditEntry"),
            )
            for who, where in ((cedar_kid, SCHOOL), (lake_kid, DISTRICT))
        ),
    ],
    "transcripts:revoke": [
        RouteCase(_u("transcripts:revoke", _link("ana_share")), SHARERS, ok=302, method="post"),
        RouteCase(
            _u("transcripts:revoke", _link("cedar_share")), set(), method="post", foreign=SCHOOL
        ),
        RouteCase(
            _u("transcripts:revoke", _link("lake_share")), set(), method="post", foreign=DISTRICT
        ),
    ],
    # Public: a token that is not a live link's answers 404 and names no one. A live
    # link's token opens the student's transcript, name included, for whoever holds it:
    # that is its purpose, so it is tested (with its audit) in tests/transcripts, not here,
    # where any name outside a role's policy is a leak.
    "transcripts:shared": [
        RouteCase(_u("transcripts:shared", lambda w: "not-a-token"), set(), anonymous=404),
        RouteCase(
            _u("transcripts:shared", lambda w: _token("ana_share")(w)[:-3] + "xyz"),
            set(),
            anonymous=404,
        ),
    ],
    "transcripts:district": [
        RouteCase(_u("transcripts:district", _org("riverbend")), SETTINGS_EDITORS),
        RouteCase(_u("transcripts:district", _org("cedar-es")), SETTINGS_EDITORS, foreign=SCHOOL),
        RouteCase(_u("transcripts:district", _org("lakeside")), {R.SYSTEM_ADMIN}, foreign=DISTRICT),
    ],
    "transcripts:class_issue": [
        RouteCase(_u("transcripts:class_issue", _job("riverbend_class")), SETTINGS_EDITORS),
        RouteCase(
            _u("transcripts:class_issue", _job("lakeside_class")),
            {R.SYSTEM_ADMIN},
            foreign=DISTRICT,
        ),
    ],
}
