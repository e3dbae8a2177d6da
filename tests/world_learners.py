"""The learners feature's additions to the test world: two requests to be reassessed, one
by Ana (in Ms. Rivera's class) and one by a Cedar Elementary student (not hers)."""

from __future__ import annotations

from proficio.audit.context import acting
from proficio.policy import SYSTEM


def build() -> None:
    from proficio.frameworks.models import Item
    from proficio.learners import actions
    from proficio.orgs.models import Student

    ana = Student.objects.get(user__username="ana")
    cedar_kid = Student.objects.filter(school__code="cedar-es").order_by("pk").first()
    assert cedar_kid is not None

    def target(code: str) -> Item:
        return Item.objects.get(
            human_coding_scheme=code, framework__title__startswith="Riverbend Unified"
        )

    with acting(ana.user, route="tests: world"):
        actions.request_reassessment(
            SYSTEM,
            student=ana,
            target=target("MATH.1.3"),
            note="I redid the practice set on division.",
        )
    with acting(None, route="tests: world"):
        actions.request_reassessment(
            SYSTEM,
            student=cedar_kid,
            target=target("MATH.1.1"),
            note="I practised counting to 120.",
        )
