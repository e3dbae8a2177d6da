"""Permission rows and route cases of the credentials app (merged by permission_matrix)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import (
    ALL_ROLES,
    UNKNOWN,
    Foreign,
    RouteCase,
    _u,
    _upload,
    ana,
    lake_kid,
)

R = Role
SETTINGS_EDITORS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}

OBJECT_ROWS = {
    (Subject.CREDENTIAL, Act.VIEW): {
        "ana_credential": {
            R.STUDENT,
            R.GUARDIAN,
            R.ADVISOR,
            R.SCHOOL_LEADER,
            R.DISTRICT_ADMIN,
        },
        "cedar_credential": {R.DISTRICT_ADMIN},
        "lake_credential": set(),
    },
    (Subject.CREDENTIAL, Act.CHANGE): {
        "ana_credential": {R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_credential": {R.DISTRICT_ADMIN},
        "lake_credential": set(),
    },
    (Subject.CREDENTIAL_SETTINGS, Act.VIEW): {
        "riverbend": SETTINGS_EDITORS,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.CREDENTIAL_SETTINGS, Act.CHANGE): {
        "riverbend": SETTINGS_EDITORS,
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
}


def _cred(name: str):
    return lambda w: getattr(w, name).uuid


def _list(name: str):
    return lambda w: getattr(w, name).status_list.uuid


def _district(code: str):
    return lambda w: w.org(code).pk


STUDENT = {R.STUDENT}
CREDENTIAL_LEADERS = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
ANA_VIEWERS = OBJECT_ROWS[(Subject.CREDENTIAL, Act.VIEW)]["ana_credential"]

ROUTE_CASES = {
    # Public: anyone may verify, read status lists and DID documents.
    "credentials:verify": [
        RouteCase(_u("credentials:verify"), ALL_ROLES, anonymous=200),
        RouteCase(
            _u("credentials:verify"),
            ALL_ROLES,
            method="post",
            data={"credential": "{}"},
            anonymous=200,
        ),
    ],
    "credentials:status_list": [
        RouteCase(_u("credentials:status_list", _list("ana_credential")), ALL_ROLES, anonymous=200),
        RouteCase(_u("credentials:status_list", lambda w: UNKNOWN), set(), anonymous=404),
    ],
    # Without a domain there is no did:web to publish.
    "credentials:did_root": [RouteCase(_u("credentials:did_root"), set(), anonymous=404)],
    "credentials:did_org": [
        RouteCase(_u("credentials:did_org", lambda w: "riverbend"), set(), anonymous=404)
    ],
    # The student's own wallet.
    "credentials:wallet": [RouteCase(_u("credentials:wallet"), STUDENT, denied=403)],
    "credentials:wallet_download": [
        RouteCase(_u("credentials:wallet_download"), STUDENT, denied=403)
    ],
    "credentials:outside": [
        RouteCase(
            _u("credentials:outside"),
            STUDENT,
            ok=400,
            denied=403,
            method="post",
            data=lambda: {"file": _upload("not-a-credential.json", b"{}")},
        )
    ],
    # A credential by id: the holder and those who answer for them; others 404.
    "credentials:download": [
        RouteCase(_u("credentials:download", _cred("ana_credential")), ANA_VIEWERS),
        RouteCase(
            _u("credentials:download", _cred("lake_credential")),
            set(),
            foreign=Foreign.DISTRICT,
        ),
    ],
    "credentials:change": [
        RouteCase(
            _u("credentials:change", _cred("ana_credential"), lambda w: "revoke"),
            CREDENTIAL_LEADERS,
            ok=302,
            method="post",
            data={"reason": ""},
        ),
        RouteCase(
            _u("credentials:change", _cred("lake_credential"), lambda w: "revoke"),
            set(),
            method="post",
            data={"reason": "no"},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "credentials:student": [
        RouteCase(_u("credentials:student", ana), ANA_VIEWERS),
        RouteCase(_u("credentials:student", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
    "credentials:district": [
        RouteCase(_u("credentials:district", _district("riverbend")), SETTINGS_EDITORS),
        RouteCase(
            _u("credentials:district", _district("lakeside")),
            {R.SYSTEM_ADMIN},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "api:credentials_verify": [
        RouteCase(
            _u("api:credentials_verify"),
            ALL_ROLES,
            method="post",
            data={"not": "a credential"},
            json=True,
            anonymous=200,
        )
    ],
}
