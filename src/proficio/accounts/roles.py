"""The roles people hold in Proficio.

A role is always held *somewhere*: an educator's role is a dated membership of an
organization; a student's and a guardian's follow from their records. The permission
policy (``proficio.policy``) says what each role may see and change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Guardian")
    TEACHER = "teacher", _("Teacher")
    ADVISOR = "advisor", _("Advisor / counselor")
    SCHOOL_LEADER = "school_leader", _("School leader")
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    DISTRICT_DATA_LEAD = "district_data_lead", _("District data lead")
    STATE_ANALYST = "state_analyst", _("State analyst")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Roles granted through RoleMembership rows; students and guardians come from their records.
MEMBERSHIP_ROLES = [
    Role.TEACHER,
    Role.ADVISOR,
    Role.SCHOOL_LEADER,
    Role.DISTRICT_ADMIN,
    Role.DISTRICT_DATA_LEAD,
    Role.STATE_ANALYST,
    Role.SYSTEM_ADMIN,
]
