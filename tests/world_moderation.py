"""Moderation sessions in the test world, one per stage, all owned by Riverbend.

* "Setup session": two raters (Ms. Rivera, the Maple principal), one anchor, not open.
* "Scoring session": three raters, every one on every sample; two have scored S-01.
* "Revealed session": three raters, scores revealed, consensus on S-01 (which has a file).
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.frameworks.models import Rubric
from proficio.moderation import actions
from proficio.moderation.models import ModerationSession
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM

TITLES = {
    "moderation_setup": "Setup session",
    "moderation_scoring": "Scoring session",
    "moderation_revealed": "Revealed session",
}


def third_rater() -> User:
    """A teacher at another school of the district (not one of the role users)."""
    return (
        User.objects.filter(memberships__role="teacher", memberships__organization__code="cedar-es")
        .order_by("username")
        .first()
    )


def _scores(session: ModerationSession, values: list[float]) -> dict[int, float]:
    return {c.pk: v for c, v in zip(actions.criteria_of(session.rubric), values, strict=False)}


def build() -> None:
    riverbend = Organization.objects.get(code="riverbend")
    admin = User.objects.get(username="district.admin")
    rivera = User.objects.get(username="rivera")
    principal = User.objects.get(username="principal")
    third = third_rater()
    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    with acting(admin, route="tests: world"):
        setup = actions.create_session(
            admin,
            title=TITLES["moderation_setup"],
            task="Fraction strips project",
            rubric=rubric,
            owner=riverbend,
            kind="comparability",
        )
        actions.add_rater(SYSTEM, setup, rivera)
        actions.add_rater(SYSTEM, setup, principal)
        actions.add_anchor_sample(SYSTEM, setup, description="A strip model of 3/4 + 1/8")

        for key in ("moderation_scoring", "moderation_revealed"):
            session = actions.create_session(
                admin, title=TITLES[key], task="Recipe scaling task", rubric=rubric, owner=riverbend
            )
            for user in (rivera, principal, third):
                actions.add_rater(SYSTEM, session, user)
            actions.add_anchor_sample(
                SYSTEM,
                session,
                upload=SimpleUploadedFile("work.txt", b"Scaling 3/4 cup by 2 gives 6/4 cups"),
                description="Recipe scaled for 8 people",
            )
            actions.add_anchor_sample(SYSTEM, session, description="Recipe scaled for 3 people")
            actions.open_scoring(SYSTEM, session)
            first, second = session.samples.order_by("code")
            actions.submit_scores(rivera, first, _scores(session, [3, 3, 2, 4]))
            actions.submit_scores(principal, first, _scores(session, [3, 2, 2, 3]))
            if key == "moderation_revealed":
                actions.submit_scores(third, first, _scores(session, [4, 3, 1, 4]))
                actions.submit_scores(rivera, second, _scores(session, [2, 2, 2, 2]))
                actions.submit_scores(third, second, _scores(session, [2, 3, 2, 2]))
                actions.reveal(SYSTEM, session)
                actions.record_consensus(
                    admin, first, _scores(session, [3, 3, 2, 4]), "Strips show equivalence"
                )


def lookup(name: str) -> ModerationSession | None:
    title = TITLES.get(name)
    return ModerationSession.objects.get(title=title) if title else None
