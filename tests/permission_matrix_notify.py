"""Permission rows and route cases of the notifications app (merged by permission_matrix).

A notification is its recipient's alone: Marisol García's (a guardian), Ms. Rivera's (a
teacher), a Cedar Elementary teacher's (another school) and Lee Lake's (another district)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import ALL_ROLES, Foreign, RouteCase, _u

R = Role

OWNERS = {
    "guardian_notification": {R.GUARDIAN},
    "rivera_notification": {R.TEACHER},
    "cedar_notification": set(),
    "lake_notification": set(),
}
# Where the other people's notifications are (the route matrix's foreign objects).
FOREIGN = {"cedar_notification": Foreign.SCHOOL, "lake_notification": Foreign.DISTRICT}

OBJECT_ROWS = {
    (Subject.NOTIFICATION, Act.VIEW): OWNERS,
    (Subject.NOTIFICATION, Act.CHANGE): OWNERS,
}


def _pk(name: str):
    return lambda w: getattr(w, name).pk


ROUTE_CASES = {
    # Everyone signed in has a notifications page and preferences (a person with no role
    # sees an empty list and nothing to choose).
    "notifications:list": [RouteCase(_u("notifications:list"), ALL_ROLES, nobody=200)],
    "notifications:preferences": [
        RouteCase(_u("notifications:preferences"), ALL_ROLES, nobody=200)
    ],
    "notifications:read_all": [
        RouteCase(_u("notifications:read_all"), ALL_ROLES, ok=302, method="post", nobody=302)
    ],
    # One notification: only its recipient; anyone else's is a 404, like a missing one.
    "notifications:open": [
        RouteCase(_u("notifications:open", _pk(name)), roles, ok=302, foreign=FOREIGN.get(name))
        for name, roles in OWNERS.items()
    ],
    "notifications:read": [
        RouteCase(
            _u("notifications:read", _pk(name)),
            roles,
            ok=302,
            method="post",
            foreign=FOREIGN.get(name),
        )
        for name, roles in OWNERS.items()
    ],
}
