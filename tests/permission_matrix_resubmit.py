"""Route cases of resubmitting returned work (merged by permission_matrix).

The student resubmits her own returned work; whoever may change her record may do it on
her behalf. Another school's and another district's evidence answer 404 to everyone but
those who may change those students' records (Riverbend's district administrator, for
Cedar Elementary)."""

from __future__ import annotations

from proficio.accounts.roles import Role
from tests.permission_matrix import Foreign, RouteCase, _u

R = Role
# Ana herself, and those who may change her record (tests/permission_matrix.py).
ANA_AND_CHANGERS = {R.STUDENT, R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}

returned = lambda w: w.ana_returned_work.pk  # noqa: E731
cedar = lambda w: w.cedar_evidence.pk  # noqa: E731
lake = lambda w: w.lake_evidence.pk  # noqa: E731

ROUTE_CASES = {
    "evidence:resubmit": [
        RouteCase(_u("evidence:resubmit", returned), ANA_AND_CHANGERS),
        # Nothing attached: the form answers 400 with its message, and nothing is kept.
        RouteCase(
            _u("evidence:resubmit", returned),
            ANA_AND_CHANGERS,
            ok=400,
            method="post",
            data={"note": "I added the working."},
            unchanged=("evidence.Artifact", "evidence.EvidenceReturn"),
        ),
        RouteCase(_u("evidence:resubmit", cedar), {R.DISTRICT_ADMIN}, foreign=Foreign.SCHOOL),
        RouteCase(
            _u("evidence:resubmit", cedar),
            {R.DISTRICT_ADMIN},
            ok=400,
            method="post",
            data={"url": "https://example.org/x"},
            foreign=Foreign.SCHOOL,
        ),
        RouteCase(_u("evidence:resubmit", lake), set(), foreign=Foreign.DISTRICT),
        RouteCase(
            _u("evidence:resubmit", lake),
            set(),
            method="post",
            data={"url": "https://example.org/x"},
            foreign=Foreign.DISTRICT,
        ),
    ],
}
