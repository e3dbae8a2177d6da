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
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, FilteredRelation, Model, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from proficio.accounts.models import MachineClient, User
from proficio.accounts.roles import MEMBERSHIP_ROLES, Role
from proficio.audit.log import record_read
from proficio.audit.models import AuditEntry
from proficio.credentials.models import IssuedCredential
from proficio.educators.models import (
    CatalogueStatus,
    FeedbackNote,
    GrowthPlan,
    MicroCredential,
    Pathway,
    PathwayEnrollment,
    ReviewAssignment,
    ReviewerQualification,
    Share,
    Submission,
)
from proficio.frameworks import definitions
from proficio.frameworks.models import Framework, ImportJob, PublicationStatus
from proficio.graduation.models import Diploma, RequirementSet
from proficio.learners.models import ReassessmentRequest
from proficio.mastery.models import MasteryPolicy
from proficio.moderation.models import Assignment, ModerationSession, SessionStatus, WorkSample
from proficio.notifications.models import Notification
from proficio.orgs.models import (
    GuardianLink,
    Organization,
    RoleMembership,
    Section,
    Student,
    StudentDemographics,
    active_on,
)
from proficio.pace.models import EducatorProfile, PaceTarget, SupportPlan
from proficio.roster.models import RosterImport
from proficio.state.models import Pilot, StatePlan

M = TypeVar("M", bound=Model)


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
    NOTIFICATION = "notification"  # a person's own notifications (whatever their roles)
    CLASSROOM = "classroom"  # a section's class grid, whole-class scoring and groups
    PACE_TARGET = "pace_target"  # a district's time-bound pace targets
    SUPPORT_PLAN = "support_plan"  # support plans and the support list for a student
    PERSON = "person"  # a person's account and dated role memberships
    MACHINE_CLIENT = "machine_client"  # a program registered for OAuth client credentials
    CREDENTIAL = "credential"  # verifiable credentials issued to a student
    CREDENTIAL_SETTINGS = "credential_settings"  # an organization's issuing keys and choices
    TRANSCRIPT = "transcript"  # a student's competency transcript, its share links and CLR
    TRANSCRIPT_SETTINGS = "transcript_settings"  # a district's transcript choices
    IMPORT_JOB = "import_job"  # a framework import: its file, progress and report
    ROSTER_IMPORT = "roster_import"  # a OneRoster import job of a district
    LRS = "lrs"  # a district's learning-tool intake: activity alignments, pull reports
    GRADEBOOK = "gradebook"  # a section's OneRoster gradebook export: named students' levels
    STATE_PLAN = "state_plan"  # a state's accountability plan, submissions, batch, identification
    PILOT = "pilot"  # a state's innovative-assessment pilot and its comparability report
    GRADUATION = "graduation"  # a student's path to graduation: progress, capstone, pathways
    DIPLOMA = "diploma"  # a student's diploma: awarded and rescinded by leaders
    GRADUATION_REQUIREMENTS = "graduation_requirements"  # a state's or district's requirements
    # Educators as learners (the educators app). Development is kept apart from evaluation.
    EDUCATOR_PROFILE = "educator_profile"  # roles, experience, licensure, credentials held
    OWN_PRACTICE = "own_practice"  # what only the educator writes: self-assessment, plans, work
    GROWTH_PLAN = "growth_plan"  # an educator's plan, and its approval by a building leader
    MICRO_CREDENTIAL = "micro_credential"  # the catalogue of micro-credentials
    PATHWAY = "pathway"  # bundles of micro-credentials with their outcomes
    PATHWAY_ENROLLMENT = "pathway_enrollment"  # an educator on a pathway; its pathway review
    SUBMISSION = "submission"  # an educator's submission toward a micro-credential
    REVIEW = "review"  # scoring a submission: only its assigned reviewer
    EDUCATOR_PROGRAM = "educator_program"  # an issuer's reviewer pool, calibration, payroll
    EDUCATOR_AGGREGATE = "educator_aggregate"  # suppressed professional-learning figures
    EDUCATOR_CREDENTIAL = "educator_credential"  # micro-credentials issued to an educator
    FEEDBACK_NOTE = "feedback_note"  # peer feedback and coaching notes
    COACHING = "coaching"  # leaving coaching notes for an educator who shares with you


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
    # A person all of whose current roles (and children, and own school) lie in the
    # membership's subtree: an administrator may change only accounts wholly theirs.
    WHOLLY_WITHIN = "wholly_within"
    OWNER = "owner"  # made it (an import job), or it is addressed to them (a notification)
    REVIEWER = "reviewer"  # the reviewer currently assigned to an educator's submission
    SHARED = "shared"  # the educator shares it with them (or asked them for peer feedback)
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
    # Educators read the policies that govern them (their organization's and those above);
    # a district's own roles also read its schools' policies, which its administrator changes.
    (Subject.POLICY, Act.VIEW): {
        R.TEACHER: S.WITHIN,
        R.ADVISOR: S.WITHIN,
        R.SCHOOL_LEADER: S.WITHIN,
        R.DISTRICT_ADMIN: (S.WITHIN, S.SUBTREE),
        R.DISTRICT_DATA_LEAD: (S.WITHIN, S.SUBTREE),
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
    # The OneRoster gradebook export sends a class's named students and their levels to the
    # student information system: the class's teachers, and the leaders who send report cards.
    (Subject.GRADEBOOK, Act.VIEW): {
        R.TEACHER: S.OWN_SECTIONS,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
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
    # An import job belongs to whoever started it; its file may hold anything.
    (Subject.IMPORT_JOB, Act.VIEW): {R.DISTRICT_ADMIN: S.OWNER, R.SYSTEM_ADMIN: S.OWNER},
    (Subject.IMPORT_JOB, Act.CHANGE): {R.DISTRICT_ADMIN: S.OWNER, R.SYSTEM_ADMIN: S.OWNER},
    # Student agency: only the student writes their own goals, uploads and requests.
    (Subject.OWN_LEARNING, Act.CHANGE): {R.STUDENT: S.SELF},
    (Subject.REASSESSMENT, Act.VIEW): {R.STUDENT: S.SELF, R.TEACHER: S.OWN_SECTIONS},
    (Subject.REASSESSMENT, Act.CHANGE): {R.TEACHER: S.OWN_SECTIONS},
    (Subject.FAMILY_REPORT, Act.VIEW): {R.GUARDIAN: S.OWN_CHILDREN},
    # Notifications are their recipient's alone, in any role. What one may say about a
    # student is decided when it is sent and shown (proficio.notifications.kinds).
    (Subject.NOTIFICATION, Act.VIEW): {role: S.OWNER for role in Role},
    (Subject.NOTIFICATION, Act.CHANGE): {role: S.OWNER for role in Role},
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
    # The transcript is the learner's: they (and their guardians) read it, share it with a
    # college and take its CLR; counselors and leaders who answer for the record read it.
    (Subject.TRANSCRIPT, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.TRANSCRIPT, Act.CHANGE): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
    },
    (Subject.TRANSCRIPT_SETTINGS, Act.VIEW): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.TRANSCRIPT_SETTINGS, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # A district's roster imports: its administrators (any of them, not only the uploader).
    (Subject.ROSTER_IMPORT, Act.VIEW): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # The state's accountability plan (versions, preview, adoption, identification) and
    # its innovative-assessment pilots: the state's analysts; system administrators look.
    (Subject.STATE_PLAN, Act.VIEW): {R.STATE_ANALYST: S.SUBTREE, R.SYSTEM_ADMIN: S.EVERYWHERE},
    (Subject.STATE_PLAN, Act.CHANGE): {R.STATE_ANALYST: S.SUBTREE},
    (Subject.PILOT, Act.VIEW): {R.STATE_ANALYST: S.SUBTREE, R.SYSTEM_ADMIN: S.EVERYWHERE},
    (Subject.PILOT, Act.CHANGE): {R.STATE_ANALYST: S.SUBTREE},
    # A student's path to graduation: the student, their family and those who serve them
    # read it; counselors and leaders record capstone results and accept alternatives.
    (Subject.GRADUATION, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.TEACHER: S.OWN_SECTIONS,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.DISTRICT_DATA_LEAD: S.SUBTREE,
    },
    (Subject.GRADUATION, Act.CHANGE): {
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    # Diplomas: seen like the path; awarded and rescinded only by the leaders who answer
    # for the record.
    (Subject.DIPLOMA, Act.VIEW): {
        R.STUDENT: S.SELF,
        R.GUARDIAN: S.OWN_CHILDREN,
        R.ADVISOR: S.CASELOAD,
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    (Subject.DIPLOMA, Act.CHANGE): {
        R.SCHOOL_LEADER: S.SUBTREE,
        R.DISTRICT_ADMIN: S.SUBTREE,
    },
    # Requirement sets: educators read those that govern them; a district's administrator
    # writes the district's, a state's analysts the state's.
    (Subject.GRADUATION_REQUIREMENTS, Act.VIEW): {
        R.TEACHER: S.WITHIN,
        R.ADVISOR: S.WITHIN,
        R.SCHOOL_LEADER: S.WITHIN,
        R.DISTRICT_ADMIN: (S.WITHIN, S.SUBTREE),
        R.DISTRICT_DATA_LEAD: (S.WITHIN, S.SUBTREE),
        R.STATE_ANALYST: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.GRADUATION_REQUIREMENTS, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.STATE_ANALYST: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # Learning-tool intake, per district: which activity assesses which target.
    (Subject.LRS, Act.VIEW): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.LRS, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    # Accounts: a district administrator manages the district's people (staff with a role
    # there, students, guardians of its students); the system administrator everyone.
    (Subject.PERSON, Act.VIEW): {R.DISTRICT_ADMIN: S.SUBTREE, R.SYSTEM_ADMIN: S.EVERYWHERE},
    (Subject.PERSON, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.WHOLLY_WITHIN,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
    (Subject.MACHINE_CLIENT, Act.VIEW): {R.DISTRICT_ADMIN: S.SUBTREE, R.SYSTEM_ADMIN: S.EVERYWHERE},
    (Subject.MACHINE_CLIENT, Act.CHANGE): {
        R.DISTRICT_ADMIN: S.SUBTREE,
        R.SYSTEM_ADMIN: S.EVERYWHERE,
    },
}

# Which roles each administrator may grant (to a person or a machine client), at an
# organization they may change. The organization's kind is checked by orgs.grant_role.
GRANTABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    R.DISTRICT_ADMIN: (
        R.TEACHER,
        R.ADVISOR,
        R.SCHOOL_LEADER,
        R.DISTRICT_ADMIN,
        R.DISTRICT_DATA_LEAD,
    ),
    R.SYSTEM_ADMIN: tuple(MEMBERSHIP_ROLES),
}

# People who work with students: they may sit on a moderation panel, and they are
# educators with a profile, a growth plan and micro-credentials of their own.
EDUCATOR_ROLES = (
    Role.TEACHER,
    Role.ADVISOR,
    Role.SCHOOL_LEADER,
    Role.DISTRICT_ADMIN,
    Role.DISTRICT_DATA_LEAD,
)
# Those who publish a catalogue and run an issuer's programme (reviewer pool,
# calibration, pathway reviews, payroll): a district's administrators, and system
# administrators (who run the state's). A state analyst reads the state's catalogue and
# its suppressed figures, never named educators.
_PROGRAM_RUNNERS: dict[Role, Scope | tuple[Scope, ...]] = {
    R.DISTRICT_ADMIN: S.SUBTREE,
    R.SYSTEM_ADMIN: S.EVERYWHERE,
}
_CATALOGUE_READERS: dict[Role, Scope | tuple[Scope, ...]] = {
    **{role: S.WITHIN for role in EDUCATOR_ROLES},
    R.DISTRICT_ADMIN: (S.WITHIN, S.SUBTREE),  # published above them, and their own drafts
    R.STATE_ANALYST: S.SUBTREE,
    R.SYSTEM_ADMIN: S.EVERYWHERE,
}
POLICY.update(
    {
        # The educator and their leaders see and edit the profile (the bias checks read it).
        (Subject.EDUCATOR_PROFILE, Act.VIEW): {
            **{role: S.SELF for role in EDUCATOR_ROLES},
            R.SCHOOL_LEADER: (S.SELF, S.SUBTREE),
            R.DISTRICT_ADMIN: (S.SELF, S.SUBTREE),
            R.SYSTEM_ADMIN: S.EVERYWHERE,
        },
        (Subject.EDUCATOR_PROFILE, Act.CHANGE): {
            **{role: S.SELF for role in EDUCATOR_ROLES},
            R.SCHOOL_LEADER: (S.SELF, S.SUBTREE),
            R.DISTRICT_ADMIN: (S.SELF, S.SUBTREE),
            R.SYSTEM_ADMIN: S.EVERYWHERE,
        },
        # Educator agency: only the educator self-assesses, proposes and works.
        (Subject.OWN_PRACTICE, Act.CHANGE): {role: S.SELF for role in EDUCATOR_ROLES},
        # A plan: the educator, and the leaders of their building, who approve or return it
        # (never their own).
        (Subject.GROWTH_PLAN, Act.VIEW): {
            **{role: S.SELF for role in EDUCATOR_ROLES},
            R.SCHOOL_LEADER: (S.SELF, S.SUBTREE),
        },
        (Subject.GROWTH_PLAN, Act.CHANGE): {R.SCHOOL_LEADER: S.SUBTREE},
        (Subject.MICRO_CREDENTIAL, Act.VIEW): _CATALOGUE_READERS,
        (Subject.MICRO_CREDENTIAL, Act.CHANGE): _PROGRAM_RUNNERS,
        (Subject.PATHWAY, Act.VIEW): _CATALOGUE_READERS,
        (Subject.PATHWAY, Act.CHANGE): _PROGRAM_RUNNERS,
        # Progress on a pathway: the educator, and the issuer who holds the pathway review.
        (Subject.PATHWAY_ENROLLMENT, Act.VIEW): {
            **{role: S.SELF for role in EDUCATOR_ROLES},
            R.DISTRICT_ADMIN: (S.SELF, S.SUBTREE),
            R.SYSTEM_ADMIN: S.EVERYWHERE,
        },
        (Subject.PATHWAY_ENROLLMENT, Act.CHANGE): _PROGRAM_RUNNERS,
        # A submission is the educator's, their reviewer's while assigned, and whoever the
        # educator shares it with. Leaders see only aggregates.
        (Subject.SUBMISSION, Act.VIEW): {
            role: (S.SELF, S.REVIEWER, S.SHARED) for role in EDUCATOR_ROLES
        },
        (Subject.SUBMISSION, Act.CHANGE): {role: S.SELF for role in EDUCATOR_ROLES},
        (Subject.REVIEW, Act.CHANGE): {role: S.REVIEWER for role in EDUCATOR_ROLES},
        (Subject.EDUCATOR_PROGRAM, Act.VIEW): _PROGRAM_RUNNERS,
        (Subject.EDUCATOR_PROGRAM, Act.CHANGE): _PROGRAM_RUNNERS,
        (Subject.EDUCATOR_AGGREGATE, Act.VIEW): {
            R.SCHOOL_LEADER: S.SUBTREE,
            R.DISTRICT_ADMIN: S.SUBTREE,
            R.DISTRICT_DATA_LEAD: S.SUBTREE,
            R.STATE_ANALYST: S.SUBTREE,
            R.SYSTEM_ADMIN: S.EVERYWHERE,
        },
        # A micro-credential belongs to the educator (``holds_credential`` keeps it theirs
        # after they leave and hold no role).
        (Subject.EDUCATOR_CREDENTIAL, Act.VIEW): {role: S.SELF for role in EDUCATOR_ROLES},
        (Subject.FEEDBACK_NOTE, Act.VIEW): {role: (S.SELF, S.SHARED) for role in EDUCATOR_ROLES},
        (Subject.COACHING, Act.CHANGE): {role: S.SHARED for role in EDUCATOR_ROLES},
    }
)


def _person_query(user_id: Any, today: dt.date, with_user: bool) -> QuerySet[User, dict[str, Any]]:
    """The query of :func:`_person_rows`."""
    fields = [f"student_profile__{f.name}" for f in Student._meta.concrete_fields]
    fields += [f"m__organization__{f.name}" for f in Organization._meta.concrete_fields]
    extra: dict[str, Any] = {}
    if with_user:
        from proficio.notifications.actions import unread_subquery

        fields += [f.name for f in User._meta.concrete_fields]
        # The definitions cache's token rides along: the request would read it next.
        extra["definitions_token"] = definitions.token_subquery()
        # So does whether any notification of theirs is unread: the page header's count
        # is no query when none is (``notifications.actions.header_count``).
        extra["unread_notifications"] = unread_subquery()
    query: QuerySet[User, dict[str, Any]] = (
        User.objects.filter(pk=user_id)
        .annotate(
            m=FilteredRelation("memberships", condition=active_on(today, "memberships__")),
            is_guardian=Exists(GuardianLink.objects.filter(guardian=OuterRef("pk"))),
            **extra,
        )
        .order_by("m__start_date", "m__id")
        .values("is_guardian", "m__role", *extra, *fields)
    )
    return query


# The person's query is the same SQL on every request but for the person's id and the day:
# it is compiled once per database connection object (about 2.5 ms of CPU a request saved)
# with these stand-ins, which then mark where the id and the day go among its parameters.
_NO_ID = -7_654_321
_NO_DAY = dt.date(1901, 2, 3)


class _CompiledPerson:
    def __init__(self, with_user: bool) -> None:
        queryset = _person_query(_NO_ID, _NO_DAY, with_user)
        self.alias = queryset.db
        query = queryset.query
        self.compiler = query.get_compiler(self.alias)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        # The names ``.values()`` gives the columns (django.db.models.query.ValuesIterable).
        self.names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        self.ids = [i for i, p in enumerate(params) if p == _NO_ID]
        self.days = [i for i, p in enumerate(params) if p == _NO_DAY]  # as bound, a date
        adapted = self.compiler.connection.ops.adapt_datefield_value(_NO_DAY)
        self.adapted_days = [i for i, p in enumerate(params) if p == adapted and p != _NO_DAY]
        # One id and the day twice (a membership's start and end), as the query is written;
        # anything else and the query is compiled each time, as before.
        self.usable = len(self.ids) == 1 and len(self.days) + len(self.adapted_days) == 2

    def rows(self, user_id: Any, today: dt.date) -> list[dict[str, Any]]:
        params = list(self.params)
        for i in self.ids:
            params[i] = User._meta.pk.get_prep_value(user_id)
        for i in self.days:
            params[i] = today
        for i in self.adapted_days:
            params[i] = self.compiler.connection.ops.adapt_datefield_value(today)
        with self.compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        # Django's own conversion of the columns (booleans, dates, UUIDs by backend).
        columns = range(len(self.names))
        return [
            {self.names[i]: row[i] for i in columns}
            for row in self.compiler.results_iter([fetched])
        ]


def _person_rows(user_id: Any, today: dt.date, *, with_user: bool = False) -> list[dict[str, Any]]:
    """Everything the policy knows about a person, in one query: a row per role
    membership active on ``today`` (with its organization), or one row with none, each
    carrying the person's student record (if any) and whether they are a guardian (and,
    ``with_user``, the person's own columns)."""
    from django.db import connections, router

    connection = connections[router.db_for_read(User)]
    # Kept on the connection object (one per thread, kept between requests), so the
    # compiled query and its column converters are the ones of this thread's connection.
    compiled: dict[bool, _CompiledPerson] = connection.__dict__.setdefault(
        "_proficio_person_query", {}
    )
    found = compiled.get(with_user)
    if found is None:
        found = compiled[with_user] = _CompiledPerson(with_user)
    if found.usable and found.alias == connection.alias:
        return found.rows(user_id, today)
    return list(_person_query(user_id, today, with_user))


def _instance(model: type[M], row: dict[str, Any], prefix: str) -> M:
    """A model instance from the columns of ``row`` under ``prefix`` (as if fetched)."""
    fields = model._meta.concrete_fields
    return model.from_db(
        "default", [f.attname for f in fields], [row[prefix + f.name] for f in fields]
    )


class Who:
    """What the policy needs to know about a person, computed once per request."""

    def __init__(self, user: Any, today: dt.date, rows: list[dict[str, Any]] | None = None) -> None:
        self.user = user
        self.today = today
        self.orgs_by_role: dict[Role, list[Organization]] = {}
        self.roles: list[Role] = []
        self.student: Student | None = None
        if not user.is_authenticated:
            return
        is_guardian = False
        for row in rows if rows is not None else _person_rows(user.pk, today):
            is_guardian = row["is_guardian"]
            if self.student is None and row["student_profile__id"] is not None:
                self.student = _instance(Student, row, "student_profile__")
            if row["m__role"] is not None:
                org = _instance(Organization, row, "m__organization__")
                self.orgs_by_role.setdefault(Role(row["m__role"]), []).append(org)
        if self.student is not None:
            self.roles.append(Role.STUDENT)
        if is_guardian:
            self.roles.append(Role.GUARDIAN)
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


class System:
    """The system acting on its own: the daily job, the demo generator, a command an
    operator runs. It is never what a request acts as (requests act as their user), and the
    policy lets it reach everything."""

    is_authenticated = False
    is_active = False
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()

# Who an action acts for: a person (from a request) or the system (a task or command).
Actor = Any


def who(user: Any) -> Who:
    """The policy's view of ``user``; cached on the user object for the request."""
    cached = getattr(user, "_proficio_who", None)
    if cached is None:
        cached = Who(user, timezone.localdate())
        if user.is_authenticated:
            user._proficio_who = cached
    return cached


def load_person(user_id: Any) -> User | None:
    """The user with this id, with what the policy knows about them (``who``) already
    worked out, in one query; None if there is no such user. The sign-in backends read
    each request's user so (``accounts.backends.PersonBackend``)."""
    today = timezone.localdate()
    rows = _person_rows(user_id, today, with_user=True)
    if not rows:
        return None
    user = _instance(User, rows[0], "")
    definitions.offer_token(rows[0]["definitions_token"])
    user._proficio_unread_possible = rows[0]["unread_notifications"]  # type: ignore[attr-defined]
    user._proficio_who = Who(user, today, rows)  # type: ignore[attr-defined]
    return user


ScopeFilter = Callable[[Who, Role], Q]


def _org_tree(path: str) -> dict[Scope, ScopeFilter]:
    """Scopes for objects owned by an organization (``path`` leads to its path): the
    reader's subtree, or everywhere."""
    return {
        S.SUBTREE: lambda w, r: w.subtree(r, path),
        S.EVERYWHERE: lambda w, r: Q(),
    }


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


def _people_of(w: Who, r: Role) -> Q:
    """Accounts tied to the role's subtree: a membership there (past ones included, so a
    leaver can be found), a student of a school there, or a guardian of one."""
    return (
        w.subtree(r, "memberships__organization__path")
        | w.subtree(r, "student_profile__school__path")
        | w.subtree(r, "guardian_links__student__school__path")
    )


def _wholly_within(w: Who, r: Role) -> Q:
    """Of those, the accounts with nothing outside the subtree: no current membership, child
    or school elsewhere (so a district cannot take over a state or system account)."""
    inside = w.subtree(r, "organization__path")
    outside_roles = RoleMembership.objects.filter(active_on(w.today)).exclude(inside)
    outside_children = GuardianLink.objects.exclude(w.subtree(r, "student__school__path"))
    return (
        _people_of(w, r)
        & ~Q(pk__in=outside_roles.values("user"))
        & ~Q(pk__in=outside_children.values("guardian"))
        & ~Q(pk__in=Student.objects.exclude(w.subtree(r, "school__path")).values("user"))
    )


# Work on a whole section (its grid, its gradebook): its current teachers, or the subtree.
_SECTION_WORK: dict[Scope, ScopeFilter] = {
    S.OWN_SECTIONS: lambda w, r: Q(staff__user=w.user) & active_on(w.today, "staff__"),
    S.SUBTREE: lambda w, r: w.subtree(r, "school__path"),
}


def _shares_with(w: Who, *, coach: bool = False) -> QuerySet[Any]:
    """The educators who share their feedback with this person (as their coach)."""
    live = Share.objects.filter(with_user=w.user, revoked_at__isnull=True)
    return (live.filter(coach=True) if coach else live).values("educator_id")


# The catalogue: published entries issued at or above the person's organizations, and
# everything (drafts too) issued within the organizations they run.
_CATALOGUE: dict[Scope, ScopeFilter] = {
    S.WITHIN: lambda w, r: w.within(r, "issuer__path") & Q(status=CatalogueStatus.PUBLISHED),
    S.SUBTREE: lambda w, r: w.subtree(r, "issuer__path"),
    S.EVERYWHERE: lambda w, r: Q(),
}
_ORGANIZATION_SCOPES: dict[Scope, ScopeFilter] = {
    S.SUBTREE: lambda w, r: w.subtree(r, "path"),
    S.EVERYWHERE: lambda w, r: Q(),
}

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
    Subject.CLASSROOM: (Section, _SECTION_WORK),
    Subject.GRADEBOOK: (Section, _SECTION_WORK),
    Subject.ORGANIZATION: (
        Organization,
        _org_tree("path"),
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
    Subject.PERSON: (
        User,
        {
            S.SUBTREE: _people_of,
            S.WHOLLY_WITHIN: _wholly_within,
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.MACHINE_CLIENT: (
        MachineClient,
        _org_tree("organization__path"),
    ),
    Subject.NOTIFICATION: (Notification, {S.OWNER: lambda w, r: Q(recipient=w.user)}),
    Subject.CREDENTIAL: (IssuedCredential, _via_student("student__")),
    Subject.GRADUATION: (Student, _via_student("")),
    Subject.DIPLOMA: (Diploma, _via_student("student__")),
    Subject.GRADUATION_REQUIREMENTS: (
        RequirementSet,
        {
            S.WITHIN: lambda w, r: w.within(r, "owner__path"),
            S.SUBTREE: lambda w, r: w.subtree(r, "owner__path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.CREDENTIAL_SETTINGS: (
        Organization,
        _org_tree("path"),
    ),
    Subject.TRANSCRIPT: (Student, _via_student("")),
    Subject.TRANSCRIPT_SETTINGS: (
        Organization,
        _org_tree("path"),
    ),
    Subject.LRS: (
        Organization,
        _org_tree("path"),
    ),
    Subject.ROSTER_IMPORT: (
        RosterImport,
        _org_tree("district__path"),
    ),
    Subject.IMPORT_JOB: (ImportJob, {S.OWNER: lambda w, r: Q(created_by=w.user)}),
    Subject.STATE_PLAN: (
        StatePlan,
        _org_tree("state__path"),
    ),
    Subject.PILOT: (
        Pilot,
        _org_tree("state__path"),
    ),
    Subject.EDUCATOR_PROFILE: (
        EducatorProfile,
        {
            S.SELF: lambda w, r: Q(user=w.user),
            S.SUBTREE: lambda w, r: w.subtree(r, "organization__path"),
            S.EVERYWHERE: lambda w, r: Q(),
        },
    ),
    Subject.OWN_PRACTICE: (EducatorProfile, {S.SELF: lambda w, r: Q(user=w.user)}),
    Subject.GROWTH_PLAN: (
        GrowthPlan,
        {
            S.SELF: lambda w, r: Q(educator=w.user),
            # A leader approves the plans of their building, never their own.
            S.SUBTREE: lambda w, r: w.subtree(r, "school__path") & ~Q(educator=w.user),
        },
    ),
    Subject.MICRO_CREDENTIAL: (MicroCredential, _CATALOGUE),
    Subject.PATHWAY: (Pathway, _CATALOGUE),
    Subject.PATHWAY_ENROLLMENT: (
        PathwayEnrollment,
        {
            S.SELF: lambda w, r: Q(educator=w.user),
            S.SUBTREE: lambda w, r: w.subtree(r, "pathway__issuer__path") & ~Q(educator=w.user),
            S.EVERYWHERE: lambda w, r: ~Q(educator=w.user),
        },
    ),
    Subject.SUBMISSION: (
        Submission,
        {
            S.SELF: lambda w, r: Q(educator=w.user),
            S.REVIEWER: lambda w, r: Q(
                pk__in=ReviewAssignment.objects.filter(reviewer=w.user, active=True).values(
                    "submission_id"
                )
            ),
            S.SHARED: lambda w, r: (
                Q(educator_id__in=_shares_with(w))
                | Q(feedback_requests__peer=w.user, feedback_requests__closed_at__isnull=True)
            ),
        },
    ),
    Subject.REVIEW: (
        Submission,
        {
            S.REVIEWER: lambda w, r: Q(
                pk__in=ReviewAssignment.objects.filter(reviewer=w.user, active=True).values(
                    "submission_id"
                )
            )
        },
    ),
    Subject.EDUCATOR_PROGRAM: (Organization, _ORGANIZATION_SCOPES),
    Subject.EDUCATOR_AGGREGATE: (Organization, _ORGANIZATION_SCOPES),
    Subject.EDUCATOR_CREDENTIAL: (
        IssuedCredential,
        {S.SELF: lambda w, r: Q(educator=w.user, educator__isnull=False)},
    ),
    Subject.FEEDBACK_NOTE: (
        FeedbackNote,
        {
            S.SELF: lambda w, r: Q(educator=w.user) | Q(author=w.user),
            S.SHARED: lambda w, r: Q(educator_id__in=_shares_with(w)),
        },
    ),
    Subject.COACHING: (
        EducatorProfile,
        {S.SHARED: lambda w, r: Q(user_id__in=_shares_with(w, coach=True))},
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
    if user is SYSTEM:
        return True
    rules = rules_for(subject, act)
    return any(role in rules for role in who(user).roles)


def scope_filter(user: Any, act: Act, subject: Subject) -> Q | None:
    """The filter selecting what ``user`` may reach, or None when nothing."""
    if user is SYSTEM:
        return Q()
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


def readable_framework_ids(user: Any) -> frozenset[int]:
    """The ids of the frameworks ``user`` may read: ``visible(user, Subject.FRAMEWORK)``,
    answered from the definitions cache. The row's filter is built from the roles the user
    holds and their organizations' paths only, and selects on frameworks (definitions) and
    their owners' paths (which never change once an organization is made), so its answer
    is kept under the filter itself until a definition changes: everyone holding the same
    roles in the same places shares one answer, asked of the database once."""
    q = scope_filter(user, Act.VIEW, Subject.FRAMEWORK)
    if q is None:
        return frozenset()
    return definitions.cached(
        ("readable frameworks", q),
        lambda: frozenset(Framework.objects.filter(q).values_list("pk", flat=True)),
    )


def students_reached(user: Any, act: Act, subject: Subject) -> QuerySet[Student]:
    """The students for whom ``user`` may act on ``subject`` (a kind read through a
    student, such as support plans): the same row of ``POLICY``, asked of students."""
    if user is SYSTEM:
        return Student.objects.all()
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


# What the policy already granted during this request: (user id, subject, act, object id).
# A request that fetched an object through ``access`` (or was granted it once) is not asked
# again when its action authorizes the same act on it. Open only inside a request
# (``GrantsMiddleware``), so work outside one (tasks, commands, tests calling actions)
# always asks the database.
_grants: ContextVar[set[tuple[Any, ...]] | None] = ContextVar("proficio_grants", default=None)


class GrantsMiddleware:
    """Opens the request's memo of granted (user, subject, act, object) questions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _grants.set(set())
        try:
            return self.get_response(request)
        finally:
            _grants.reset(token)


def _granted(user: Any, act: Act, subject: Subject, pk: Any) -> None:
    grants = _grants.get()
    if grants is not None and getattr(user, "pk", None) is not None:
        grants.add((user.pk, subject, act, pk))


def can(user: Any, act: Act, subject: Subject, obj: Model) -> bool:
    grants = _grants.get()
    key = (getattr(user, "pk", None), subject, act, obj.pk)
    if grants is not None and key in grants:
        return True
    model, _ = SCOPES[subject]
    allowed = visible(user, subject, act, model._default_manager.filter(pk=obj.pk)).exists()
    if allowed:
        _granted(user, act, subject, obj.pk)
    return allowed


def first_granted(user: Any, act: Act, subject: Subject, qs: QuerySet[Any]) -> Any | None:
    """The first object of ``qs`` (of ``subject``'s model) that ``user`` may ``act`` on,
    asked in the same query as ``qs``'s own filters, or None. It is remembered as granted
    for the rest of the request, so the action that then authorizes the same act on it
    asks nothing more (a teacher's autosave finds the student on the class roster and
    checks they may change the student's record in one query)."""
    obj = visible(user, subject, act, qs).first()
    if obj is not None:
        _granted(user, act, subject, obj.pk)
    return obj


def first_granted_through(
    user: Any, act: Act, subject: Subject, qs: QuerySet[Any], field: str
) -> Any | None:
    """The first row of ``qs`` whose ``field`` (a foreign key to an object of ``subject``)
    ``user`` may ``act`` on, in one query, or None; the related object is remembered as
    granted for the request (a scoring task read with its class, which the teacher must
    be allowed to change)."""
    model, _ = SCOPES[subject]
    q = scope_filter(user, act, subject)
    if q is None:
        return None
    row = qs.filter(**{f"{field}__in": model._default_manager.filter(q).values("pk")}).first()
    if row is not None:
        _granted(user, act, subject, getattr(row, f"{field}_id"))
    return row


def require(user: Any, act: Act, subject: Subject, obj: Model | None = None) -> None:
    """Raise PermissionDenied unless allowed (for ``obj``, or for the kind at all)."""
    allowed = may(user, act, subject) if obj is None else can(user, act, subject, obj)
    if not allowed:
        raise PermissionDenied


def authorize(actor: Any, act: Act, subject: Subject, obj: Model | None = None) -> None:
    """The question every action asks first: may ``actor`` do ``act`` on ``obj`` (or on
    this kind of object at all)? Raises PermissionDenied. The system may do anything."""
    if actor is SYSTEM:
        return
    require(actor, act, subject, obj)


def reaches_organization(actor: Any, act: Act, subject: Subject, org: Organization) -> bool:
    """Whether ``actor`` may ``act`` on a new object of ``subject`` owned by (or placed at)
    ``org``: the same row of ``POLICY``, read for an object that does not exist yet.
    Only the organization scopes can reach such an object."""
    if actor is SYSTEM:
        return True
    w = who(actor)
    for role, scopes in rules_for(subject, act).items():
        orgs = w.orgs_by_role.get(role, [])
        if role not in w.roles:
            continue
        for scope in scopes:
            if scope == S.EVERYWHERE:
                return True
            if scope == S.SUBTREE and any(org.path.startswith(o.path) for o in orgs):
                return True
            if scope == S.WITHIN and any(o.path.startswith(org.path) for o in orgs):
                return True
    return False


def authorize_in(actor: Any, act: Act, subject: Subject, org: Organization) -> None:
    """``authorize`` for an object about to be made, owned by ``org``."""
    if not reaches_organization(actor, act, subject, org):
        raise PermissionDenied


def authorize_students(actor: Any, act: Act, subject: Subject, student_ids: Any) -> None:
    """``authorize`` for many students at once (one query): every one must be reachable."""
    if actor is SYSTEM:
        return
    ids = {int(i) for i in student_ids}
    if not ids:
        return
    reached = students_reached(actor, act, subject).filter(pk__in=ids).count()
    if reached != len(ids):
        raise PermissionDenied


# What ``access`` loads with each kind of object, and what a missing one is called.
_ACCESS: dict[Subject, tuple[str, tuple[str, ...]]] = {
    Subject.STUDENT: ("student", ("school",)),
    Subject.OWN_LEARNING: ("student", ("school",)),
    Subject.FAMILY_REPORT: ("student", ("school",)),
    Subject.TRANSCRIPT: ("student", ("school",)),
    Subject.GRADUATION: ("student", ("school",)),
    Subject.DIPLOMA: ("diploma", ("student", "credential")),
    Subject.GRADUATION_REQUIREMENTS: ("requirement set", ("owner",)),
    Subject.NOTIFICATION: ("notification", ()),
    Subject.SECTION: ("section", ("school", "course", "term")),
    Subject.CLASSROOM: ("section", ("school", "course", "term")),
    Subject.GRADEBOOK: ("section", ("school", "course", "term")),
    Subject.MODERATION: ("moderation session", ("owner", "rubric")),
    Subject.FRAMEWORK: ("framework", ()),
    Subject.ORGANIZATION: ("organization", ()),
    Subject.AGGREGATE: ("organization", ()),
    Subject.PERSON: ("person", ()),
    Subject.MACHINE_CLIENT: ("client", ("application", "organization", "user")),
    Subject.ROSTER_IMPORT: ("import", ("district",)),
    Subject.LRS: ("organization", ()),
    Subject.STATE_PLAN: ("plan", ("state",)),
    Subject.PILOT: ("pilot", ("state",)),
    Subject.EDUCATOR_PROFILE: ("educator", ("user", "organization")),
    Subject.COACHING: ("educator", ("user", "organization")),
    Subject.GROWTH_PLAN: ("plan", ("educator", "school", "pathway")),
    Subject.MICRO_CREDENTIAL: ("micro-credential", ("issuer", "item")),
    Subject.PATHWAY: ("pathway", ("issuer",)),
    Subject.PATHWAY_ENROLLMENT: ("pathway progress", ("pathway", "educator")),
    Subject.SUBMISSION: ("submission", ("micro_credential", "educator")),
    Subject.REVIEW: ("submission", ("micro_credential", "educator")),
    Subject.EDUCATOR_PROGRAM: ("organization", ()),
    Subject.EDUCATOR_AGGREGATE: ("organization", ()),
}
# Subjects whose object is a student: fetching one for someone else is an audited read.
_STUDENT_SUBJECTS = {
    Subject.STUDENT,
    Subject.OWN_LEARNING,
    Subject.FAMILY_REPORT,
    Subject.TRANSCRIPT,
    Subject.GRADUATION,
}


def access(
    user: Any,
    subject: Subject,
    obj_id: Any,
    *,
    act: Act = Act.VIEW,
    purpose: str = "",
    also: tuple[Act, ...] = (),
) -> Any:
    """Fetch one object of ``subject`` that ``user`` may reach for ``act``, or 404.

    Anything not reachable, including an id that is not a number, is the same 404 with no
    name in it, so a forbidden object and a missing one look alike. A student fetched for
    someone else is an audited read with ``purpose``. The acts in ``also`` are asked about
    the same object in the same query (the same rows of ``POLICY`` that ``can`` reads);
    those granted are remembered for the request, so ``can`` then answers without asking
    the database again (the transcript page: may the reader also share it?).
    """
    noun, related = _ACCESS.get(subject, ("object", ()))
    try:
        pk = int(obj_id)
    except (TypeError, ValueError):
        raise Http404(f"No such {noun}") from None
    model, _ = SCOPES[subject]
    asked: dict[str, Act] = {}
    extra: dict[str, Exists] = {}
    for other in also:
        q = scope_filter(user, other, subject)
        if q is not None:  # no role reaches it at all: ``can`` says no without a query
            name = f"policy_also_{other.value}"
            asked[name] = other
            extra[name] = Exists(model._default_manager.filter(q).filter(pk=OuterRef("pk")))
    found = visible(user, subject, act).select_related(*related).filter(pk=pk)
    obj = (found.annotate(**extra) if extra else found).first()
    if obj is None:
        raise Http404(f"No such {noun}")
    _granted(user, act, subject, obj.pk)
    for name, other in asked.items():
        if getattr(obj, name):
            _granted(user, other, subject, obj.pk)
    if subject in _STUDENT_SUBJECTS:
        record_read(obj, purpose=purpose)
    return obj


def access_student(
    user: Any, student_id: Any, *, purpose: str = "", act: Act = Act.VIEW
) -> Student:
    """Fetch one student's record for ``user``, or 404; the read is audited if not their own."""
    student: Student = access(user, Subject.STUDENT, student_id, act=act, purpose=purpose)
    return student


def access_section(user: Any, section_id: Any, act: Act = Act.VIEW) -> Section:
    section: Section = access(user, Subject.SECTION, section_id, act=act)
    return section


def access_session(user: Any, session_id: Any, act: Act = Act.VIEW) -> ModerationSession:
    session: ModerationSession = access(user, Subject.MODERATION, session_id, act=act)
    return session


def access_framework(user: Any, framework_id: Any, act: Act = Act.VIEW) -> Framework:
    framework: Framework = access(user, Subject.FRAMEWORK, framework_id, act=act)
    return framework


def access_organization(
    user: Any, org_id: Any, subject: Subject = Subject.ORGANIZATION
) -> Organization:
    org: Organization = access(user, subject, org_id)
    return org


def grantable_roles(user: Any, organization: Organization) -> list[Role]:
    """The roles ``user`` may grant at ``organization`` (to a person or a machine client):
    the administrator's own list, at an organization they may change; else none."""
    if user is SYSTEM:
        return list(MEMBERSHIP_ROLES)
    if not can(user, Act.CHANGE, Subject.ORGANIZATION, organization):
        return []
    w = who(user)
    granted: list[Role] = []
    for role, roles in GRANTABLE_ROLES.items():
        if role in w.roles and can_as(user, role, Act.CHANGE, Subject.ORGANIZATION, organization):
            granted += [r for r in roles if r not in granted]
    return [r for r in MEMBERSHIP_ROLES if r in granted]


def can_as(user: Any, role: Role, act: Act, subject: Subject, obj: Model) -> bool:
    """``can``, through one of the person's roles only (someone who teaches at one school
    and leads another gets each role's reach only in its own place)."""
    scopes = rules_for(subject, act).get(role)
    w = who(user)
    if not scopes or role not in w.roles:
        return False
    model, builders = SCOPES[subject]
    q = Q(pk__in=[])
    for scope in scopes:
        q |= builders[scope](w, role)
    return model._default_manager.filter(q, pk=obj.pk).exists()


# --- Workflow predicates --------------------------------------------------------------
# Rules that depend on an object's state or on a workflow seat, not only on a role's
# reach. They live here, beside the table, so views, the API and actions ask one place.

# Roles that may sit on a moderation panel (educators who score student work).
RATER_ROLES = EDUCATOR_ROLES


def organizes(user: Any, session: ModerationSession) -> bool:
    """Whether ``user`` runs the moderation session (sets it up, reveals, records consensus)."""
    return can(user, Act.CHANGE, Subject.MODERATION, session)


def rater_organization(session: ModerationSession, user: Any) -> Organization | None:
    """Rater eligibility: the organization under the session's owner through which
    ``user`` may rate (a current educator membership), or None when they may not."""
    membership = (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            user=user,
            role__in=[r.value for r in RATER_ROLES],
            organization__path__startswith=session.owner.path,
        )
        .select_related("organization")
        .order_by("-organization__path")
        .first()
    )
    return membership.organization if membership else None


def eligible_raters(session: ModerationSession) -> QuerySet[RoleMembership]:
    """The reverse question: the memberships through which people may rate in ``session``."""
    return RoleMembership.objects.filter(
        active_on(timezone.localdate()),
        role__in=[r.value for r in RATER_ROLES],
        organization__path__startswith=session.owner.path,
    )


def may_score(user: Any, sample: WorkSample) -> bool:
    """Blind scoring: only a rater the sample is assigned to scores it."""
    return Assignment.objects.filter(
        sample=sample, rater__user=user, rater__session_id=sample.session_id
    ).exists()


def may_open_sample(user: Any, sample: WorkSample) -> bool:
    """A sample's work opens for the raters it is assigned to, for the organizers, and
    after the reveal for everyone who may see the session."""
    session = sample.session
    if not can(user, Act.VIEW, Subject.MODERATION, session):
        return False
    if session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED):
        return True
    return organizes(user, session) or may_score(user, sample)


def revealed_samples(user: Any, session: ModerationSession) -> set[int] | None:
    """Moderation blindness after the reveal: the samples whose scores ``user`` may see
    side by side. None means all of them (organizers); a rater sees only the samples they
    scored themselves; before the reveal nobody sees any."""
    if session.status not in (SessionStatus.REVEALED, SessionStatus.CLOSED):
        return set()
    if organizes(user, session):
        return None
    return set(
        Assignment.objects.filter(
            rater__session=session, rater__user=user, submitted_at__isnull=False
        ).values_list("sample_id", flat=True)
    )


def unnamed_actors(user: Any, actor_ids: Any) -> set[int]:
    """The accounts among ``actor_ids`` (of audit entries ``user`` may read) that belong to
    students ``user`` may not see: the trail says what such a student did, not who they are."""
    ids = {int(i) for i in actor_ids if i is not None}
    if not ids or user is SYSTEM:
        return set()
    students = Student.objects.filter(user_id__in=ids).exclude(
        pk__in=visible(user, Subject.STUDENT).values("pk")
    )
    return set(students.values_list("user_id", flat=True))


# --- Educators: the review workflow ---------------------------------------------------


def holds_credential(user: Any, credential: IssuedCredential) -> bool:
    """A micro-credential is its educator's, with or without a role: it stays theirs
    (to see and download) after they leave."""
    return bool(
        user.is_authenticated
        and credential.educator_id is not None
        and credential.educator_id == user.pk
    )


def trained_reviewers(micro_credential: MicroCredential) -> QuerySet[Any]:
    """The issuer's trained reviewers for this micro-credential (trained for all the
    issuer's micro-credentials, or for this one), who still hold an educator role."""
    from proficio.accounts.models import User

    qualified = ReviewerQualification.objects.filter(
        Q(micro_credential__isnull=True) | Q(micro_credential=micro_credential),
        issuer=micro_credential.issuer,
        retired_at__isnull=True,
    ).values("reviewer_id")
    current = RoleMembership.objects.filter(
        active_on(timezone.localdate()), role__in=[r.value for r in EDUCATOR_ROLES]
    ).values("user_id")
    return User.objects.filter(pk__in=qualified, is_active=True).filter(pk__in=current)


def in_review_pool(user: Any, submission: Submission) -> bool:
    """Whether ``user`` is one of the trained reviewers of the submission's
    micro-credential: they know its submissions exist, so a refusal to them is a 403."""
    return trained_reviewers(submission.micro_credential).filter(pk=user.pk).exists()


def reviewer_problem(reviewer: Any, submission: Submission) -> str | None:
    """Why ``reviewer`` may not review ``submission`` (None when they may): a reviewer is
    trained for the micro-credential, is never the educator, never the educator's direct
    supervisor unless the issuer allows it, and never someone who declared a conflict
    of interest with the educator."""
    from proficio.educators.models import ConflictOfInterest

    educator = submission.educator
    if reviewer.pk == educator.pk:
        return "An educator never reviews their own submission."
    if not trained_reviewers(submission.micro_credential).filter(pk=reviewer.pk).exists():
        return f"{reviewer} is not a trained reviewer for this micro-credential."
    supervisor = EducatorProfile.objects.filter(user=educator).values_list(
        "supervisor_id", flat=True
    )
    if reviewer.pk in set(supervisor) and not submission.micro_credential.supervisor_may_review:
        return f"{reviewer} is the educator's direct supervisor, and the issuer does not allow it."
    if ConflictOfInterest.objects.filter(reviewer=reviewer, educator=educator).exists():
        return f"{reviewer} declared a conflict of interest with this educator."
    return None


def may_give_peer_feedback(user: Any, submission: Submission) -> bool:
    """A colleague the educator asked for feedback, while the request is open."""
    return submission.feedback_requests.filter(peer=user, closed_at__isnull=True).exists()


def who_may(act: Act, subject: Subject, obj: Model) -> QuerySet[Any]:
    """The reverse question: the people who may ``act`` on ``obj``, from the same table.

    It asks ``can`` of everyone holding a role in the row (plus students and guardians
    where the row names them), so it stays true to the one declaration. Used to address
    notifications and to answer "who can see this record?"."""
    from proficio.accounts.models import User

    rules = rules_for(subject, act)
    candidates = User.objects.filter(
        is_active=True,
        memberships__role__in=[r.value for r in rules if r in MEMBERSHIP_ROLES],
    )
    if Role.STUDENT in rules:
        candidates = candidates | User.objects.filter(is_active=True, student_profile__isnull=False)
    if Role.GUARDIAN in rules:
        candidates = candidates | User.objects.filter(is_active=True, guardian_links__isnull=False)
    allowed = [u.pk for u in candidates.distinct() if can(u, act, subject, obj)]
    return User.objects.filter(pk__in=allowed)
