"""Demo moderation: two calibration sessions on argument writing, so the pages have data.

An autumn session (closed) and a spring session (scores revealed, consensus on most
samples) with the same four raters from three schools, so rater feedback can show drift.
"""

from __future__ import annotations

import random

from django.core.files.base import ContentFile

from proficio.accounts.models import User
from proficio.frameworks.models import Rubric
from proficio.moderation import actions
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM

PAPERS = [
    "Claim: school should start later. Cites one survey; no counter-argument.",
    "Claim about later start times, two sources compared, rebuts the bus-cost objection.",
    "Opinion stated twice; examples are personal stories; no organisation beyond a list.",
    "Clear claim, reasons in order of strength, acknowledges a trade-off but does not answer it.",
    "Claim hedged; evidence from one article summarised at length; conclusion restates claim.",
]


def seed_moderation(district: Organization, *, seed: int = 0) -> None:
    rubric = Rubric.objects.filter(
        title="Argument writing rubric", framework__owner=district
    ).first()
    if rubric is None:
        return
    organizer = User.objects.filter(username="district.admin").first() or SYSTEM
    raters: list[User] = []
    schools: set[int] = set()
    teachers = User.objects.filter(
        memberships__role="teacher", memberships__organization__path__startswith=district.path
    ).order_by("username")
    for user in [*teachers.filter(username="rivera"), *teachers.exclude(username="rivera")]:
        school = user.memberships.filter(role="teacher").values_list("organization", flat=True)[0]
        if school not in schools or len(raters) >= 3:
            raters.append(user)
            schools.add(school)
        if len(raters) == 4:
            break
    if len(raters) < 3:
        return
    rng = random.Random(seed)
    criteria = actions.criteria_of(rubric)
    for title, revealed_only in (
        ("Autumn argument-writing calibration", False),
        ("Spring argument-writing calibration", True),
    ):
        session = actions.create_session(
            organizer,
            title=title,
            task="Argument essay: should the school day start later?",
            rubric=rubric,
            owner=district,
        )
        for user in raters:
            actions.add_rater(organizer, session, user)
        truths = []
        for i, text in enumerate(PAPERS):
            upload = ContentFile(text.encode(), name=f"paper-{i + 1}.txt")
            upload.size = len(text.encode())
            actions.add_anchor_sample(organizer, session, upload=upload, description=text[:80])
            truths.append([rng.randint(1, 4) for _ in criteria])
        actions.open_scoring(organizer, session, seed=seed)
        samples = list(session.samples.order_by("code"))
        # Each rater has a lean (the last one scores a little high) and some noise.
        for r, user in enumerate(raters):
            lean = 0.6 if r == len(raters) - 1 else 0.0
            for s, sample in enumerate(samples):
                if revealed_only and r == 1 and s == len(samples) - 1:
                    continue  # one assignment left unscored, as happens
                scores = {
                    c.pk: float(min(4, max(1, round(truths[s][k] + lean + rng.gauss(0, 0.5)))))
                    for k, c in enumerate(criteria)
                }
                actions.submit_scores(user, sample, scores)
        actions.reveal(organizer, session)
        for s, sample in enumerate(samples[:4]):
            actions.record_consensus(
                organizer,
                sample,
                {c.pk: float(truths[s][k]) for k, c in enumerate(criteria)},
                "The panel read the claim and the use of evidence against the level descriptors.",
            )
        actions.choose_anchor(organizer, samples[0], criteria[0])
        if not revealed_only:
            actions.close_session(organizer, session)
