"""Organizations, the school calendar, sections, and the people they serve.

Grade level is an attribute of a student only: it never drives progression, which
follows demonstrated mastery. Demographics live in their own restricted model so the
permission policy can guard them separately from the rest of a student's record.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proficio.accounts.roles import MEMBERSHIP_ROLES, Role


class OrganizationKind(models.TextChoices):
    STATE = "state", _("State")
    DISTRICT = "district", _("District")
    SCHOOL = "school", _("School")


class SchoolLevel(models.TextChoices):
    ELEMENTARY = "elementary", _("Elementary")
    MIDDLE = "middle", _("Middle")
    HIGH = "high", _("High")
    OTHER = "other", _("Other")


ALLOWED_PARENT = {
    OrganizationKind.STATE: None,
    OrganizationKind.DISTRICT: OrganizationKind.STATE,
    OrganizationKind.SCHOOL: OrganizationKind.DISTRICT,
}


class Organization(models.Model):
    """A state, district or school. ``path`` materializes the tree for subtree queries."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    school_level = models.CharField(
        _("school level"), max_length=12, choices=SchoolLevel.choices, blank=True
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Organization) -> bool:
        return self.path.startswith(other.path)


class AcademicYear(models.Model):
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="years")
    name = models.CharField(_("name"), max_length=40)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="year_ends_after_start"
            ),
            models.UniqueConstraint(fields=["district", "name"], name="unique_year_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="terms")
    name = models.CharField(_("name"), max_length=40)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year.name} {self.name}"


class Course(models.Model):
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="courses")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(_("subject"), max_length=80, blank=True)
    # The competencies the course teaches, by CASE identifier (a course may span
    # frameworks). Empty: the course names none, and its classes work on every target the
    # school may assess. See ``frameworks.assessable.scope_targets``.
    competencies = models.JSONField(_("competencies taught"), default=list, blank=True)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="unique_course_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Section(models.Model):
    """A class: a course taught at a school in a term (or a year) by one or more teachers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sections")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sections")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="sections")
    name = models.CharField(_("name"), max_length=120)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return self.name


class SectionStaff(models.Model):
    """Who teaches a section, and when."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="section_assignments"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="unique_section_staff")
        ]

    def __str__(self) -> str:
        return f"{self.user} teaches {self.section}"

    def audit_subject(self) -> None:
        return None  # not one student's data, but it decides who sees a class

    def audit_scope(self) -> str:
        return self.section.school.path


class Student(models.Model):
    """A learner. Names are kept as the family gives them: legal and preferred."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student_profile",
    )
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="students")
    local_id = models.CharField(_("local id"), max_length=40)
    state_id = models.CharField(_("state id"), max_length=40, blank=True)
    legal_given_name = models.CharField(_("legal given name"), max_length=100)
    legal_family_name = models.CharField(_("legal family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    grade_level = models.CharField(
        _("grade level"),
        max_length=3,
        help_text=_("An attribute only: progression follows mastery, never grade."),
    )
    # Null when the roster brought no demographics (OneRoster keeps birth dates there).
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["legal_family_name", "legal_given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "local_id"], name="unique_local_id"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.legal_given_name} {self.legal_family_name}"

    def audit_subject(self) -> Student:
        return self


class Race(models.TextChoices):
    """The US federal race categories (OMB 1997); Hispanic/Latino ethnicity is asked separately."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Other Pacific Islander")
    WHITE = "white", _("White")


class Disability(models.TextChoices):
    NONE = "none", _("None")
    IEP = "iep", _("IEP (IDEA)")
    SECTION_504 = "504", _("Section 504 plan")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NONBINARY = "nonbinary", _("Nonbinary")
    NOT_REPORTED = "not_reported", _("Not reported")


class StudentDemographics(models.Model):
    """Restricted: used for equity analysis and services, never shown beside learning data."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="demographics")
    hispanic_latino = models.BooleanField(_("Hispanic or Latino"), default=False)
    races = models.JSONField(
        _("races"), default=list, blank=True, help_text=_("One or more federal categories")
    )
    english_learner = models.BooleanField(_("English learner"), default=False)
    home_language = models.CharField(_("home language"), max_length=40, default="English")
    disability = models.CharField(
        _("disability"), max_length=6, choices=Disability.choices, default=Disability.NONE
    )
    economically_disadvantaged = models.BooleanField(_("economically disadvantaged"), default=False)
    gender = models.CharField(
        _("gender"), max_length=14, choices=Gender.choices, default=Gender.NOT_REPORTED
    )

    def __str__(self) -> str:
        return f"demographics of student {self.student_id}"

    def audit_subject(self) -> Student:
        return self.student

    @property
    def federal_race_ethnicity_label(self) -> str:
        code = self.federal_race_ethnicity
        labels = {
            "hispanic_latino": _("Hispanic or Latino"),
            "two_or_more": _("Two or more races"),
            "not_reported": _("Not reported"),
            **{r.value: r.label for r in Race},
        }
        return str(labels.get(code, code))

    @property
    def federal_race_ethnicity(self) -> str:
        """The federal reporting rollup: Hispanic, one race, or two or more races."""
        if self.hispanic_latino:
            return "hispanic_latino"
        if len(self.races) > 1:
            return "two_or_more"
        return str(self.races[0]) if self.races else "not_reported"


class Enrollment(models.Model):
    # The largest table a roster writes (a million rows for a district of 50,000), so it
    # carries no index it does not use: the unique (student, section) pair already serves
    # lookups by student, and sourcedIds are matched by equality only (a plain index, not
    # PostgreSQL's second pattern-matching one that ``db_index`` adds to a CharField).
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="enrollments")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "section"], name="unique_enrollment"),
        ]
        indexes = [models.Index(fields=["sourced_id"], name="enrollment_sourced_id")]

    def __str__(self) -> str:
        return f"{self.student} in {self.section}"

    def audit_subject(self) -> Student:
        return self.student


class GuardianLink(models.Model):
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_links"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(_("relationship"), max_length=40, default="parent")
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="unique_guardian_link"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} is {self.relationship} of {self.student}"

    def audit_subject(self) -> Student:
        return self.student


class CaseloadAssignment(models.Model):
    """An advisor or counselor serves the students on their caseload."""

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="advisors")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["advisor", "student"], name="unique_caseload"),
        ]

    def __str__(self) -> str:
        return f"{self.student} advised by {self.advisor}"

    def audit_subject(self) -> Student:
        return self.student


class RoleMembership(models.Model):
    """An educator's, leader's or analyst's role in one organization, with dates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=24, choices=[(r.value, r.label) for r in MEMBERSHIP_ROLES]
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{Role(self.role).label} @ {self.organization}"

    def audit_subject(self) -> None:
        return None  # not one student's data, but it decides who sees students

    def audit_scope(self) -> str:
        return self.organization.path


def active_on(day: dt.date, prefix: str = "") -> Q:
    """Rows whose [start_date, end_date] span includes ``day`` (end_date null = open)."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )
