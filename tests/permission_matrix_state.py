"""Permission rows for the state: the plan (versions, preview, adoption), scorecards,
pilots, and the public report cards; each route with an object of another state."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import ALL_ROLES, Foreign, RouteCase, _u

R = Role
STATE = {R.STATE_ANALYST, R.SYSTEM_ADMIN}
MAPLE_AGGREGATES = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST}

OBJECT_ROWS = {
    (Subject.STATE_PLAN, Act.VIEW): {"columbia_plan": STATE, "otherland_plan": {R.SYSTEM_ADMIN}},
    (Subject.STATE_PLAN, Act.CHANGE): {"columbia_plan": {R.STATE_ANALYST}, "otherland_plan": set()},
    (Subject.PILOT, Act.VIEW): {"columbia_pilot": STATE, "otherland_pilot": {R.SYSTEM_ADMIN}},
    (Subject.PILOT, Act.CHANGE): {"columbia_pilot": {R.STATE_ANALYST}, "otherland_pilot": set()},
}


def pk(name):
    return lambda w: getattr(w, name).pk


def org(code):
    from proficio.orgs.models import Organization

    return lambda w: Organization.objects.get(code=code).pk


def _task_body():
    from tests.world_state import task_rubric_and_item

    rubric, item = task_rubric_and_item()
    return {
        "title": "Another task",
        "item": str(item.identifier),
        "rubric": rubric.pk,
        "standard": "3",
    }


def _session_body(owner_code, task_name):
    """A moderation session owned by ``owner_code``, made for this one request (the
    matrix undoes each request), offered to the task's form."""
    from proficio.moderation import actions as moderation
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM
    from tests.world_state import lookup, task_rubric_and_item

    rubric, _item = task_rubric_and_item()
    session = moderation.create_session(
        SYSTEM,
        title="Matrix session",
        task="Matrix task",
        rubric=rubric,
        owner=Organization.objects.get(code=owner_code),
    )
    return {f"task{lookup(task_name).pk}-session": session.pk}


PUBLIC = {"anonymous": 200, "nobody": 200}
ROUTE_CASES = {
    "state:home": [RouteCase(_u("state:home"), STATE, denied=403)],
    "state:plan_new": [RouteCase(_u("state:plan_new"), {R.STATE_ANALYST}, denied=403)],
    "state:plan_version": [
        RouteCase(_u("state:plan_version", pk("columbia_v2")), STATE),
        # Another state's version: a system administrator sees it, Columbia's analyst not.
        RouteCase(
            _u("state:plan_version", pk("otherland_v1")), {R.SYSTEM_ADMIN}, foreign=Foreign.DISTRICT
        ),
        RouteCase(_u("state:plan_version", lambda w: 999999), set()),
    ],
    "state:plan_adopt": [
        RouteCase(
            _u("state:plan_adopt", pk("columbia_v1")), {R.STATE_ANALYST}, ok=302, method="post"
        ),
        RouteCase(
            _u("state:plan_adopt", pk("otherland_v1")),
            set(),
            method="post",
            foreign=Foreign.DISTRICT,
        ),
    ],
    "state:scorecard": [
        RouteCase(_u("state:scorecard", org("maple-ms")), MAPLE_AGGREGATES),
        RouteCase(
            _u("state:scorecard", org("cedar-es")),
            {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST},
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(
            _u("state:scorecard", org("lakeside-ms")), {R.STATE_ANALYST}, foreign=Foreign.DISTRICT
        ),
        RouteCase(_u("state:scorecard", org("far-es")), set()),
        RouteCase(_u("state:scorecard", org("riverbend")), set()),  # not a school
    ],
    "state:pilot": [
        RouteCase(_u("state:pilot", pk("columbia_pilot")), STATE),
        RouteCase(
            _u("state:pilot", pk("otherland_pilot")), {R.SYSTEM_ADMIN}, foreign=Foreign.DISTRICT
        ),
    ],
    "state:pilot_new": [
        RouteCase(_u("state:pilot_new"), {R.STATE_ANALYST}, denied=403),
        RouteCase(
            _u("state:pilot_new"),
            {R.STATE_ANALYST},
            ok=302,
            denied=403,
            method="post",
            data=lambda: {"name": "A new pilot", "districts": [org("riverbend")(None)]},
        ),
        # A district of another state in the body: refused on its field, nothing saved.
        RouteCase(
            _u("state:pilot_new"),
            {R.STATE_ANALYST},
            ok=400,
            denied=403,
            method="post",
            data=lambda: {"name": "A foreign pilot", "districts": [org("far")(None)]},
            body_foreign=Foreign.DISTRICT,
            unchanged=("state.Pilot",),
        ),
    ],
    "state:pilot_task_new": [
        RouteCase(_u("state:pilot_task_new", pk("columbia_pilot")), {R.STATE_ANALYST}),
        RouteCase(
            _u("state:pilot_task_new", pk("columbia_pilot")),
            {R.STATE_ANALYST},
            ok=302,
            method="post",
            data=lambda: _task_body(),
        ),
        RouteCase(
            _u("state:pilot_task_new", pk("otherland_pilot")), set(), foreign=Foreign.DISTRICT
        ),
        RouteCase(
            _u("state:pilot_task_new", pk("otherland_pilot")),
            set(),
            method="post",
            data=lambda: _task_body(),
            foreign=Foreign.DISTRICT,
        ),
    ],
    "state:pilot_session_add": [
        RouteCase(
            _u("state:pilot_session_add", pk("columbia_pilot"), pk("columbia_task")),
            {R.STATE_ANALYST},
            ok=302,
            method="post",
            data=lambda: _session_body("columbia", "columbia_task"),
        ),
        # A district's session (Riverbend's) is not the state's: refused, nothing added.
        RouteCase(
            _u("state:pilot_session_add", pk("columbia_pilot"), pk("columbia_task")),
            {R.STATE_ANALYST},
            ok=400,
            method="post",
            data=lambda: _session_body("riverbend", "columbia_task"),
            body_foreign=Foreign.DISTRICT,
            unchanged=("state.PilotTask_sessions",),
        ),
        # Another state's pilot and task.
        RouteCase(
            _u("state:pilot_session_add", pk("otherland_pilot"), pk("otherland_task")),
            set(),
            method="post",
            data=lambda: _session_body("otherland", "otherland_task"),
            foreign=Foreign.DISTRICT,
        ),
        # Columbia's pilot with Otherland's task in the URL.
        RouteCase(
            _u("state:pilot_session_add", pk("columbia_pilot"), pk("otherland_task")),
            set(),
            method="post",
            data=lambda: _session_body("columbia", "otherland_task"),
            foreign=Foreign.DISTRICT,
        ),
    ],
    "state:pilot_accountability": [
        RouteCase(
            _u("state:pilot_accountability", pk("columbia_pilot")),
            {R.STATE_ANALYST},
            ok=302,
            method="post",
            data={"counted": "0"},
        ),
        # Counting a pilot with no calibrated results is refused, naming why.
        RouteCase(
            _u("state:pilot_accountability", pk("columbia_pilot")),
            {R.STATE_ANALYST},
            ok=400,
            method="post",
            data={"counted": "1"},
        ),
        RouteCase(
            _u("state:pilot_accountability", pk("otherland_pilot")),
            set(),
            method="post",
            data={"counted": "1"},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "state:report_cards": [
        RouteCase(_u("state:report_cards"), ALL_ROLES, anonymous=200, nobody=200)
    ],
    "state:report_card": [
        RouteCase(_u("state:report_card", org("maple-ms")), ALL_ROLES, anonymous=200, nobody=200),
        RouteCase(_u("state:report_card", org("riverbend")), ALL_ROLES, anonymous=200, nobody=200),
        RouteCase(_u("state:report_card", org("columbia")), set(), anonymous=404, nobody=404),
    ],
    "state:open_data": [
        RouteCase(_u("state:open_data", org("maple-ms")), ALL_ROLES, anonymous=200, nobody=200),
        RouteCase(_u("state:open_data", lambda w: 999999), set(), anonymous=404, nobody=404),
    ],
    "state:open_data_state": [
        RouteCase(_u("state:open_data_state"), ALL_ROLES, anonymous=200, nobody=200),
    ],
}
del PUBLIC
