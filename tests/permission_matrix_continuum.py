"""Route cases of the continuum standings (merged by permission_matrix)."""

from __future__ import annotations

from tests.permission_matrix import STUDENT_VIEWERS, Foreign, RouteCase, _u, ana, lake_kid

cedar_kid = lambda w: w.cedar_kid.pk  # noqa: E731

ROUTE_CASES = {
    "api:student_standings": [
        RouteCase(_u("api:student_standings", ana), STUDENT_VIEWERS["ana"], anonymous=401),
        # Another school of the district, and another district: nobody at Maple reaches them.
        RouteCase(
            _u("api:student_standings", cedar_kid),
            STUDENT_VIEWERS["cedar_kid"],
            anonymous=401,
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(
            _u("api:student_standings", lake_kid), set(), anonymous=401, foreign=Foreign.DISTRICT
        ),
    ],
}
