"""Permission rows and route cases for pace, supports and insights."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import DISTRICT, LEADERS_OF_MAPLE, Foreign, RouteCase, _u

R = Role
STAFF = {R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}
SUPPORTERS = {R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
AGGREGATE_VIEWERS = LEADERS_OF_MAPLE | {R.STATE_ANALYST}

OBJECT_ROWS = {
    (Subject.PACE_TARGET, Act.VIEW): {
        "riverbend_pace_target": STAFF,
        "lakeside_pace_target": set(),
    },
    (Subject.PACE_TARGET, Act.CHANGE): {
        "riverbend_pace_target": {R.DISTRICT_ADMIN},
        "lakeside_pace_target": set(),
    },
    (Subject.SUPPORT_PLAN, Act.VIEW): {"ben_plan": SUPPORTERS, "lake_kid_plan": set()},
    (Subject.SUPPORT_PLAN, Act.CHANGE): {"ben_plan": SUPPORTERS, "lake_kid_plan": set()},
}


def ben(w):
    return w.ben.pk


def lake_kid(w):
    return w.lake_kid.pk


def org(code):
    return lambda w: w.org(code).pk


ROUTE_CASES = {
    "pace:targets": [
        RouteCase(_u("pace:targets"), STAFF, denied=403),
        RouteCase(_u("pace:targets"), {R.DISTRICT_ADMIN}, ok=400, denied=403, method="post"),
    ],
    "pace:supports": [RouteCase(_u("pace:supports"), SUPPORTERS, denied=403)],
    "pace:effectiveness": [RouteCase(_u("pace:effectiveness"), SUPPORTERS, denied=403)],
    "pace:plan": [
        RouteCase(_u("pace:plan", lambda w: w.ben_plan.pk), SUPPORTERS),
        RouteCase(_u("pace:plan", lambda w: w.lake_kid_plan.pk), set(), foreign=Foreign.DISTRICT),
        RouteCase(
            _u("pace:plan", lambda w: w.ben_plan.pk),
            SUPPORTERS,
            ok=400,
            method="post",
            data={"outcome": "bogus"},
        ),
    ],
    "pace:new_plan": [
        RouteCase(_u("pace:new_plan", ben), SUPPORTERS),
        RouteCase(_u("pace:new_plan", lake_kid), set(), foreign=Foreign.DISTRICT),
        RouteCase(_u("pace:new_plan", ben), SUPPORTERS, ok=400, method="post"),
    ],
    "insights:index": [
        RouteCase(_u("insights:index"), AGGREGATE_VIEWERS, ok=302, denied=403),
    ],
    "insights:dashboard": [
        RouteCase(_u("insights:dashboard", org("riverbend")), DISTRICT | {R.STATE_ANALYST}),
        RouteCase(_u("insights:dashboard", org("maple-ms")), AGGREGATE_VIEWERS),
        RouteCase(
            _u("insights:dashboard", org("lakeside-ms")),
            {R.STATE_ANALYST},
            foreign=Foreign.DISTRICT,
        ),
        RouteCase(_u("insights:dashboard", org("columbia")), {R.STATE_ANALYST}),
    ],
    "insights:export": [
        RouteCase(
            _u("insights:export", org("riverbend"), lambda w: "csv"), DISTRICT | {R.STATE_ANALYST}
        ),
        RouteCase(_u("insights:export", org("maple-ms"), lambda w: "json"), AGGREGATE_VIEWERS),
        RouteCase(
            _u("insights:export", org("lakeside-ms"), lambda w: "csv"),
            {R.STATE_ANALYST},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "api:organization_aggregates": [
        RouteCase(
            _u("api:organization_aggregates", org("riverbend")),
            DISTRICT | {R.STATE_ANALYST},
            anonymous=401,
        ),
        RouteCase(
            _u("api:organization_aggregates", org("lakeside-ms")),
            {R.STATE_ANALYST},
            anonymous=401,
            foreign=Foreign.DISTRICT,
        ),
    ],
    "insights:state_export": [
        RouteCase(_u("insights:state_export", org("columbia")), {R.STATE_ANALYST}),
        RouteCase(
            _u("insights:state_export", org("lakeside")),
            {R.STATE_ANALYST},
            foreign=Foreign.DISTRICT,
        ),
    ],
}
