"""Permission rows for the OneRoster gradebook export (a class's, or a school's classes')."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u

R = Role
EXPORTERS = {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}

OBJECT_ROWS = {
    (Subject.GRADEBOOK, Act.VIEW): {
        "rivera_section": EXPORTERS,
        "cedar_section": {R.DISTRICT_ADMIN},
        "lake_section": set(),
    },
}


def rivera_section(w):
    return w.rivera_section.pk


def cedar_section(w):
    return w.cedar_section.pk


def lake_section(w):
    return w.lake_section.pk


def maple(w):
    return w.org("maple-ms").pk


def lakeside_school(w):
    return w.org("lakeside-ms").pk


ROUTE_CASES = {
    "classroom:gradebook_section": [
        RouteCase(_u("classroom:gradebook_section", rivera_section), EXPORTERS),
        RouteCase(
            _u("classroom:gradebook_section", cedar_section),
            {R.DISTRICT_ADMIN},
            foreign=Foreign.SCHOOL,
        ),
        # Another district's class: 404 to everyone here, named by nothing.
        RouteCase(_u("classroom:gradebook_section", lake_section), set(), foreign=Foreign.DISTRICT),
    ],
    "classroom:gradebook_organization": [
        RouteCase(_u("classroom:gradebook_organization", maple), EXPORTERS),
        RouteCase(
            _u("classroom:gradebook_organization", lakeside_school),
            set(),
            foreign=Foreign.DISTRICT,
        ),
    ],
}
