"""The competency transcript as data: what the page, the PDF, the JSON and the CLR say.
Reads only; the actions decide who may read it and audit the read.

Every standing comes from ``learners.reports.competencies`` (the one definition of where a
student stands and of "proficient"); the levels a credential certifies come from
``credentials.levels.levels_reached``. Derived credits or letters are computed from those
levels here and are always labelled as derived: the levels are the record."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proficio.credentials.levels import levels_reached
from proficio.evidence.models import EvidenceScore
from proficio.frameworks.models import Item, PerformanceLevel
from proficio.learners.reports import CompetencyRow, competencies, split_by_category
from proficio.mastery.models import Determination, Override
from proficio.orgs.models import Organization, Student
from proficio.transcripts.models import DerivedReport, TranscriptSettings

# A letter derived from where the standing sits against the district's expectation.
LETTERS = {"beyond": "A", "on_track": "B", "working_toward": "C"}


@dataclass
class EvidenceLink:
    """The pieces of evidence on one target, with the link that opens them (made here once
    rather than by a tag per link in the template's loop)."""

    target: Item
    pieces: int
    href: str  # the student's page of the target (``target_pages``)
    # "MATH.1.2: 3 pieces" (the target's id when it has no code), in the reader's language
    # (``evidence_labels``); the page escapes it.
    label: str


def evidence_labels() -> Callable[[Item, int], str]:
    """The label of a target's evidence link in the language active now, the words for
    each number of pieces looked up once (a transcript's links share a few numbers)."""
    words: dict[int, tuple[str, str]] = {}

    def label(target: Item, pieces: int) -> str:
        found = words.get(pieces)
        if found is None:
            found = words[pieces] = (
                ngettext("%(code)s: %(n)s piece", "%(code)s: %(n)s pieces", pieces),
                formats.localize(pieces),
            )
        said, n = found
        code = target.human_coding_scheme or target.pk
        return said % {"code": formats.localize(code), "n": n}

    return label


@dataclass
class Line:
    """One competency: the level reached and when, with the evidence behind it."""

    competency: Item
    framework: str
    level: PerformanceLevel | None
    reached_on: dt.date | None
    proficient: bool | None
    standing: str
    met: int
    of: int
    levels_reached: int
    derived: str = ""
    evidence: list[EvidenceLink] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.competency.human_coding_scheme or ""

    @property
    def title(self) -> str:
        return self.competency.abbreviated_statement or self.competency.full_statement


@dataclass
class ProfileRow:
    """One area of the profile of a graduate: how many of its competencies stand proficient."""

    area: str
    habits: bool
    proficient: int
    of: int
    levels: int


@dataclass
class Transcript:
    student: Student
    school: Organization
    district: Organization
    made_at: dt.datetime
    academic: list[Line]
    habits: list[Line]
    profile: list[ProfileRow]
    derived: str  # a DerivedReport value
    derived_total: str = ""

    @property
    def derived_label(self) -> str:
        return str(DerivedReport(self.derived).label) if self.derived != "none" else ""


# A target id no real target has, reversed in its place and then swapped for each real one.
_STAND_IN = 987654321987


def target_pages(student: Student) -> Callable[[int], str]:
    """target id → the address of the student's page of that target
    (``mastery:student_target``), from one reversal of the route rather than one per link."""
    stand_in = reverse("mastery:student_target", args=[student.pk, _STAND_IN])
    head, found, tail = stand_in.rpartition(f"/{_STAND_IN}/")
    if not found:  # the route no longer ends in the target's id: reverse each one
        return lambda target_id: reverse("mastery:student_target", args=[student.pk, target_id])
    return lambda target_id: f"{head}/{target_id}/{tail}"


def district_of(org: Organization) -> Organization:
    from proficio.credentials.actions import district_of as issuing_district

    return issuing_district(org)


def settings_for(district: Organization) -> TranscriptSettings:
    found = TranscriptSettings.objects.filter(district=district).first()
    return found or TranscriptSettings(district=district)


def _reached_dates(student: Student) -> dict[int, dt.datetime]:
    """target id → when its standing was last shown (an override: when it was made)."""
    dates: dict[int, dt.datetime] = {
        t: at
        for t, at in Determination.objects.filter(
            student=student, status__in=("proficient", "advanced")
        ).values_list("target_id", "last_assessed_at")
        if at is not None
    }
    for t, at in Override.objects.filter(student=student, withdrawn_at__isnull=True).values_list(
        "target_id", "at"
    ):
        dates[t] = at
    return dates


def _reached_on(row: CompetencyRow, dates: dict[int, dt.datetime]) -> dt.date | None:
    """When the level shown was reached: the latest of its met targets' dates (for a level
    inferred from a higher one, the latest of the competency's met targets)."""
    if row.shown is None or row.level_now is None:
        return None
    met = row.shown.standing.met
    at_level = [
        dates[t.target.pk]
        for t in row.targets
        if t.target.pk in met and t.target.level_id == row.level_now.pk and t.target.pk in dates
    ]
    found = at_level or [dates[t.target.pk] for t in row.targets if t.target.pk in dates]
    return timezone.localdate(max(found)) if found else None


def build(student: Student) -> Transcript:
    school = student.school
    district = district_of(school)
    chosen = settings_for(district)
    rows, _next = competencies(student)
    reached = levels_reached(student, rows)
    levels_by_comp: dict[int, int] = defaultdict(int)
    for r in reached:
        levels_by_comp[r.competency.pk] += 1
    dates = _reached_dates(student)
    pieces = dict(
        EvidenceScore.objects.filter(student=student, counts=True)
        .values("target_id")
        .annotate(n=Count("id"))
        .values_list("target_id", "n")
    )
    academic_rows, habit_rows = split_by_category(rows)
    page_of = target_pages(student)
    label = evidence_labels()

    def line(row: CompetencyRow) -> Line:
        levels = levels_by_comp.get(row.competency.pk, 0)
        made = Line(
            competency=row.competency,
            framework=row.competency.framework.title,
            level=row.level_now,
            reached_on=_reached_on(row, dates),
            proficient=row.shown.proficient if row.shown else None,
            standing=row.shown.status_words if row.shown else "",
            met=row.met,
            of=row.of,
            levels_reached=levels,
            evidence=[
                EvidenceLink(
                    t.target,
                    pieces[t.target.pk],
                    page_of(t.target.pk),
                    label(t.target, pieces[t.target.pk]),
                )
                for t in row.targets
                if pieces.get(t.target.pk)
            ],
        )
        if chosen.derived == DerivedReport.CREDITS:
            made.derived = _("%(credits)s credits") % {
                "credits": _number(Decimal(levels) * Decimal(chosen.credits_per_level))
            }
        elif chosen.derived == DerivedReport.LETTERS:
            made.derived = LETTERS.get(row.status, "—")
        return made

    academic = [line(r) for r in academic_rows]
    habits = [line(r) for r in habit_rows]
    profile = _profile(academic, habits=False) + _profile(habits, habits=True)
    total = ""
    if chosen.derived == DerivedReport.CREDITS:
        credits = Decimal(len(reached)) * Decimal(chosen.credits_per_level)
        total = _("%(credits)s credits in all") % {"credits": _number(credits)}
    return Transcript(
        student=student,
        school=school,
        district=district,
        made_at=timezone.now(),
        academic=academic,
        habits=habits,
        profile=profile,
        derived=chosen.derived,
        derived_total=total,
    )


def _number(value: Decimal) -> str:
    """0.50 → "0.5", 2.00 → "2"."""
    return format(value.normalize(), "f") if value else "0"


def _profile(lines: list[Line], *, habits: bool) -> list[ProfileRow]:
    """The profile of a graduate, one row per framework (area), from the standings."""
    by_area: dict[str, list[Line]] = defaultdict(list)
    for ln in lines:
        by_area[ln.framework].append(ln)
    return [
        ProfileRow(
            area=area,
            habits=habits,
            proficient=sum(1 for ln in found if ln.proficient),
            of=len(found),
            levels=sum(ln.levels_reached for ln in found),
        )
        for area, found in sorted(by_area.items())
    ]


def as_json(t: Transcript) -> dict[str, Any]:
    """The transcript as a JSON document (no GPA, no rank; derived values marked)."""

    def line(ln: Line) -> dict[str, Any]:
        return {
            "competency": ln.title,
            "code": ln.code,
            "caseUri": ln.competency.uri,
            "framework": ln.framework,
            "level": ln.level.label if ln.level else None,
            "reachedOn": ln.reached_on.isoformat() if ln.reached_on else None,
            "proficient": ln.proficient,
            "standing": ln.standing,
            "targetsMet": ln.met,
            "targets": ln.of,
            "levelsReached": ln.levels_reached,
            "evidencePieces": sum(e.pieces for e in ln.evidence),
            **({"derived": {"value": ln.derived, "primary": False}} if ln.derived else {}),
        }

    return {
        "type": "ProficioCompetencyTranscript",
        "student": {
            "id": f"urn:uuid:{t.student.uuid}",
            "name": t.student.display_name,
            "localId": t.student.local_id,
            "gradeLevel": t.student.grade_level,
        },
        "school": t.school.name,
        "district": t.district.name,
        "madeAt": t.made_at.isoformat(),
        "competencies": [line(ln) for ln in t.academic],
        "habitsOfSuccess": [line(ln) for ln in t.habits],
        "profileOfAGraduate": [
            {
                "area": p.area,
                "habitsOfSuccess": p.habits,
                "proficient": p.proficient,
                "competencies": p.of,
                "levelsReached": p.levels,
            }
            for p in t.profile
        ],
        "derived": (
            {
                "kind": t.derived,
                "label": t.derived_label,
                "primary": False,
                "total": t.derived_total,
            }
            if t.derived != "none"
            else None
        ),
    }
