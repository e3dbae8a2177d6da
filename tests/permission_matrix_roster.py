"""Permission rows for roster imports: the upload page, the job pages and the API."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u, _upload

R = Role
IMPORTERS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}

OBJECT_ROWS = {
    (Subject.ROSTER_IMPORT, Act.VIEW): {
        "riverbend_roster_job": IMPORTERS,
        "lakeside_roster_job": {R.SYSTEM_ADMIN},
    },
}


def riverbend_job(w):
    return w.riverbend_roster_job.pk


def lakeside_job(w):
    return w.lakeside_roster_job.pk


def _upload_to(code):
    def data_for(w=None):
        from proficio.orgs.models import Organization

        return {
            "district_id": str(Organization.objects.get(code=code).pk),
            "dry_run": "true",
            "file": _upload("roster.zip", b"PK\x05\x06" + b"\x00" * 18),
        }

    return data_for


ROUTE_CASES = {
    "roster:import": [
        RouteCase(_u("roster:import"), IMPORTERS, denied=403),
        # An upload that is not a zip: the form says so (400), never a 500.
        RouteCase(
            _u("roster:import"),
            IMPORTERS,
            ok=400,
            denied=403,
            method="post",
            data=lambda: {"file": _upload("roster.csv", b"sourcedId\n")},
        ),
    ],
    "roster:import_job": [
        RouteCase(_u("roster:import_job", riverbend_job), IMPORTERS),
        RouteCase(
            _u("roster:import_job", lakeside_job), {R.SYSTEM_ADMIN}, foreign=Foreign.DISTRICT
        ),
    ],
    "roster:import_progress": [
        RouteCase(_u("roster:import_progress", riverbend_job), IMPORTERS),
        RouteCase(
            _u("roster:import_progress", lakeside_job),
            {R.SYSTEM_ADMIN},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "api:import_roster": [
        RouteCase(
            _u("api:import_roster"),
            IMPORTERS,
            ok=202,
            method="post",
            anonymous=401,
            data=_upload_to("riverbend"),
        ),
        RouteCase(
            _u("api:import_roster"),
            {R.SYSTEM_ADMIN},
            ok=202,
            method="post",
            anonymous=401,
            data=_upload_to("lakeside"),
        ),
    ],
    "api:roster_import_status": [
        RouteCase(_u("api:roster_import_status", riverbend_job), IMPORTERS, anonymous=401),
        RouteCase(
            _u("api:roster_import_status", lakeside_job),
            {R.SYSTEM_ADMIN},
            anonymous=401,
            foreign=Foreign.DISTRICT,
        ),
    ],
}

# Learning-tool intake is kept per district (alignments); objects are organizations.
OBJECT_ROWS[(Subject.LRS, Act.VIEW)] = {
    "riverbend": IMPORTERS,
    "lakeside_ms": {R.SYSTEM_ADMIN},
}
OBJECT_ROWS[(Subject.LRS, Act.CHANGE)] = {
    "riverbend": IMPORTERS,
    "lakeside_ms": {R.SYSTEM_ADMIN},
}


def _alignment(name):
    return lambda w: getattr(w, name).pk


ROUTE_CASES |= {
    "lrs:home": [
        RouteCase(_u("lrs:home"), IMPORTERS, denied=403),
        # A target nobody has: the form says so (400), never a 500.
        RouteCase(
            _u("lrs:home"),
            IMPORTERS,
            ok=400,
            denied=403,
            method="post",
            data=lambda: {"activity_id": "https://tool.example/x", "target": "NO.SUCH"},
        ),
    ],
    "lrs:alignment_remove": [
        RouteCase(
            _u("lrs:alignment_remove", _alignment("lakeside_alignment")),
            {R.SYSTEM_ADMIN},
            ok=302,
            method="post",
            foreign=Foreign.DISTRICT,
        ),
        RouteCase(
            _u("lrs:alignment_remove", _alignment("riverbend_alignment")),
            IMPORTERS,
            ok=302,
            method="post",
        ),
    ],
}
