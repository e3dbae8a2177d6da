"""The permission policy: who may see or change which student, section or organization.

This is the only place that decides. It is declared once, as data (``POLICY``): for each
kind of object and each act, which role reaches it through which *scope* (a relation
between the person and the object). From that one declaration come both the yes/no
check (``can``) and the queryset filter (``visible``), so a list page and a detail page
can never disagree. Later features add rows to ``POLICY`` and ``SCOPES``; the
permission-matrix test walks every row and every route.

Time matters for those who serve students: a teacher reaches the students of the
sections they teach *now* (both the teaching assignment and the enrolment are current),
an advisor their *current* caseload, a leader their *current* memberships' subtree.
Students and guardians keep seeing their own history, past classes included.

Fetch one student's record only through ``access_student``: it checks the policy and
writes the audit entry for a read by anyone but the student.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from proficio.accounts.roles import Role
from proficio.audit.log import record_read
from proficio.audit.models import AuditEntry
from proficio.credentials.models import IssuedCredential
from proficio.frameworks.models import Framework, PublicationStatus
from proficio.learners.models import ReassessmentRequest
from proficio.mastery.models import MasteryPolicy
from proficio.moderation.models import ModerationSession
from proficio.orgs.models import (
    Organization,
    RoleMembership,
    Section,
    Student,
    StudentDemographics,
    active_on,
)
from proficio.pace.models import PaceTarget, SupportPlan


class Subject(StrEnum):
    STUDENT = "student"  # one student's record (profile, enrollments, and later their learning)
    DEMOGRAPHICS = "demographics"  # the restricted demographic record
    SECTION = "section"
    ORGANIZATION = "organization"
    AUDIT_LOG = "audit_log"
    AGGREGATE = "aggregate"  # suppressed aggregates about an organization's students
    FRAMEWORK = "framework"  # competency frameworks, their items, continuum and rubrics
    POLICY = "policy"  # mastery policies
    MODERATION = "moderation"  # moderation sessions and comparability studies
    OWN_LEARNING = "own_learning"  # goals, reflections, uploads and requests a student writes
    REASSESSMENT = "reassessment"  # a student's request to be reassessed on a target
    FAMILY_REPORT = "family_report"  # the plain-language progress report for a family
    CLASSROOM = "classroom"  # a section's class grid, whole-class scoring and groups
    PACE_TARGET = "pace_target"  # a district's time-bound pace targets
    SUPPORT_PLAN = "support_plan"  # support plans and the support list for a student
    CREDENTIAL = "credential"  # verifiable credentials issued to a student
    CREDENTIAL_SETTINGS = "credential_settings"  # an organization's issuing keys and choices


class Act(StrEnum):
    VIEW = "view"
    CHANGE = "change"


class Scope(StrEnum):
    SELF = "self"  # the student themself
    OWN_CHILDREN = "own_children"  # a guardian's linked students
    OWN_SECTIONS = "own_sections"  # a teacher's current sections and their students
    CASELOAD = "caseload"  # an advisor's current caseload
    SUBTREE = "subtree"  # the membership's organization and everything beneath it
    PUBLISHED = "published"  # anything published, for anyone who holds the role
    WITHIN = "within"  # owned by the membership's organization or one above it
    RATER = "rater"  # sits on the moderation panel
    EVERYWHERE = "everywhere"


S, R = Scope, Role

# (object kind, act) -> {role: scope or scopes}. A role absent from a row is denied.
POLICY: dict[tuple[Subject, Act], dict[Role, Scope | tuple[Scope, ...]]] = {
    (Subject.STUDENT, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.TEACHER: S.OWN_SECTIONS,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
    },
    (Subject.STUDENT, Act.CHANGE): {
        R.TEACHER: S.OWN_SECTIONS,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.DEMOGRAPHICS, Act.VIEW): {
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
    },
    (Subject.DEMOGRAPHICS, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.SECTION, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.TEACHER: S.OWN_SECTIONS,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
    },
    (Subject.SECTION, Act.CHANGE): {
        R.TEACHER: S.OWN_SECTIONS,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.ORGANIZATION, Act.VIEW): {
        R.TEACHER: S.SUBTREE,
        R.ADVISOR: S.SUBTREE,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
        R.STATE_ANALYST: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.ORGANIZATION, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.AUDIT_LOG, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.FRAMEWORK, Act.VIEW): {
        **{role: S.PUBLISHED for role in Role},
        R.DISTRICT_ADMIN: (S.PUBLISHED, S.SUBTREE),  # and their own drafts
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.FRAMEWORK, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.POLICY, Act.VIEW): {
        R.TEACHER: S.WITHIN,
        R.ADVISOR: S.WITHIN,
        R.SCHOOL_LEADER: S.WITHIN,
        R.DISTRICT_ADMIN: S.WITHIN,
        R.DISTRICT_DATA_LEAD: S.WITHIN,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.POLICY, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # Raters see the sessions they sit on; organizers the sessions of their organization.
    # Organizers see the panel's aggregates only; each rater's feedback is theirs alone.
    (Subject.MODERATION, Act.VIEW): {
        R.TEACHER: S.RATER,
        R.ADVISOR: S.RATER,
        R.SCHOOL_LEADER: (S.RATER, S.SUBTREE),
        R.DISTRICT_ADMIN: (S.RATER, S.SUBTREE),
        R.DISTRICT_DATA_LEAD: (S.RATER, S.SUBTREE),
        R.STATE_ANALYST: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.MODERATION, Act.CHANGE): {
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.STATE_ANALYST: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # The class grid and groups show every student's levels at once: the class's own
    # teachers and the school's leaders. Scoring writes evidence: the class's teachers.
    (Subject.CLASSROOM, Act.VIEW): {
        R.TEACHER: S.OWN_SECTIONS,
        R.SCHOOL_LEADER: S.SUBTREE,
    },
    (Subject.CLASSROOM, Act.CHANGE): {
        R.TEACHER: S.OWN_SECTIONS,
    },
    (Subject.PACE_TARGET, Act.VIEW): {
        R.TEACHER: S.WITHIN,
        R.ADVISOR: S.WITHIN,
        R.SCHOOL_LEADER: S.WITHIN,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
    },
    (Subject.PACE_TARGET, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.SUPPORT_PLAN, Act.VIEW): {
        R.TEACHER: S.OWN_SECTIONS,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.SUPPORT_PLAN, Act.CHANGE): {
        R.TEACHER: S.OWN_SECTIONS,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.AGGREGATE, Act.VIEW): {
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
        R.STATE_ANALYST: S.SUBTREE,
    },
    # Student agency: only the student writes their own goals, uploads and requests.
    (Subject.OWN_LEARNING, Act.CHANGE): {R.STUDENT: S.SELF},
    (Subject.REASSESSMENT, Act.VIEW): {R.STUDENT: S.SELF, R.TEACHER: S.OWN_SECTIONS},
    (Subject.REASSESSMENT, Act.CHANGE): {R.TEACHER: S.OWN_SECTIONS},
    (Subject.FAMILY_REPORT, Act.VIEW): {R.GUARDIAN: S.OWN_CHILDREN},
    # Credentials belong to the learner; leaders who answer for the record issue,
    # revoke and correct them.
    (Subject.CREDENTIAL, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.CREDENTIAL, Act.CHANGE): {
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.CREDENTIAL_SETTINGS, Act.VIEW): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.CREDENTIAL_SETTINGS, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
}


class Who:
    """What the policy needs to know about a person, computed once per request."""

    def __init__(self, user: Any, today: dt.date) -> None:
        self.user = user
        self.today = today
        memberships = (
            list(
                RoleMembership.objects.filter(active_on(today), user=user).select_related(
                    "organization"
                )
            )
            if user.is_authenticated
            else []
        )
        self.orgs_by_role: dict[Role, list[Organization]] = {}
        for m in memberships:
            self.orgs_by_role.setdefault(Role(m.role), []).append(m.organization)
        self.roles: list[Role] = []
        if user.is_authenticated:
            self.student: Student | None = Student.objects.filter(user=user).first()
            if self.student is not None:
                self.roles.append(Role.STUDENT)
            if user.guardian_links.exists():
                self.roles.append(Role.GUARDIAN)
        else:
            self.student = None
        self.roles += [r for r in Role if r in self.orgs_by_role]

    def within(self, role: Role, field: str) -> Q:
        """Objects owned by the role's organizations or any organization above them."""
        paths = set()
        for org in self.orgs_by_role.get(role, []):
            parts = org.path.strip("/").split("/")
            paths |= {"/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))}
        return Q(**{f"{field}__in": sorted(paths)})

    def subtree(self, role: Role, field: str) -> Q:
        q = Q(pk__in=[])
        for org in self.orgs_by_role.get(role, []):
            q |= Q(**{f"{field}__startswith": org.path})
        return q


def who(user: Any) -> Who:
    """The policy's view of ``user``; cached on the user object for the request."""
    cached = getattr(user, "_proficio_who", None)
    if cached is None:
        cached = Who(user, timezone.localdate())
        if user.is_authenticated:
            user._proficio_who = cached
    return cached


ScopeFilter = Callable[[Who, Role], Q]


def _via_student(prefix: str) -> dict[Scope, ScopeFilter]:
    """Scopes for objects reached through a student (``prefix`` leads to the Student)."""
    return {
        S.SELF: lambda w, r: Q(**{f"{prefix}user": w.user}),
        S.OWN_CHILDREN: lambda w, r: Q(**{f"{prefix}guardian_links__guardian": w.user}),
        S.OWN_SECTIONS: lambda w, r: (
            Q(**{f"{prefix}enrollments__section__staff__user": w.user})
            & active_on(w.today, f"{prefix}enrollments__")
            & active_on(w.today, f"{prefix}enrollments__section__staff__")
        ),
        S.CASELOAD: lambda w, r: (
            Q(**{f"{prefix}advisors__advisor": w.user}) & active_on(w.today, f"{prefix}advisors__")
        ),
        S.SUBTREE: lambda w, r: w.subtree(r, f"{prefix}school__path"),
        S.EVERYWHERE: lambda w, r: Q(),
    }


def _student_ids(w: Who, scope: Scope) -> Q:
    """Audit entries carry a student id; reuse the student scopes to pick the ids."""
    q = _via_student("")[scope](w, Role.STUDENT)
    return Q(student_id__in=Student.objects.filter(q).values("pk"))


# How each scope reads for each kind of object: the model and a filter builder per scope.
SCOPES: dict[Subject, tuple[type[Model], dict[Scope, ScopeFilter]]] = {
    Subject.STUDENT: (Student, _via_student("")),
    Subject.DEMOGRAPHICS: (StudentDemographics, _via_student("student__")),
    Subject.SECTION: (
        Section,
        {
            S.SELF: lambda w, r: Q(enrollments__student__user=w.user),
            S.OWN_CHILDREN: lambda w, r: Q(enrollments__student__guardian_links__guardian=w.user),
            S.OWN_SECTIONS: lambda w, r: Q(staff__user=w.user) & active_on(w.today, "staff__"),
            S.CASELOAD: lambda w, r: (
                Q(enrollments__student__advisors__advisor=w.user)
                & active_on(w.today, "enrollments__student__advisors__")
            ),
            S.SUBTREE: lambda w, r: w.subtree(r, "school__path"),
        },
    ),
    Subject.CLASSROOM: (
        Section,
        {
            S.OWN_SECTIONS: lambda w, r: Q(staff__user=w.user) & active_on(w.today, "staff__"),
            S.SUBTREE: lambda w, r: w.subtree(r, "school__path"),
        },
    ),
    Subject.ORGANIZATION: (
        Organization,
        {
            S.SUBTREE: lambda w, r: w.subtree(r, "path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.AUDIT_LOG: (
        AuditEntry,
        {
            S.SELF: lambda w, r: _student_ids(w, S.SELF) & ~Q(actor=w.user),
            S.OWN_CHILDREN: lambda w, r: _student_ids(w, S.OWN_CHILDREN),
            S.SUBTREE: lambda w, r: w.subtree(r, "org_path") & ~Q(org_path=""),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.AGGREGATE: (
        Organization,
        {S.SUBTREE: lambda w, r: w.subtree(r, "path")},
    ),
    Subject.PACE_TARGET: (
        PaceTarget,
        {
            S.WITHIN: lambda w, r: w.within(r, "district__path"),
            S.SUBTREE: lambda w, r: w.subtree(r, "district__path"),
        },
    ),
    Subject.SUPPORT_PLAN: (SupportPlan, _via_student("student__")),
    Subject.POLICY: (
        MasteryPolicy,
        {
            S.WITHIN: lambda w, r: w.within(r, "owner__path"),
            S.SUBTREE: lambda w, r: w.subtree(r, "owner__path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.MODERATION: (
        ModerationSession,
        {
            S.RATER: lambda w, r: Q(raters__user=w.user),
            S.SUBTREE: lambda w, r: w.subtree(r, "owner__path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.OWN_LEARNING: (Student, _via_student("")),
    Subject.REASSESSMENT: (ReassessmentRequest, _via_student("student__")),
    Subject.FAMILY_REPORT: (Student, _via_student("")),
    Subject.CREDENTIAL: (IssuedCredential, _via_student("student__")),
    Subject.CREDENTIAL_SETTINGS: (
        Organization,
        {
            S.SUBTREE: lambda w, r: w.subtree(r, "path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.FRAMEWORK: (
        Framework,
        {
            S.PUBLISHED: lambda w, r: Q(status=PublicationStatus.PUBLISHED),
            # Frameworks owned by the organization the role is held in (or beneath it).
            S.SUBTREE: lambda w, r: w.subtree(r, "owner__path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
}


def rules_for(subject: Subject, act: Act) -> dict[Role, tuple[Scope, ...]]:
    """The row of ``POLICY``, with every role's scopes as a tuple."""
    return {
        role: scopes if isinstance(scopes, tuple) else (scopes,)
        for role, scopes in POLICY.get((subject, act), {}).items()
    }


def may(user: Any, act: Act, subject: Subject) -> bool:
    """Whether ``user`` holds any role that reaches some object of this kind."""
    rules = rules_for(subject, act)
    return any(role in rules for role in who(user).roles)


def scope_filter(user: Any, act: Act, subject: Subject) -> Q | None:
    """The filter selecting what ``user`` may reach, or None when nothing."""
    w = who(user)
    _, builders = SCOPES[subject]
    q: Q | None = None
    for role, scopes in rules_for(subject, act).items():
        if role in w.roles:
            for scope in scopes:
                part = builders[scope](w, role)
                q = part if q is None else q | part
    return q


def visible(
    user: Any, subject: Subject, act: Act = Act.VIEW, qs: QuerySet[Any] | None = None
) -> QuerySet[Any]:
    """The queryset of objects of this kind that ``user`` may see (or change)."""
    model, _ = SCOPES[subject]
    base = qs if qs is not None else model._default_manager.all()
    q = scope_filter(user, act, subject)
    if q is None:
        return base.none()
    # A subquery keeps joins from duplicating rows and composes with any further filter.
    return base.filter(pk__in=model._default_manager.filter(q).values("pk"))


def students_reached(user: Any, act: Act, subject: Subject) -> QuerySet[Student]:
    """The students for whom ``user`` may act on ``subject`` (a kind read through a
    student, such as support plans): the same row of ``POLICY``, asked of students."""
    w = who(user)
    builders = _via_student("")
    q: Q | None = None
    for role, scopes in rules_for(subject, act).items():
        if role in w.roles:
            for scope in scopes:
                part = builders[scope](w, role)
                q = part if q is None else q | part
    if q is None:
        return Student.objects.none()
    return Student.objects.filter(pk__in=Student.objects.filter(q).values("pk"))


def can(user: Any, act: Act, subject: Subject, obj: Model) -> bool:
    model, _ = SCOPES[subject]
    return visible(user, subject, act, model._default_manager.filter(pk=obj.pk)).exists()


class _System:
    """The actor of work no person does (the daily job, a background task an operator
    started, the demo generator): the policy lets it act, and the audit names no person."""

    is_authenticated = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Any = _System()


def require(user: Any, act: Act, subject: Subject, obj: Model | None = None) -> None:
    """Raise PermissionDenied unless allowed (for ``obj``, or for the kind at all)."""
    if user is SYSTEM:
        return
    allowed = may(user, act, subject) if obj is None else can(user, act, subject, obj)
    if not allowed:
        raise PermissionDenied


def access_student(
    user: Any, student_id: Any, *, purpose: str = "", act: Act = Act.VIEW
) -> Student:
    """Fetch one student's record for ``user``, or 404; the read is audited if not their own."""
    try:
        pk = int(student_id)
    except (TypeError, ValueError):
        raise Http404("No such student") from None
    student: Student | None = (
        visible(user, Subject.STUDENT, act).select_related("school").filter(pk=pk).first()
    )
    if student is None:
        raise Http404("No such student")
    record_read(student, purpose=purpose)
    return student


def access_section(user: Any, section_id: Any, act: Act = Act.VIEW) -> Section:
    try:
        pk = int(section_id)
    except (TypeError, ValueError):
        raise Http404("No such section") from None
    section: Section | None = (
        visible(user, Subject.SECTION, act)
        .select_related("school", "course", "term")
        .filter(pk=pk)
        .first()
    )
    if section is None:
        raise Http404("No such section")
    return section


def access_session(user: Any, session_id: Any, act: Act = Act.VIEW) -> ModerationSession:
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        raise Http404("No such moderation session") from None
    session: ModerationSession | None = (
        visible(user, Subject.MODERATION, act)
        .select_related("owner", "rubric")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404("No such moderation session")
    return session


def access_framework(user: Any, framework_id: Any, act: Act = Act.VIEW) -> Framework:
    try:
        pk = int(framework_id)
    except (TypeError, ValueError):
        raise Http404("No such framework") from None
    framework: Framework | None = visible(user, Subject.FRAMEWORK, act).filter(pk=pk).first()
    if framework is None:
        raise Http404("No such framework")
    return framework


def access_organization(
    user: Any, org_id: Any, subject: Subject = Subject.ORGANIZATION
) -> Organization:
    try:
        pk = int(org_id)
    except (TypeError, ValueError):
        raise Http404("No such organization") from None
    org: Organization | None = visible(user, subject).filter(pk=pk).first()
    if org is None:
        raise Http404("No such organization")
    return org
