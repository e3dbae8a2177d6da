"""Route cases of the teachers' comments per competency (merged by permission_matrix).

Whoever may change a student's record writes the comments; another school's and another
district's students answer 404 (but to Riverbend's district administrator, for Cedar
Elementary). A reporting period of another district, named in the body, is refused as an
unknown choice and nothing is written."""

from __future__ import annotations

from proficio.accounts.roles import Role
from tests.permission_matrix import Foreign, RouteCase, _u, ana, lake_kid

R = Role
CHANGERS = {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
cedar_kid = lambda w: w.cedar_kid.pk  # noqa: E731


def _lake_term() -> dict[str, object]:
    from proficio.orgs.models import Term

    term = Term.objects.filter(year__district__code="lakeside").order_by("pk").first()
    assert term is not None
    return {"term": term.pk}


ROUTE_CASES = {
    "learners:comments": [
        RouteCase(_u("learners:comments", ana), CHANGERS),
        RouteCase(_u("learners:comments", cedar_kid), {R.DISTRICT_ADMIN}, foreign=Foreign.SCHOOL),
        RouteCase(_u("learners:comments", lake_kid), set(), foreign=Foreign.DISTRICT),
        RouteCase(
            _u("learners:comments", lake_kid),
            set(),
            method="post",
            data={"term": "1"},
            foreign=Foreign.DISTRICT,
        ),
        RouteCase(
            _u("learners:comments", ana),
            CHANGERS,
            ok=400,
            method="post",
            data=_lake_term,
            body_foreign=Foreign.DISTRICT,
            unchanged=("learners.CompetencyComment",),
        ),
    ],
}
