"""The teacher's classroom: whole-class scoring of a task with a rubric, and saved
flexible groups.

A scoring task keeps one row per student (attendance, comment) and one row per student
and rubric criterion (the level given). Each row carries a ``version`` that goes up with
every save, so a page that was open while someone else scored is caught instead of
silently overwriting the newer score. Scores become evidence through the actions; these
rows are the worksheet, the evidence is the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.evidence.models import Evidence, EvidenceKind
from proficio.frameworks.models import Item, Rubric, RubricCriterion
from proficio.orgs.models import Section, Student


class ScoringTask(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="scoring_tasks")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    assessed_on = models.DateField(_("date the learning was shown"))
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.section.school.path


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    NOT_ATTEMPTED = "not_attempted", _("Not attempted")


class TaskStudent(models.Model):
    """One student on one scoring task: present or not, the teacher's comment, and the
    evidence the scores became."""

    task = models.ForeignKey(ScoringTask, on_delete=models.PROTECT, related_name="students")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    attendance = models.CharField(
        _("attendance"), max_length=14, choices=Attendance.choices, default=Attendance.PRESENT
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.OneToOneField(
        Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "student"], name="one_task_student")]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.student_id}"

    def audit_subject(self) -> Student:
        return self.student


class TaskScore(models.Model):
    """The level one student got on one criterion of the task's rubric (None: cleared)."""

    task = models.ForeignKey(ScoringTask, on_delete=models.PROTECT, related_name="scores")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("level"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "student", "criterion"], name="one_task_score")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.student_id}/{self.criterion_id}: {self.score}"

    def audit_subject(self) -> Student:
        return self.student


class GroupSet(models.Model):
    """Flexible groups for one target, saved as they were formed (to print or revisit)."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="group_sets")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.section.school.path


class GroupMember(models.Model):
    group_set = models.ForeignKey(GroupSet, on_delete=models.CASCADE, related_name="members")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)  # proficio.core.progression.groups.GroupKind
    prerequisite = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.student_id} in {self.kind}"

    def audit_subject(self) -> Student:
        return self.student
