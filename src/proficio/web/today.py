"""What needs each person today: the items at the top of every role's home page.

Each item is a count with a link to act on it, and each count comes from the one
definition of its concept in the app that owns it (the teacher's reassessment queue,
the support flags and check-ins of the pace app, the moderation assignments, the
published release of the insights app, ...). Nothing here decides what a concept
means; it only asks the owners, through the policy, and audits the names it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from proficio import policy
from proficio.audit.log import record_reads
from proficio.orgs.models import Organization, Student, active_on
from proficio.policy import Act, Subject

# How many names an item lists before "and N more".
NAMES_SHOWN = 5
# The counselor's caseload, a page at a time.
CASELOAD_PAGE = 25


@dataclass
class Need:
    """One "needs me today" item: what, how many, where to act, what to do when none."""

    key: str
    title: str
    count: int
    url: str
    act: str
    empty: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (label, link)
    note: str = ""

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.names))


def _audit(students: set[int], purpose: str) -> None:
    if students:
        record_reads(sorted(students), purpose=purpose)


# --- teacher ---------------------------------------------------------------------------


def teacher_sections(user: Any, today: dt.date) -> list[Any]:
    return list(
        policy.visible(user, Subject.SECTION)
        .filter(staff__user=user)
        .filter(active_on(today, "staff__"))
        .select_related("course", "term", "school")
        .annotate(
            student_count=Count(
                "enrollments", filter=active_on(today, "enrollments__"), distinct=True
            )
        )
        .order_by("term__start_date", "name")
    )


STANDING_ORDER = ("beyond", "on_track", "working_toward", "not_assessed")


def mastery_distribution(sections: list[Any], today: dt.date) -> None:
    """Each section's standings (per student and competency, from last night's pace
    check, the one standings definition): counts by status and bar widths in percent."""
    from proficio.mastery.continuum import STATUS_WORDS
    from proficio.pace.models import StudentPace

    ids = [s.pk for s in sections]
    counts: dict[tuple[int, str], int] = {}
    if ids:
        for row in (
            StudentPace.objects.filter(
                Q(competency__isnull=False, student__enrollments__section__in=ids)
                & active_on(today, "student__enrollments__")
            )
            .values("student__enrollments__section", "standing_status")
            .annotate(n=Count("pk"))
        ):
            key = (row["student__enrollments__section"], row["standing_status"])
            counts[key] = counts.get(key, 0) + row["n"]
    for s in sections:
        parts = [(status, counts.get((s.pk, status), 0)) for status in STANDING_ORDER]
        total = sum(n for _status, n in parts)
        s.standings_total = total
        good = sum(n for status, n in parts if status in ("beyond", "on_track"))
        s.on_track_width = round(100 * good / total) if total else 0
        s.standings = [
            {
                "status": status,
                "label": str(STATUS_WORDS[status]),
                "n": n,
                "width": round(100 * n / total) if total else 0,
            }
            for status, n in parts
        ]


def teacher(user: Any, today: dt.date) -> dict[str, Any]:
    from proficio.learners.actions import requests_to_decide, work_to_review
    from proficio.moderation.reports import samples_to_score
    from proficio.pace import queries

    sections = teacher_sections(user, today)
    mastery_distribution(sections, today)
    queue = reverse("learners:queue")
    requests = requests_to_decide(user).count()
    work = work_to_review(user).count()
    mine = Student.objects.filter(
        active_on(today, "enrollments__"), enrollments__section__in=[s.pk for s in sections]
    )
    flagged = list(
        queries.new_flags(queries.open_flags(user).filter(student__in=mine), today).order_by(
            "student__legal_family_name", "student__legal_given_name", "student_id", "reason"
        )
    )
    students: dict[int, Student] = {}
    for flag in flagged:
        students.setdefault(flag.student_id, flag.student)
    plans = list(queries.check_ins_due(user, today))
    samples = list(samples_to_score(user).order_by("rater__session_id", "sample__code"))
    shown = list(students.values())[:NAMES_SHOWN]
    plans_shown = plans[:NAMES_SHOWN]
    _audit({s.pk for s in shown} | {p.student_id for p in plans_shown}, "home: needs me today")
    first_sample = (
        reverse("moderation:score", args=[samples[0].rater.session_id, samples[0].sample_id])
        if samples
        else reverse("moderation:list")
    )
    needs = [
        Need(
            "requests",
            _("Reassessment requests waiting"),
            requests,
            queue + "#requests",
            _("Decide on requests"),
            _("No requests waiting. Students ask from their home page when they are ready."),
        ),
        Need(
            "review",
            _("Submitted work to review"),
            work,
            queue + "#uploads",
            _("Review submitted work"),
            _("Nothing to review. Work students send from outside school appears here."),
        ),
        Need(
            "flagged",
            _("Students newly off pace or stalled"),
            len(students),
            reverse("pace:supports"),
            _("Open the support list"),
            _(
                "No student in your classes fell off pace or stalled this week. "
                "The support list has every open flag."
            ),
            names=[(s.display_name, reverse("web:student_detail", args=[s.pk])) for s in shown],
        ),
        Need(
            "checkins",
            _("Support check-ins due"),
            len(plans),
            reverse("pace:supports"),
            _("Open the support list"),
            _("No check-in is due this week. Plans you own appear here a week before."),
            names=[
                (
                    f"{p.student.display_name}: {p.intervention[:40]} ({p.check_in_on:%Y-%m-%d})",
                    reverse("pace:plan", args=[p.pk]),
                )
                for p in plans_shown
            ],
        ),
        Need(
            "moderation",
            _("Moderation samples to score"),
            len(samples),
            first_sample,
            _("Score the next sample"),
            _("No sample is waiting for your score. Moderation sessions you join appear here."),
        ),
    ]
    return {"needs": needs, "sections": sections}


# --- student ---------------------------------------------------------------------------


def student(
    me: Student,
    today: dt.date,
    *,
    suggested: int,
    requests: list[Any],
    returned: list[Any],
    goals: list[Any],
) -> dict[str, Any]:
    """The student's items, from what their home has already read (one read each): all
    their reassessment requests the policy shows them, their work returned with feedback,
    and their goals marked due by ``learners.actions.goals_marked_due`` (the rule of
    ``goals_due``)."""
    from proficio.learners.models import OPEN_STATUSES, RequestStatus

    statuses: dict[str, int] = {}
    for r in requests:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    open_n = sum(statuses.get(s, 0) for s in OPEN_STATUSES)
    due = sorted((g for g in goals if g.is_due), key=lambda g: (g.target_date, g.pk))
    note = ", ".join(
        f"{label}: {statuses[value]}" for value, label in RequestStatus.choices if value in statuses
    )
    home = reverse("web:role_home", args=["student"])
    return {
        "needs": [
            Need(
                "next",
                _("Next steps on my competencies"),
                suggested,
                home + "#next-targets",
                _("See what I could work on next"),
                _("No next step yet: your teachers add learning targets to your classes."),
            ),
            Need(
                "feedback",
                _("Feedback waiting for me"),
                len(returned),
                home + "#returned-work" if returned else home + "?show=evidence#my-evidence",
                _("Read the feedback"),
                _("No feedback is waiting. Returned work appears here with its feedback."),
            ),
            Need(
                "requests",
                _("My open reassessment requests"),
                open_n,
                home + "?show=requests#my-requests",
                _("See my requests"),
                _("No open request. Ask to be reassessed when you are ready."),
                note=note,
            ),
            Need(
                "goals",
                _("Goals due soon"),
                len(due),
                home + "?show=goals#my-goals",
                _("See my goals"),
                _("No goal is due in the next two weeks. Set one under Goals and reflections."),
                names=[
                    (f"{g.text} ({g.target_date:%Y-%m-%d})", home + "?show=goals#my-goals")
                    for g in due
                ],
            ),
        ]
    }


# --- guardian --------------------------------------------------------------------------


def guardian(user: Any, today: dt.date, since: dt.datetime | None) -> dict[str, Any]:
    """Per child: what changed since the guardian's previous visit (the family report's own
    definition of a change), the next report, a scheduled reassessment, and next steps to
    help with at home (targets whose prerequisites are met)."""
    from proficio.learners import reports
    from proficio.learners.actions import reporting_period
    from proficio.learners.models import RequestStatus

    children = list(
        policy.visible(user, Subject.STUDENT)
        .filter(guardian_links__guardian=user)
        .select_related("school")
        .order_by("legal_given_name", "pk")
    )
    out = []
    for child in children:
        rows, suggested = reports.competencies(child, since=since)
        changed = [t for r in rows for t in r.changed]
        term = reporting_period(child, today)
        scheduled = (
            policy.visible(user, Subject.REASSESSMENT)
            .filter(student=child, status=RequestStatus.SCHEDULED, scheduled_for__gte=today)
            .select_related("target")
            .order_by("scheduled_for", "pk")
            .first()
        )
        out.append(
            {
                "child": child,
                "changed": changed,
                "next_report": term.end_date if term else None,
                "scheduled": scheduled,
                "help": suggested[:3],
            }
        )
    _audit({c.pk for c in children}, "home: family")
    return {"children": out, "since": since}


# --- counselor -------------------------------------------------------------------------

CASELOAD_FILTERS = ("behind", "on", "ahead", "unknown", "flagged")
CASELOAD_SORTS = ("name", "-name", "pace", "flags", "grade", "school")
_PACE_RANK = {"behind": 0, "unknown": 1, "on": 2, "ahead": 3}


def caseload(user: Any, today: dt.date, params: Any) -> dict[str, Any]:
    """The advisor's caseload with each student's pace (last night's check), open support
    flags and, for a page at a time, graduation progress; filtered, sorted and paginated
    on the server by the GET parameters ``show``, ``sort`` and ``page``."""
    from proficio.pace.models import PaceStatusChoice, StudentPace, SupportFlag

    everyone = list(
        policy.visible(user, Subject.STUDENT)
        .filter(Q(advisors__advisor=user) & active_on(today, "advisors__"))
        .distinct()
        .select_related("school")
        .order_by("legal_family_name", "legal_given_name", "pk")
    )
    ids = [s.pk for s in everyone]
    pace = {
        p.student_id: p
        for p in StudentPace.objects.filter(student_id__in=ids, competency__isnull=True)
    }
    flags: dict[int, list[str]] = {}
    for flag in SupportFlag.objects.filter(student_id__in=ids, resolved_on__isnull=True).order_by(
        "detected_on", "pk"
    ):
        flags.setdefault(flag.student_id, []).append(str(flag.get_reason_display()))
    labels = dict(PaceStatusChoice.choices)
    for s in everyone:
        found = pace.get(s.pk)
        s.pace_status = found.status if found else "unknown"
        s.pace_label = labels[found.status] if found else _("Not checked yet")
        s.open_flags = flags.get(s.pk, [])
    show = params.get("show", "")
    show = show if show in CASELOAD_FILTERS else ""
    sort = params.get("sort", "name")
    sort = sort if sort in CASELOAD_SORTS else "name"
    chosen = [
        s
        for s in everyone
        if not show or (bool(s.open_flags) if show == "flagged" else s.pace_status == show)
    ]
    if sort == "-name":
        chosen.reverse()
    elif sort == "pace":
        chosen.sort(key=lambda s: _PACE_RANK.get(s.pace_status, 1))
    elif sort == "flags":
        chosen.sort(key=lambda s: -len(s.open_flags))
    elif sort == "grade":
        chosen.sort(key=lambda s: _grade_key(s.grade_level))
    elif sort == "school":
        chosen.sort(key=lambda s: s.school.name)
    page: Page[Any] = Paginator(chosen, CASELOAD_PAGE).get_page(params.get("page"))
    rows = list(page.object_list)
    _attach_graduation(user, rows, today)
    record_reads(rows, purpose="caseload")
    counts = {key: sum(1 for s in everyone if s.pace_status == key) for key in CASELOAD_FILTERS}
    counts["flagged"] = sum(1 for s in everyone if s.open_flags)
    home = reverse("web:role_home", args=["advisor"])
    needs = [
        Need(
            "behind",
            _("Students behind pace"),
            counts["behind"],
            home + "?show=behind",
            _("Show them"),
            _("No student on your caseload is behind pace."),
        ),
        Need(
            "flagged",
            _("Students with an open support flag"),
            counts["flagged"],
            home + "?show=flagged",
            _("Show them"),
            _("No open support flag on your caseload."),
        ),
    ]
    return {
        "needs": needs,
        "caseload": rows,
        "page": page,
        "caseload_total": len(everyone),
        "shown_total": len(chosen),
        "show": show,
        "sort": sort,
        "counts": counts,
        "page_query": "&".join(
            f"{k}={v}" for k, v in (("show", show), ("sort", sort if sort != "name" else "")) if v
        ),
    }


def _grade_key(grade: str) -> tuple[int, str]:
    return (int(grade), "") if grade.isdigit() else (-1, grade)


def _attach_graduation(user: Any, rows: list[Any], today: dt.date) -> None:
    """Graduation progress for the students of one page who have a graduation record and
    whose path the user may see (``graduation.actions.caseload_paths``, audited)."""
    from proficio.graduation.actions import caseload_paths
    from proficio.graduation.models import GraduationRecord

    for s in rows:
        s.graduation = None
    if not rows or not policy.may(user, Act.VIEW, Subject.GRADUATION):
        return
    reached = set(
        policy.students_reached(user, Act.VIEW, Subject.GRADUATION)
        .filter(pk__in=[s.pk for s in rows])
        .filter(pk__in=GraduationRecord.objects.values("student"))
        .values_list("pk", flat=True)
    )
    chosen = [s for s in rows if s.pk in reached]
    if not chosen:
        return
    for path in caseload_paths(user, chosen, today=today):
        setattr(path.student, "graduation", path)  # noqa: B010 - a page's annotation


# --- school leader and district administrator ------------------------------------------


def _current_term_start(district: Organization | None, today: dt.date) -> dt.date | None:
    from proficio.orgs.models import Term

    if district is None:
        return None
    term = (
        Term.objects.filter(year__district=district, start_date__lte=today, end_date__gte=today)
        .order_by("-start_date")
        .first()
    )
    return term.start_date if term else None


def _headline(org: Organization, today: dt.date) -> list[dict[str, Any]]:
    """The org's published totals now and at the last release before this term began."""
    from proficio.insights import data

    points = data.trends(org)
    if not points:
        return []
    now = points[-1]
    start = _current_term_start(data.district_of(org), today)
    before = [p for p in points if start is not None and p["day"] < start.isoformat()]
    then = before[-1] if before else None
    out = []
    for key, label, unit in (
        ("students", _("Students"), ""),
        ("behind_percent", _("Behind pace"), "%"),
        ("proficient_percent", _("Proficient"), "%"),
        ("growth", _("Growth (levels a year)"), ""),
    ):
        value = now.get(key)
        old = then.get(key) if then else None
        change = None if value is None or old is None else round(value - old, 1)
        out.append({"key": key, "label": label, "value": value, "unit": unit, "change": change})
    return out


def _where_to_act(org: Organization) -> list[dict[str, Any]]:
    """The published groups (schools, grades, subgroups) with the highest share behind
    pace, from the release's own rows: a withheld figure is never ranked or shown."""
    from proficio.insights import data

    by = data.tables(data.release_of(org), org)
    candidates: list[dict[str, Any]] = []
    for breakdown, rows in by.items():
        overall = rows[-1].behind_rate if rows else None
        for r in rows[:-1]:
            rate = r.behind_rate
            if rate is None or r.suppressed:
                continue
            candidates.append(
                {
                    "breakdown": breakdown,
                    "label": r.label,
                    "behind": rate,
                    "students": r.students,
                    "gap": None if overall is None else round(rate - overall, 1),
                }
            )
    candidates.sort(key=lambda c: (-(c["gap"] or 0), -c["behind"], c["label"]))
    return candidates[:5]


def leader(user: Any, today: dt.date, orgs: list[Organization]) -> dict[str, Any]:
    from proficio.pace import queries

    org = orgs[0] if orgs else None
    overdue = list(queries.overdue_check_ins(user, today))
    shown = overdue[:NAMES_SHOWN]
    _audit({p.student_id for p in shown}, "home: overdue check-ins")
    from proficio.insights import data

    headline = _headline(org, today) if org is not None else []
    act = _where_to_act(org) if org is not None else []
    published = org is not None and data.release_of(org) is not None
    insights = (
        reverse("insights:dashboard", args=[org.pk])
        if org is not None
        else reverse("insights:index")
    )
    needs = [
        Need(
            "act",
            _("Groups furthest behind pace"),
            len(act),
            insights,
            _("Open the dashboard"),
            _(
                "Every group's figure is withheld to protect small groups. The dashboard "
                "shows what is published."
            )
            if published
            else _(
                "No published group to rank yet. Figures appear once the district publishes "
                "a release."
            ),
        ),
        Need(
            "overdue",
            _("Support plans with an overdue check-in"),
            len(overdue),
            reverse("pace:supports"),
            _("Open the support list"),
            _("No check-in is overdue."),
            names=[
                (
                    f"{p.student.display_name}: {p.check_in_on:%Y-%m-%d}",
                    reverse("pace:plan", args=[p.pk]),
                )
                for p in shown
            ],
        ),
    ]
    return {"needs": needs, "headline": headline, "where_to_act": act, "insights_url": insights}


# --- state analyst ---------------------------------------------------------------------


def suppression_status(release: Any) -> dict[str, Any]:
    """How much of a district's published release is withheld: cells and rows."""
    if release is None:
        return {"published": False, "cells": 0, "rows": 0, "total_rows": 0}
    withheld = [len(r.get("withheld", [])) for r in release.rows]
    return {
        "published": True,
        "cells": sum(withheld),
        "rows": sum(1 for n in withheld if n),
        "total_rows": len(withheld),
    }
