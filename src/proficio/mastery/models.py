"""Mastery policies (versioned), determinations (with history), overrides and roll-up rules.

A determination records the policy version that made it. Changing a policy makes a new
version and replays the affected determinations; the old rows stay in
``DeterminationHistory``, so the determinations as of any past moment can be shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.audit.models import AppendOnly
from proficio.frameworks.models import Framework, Item
from proficio.orgs.models import Organization, Student


class ScopeKind(models.TextChoices):
    """Where a policy applies; the most specific wins: target > competency > framework >
    school > district."""

    TARGET = "target", _("Learning target")
    COMPETENCY = "competency", _("Competency")
    FRAMEWORK = "framework", _("Framework")
    SCHOOL = "school", _("School")
    DISTRICT = "district", _("District")


SCOPE_PRECEDENCE = [
    ScopeKind.TARGET,
    ScopeKind.COMPETENCY,
    ScopeKind.FRAMEWORK,
    ScopeKind.SCHOOL,
    ScopeKind.DISTRICT,
]


class Method(models.TextChoices):
    LATEST = "latest", _("Most recent score")
    HIGHEST = "highest", _("Highest score")
    MEAN = "mean", _("Average")
    MODE = "mode", _("Most frequent score")
    WEIGHTED_AVERAGE = "weighted_average", _("Weighted average (latest weighs most)")
    DECAYING_AVERAGE = "decaying_average", _("Decaying average")
    N_MASTERY = "n_mastery", _("n times at mastery")
    POWER_LAW = "power_law", _("Power law (Marzano trend)")
    BKT = "bkt", _("Bayesian Knowledge Tracing (quiz items)")


class BKTSpace(models.TextChoices):
    """Where a BKT fit's parameters may lie (``proficio.core.mastery.bkt.ParameterSpace``)."""

    IDENTIFIABLE = "identifiable", _("Identifiable: guess and slip below 0.5")
    UNCONSTRAINED = "unconstrained", _("Unconstrained: any guess and slip (pyBKT's space)")


class BKTVariant(models.TextChoices):
    """BKT model variants (``proficio.core.mastery.bkt.Variant``), with what they read here."""

    FORGETS = "forgets", _("forgetting")
    MULTIGS = "multigs", _("guess and slip per quiz item")
    MULTILEARN = "multilearn", _("learning rate per quiz")
    MULTIPRIOR = "multiprior", _("prior per school")


class MasteryPolicy(models.Model):
    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("applies to"), max_length=12, choices=ScopeKind.choices)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.PROTECT)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT)
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="mastery_policies"
    )

    class Meta:
        verbose_name_plural = "mastery policies"

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> PolicyVersion:
        return self.versions.order_by("-version").first()  # type: ignore[return-value]


class PolicyVersion(AppendOnly, models.Model):
    """One immutable version of a policy's rule and options."""

    policy = models.ForeignKey(MasteryPolicy, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("rule"), max_length=20, choices=Method.choices)
    weight = models.FloatField(_("weight of the latest score"), default=0.65)
    rate = models.FloatField(_("decay rate"), default=0.65)
    n = models.PositiveSmallIntegerField(_("n (scores at mastery)"), null=True, blank=True)
    window_last = models.PositiveSmallIntegerField(
        _("only the last N scores"), null=True, blank=True
    )
    window_since = models.DateTimeField(_("only evidence shown since"), null=True, blank=True)
    min_evidence = models.PositiveSmallIntegerField(_("minimum pieces of evidence"), default=1)
    min_kinds = models.PositiveSmallIntegerField(_("minimum kinds of evidence"), default=1)
    count_self_and_peer = models.BooleanField(_("self- and peer-assessment count"), default=False)
    bkt_params = models.JSONField(_("BKT parameters"), null=True, blank=True)
    bkt_mastery = models.FloatField(_("BKT mastery probability"), default=0.95)
    note = models.TextField(_("why this version"), blank=True)

    class Meta:
        ordering = ["policy", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="unique_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.version}"

    append_only_message = "policy versions are immutable; make a new version"


class DeterminationStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not yet assessed")
    INSUFFICIENT = "insufficient", _("Not enough evidence yet")
    NOT_YET = "not_yet", _("Not yet proficient")
    PROFICIENT = "proficient", _("Proficient")
    ADVANCED = "advanced", _("Advanced")


class Determination(models.Model):
    """The current determination for one student on one learning target."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="determinations")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="determinations")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(null=True, blank=True)
    level_value = models.FloatField(null=True, blank=True)  # the scale value of the level reached
    status = models.CharField(max_length=14, choices=DeterminationStatus.choices)
    evidence_count = models.PositiveIntegerField(default=0)
    last_assessed_at = models.DateTimeField(null=True, blank=True)
    trend = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "target"], name="one_determination")
        ]
        indexes = [models.Index(fields=["target", "status"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.target_id}: {self.status}"

    def audit_subject(self) -> Student:
        return self.student


class DeterminationHistory(AppendOnly, models.Model):
    """Every determination ever made, append-only: the time machine reads it."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(null=True, blank=True)
    level_value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=DeterminationStatus.choices)
    evidence_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=40)  # "evidence", "replay", "override", …

    class Meta:
        indexes = [models.Index(fields=["student", "target", "computed_at"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.target_id}@{self.computed_at}: {self.status}"

    append_only_message = "determination history is append-only"


class Override(models.Model):
    """An educator's professional judgment, with its written rationale. Shown as an
    override wherever the level appears; withdrawn overrides stay on record."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="overrides")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="overrides")
    level_value = models.FloatField(_("level"))
    status = models.CharField(max_length=14, choices=DeterminationStatus.choices)
    rationale = models.TextField(_("rationale"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"override {self.level_value:g} for {self.student_id}/{self.target_id}"

    def audit_subject(self) -> Student:
        return self.student


class RollupRuleModel(models.Model):
    """How a competency (or domain) rolls up from its children."""

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="rollup_rule")
    method = models.CharField(
        max_length=10,
        choices=[("all", "all"), ("points", "points"), ("mean", "mean"), ("min", "min")],
        default="all",
    )
    threshold = models.FloatField(null=True, blank=True)
    points = models.JSONField(default=dict, blank=True)
    required = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.item_id}: {self.method}"


class ReplayJob(models.Model):
    """Recomputing determinations after a policy change, with visible progress."""

    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, default="queued")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"replay {self.policy_version} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class ContinuumSetting(AppendOnly, models.Model):
    """A district's reading of its continuum, versioned like a policy: whether showing a
    level of a competency meets the levels below it by inference (on unless a version
    says otherwise). Immutable; a change is a new version."""

    district = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="continuum_settings"
    )
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    infer_lower_levels = models.BooleanField(
        _("showing a level meets the levels below it"), default=True
    )
    note = models.TextField(_("why this version"), blank=True)

    class Meta:
        ordering = ["district", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "version"], name="unique_continuum_setting_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_id} v{self.version}: infer={self.infer_lower_levels}"

    append_only_message = "continuum settings are immutable; make a new version"
