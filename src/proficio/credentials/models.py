"""Issuing keys, status lists, the credentials Proficio issued, and outside credentials
students presented. Written only by ``proficio.credentials.actions``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.evidence.models import Evidence
from proficio.frameworks.models import Item, PerformanceLevel
from proficio.orgs.models import Organization, Student


class CredentialSettings(models.Model):
    """A district's choices about credentials (absent: nothing is issued)."""

    district = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="credential_settings"
    )
    issue_level_credentials = models.BooleanField(
        _("issue a credential for each competency level a student reaches"), default=False
    )
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"credentials of {self.district}"


class IssuerKey(models.Model):
    """One Ed25519 key of an issuing organization. The secret is encrypted at rest; a
    rotated key is retired, never deleted, so the credentials it signed still verify."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="issuer_keys"
    )
    did = models.CharField(max_length=300)
    verification_method = models.CharField(max_length=400, unique=True)
    public_key = models.BinaryField()
    encrypted_secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "created_at", "id"]

    def __str__(self) -> str:
        return self.verification_method


class StatusList(models.Model):
    """A Bitstring Status List of an organization, published at a stable URL."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="status_lists"
    )
    # The key that opened it: the list is published under that key's DID, so a did:key
    # issuer's list stays with the key (and DID) its credentials name.
    key = models.ForeignKey("IssuerKey", on_delete=models.PROTECT, related_name="+")
    size = models.PositiveIntegerField()
    next_index = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"status list {self.uuid}"


class CredentialKind(models.TextChoices):
    LEVEL = "level", _("Competency level")
    CLR = "clr", _("Comprehensive learner record")
    DIPLOMA = "diploma", _("Diploma")
    MICRO_CREDENTIAL = "micro", _("Educator micro-credential")


class CredentialFormat(models.TextChoices):
    DATA_INTEGRITY = "di", _("JSON with a Data Integrity proof")
    JWT = "jwt", _("JSON Web Token")


class IssuedCredential(models.Model):
    """A credential Proficio signed, exactly as it was handed out: to a student, or to an
    educator (a micro-credential; ``educator`` instead of ``student``)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    educator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="educator_credentials",
    )
    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=CredentialKind.choices)
    format = models.CharField(max_length=4, choices=CredentialFormat.choices)
    # What it certifies, so nothing is issued twice: "level:<item uuid>:<level code>".
    subject_key = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    competency = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT)
    level = models.ForeignKey(PerformanceLevel, null=True, blank=True, on_delete=models.PROTECT)
    content = models.TextField()  # the signed JSON or the compact JWT, byte for byte
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="+")
    status_list = models.ForeignKey(
        StatusList, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    status_index = models.PositiveIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="unique_status_bit"
            ),
            models.UniqueConstraint(
                fields=["student", "subject_key"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_credential_per_subject",
            ),
            models.UniqueConstraint(
                fields=["educator", "subject_key"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_educator_credential_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(student__isnull=False, educator__isnull=True)
                | models.Q(student__isnull=True, educator__isnull=False),
                name="credential_has_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_subject(self) -> Student | None:
        return self.student

    def audit_scope(self) -> str:
        return self.issuer.path


class OutsideCredential(models.Model):
    """A credential a student earned elsewhere and presented, with Proficio's verdict.
    When it aligns to one of our CASE items, it becomes proposed evidence."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="outside_credentials"
    )
    presented_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=300, blank=True)
    issuer_name = models.CharField(max_length=300, blank=True)
    content = models.TextField()
    verdict = models.JSONField()
    target = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT)
    evidence = models.OneToOneField(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="credential"
    )

    class Meta:
        ordering = ["-presented_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_subject(self) -> Student:
        return self.student
