"""Permission rows and route cases of account administration, single sign-on, password
reset and machine clients (merged by permission_matrix).

Foreign objects: a teacher at another school of the district (Cedar), a teacher of another
district (Lakeside), the state analyst (above the district), and a teacher shared with
Lakeside, whom the Riverbend administrator sees but may not change.
"""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u

R = Role
ADMINS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
SYSTEM_ONLY = {R.SYSTEM_ADMIN}
EVERYONE = set(Role)

OBJECT_ROWS = {
    (Subject.PERSON, Act.VIEW): {
        "rivera_person": ADMINS,
        "cedar_teacher_person": ADMINS,
        "ana_person": ADMINS,
        "garcia_person": ADMINS,
        "shared_teacher": ADMINS,
        "lake_teacher_person": SYSTEM_ONLY,
        "state_analyst_person": SYSTEM_ONLY,
    },
    (Subject.PERSON, Act.CHANGE): {
        "rivera_person": ADMINS,
        "cedar_teacher_person": ADMINS,
        "ana_person": ADMINS,
        "garcia_person": ADMINS,
        "shared_teacher": SYSTEM_ONLY,  # also teaches at Lakeside
        "lake_teacher_person": SYSTEM_ONLY,
        "state_analyst_person": SYSTEM_ONLY,
    },
    (Subject.MACHINE_CLIENT, Act.VIEW): {
        "riverbend_client": ADMINS,
        "lakeside_client": SYSTEM_ONLY,
    },
    (Subject.MACHINE_CLIENT, Act.CHANGE): {
        "riverbend_client": ADMINS,
        "lakeside_client": SYSTEM_ONLY,
    },
}


def _pk(name: str):
    return lambda w: getattr(w, name).pk


def _role_of(name: str):
    return lambda w: getattr(w, name).memberships.order_by("pk").first().pk


def _public(name: str, *args) -> list[RouteCase]:
    """A page anyone may open, signed in or not."""
    return [RouteCase(_u(name, *args), EVERYONE, anonymous=200, nobody=200)]


BOGUS_LINK = (lambda w: "MQ", lambda w: "bad-token")
# Single sign-on is off in the test settings: both routes are 404 for everyone.
SSO_OFF = {"anonymous": 404, "nobody": 404}


def _person_cases(name: str, method: str = "get", ok: int = 200, **kw) -> list[RouteCase]:
    """Own district (Maple, Cedar), another district (Lakeside), above (the state)."""
    return [
        RouteCase(_u(name, _pk("rivera_person")), ADMINS, ok=ok, method=method, **kw),
        RouteCase(
            _u(name, _pk("cedar_teacher_person")),
            ADMINS,
            ok=ok,
            method=method,
            foreign=Foreign.SCHOOL,
            **kw,
        ),
        RouteCase(
            _u(name, _pk("lake_teacher_person")),
            SYSTEM_ONLY,
            ok=ok,
            method=method,
            foreign=Foreign.DISTRICT,
            **kw,
        ),
        RouteCase(_u(name, _pk("state_analyst_person")), SYSTEM_ONLY, ok=ok, method=method, **kw),
    ]


ROUTE_CASES = {
    "accounts:password_reset": _public("accounts:password_reset"),
    "accounts:password_reset_done": _public("accounts:password_reset_done"),
    "accounts:password_reset_confirm": _public("accounts:password_reset_confirm", *BOGUS_LINK),
    "accounts:password_reset_complete": _public("accounts:password_reset_complete"),
    "accounts:invitation": _public("accounts:invitation", *BOGUS_LINK),
    "accounts:sso_start": [RouteCase(_u("accounts:sso_start"), set(), **SSO_OFF)],
    "accounts:sso_callback": [RouteCase(_u("accounts:sso_callback"), set(), **SSO_OFF)],
    "accounts:people": [RouteCase(_u("accounts:people"), ADMINS, denied=403)],
    "accounts:invite": [RouteCase(_u("accounts:invite"), ADMINS, denied=403)],
    "accounts:person": [
        *_person_cases("accounts:person"),
        # The shared teacher: visible to Riverbend's administrator (read only).
        RouteCase(_u("accounts:person", _pk("shared_teacher")), ADMINS),
        RouteCase(_u("accounts:person", lambda w: 999999), set()),
    ],
    "accounts:deactivate": _person_cases("accounts:deactivate", "post", 302),
    "accounts:reactivate": _person_cases("accounts:reactivate", "post", 302),
    "accounts:unlock": [
        *_person_cases("accounts:unlock", "post", 302),
        RouteCase(_u("accounts:unlock", _pk("shared_teacher")), SYSTEM_ONLY, 302, method="post"),
    ],
    "accounts:send_password_reset": _person_cases("accounts:send_password_reset", "post", 302),
    "accounts:resend_invitation": _person_cases("accounts:resend_invitation", "post", 302),
    # An empty form: 400 (with the person's page) for those who may change the person.
    "accounts:add_role": _person_cases("accounts:add_role", "post", 400),
    "accounts:end_role": [
        RouteCase(
            _u("accounts:end_role", _pk("rivera_person"), _role_of("rivera_person")),
            ADMINS,
            ok=302,
            method="post",
        ),
        RouteCase(
            _u("accounts:end_role", _pk("cedar_teacher_person"), _role_of("cedar_teacher_person")),
            ADMINS,
            ok=302,
            method="post",
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(
            _u("accounts:end_role", _pk("lake_teacher_person"), _role_of("lake_teacher_person")),
            SYSTEM_ONLY,
            ok=302,
            method="post",
            foreign=Foreign.DISTRICT,
        ),
    ],
    "accounts:clients": [RouteCase(_u("accounts:clients"), ADMINS, denied=403)],
    "accounts:client": [
        RouteCase(_u("accounts:client", _pk("riverbend_client")), ADMINS),
        RouteCase(
            _u("accounts:client", _pk("lakeside_client")), SYSTEM_ONLY, foreign=Foreign.DISTRICT
        ),
    ],
    "accounts:client_secret": [
        RouteCase(_u("accounts:client_secret", _pk("riverbend_client")), ADMINS, method="post"),
        RouteCase(
            _u("accounts:client_secret", _pk("lakeside_client")),
            SYSTEM_ONLY,
            method="post",
            foreign=Foreign.DISTRICT,
        ),
    ],
    "accounts:client_revoke": [
        RouteCase(
            _u("accounts:client_revoke", _pk("riverbend_client")), ADMINS, ok=302, method="post"
        ),
        RouteCase(
            _u("accounts:client_revoke", _pk("lakeside_client")),
            SYSTEM_ONLY,
            ok=302,
            method="post",
            foreign=Foreign.DISTRICT,
        ),
    ],
    # The token endpoint wants client credentials, never a session: a bare POST is refused.
    "oauth_token": [
        RouteCase(_u("oauth_token"), set(), denied=400, method="post", anonymous=400, nobody=400)
    ],
}
