"""A realistic evidence history for the demo district.

Each student has a place on the continuum for each competency: the level usual for
their age, shifted by who they are (a jagged profile, different in each competency),
and a pace: most move about a level a year, some faster, and about one in seven is off
pace. Over the school year so far they show learning on the targets around their
place, with scores that rise as they practise. Habits-of-success observations and a
few extended learning opportunities outside school come too. Ana is on pace; Ben is a
little behind in mathematics, so the off-pace and support views have someone to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.utils import timezone

from proficio.evidence import actions as evidence
from proficio.frameworks.models import Category, Framework, Item, ItemKind, PerformanceLevel
from proficio.mastery import actions as mastery
from proficio.mastery.models import Method, ScopeKind
from proficio.orgs.models import Organization, Student
from proficio.policy import SYSTEM

from .generate import GRADES

KINDS = [
    ("performance_task", 40),
    ("observation", 18),
    ("project", 15),
    ("quiz", 10),
    ("conference", 10),
    ("self_assessment", 7),
]
PARTNERS = [
    ("Riverbend Public Library", "Ms. Ortega, youth services"),
    ("Riverbend General Hospital", "Dr. Shah, volunteer office"),
    ("Columbia Makerspace", "Mr. Dunn, mentor"),
    ("City Council youth board", "Ms. Price, clerk"),
]
TASKS = [
    "Exit ticket",
    "Performance task",
    "Project check-in",
    "Class discussion",
    "Problem set",
    "Draft review",
]


def seed_history(
    district: Organization, students: list[Student], *, seed: int, today: dt.date
) -> int:
    framework = Framework.objects.filter(
        owner=district, title__startswith="Riverbend Unified"
    ).first()
    if framework is None:
        return 0
    from proficio.mastery.models import MasteryPolicy

    MasteryPolicy.objects.filter(
        scope=ScopeKind.DISTRICT, organization=district
    ).exists() or mastery.create_policy(
        SYSTEM,
        name="Riverbend default",
        scope=ScopeKind.DISTRICT,
        owner=district,
        organization=district,
        params={"method": Method.DECAYING_AVERAGE, "rate": 0.65, "min_evidence": 2},
    )
    rng = random.Random(seed * 7919 + 17)
    levels = {lv.pk: lv.position for lv in framework.levels.all()}
    by_competency: dict[int, list[Item]] = defaultdict(list)
    category: dict[int, str] = {}
    codes: dict[int, str] = {}
    # The district framework and the science framework (same eight-level continuum).
    frameworks = [
        framework,
        *Framework.objects.filter(owner=district, title__startswith="Science framework"),
    ]
    positions = {
        lv.pk: lv.position for lv in PerformanceLevel.objects.filter(framework__in=frameworks)
    }
    levels.update(positions)
    from proficio.frameworks.models import Association

    for link in Association.objects.filter(
        framework__in=frameworks, association_type="isChildOf", origin_item__kind=ItemKind.TARGET
    ).select_related("origin_item", "destination_item"):
        parent, child = link.destination_item, link.origin_item
        if parent is not None and child is not None:
            by_competency[parent.pk].append(child)
            category[parent.pk] = parent.category
            codes[parent.pk] = parent.human_coding_scheme or ""
    start = dt.datetime.combine(
        _school_start(today), dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    # "Now" is the end of the given day, so the same seed and day give the same history.
    now = min(timezone.now(), dt.datetime.combine(today, dt.time(15), tzinfo=start.tzinfo))
    span_days = max(7, (now - start).days)
    rows: list[dict[str, Any]] = []
    for student in students:
        grade = GRADES.index(student.grade_level)
        usual = 1 + grade * 7 / 12  # K → level 1, grade 12 → level 8
        pace = rng.lognormvariate(0, 0.25)
        off_pace = rng.random() < 0.14
        name = student.user.username if student.user else ""
        if name == "ana":
            pace, off_pace = 1.1, False
        elif name == "ben":
            pace, off_pace = 0.7, True
        shift = rng.gauss(0, 0.6) - (1.2 if off_pace else 0)
        # The walkthrough's two grade-7 students keep their places whatever else is drawn:
        # Ana a little ahead, Ben behind in mathematics.
        if name == "ana":
            shift = max(shift, 0.3)
        elif name == "ben":
            shift = min(shift, -1.5)
        for competency_id, targets in by_competency.items():
            place = usual + shift + rng.gauss(0, 0.5)
            if name == "ana" and codes.get(competency_id) == "MATH.1":
                place = 6.9  # Ana has shown Level 6 on MATH.1 (the demo's walkthrough)
            is_academic = category[competency_id] == Category.ACADEMIC
            near = [
                t
                for t in targets
                if t.level_id and place - 1.8 <= levels[t.level_id] <= place + 0.6
            ]
            if not is_academic:
                near = near[:1]  # habits: one observed target per competency
            for target in near:
                assert target.level_id is not None  # only levelled targets are near
                gap = place - levels[target.level_id]  # > 0: below the student's place
                pieces = rng.randint(2, 4) if is_academic else rng.randint(1, 2)
                for k in range(pieces):
                    progress = (k + 1) / pieces
                    when = start + dt.timedelta(
                        days=span_days * (k + rng.random()) / pieces, hours=rng.randint(0, 6)
                    )
                    if when > now:
                        when = now - dt.timedelta(hours=1)
                    raw = 2.2 + gap + progress * 0.8 * pace + rng.gauss(0, 0.45)
                    score = max(1, min(4, round(raw * 2) / 2))
                    kind = _weighted(rng, KINDS) if is_academic else "observation"
                    task = rng.choice(TASKS) if is_academic else "Habits observation"
                    rows.append(
                        {
                            "student_id": student.pk,
                            "kind": kind,
                            "title": f"{task}: {target.human_coding_scheme}",
                            "assessed_at": when,
                            "scores": [(target.pk, score)],
                        }
                    )
        if grade >= 9 and (rng.random() < 0.1 or name == "ana"):
            partner, verifier = rng.choice(PARTNERS)
            habit = next(
                (
                    t
                    for c, ts in by_competency.items()
                    if category[c] == Category.HABITS
                    for t in ts
                ),
                None,
            )
            if habit is not None:
                rows.append(
                    {
                        "student_id": student.pk,
                        "kind": "extended_learning",
                        "title": f"Volunteering at {partner}",
                        "assessed_at": start + dt.timedelta(days=rng.randint(0, span_days)),
                        "partner_organization": partner,
                        "verifier": verifier,
                        "scores": [(habit.pk, 3.0)],
                    }
                )
    evidence.bulk_record_evidence(SYSTEM, rows, org_path=district.path)
    mastery.rebuild_determinations([s.pk for s in students], reason="demo history")
    return len(rows)


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs], k=1)[0]


def _school_start(today: dt.date) -> dt.date:
    from .generate import school_year_for

    start, _ = school_year_for(today)
    return start


__all__ = ["seed_history"]
