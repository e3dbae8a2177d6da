"""Permission rows for the trust work: framework import jobs belong to whoever started them."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u

R = Role
OWNER = {R.DISTRICT_ADMIN}  # district.admin started the Riverbend import

OBJECT_ROWS = {
    (Subject.IMPORT_JOB, Act.VIEW): {"riverbend_import": OWNER, "lake_import": set()},
    (Subject.IMPORT_JOB, Act.CHANGE): {"riverbend_import": OWNER, "lake_import": set()},
}


def _job(name):
    return lambda w: getattr(w, name).pk


ROUTE_CASES = {
    "frameworks:import_job": [
        RouteCase(_u("frameworks:import_job", _job("riverbend_import")), OWNER),
        RouteCase(
            _u("frameworks:import_job", _job("lake_import")), set(), foreign=Foreign.DISTRICT
        ),
        RouteCase(_u("frameworks:import_job", lambda w: 999999), set()),
    ],
    "frameworks:import_progress": [
        RouteCase(_u("frameworks:import_progress", _job("riverbend_import")), OWNER),
        RouteCase(
            _u("frameworks:import_progress", _job("lake_import")), set(), foreign=Foreign.DISTRICT
        ),
    ],
    "api:import_status": [
        RouteCase(_u("api:import_status", _job("riverbend_import")), OWNER, anonymous=401),
        RouteCase(
            _u("api:import_status", _job("lake_import")),
            set(),
            anonymous=401,
            foreign=Foreign.DISTRICT,
        ),
    ],
}
