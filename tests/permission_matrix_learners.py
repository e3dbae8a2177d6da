"""Permission rows and route cases of the learners app (merged by permission_matrix)."""

from __future__ import annotations

from functools import cached_property

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase, _u, ana, ben, lake_kid
from tests.world import WorldView

R = Role


def _request_of(username_or_school: str):
    from proficio.learners.models import ReassessmentRequest

    qs = ReassessmentRequest.objects.order_by("pk")
    if username_or_school == "ana":
        return qs.filter(student__user__username="ana").first()
    return qs.filter(student__school__code=username_or_school).first()


# Named objects for the matrix: the world's two requests (tests/world_learners.py).
WorldView.ana_request = cached_property(lambda self: _request_of("ana"))  # type: ignore[attr-defined]
WorldView.ana_request.__set_name__(WorldView, "ana_request")  # type: ignore[attr-defined]
WorldView.cedar_request = cached_property(lambda self: _request_of("cedar-es"))  # type: ignore[attr-defined]
WorldView.cedar_request.__set_name__(WorldView, "cedar_request")  # type: ignore[attr-defined]

OBJECT_ROWS = {
    (Subject.OWN_LEARNING, Act.CHANGE): {"ana": {R.STUDENT}, "ben": set(), "lake_kid": set()},
    (Subject.REASSESSMENT, Act.VIEW): {
        "ana_request": {R.STUDENT, R.TEACHER},
        "cedar_request": set(),
    },
    (Subject.REASSESSMENT, Act.CHANGE): {"ana_request": {R.TEACHER}, "cedar_request": set()},
    (Subject.FAMILY_REPORT, Act.VIEW): {"ana": {R.GUARDIAN}, "ben": set(), "lake_kid": set()},
}

STUDENT = {R.STUDENT}
ana_request = lambda w: w.ana_request.pk  # noqa: E731
cedar_request = lambda w: w.cedar_request.pk  # noqa: E731

ROUTE_CASES = {
    # The student's own forms: only a student, for themself (invalid input answers 400).
    "learners:goal_add": [
        RouteCase(_u("learners:goal_add"), STUDENT, ok=400, denied=403, method="post")
    ],
    "learners:goal_done": [
        RouteCase(
            _u("learners:goal_done", lambda w: 999999), STUDENT, ok=404, denied=403, method="post"
        )
    ],
    "learners:reflection_add": [
        RouteCase(_u("learners:reflection_add"), STUDENT, ok=400, denied=403, method="post")
    ],
    "learners:outside_learning": [RouteCase(_u("learners:outside_learning"), STUDENT, denied=403)],
    "learners:request_reassessment": [
        RouteCase(_u("learners:request_reassessment"), STUDENT, denied=403)
    ],
    # The teacher's queue, and deciding on a request of one of their students.
    "learners:queue": [RouteCase(_u("learners:queue"), {R.TEACHER}, denied=403)],
    "learners:decide": [
        RouteCase(_u("learners:decide", ana_request), {R.TEACHER}, ok=302, method="post"),
        RouteCase(
            _u("learners:decide", cedar_request), set(), method="post", foreign=Foreign.SCHOOL
        ),
    ],
    # The family report: a guardian, for their own children only.
    "learners:family_report": [
        RouteCase(_u("learners:family_report", ana), {R.GUARDIAN}),
        RouteCase(_u("learners:family_report", ben), set()),
        RouteCase(_u("learners:family_report", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
    "learners:family_report_pdf": [
        RouteCase(_u("learners:family_report_pdf", ana), {R.GUARDIAN}),
        RouteCase(_u("learners:family_report_pdf", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
}
