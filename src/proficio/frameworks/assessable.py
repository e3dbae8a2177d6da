"""Which learning targets a student may be assessed on: the one rule.

A student may be assessed on a learning target when the target is live (not archived),
is a learning target (not a domain or competency), is not an educator competency, and
belongs to a *published* framework that the student's school may use: one owned by the
school, its district or an organization above them (the state), or a shared framework
with no owner. A draft is never assessable, whoever owns it.

A class works on its course's scope (:func:`scope_targets`): the assessable targets
narrowed to the competencies its course names by CASE identifier, or every assessable
target when the course names none or a teacher widens the view deliberately. A student's
scope is the union of their current classes' scopes (:func:`student_scope_targets`).
Both build on the one rule; they never widen it.

The rule is one queryset (:func:`assessable_targets`). The yes/no question
(:func:`why_not_assessable`) is derived from it, so the evidence form, the JSON API, the
class grid, whole-class scoring, flexible groups and reassessment cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from proficio.frameworks import definitions
from proficio.frameworks.models import Category, Framework, Item, ItemKind, PublicationStatus
from proficio.orgs.models import Organization


def ancestor_paths(school: Organization) -> list[str]:
    """The paths of ``school`` and every organization above it (its district, its state)."""
    parts = school.path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def framework_owners(school: Organization) -> Q:
    """Frameworks a school may assess with, as a filter on ``Framework``."""
    return Q(owner__isnull=True) | Q(owner__path__in=ancestor_paths(school))


def assessable_targets(school: Organization) -> QuerySet[Item]:
    """The learning targets students of ``school`` may be assessed on."""
    return (
        Item.objects.filter(
            kind=ItemKind.TARGET,
            archived_at__isnull=True,
            framework__status=PublicationStatus.PUBLISHED,
            framework__in=_frameworks(school),
        )
        .exclude(category=Category.EDUCATOR)
        .select_related("framework")
        .order_by("human_coding_scheme", "pk")
    )


def _frameworks(school: Organization) -> QuerySet[Framework, Any]:
    return Framework.objects.filter(framework_owners(school)).values("pk")


def assessable_ids(school: Organization, target_ids: Iterable[int]) -> set[int]:
    """Which of ``target_ids`` students of ``school`` may be assessed on: the answer of
    :func:`assessable_targets`, kept in the definitions cache per (school, target), so a
    write asks at most one query for the targets it has not asked about before.

    The rule reads definitions (the target, its framework) and the paths of the school
    and the framework's owner, which never change once an organization is made."""
    ids = sorted({int(i) for i in target_ids})
    if not ids:
        return set()

    def load(keys: list[Any]) -> dict[Any, Any]:
        wanted = [k[2] for k in keys]
        fine = set(assessable_targets(school).filter(pk__in=wanted).values_list("pk", flat=True))
        return {k: k[2] in fine for k in keys}

    keys: list[Any] = [("assessable", school.path, i) for i in ids]
    answers = definitions.cached_each(keys, load)
    return {k[2] for k in keys if answers[k]}


def why_not_assessable(school: Organization, target: Item) -> str | None:
    """Why students of ``school`` cannot be assessed on ``target``, or None if they can.

    The answer comes from :func:`assessable_targets`; the reason is only worked out to
    explain a refusal.
    """
    if assessable_targets(school).filter(pk=target.pk).exists():
        return None
    if target.kind != ItemKind.TARGET:
        return _("%(target)s is a %(kind)s, not a learning target.") % {
            "target": target.human_coding_scheme or target.pk,
            "kind": target.get_kind_display().lower(),
        }
    if target.archived_at is not None:
        return _("%(target)s is archived.") % {"target": target.human_coding_scheme}
    if target.category == Category.EDUCATOR:
        return _("%(target)s belongs to the educator framework.") % {
            "target": target.human_coding_scheme
        }
    if target.framework.status != PublicationStatus.PUBLISHED:
        return _("%(target)s belongs to a framework that is not published.") % {
            "target": target.human_coding_scheme
        }
    return _("%(target)s belongs to a framework this school does not use.") % {
        "target": target.human_coding_scheme
    }


def _in_competencies(targets: QuerySet[Item], identifiers: Iterable[str]) -> QuerySet[Item]:
    """``targets`` whose competency (their ``isChildOf`` parent) has one of the CASE
    ``identifiers``."""
    from proficio.frameworks.models import Association, AssociationType

    children = Association.objects.filter(
        association_type=AssociationType.IS_CHILD_OF,
        destination_item__identifier__in=list(identifiers),
        origin_item__isnull=False,
    ).values("origin_item_id")
    return targets.filter(pk__in=children)


def scope_targets(section: Any, *, widen: bool = False) -> QuerySet[Item]:
    """The learning targets a class works on: the assessable targets of its school,
    narrowed to its course's competencies (``Course.competencies``, CASE identifiers).
    ``widen`` (a teacher's deliberate choice) or a course naming none gives every
    assessable target."""
    targets = assessable_targets(section.school)
    identifiers = section.course.competencies or []
    if widen or not identifiers:
        return targets
    return _in_competencies(targets, identifiers)


def student_scope_targets(student: Any, sections: Any, *, widen: bool = False) -> QuerySet[Item]:
    """A student's scope: the union of the scopes of ``sections`` (their current classes).
    With ``widen``, or when a class's course names no competencies, every assessable
    target of the student's school."""
    courses = (section.course.competencies for section in sections.select_related("course"))
    return courses_scope_targets(student.school, courses, widen=widen)


def courses_scope_targets(
    school: Organization, courses: Iterable[list[str] | None], *, widen: bool = False
) -> QuerySet[Item]:
    """The union of the scopes of courses taught at ``school``, each given by the CASE
    identifiers of its competencies (``Course.competencies``): a course naming none, or
    ``widen``, gives every assessable target of the school."""
    targets = assessable_targets(school)
    identifiers: set[str] = set()
    for competencies in courses:
        if not competencies:
            return targets
        identifiers |= set(competencies)
    if widen or not identifiers:
        return targets
    return _in_competencies(targets, identifiers)
