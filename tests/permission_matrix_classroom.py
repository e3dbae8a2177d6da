"""Permission rows for the classroom feature: the class grid, scoring and groups."""

from __future__ import annotations

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u

R = Role
VIEWERS = {R.TEACHER, R.SCHOOL_LEADER}
SCORERS = {R.TEACHER}

OBJECT_ROWS = {
    (Subject.CLASSROOM, Act.VIEW): {
        "rivera_section": VIEWERS,
        "cedar_section": set(),
        "lake_section": set(),
    },
    (Subject.CLASSROOM, Act.CHANGE): {
        "rivera_section": SCORERS,
        "cedar_section": set(),
        "lake_section": set(),
    },
}


def rivera_section(w):
    return w.rivera_section.pk


def lake_section(w):
    return w.lake_section.pk


def _task(title):
    def pk(w):
        from proficio.classroom.models import ScoringTask

        return ScoringTask.objects.get(title=title).pk

    return pk


def _groups(title):
    def pk(w):
        from proficio.classroom.models import GroupSet

        return GroupSet.objects.get(title=title).pk

    return pk


def _score_data(w_getter=None):
    return {"student": "0", "criterion": "0", "score": "", "version": "0"}


ROUTE_CASES = {
    "classroom:grid": [
        RouteCase(_u("classroom:grid", rivera_section), VIEWERS),
        RouteCase(_u("classroom:grid", lake_section), set(), foreign=Foreign.DISTRICT),
    ],
    "classroom:grid_csv": [
        RouteCase(_u("classroom:grid_csv", rivera_section), VIEWERS),
        RouteCase(_u("classroom:grid_csv", lake_section), set(), foreign=Foreign.DISTRICT),
    ],
    "classroom:tasks": [
        RouteCase(_u("classroom:tasks", rivera_section), VIEWERS),
        RouteCase(_u("classroom:tasks", lake_section), set(), foreign=Foreign.DISTRICT),
        # A leader may look but not start a task; a bad form answers 400, never a 500.
        RouteCase(
            _u("classroom:tasks", rivera_section),
            SCORERS,
            ok=400,
            method="post",
            data={"title": ""},
        ),
    ],
    "classroom:scoring": [
        RouteCase(_u("classroom:scoring", rivera_section, _task("World task")), VIEWERS),
        RouteCase(
            _u("classroom:scoring", lake_section, _task("Lake task")),
            set(),
            foreign=Foreign.DISTRICT,
        ),
    ],
    "classroom:score": [
        # Allowed, but the request names no student of the class: 404, nothing saved.
        RouteCase(
            _u("classroom:score", rivera_section, _task("World task")),
            SCORERS,
            ok=404,
            method="post",
            data=_score_data,
        ),
        RouteCase(
            _u("classroom:score", lake_section, _task("Lake task")),
            set(),
            method="post",
            data=_score_data,
            foreign=Foreign.DISTRICT,
        ),
    ],
    "classroom:task_student": [
        RouteCase(
            _u("classroom:task_student", rivera_section, _task("World task")),
            SCORERS,
            ok=404,
            method="post",
            data={"student": "x", "version": "0"},
        ),
        RouteCase(
            _u("classroom:task_student", lake_section, _task("Lake task")),
            set(),
            method="post",
            data={"student": "x", "version": "0"},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "classroom:groups": [
        RouteCase(_u("classroom:groups", rivera_section), VIEWERS),
        RouteCase(_u("classroom:groups", lake_section), set(), foreign=Foreign.DISTRICT),
    ],
    "classroom:group_set": [
        RouteCase(_u("classroom:group_set", rivera_section, _groups("World groups")), VIEWERS),
        RouteCase(
            _u("classroom:group_set", lake_section, _groups("Lake groups")),
            set(),
            foreign=Foreign.DISTRICT,
        ),
    ],
}
