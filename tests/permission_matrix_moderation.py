"""Moderation sessions: raters see the sessions they sit on, organizers their organization's."""

from __future__ import annotations

from proficio.moderation.models import ModerationSession
from proficio.policy import Act, Subject
from tests.permission_matrix import R, RouteCase, _u

# Ms. Rivera (teacher) and the Maple principal sit on every world session; all are owned
# by Riverbend, so its district roles, the state analyst and the system administrator reach
# them by organization.
ORGANIZERS = {R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN}
VIEWERS = ORGANIZERS | {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_DATA_LEAD}
RATERS = {R.TEACHER, R.SCHOOL_LEADER}

OBJECT_ROWS = {
    (Subject.MODERATION, Act.VIEW): {
        "moderation_setup": VIEWERS,
        "moderation_revealed": VIEWERS,
    },
    (Subject.MODERATION, Act.CHANGE): {
        "moderation_setup": ORGANIZERS,
        "moderation_revealed": ORGANIZERS,
    },
}


def _session(name: str):
    return lambda w: getattr(w, name).pk


def _sample(name: str, code: str = "S-01"):
    return lambda w: getattr(w, name).samples.get(code=code).pk


def _criteria(name: str, values: list[float]):
    def data():
        session = ModerationSession.objects.get(title=name)
        criteria = session.rubric.criteria.order_by("position", "id")
        return {
            **{f"criterion_{c.pk}": v for c, v in zip(criteria, values, strict=False)},
            "rationale": "Agreed",
        }

    return data


def _first_criterion(name: str):
    def data():
        session = ModerationSession.objects.get(title=name)
        return {"criterion": session.rubric.criteria.order_by("position", "id").first().pk}

    return data


def _eligible_teacher():
    from proficio.accounts.models import User

    user = (
        User.objects.filter(memberships__role="teacher", memberships__organization__code="maple-ms")
        .exclude(username="rivera")
        .order_by("username")
        .first()
    )
    return {"user": str(user.pk)}


SETUP, SCORING, REVEALED = "moderation_setup", "moderation_scoring", "moderation_revealed"
LISTERS = {
    R.TEACHER,
    R.ADVISOR,
    R.SCHOOL_LEADER,
    R.DISTRICT_ADMIN,
    R.DISTRICT_DATA_LEAD,
    R.STATE_ANALYST,
    R.SYSTEM_ADMIN,
}
CREATORS = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN}

ROUTE_CASES = {
    "moderation:list": [RouteCase(_u("moderation:list"), LISTERS, denied=403)],
    "moderation:create": [RouteCase(_u("moderation:create"), CREATORS, denied=403)],
    "moderation:detail": [
        RouteCase(_u("moderation:detail", _session(name)), VIEWERS)
        for name in (SETUP, SCORING, REVEALED)
    ],
    "moderation:add_rater": [
        RouteCase(
            _u("moderation:add_rater", _session(SETUP)),
            ORGANIZERS,
            ok=302,
            method="post",
            data=_eligible_teacher,
        )
    ],
    "moderation:add_sample": [
        RouteCase(
            _u("moderation:add_sample", _session(SETUP)),
            ORGANIZERS,
            ok=302,
            method="post",
            data={"description": "Another strip model"},
        )
    ],
    "moderation:draw_samples": [
        RouteCase(
            _u("moderation:draw_samples", _session(SETUP)),
            ORGANIZERS,
            ok=302,
            method="post",
            data={"per_school": 2},
        )
    ],
    "moderation:open": [
        RouteCase(_u("moderation:open", _session(SETUP)), ORGANIZERS, ok=302, method="post")
    ],
    "moderation:score": [
        # Only raters have a scoring page; everyone else is told nothing exists.
        RouteCase(_u("moderation:score", _session(SCORING), _sample(SCORING)), RATERS)
    ],
    "moderation:sample_file": [
        RouteCase(
            _u("moderation:sample_file", _session(SCORING), _sample(SCORING)),
            RATERS | ORGANIZERS,
        )
    ],
    "moderation:reveal": [
        RouteCase(_u("moderation:reveal", _session(SCORING)), ORGANIZERS, ok=302, method="post")
    ],
    "moderation:discuss": [
        RouteCase(_u("moderation:discuss", _session(name)), VIEWERS) for name in (SCORING, REVEALED)
    ],
    "moderation:consensus": [
        RouteCase(
            _u("moderation:consensus", _session(REVEALED), _sample(REVEALED, "S-02")),
            ORGANIZERS,
            ok=302,
            method="post",
            data=_criteria("Revealed session", [2, 2, 2, 2]),
        )
    ],
    "moderation:anchor": [
        RouteCase(
            _u("moderation:anchor", _session(REVEALED), _sample(REVEALED)),
            ORGANIZERS,
            ok=302,
            method="post",
            data=_first_criterion("Revealed session"),
        )
    ],
    "moderation:statistics": [
        RouteCase(_u("moderation:statistics", _session(name)), VIEWERS)
        for name in (SCORING, REVEALED)
    ],
    "moderation:feedback": [RouteCase(_u("moderation:feedback", _session(REVEALED)), VIEWERS)],
    "moderation:comparability": [
        RouteCase(_u("moderation:comparability", _session(REVEALED)), VIEWERS)
    ],
    "moderation:close": [
        RouteCase(_u("moderation:close", _session(REVEALED)), ORGANIZERS, ok=302, method="post")
    ],
}
