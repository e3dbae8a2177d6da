"""Frameworks, CASE-shaped, with Proficio's continuum on top.

CASE identity is kept everywhere: every framework object carries its CASE
``identifier`` (a UUID) and ``uri``, so the same learning target can be followed from
import, through evidence, to transcript and badge. Fields CASE defines are stored as
their own columns; anything else a package carries is kept in ``extensions``.

Definitions are never deleted once something refers to them: references use
``on_delete=PROTECT`` and the actions archive or replace instead (see ``actions``).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.audit.models import AppendOnly
from proficio.orgs.models import Organization


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ItemKind(models.TextChoices):
    DOMAIN = "domain", _("Graduate-profile domain")
    COMPETENCY = "competency", _("Competency")
    TARGET = "target", _("Learning target")


class Category(models.TextChoices):
    """Reported separately everywhere: academics apart from habits and social-emotional skills."""

    ACADEMIC = "academic", _("Academic")
    HABITS = "habits", _("Lifelong learning / habits of success")
    SEL = "sel", _("Developmental / social-emotional")
    EDUCATOR = "educator", _("Educator practice")


class AssociationType(models.TextChoices):
    IS_CHILD_OF = "isChildOf", "isChildOf"
    PRECEDES = "precedes", "precedes"
    EXACT_MATCH_OF = "exactMatchOf", "exactMatchOf"
    IS_RELATED_TO = "isRelatedTo", "isRelatedTo"
    REPLACED_BY = "replacedBy", "replacedBy"
    IS_PART_OF = "isPartOf", "isPartOf"
    HAS_SKILL_LEVEL = "hasSkillLevel", "hasSkillLevel"
    EXEMPLAR = "exemplar", "exemplar"
    IS_PEER_OF = "isPeerOf", "isPeerOf"
    IS_TRANSLATION_OF = "isTranslationOf", "isTranslationOf"


class CASEObject(models.Model):
    """What every CASE object has: identity, a last-change time, and extensions."""

    identifier = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4)
    uri = models.CharField(_("URI"), max_length=500)
    last_change = models.DateTimeField(_("last changed"))
    extensions = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class License(CASEObject):
    title = models.CharField(_("title"), max_length=300)
    license_text = models.TextField(_("licence text"), blank=True)
    description = models.TextField(_("description"), null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class ItemType(CASEObject):
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), null=True, blank=True)
    hierarchy_code = models.CharField(max_length=100, blank=True)
    type_code = models.CharField(max_length=100, null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class Concept(CASEObject):
    title = models.CharField(_("title"), max_length=300)
    keywords = models.TextField(null=True, blank=True)
    hierarchy_code = models.CharField(max_length=100, blank=True)
    description = models.TextField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class Subject(CASEObject):
    title = models.CharField(_("title"), max_length=300)
    hierarchy_code = models.CharField(max_length=100, blank=True)
    description = models.TextField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class AssociationGrouping(CASEObject):
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class ProficiencyScale(models.Model):
    """Ordered levels with labels, values and a mastery threshold. There is no "fail"."""

    identifier = models.UUIDField(unique=True, default=uuid.uuid4)
    title = models.CharField(_("title"), max_length=200)

    def __str__(self) -> str:
        return self.title

    def mastery_value(self) -> float | None:
        """The lowest value that meets mastery."""
        values = [lv.value for lv in self.levels.all() if lv.meets_mastery]
        return min(values) if values else None


class ScaleLevel(models.Model):
    scale = models.ForeignKey(ProficiencyScale, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    value = models.FloatField(_("value"))
    label = models.CharField(_("label"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    meets_mastery = models.BooleanField(_("meets mastery"), default=False)
    color = models.CharField(_("colour"), max_length=7, default="#e6e9ee")
    text_color = models.CharField(max_length=7, default="#1b1f24")
    icon = models.CharField(_("icon"), max_length=40, default="circle-empty")

    class Meta:
        ordering = ["scale", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "position"], name="unique_scale_position"),
            models.UniqueConstraint(fields=["scale", "value"], name="unique_scale_value"),
        ]

    def __str__(self) -> str:
        return f"{self.value:g} {self.label}"


class Framework(CASEObject):
    """A CFDocument: a published set of competencies."""

    creator = models.CharField(_("creator"), max_length=300)
    title = models.CharField(_("title"), max_length=300)
    framework_type = models.CharField(max_length=100, null=True, blank=True)
    case_version = models.CharField(max_length=10, null=True, blank=True)
    official_source_url = models.CharField(max_length=500, null=True, blank=True)
    publisher = models.CharField(max_length=300, null=True, blank=True)
    description = models.TextField(_("description"), null=True, blank=True)
    subject = models.JSONField(_("subject"), default=list, blank=True)
    subject_uri = models.JSONField(default=list, blank=True)
    language = models.CharField(_("language"), max_length=20, null=True, blank=True)
    version = models.CharField(_("version"), max_length=60, null=True, blank=True)
    adoption_status = models.CharField(_("adoption status"), max_length=60, null=True, blank=True)
    status_start_date = models.DateField(null=True, blank=True)
    status_end_date = models.DateField(null=True, blank=True)
    license = models.ForeignKey(License, null=True, blank=True, on_delete=models.PROTECT)
    license_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    # Proficio's own: who manages it, whether it is public, its default scale.
    owner = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="frameworks"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    scale = models.ForeignKey(
        ProficiencyScale, null=True, blank=True, on_delete=models.PROTECT, related_name="frameworks"
    )
    item_types = models.ManyToManyField(ItemType, blank=True, related_name="frameworks")
    concepts = models.ManyToManyField(Concept, blank=True, related_name="frameworks")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="frameworks")
    licenses = models.ManyToManyField(License, blank=True, related_name="packages")
    groupings = models.ManyToManyField(AssociationGrouping, blank=True, related_name="frameworks")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PerformanceLevel(models.Model):
    """A level (or multi-year band) on the framework's continuum, independent of grade."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="levels")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=80)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_level_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="unique_level_position"),
        ]

    def __str__(self) -> str:
        return self.label


class Item(CASEObject):
    """A CFItem: a graduate-profile domain, a competency or a learning target."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="items")
    full_statement = models.TextField(_("full statement"))
    abbreviated_statement = models.TextField(_("abbreviated statement"), null=True, blank=True)
    alternative_label = models.TextField(null=True, blank=True)
    human_coding_scheme = models.CharField(_("code"), max_length=200, null=True, blank=True)
    list_enumeration = models.CharField(max_length=100, null=True, blank=True)
    item_type = models.ForeignKey(ItemType, null=True, blank=True, on_delete=models.PROTECT)
    item_type_title = models.CharField(_("item type"), max_length=300, null=True, blank=True)
    concept_keywords = models.JSONField(default=list, blank=True)
    concept_keywords_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    subject = models.JSONField(default=list, blank=True)
    subject_uri = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=20, null=True, blank=True)
    education_level = models.JSONField(_("education level"), default=list, blank=True)
    license_uri = models.JSONField(null=True, blank=True)
    status_start_date = models.DateField(null=True, blank=True)
    status_end_date = models.DateField(null=True, blank=True)
    # Proficio's own.
    kind = models.CharField(
        _("kind"), max_length=12, choices=ItemKind.choices, default=ItemKind.TARGET
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.ACADEMIC
    )
    level = models.ForeignKey(
        PerformanceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    scale = models.ForeignKey(
        ProficiencyScale,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        help_text=_("Overrides the framework's scale for this competency."),
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        ordering = ["framework", "human_coding_scheme", "id"]
        indexes = [models.Index(fields=["framework", "kind"])]

    def __str__(self) -> str:
        return (
            f"{self.human_coding_scheme} {self.short}" if self.human_coding_scheme else self.short
        )

    @property
    def short(self) -> str:
        text = self.abbreviated_statement or self.full_statement
        if len(text) <= 90:
            return text  # a localized text keeps its "untranslated" mark
        if getattr(text, "fallback", False):
            from proficio.frameworks.translations import Localized

            return Localized(text[:87] + "…", fallback=True)
        return text[:87] + "…"

    def effective_scale(self) -> ProficiencyScale | None:
        return self.scale or self.framework.scale


class Association(CASEObject):
    """A CFAssociation between two nodes; either end may lie outside this framework."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="associations")
    association_type = models.CharField(_("type"), max_length=100, db_index=True)
    origin_identifier = models.CharField(max_length=64, db_index=True)
    origin_uri = models.CharField(max_length=500)
    origin_title = models.TextField(blank=True)
    origin_target_type = models.CharField(max_length=60, null=True, blank=True)
    origin_item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="outgoing"
    )
    destination_identifier = models.CharField(max_length=64, db_index=True)
    destination_uri = models.CharField(max_length=500)
    destination_title = models.TextField(blank=True)
    destination_target_type = models.CharField(max_length=60, null=True, blank=True)
    destination_item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming"
    )
    sequence_number = models.IntegerField(null=True, blank=True)
    grouping = models.ForeignKey(
        AssociationGrouping, null=True, blank=True, on_delete=models.PROTECT
    )
    grouping_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "sequence_number", "id"]

    def __str__(self) -> str:
        origin = self.origin_title or self.origin_identifier
        destination = self.destination_title or self.destination_identifier
        return f"{origin} {self.association_type} {destination}"


class Rubric(CASEObject):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rubrics")
    title = models.CharField(_("title"), max_length=300, null=True, blank=True)
    description = models.TextField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title or str(self.identifier)


class RubricCriterion(CASEObject):
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="criteria")
    category = models.CharField(max_length=300, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="criteria"
    )
    item_uri = models.JSONField(null=True, blank=True)
    weight = models.FloatField(null=True, blank=True)
    position = models.IntegerField(null=True, blank=True)
    # CASE's rubricId as the package wrote it (null when it left it out), so it goes back out.
    case_rubric_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["rubric", "position", "id"]

    def __str__(self) -> str:
        return self.category or self.description or str(self.identifier)


class RubricCriterionLevel(CASEObject):
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="levels")
    description = models.TextField(null=True, blank=True)
    quality = models.CharField(max_length=300, null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    feedback = models.TextField(null=True, blank=True)
    position = models.IntegerField(null=True, blank=True)
    # CASE's rubricCriterionId as the package wrote it (null when it left it out).
    case_criterion_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["criterion", "position", "score", "id"]

    def __str__(self) -> str:
        return self.quality or str(self.score)


class LevelStatement(models.Model):
    """What proficiency looks like, for a student, at one level of one competency."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="level_statements")
    level = models.ForeignKey(PerformanceLevel, on_delete=models.PROTECT, related_name="statements")
    statement = models.TextField(_("what proficiency looks like"))

    class Meta:
        ordering = ["item", "level__position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="unique_level_statement")
        ]

    def __str__(self) -> str:
        return self.statement


class Exemplar(models.Model):
    """A work sample showing proficiency at a level (attached file or link)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="exemplars")
    level = models.ForeignKey(
        PerformanceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="exemplars"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(upload_to="exemplars/", blank=True)

    def __str__(self) -> str:
        return self.title


class DefinitionChange(AppendOnly, models.Model):
    """The history of framework definitions: every create, change, archive or replacement."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_name = models.CharField(max_length=200)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="history")
    object_type = models.CharField(max_length=60)
    identifier = models.CharField(max_length=64, db_index=True)
    change = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.change} {self.object_type} {self.identifier}"

    append_only_message = "definition history cannot be changed"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class ImportJob(models.Model):
    """One CASE package import: its file, its progress, and its per-object report."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    filename = models.CharField(max_length=255)
    payload = models.BinaryField()
    as_draft = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.SET_NULL)
    report = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    def live(self) -> ImportJob:
        """The job with its latest progress, which the worker reports outside the database."""
        from proficio import progress

        latest = progress.read("import", self.pk)
        if (latest and self.status == JobStatus.QUEUED) or (
            latest and self.status == JobStatus.RUNNING
        ):
            self.done, self.total, self.stage = latest["done"], latest["total"], latest["stage"]
        return self

    @property
    def percent(self) -> int:
        if self.status in (JobStatus.DONE, JobStatus.FAILED):
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class TranslationKind(models.TextChoices):
    ITEM = "item", _("Item")
    LEVEL = "level", _("Performance level")
    LEVEL_STATEMENT = "level_statement", _("Level statement")
    EXEMPLAR = "exemplar", _("Exemplar")
    HOME_SUPPORT = "home_support", _("How to help at home")
    SCALE_LEVEL = "scale_level", _("Scale level")


# The fields each kind of framework text may be translated in.
TRANSLATABLE_FIELDS: dict[str, tuple[str, ...]] = {
    TranslationKind.ITEM: ("full_statement", "abbreviated_statement"),
    TranslationKind.LEVEL: ("label", "description"),
    TranslationKind.LEVEL_STATEMENT: ("statement",),
    TranslationKind.EXEMPLAR: ("title", "description"),
    TranslationKind.HOME_SUPPORT: ("text",),
    TranslationKind.SCALE_LEVEL: ("label", "description"),
}


class Translation(models.Model):
    """Framework text in another language: an item's statements, a level's label, a
    level statement, an exemplar, a "how to help at home" note or a scale level's label.
    A page in that language shows it; without one it shows the English, marked as such."""

    framework = models.ForeignKey(
        Framework, null=True, on_delete=models.PROTECT, related_name="translations"
    )
    kind = models.CharField(max_length=20, choices=TranslationKind.choices)
    object_id = models.PositiveIntegerField()
    field = models.CharField(max_length=40)
    language = models.CharField(max_length=10)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "field", "language"], name="unique_translation"
            )
        ]
        indexes = [models.Index(fields=["language", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}.{self.field} [{self.language}]"


class HomeSupport(models.Model):
    """How a family can help at home with a competency at one level of the continuum
    (shown on the family report beside the next step)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="home_supports")
    level = models.ForeignKey(
        PerformanceLevel, on_delete=models.PROTECT, related_name="home_supports"
    )
    text = models.TextField(_("how to help at home"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="unique_home_support")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.level_id}"


class DefinitionStamp(models.Model):
    """One row whose token changes whenever a definition changes (a framework, item or
    association, a scale, a rubric, a mastery policy or roll-up rule): the key of the
    definitions cache (``proficio.frameworks.definitions``). A fresh random token each
    time, so a change that rolls back leaves a token nobody else ever sees."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
