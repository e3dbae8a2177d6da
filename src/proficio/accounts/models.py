"""People who log in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Anyone who logs in: students, guardians, educators, leaders, analysts, administrators."""

    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        default="en",
        choices=[("en", "English"), ("es", "Español")],
    )
    # Accounts that come from a district's OneRoster roster: the SIS's sourcedId, unique
    # within that district (sourcedIds of two districts' systems may collide).
    sourced_id = models.CharField(
        _("OneRoster sourcedId"), max_length=255, blank=True, db_index=True, editable=False
    )
    roster_district = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    # No audit_subject(): a save (a login's last_login, say) is not audited by signal;
    # the account actions record each change themselves, with its purpose.

    def audit_scope(self) -> str:
        """The organization path an entry about this account is filed under: the most
        specific organization of the person's roles, so that organization's
        administrators find it in their audit log."""
        paths = [m.organization.path for m in self.memberships.select_related("organization")]
        student = getattr(self, "student_profile", None)
        if student is not None:
            paths.append(student.school.path)
        paths += [
            link.student.school.path
            for link in self.guardian_links.select_related("student__school")
        ]
        return max(paths, key=len) if paths else ""


class LoginFailure(models.Model):
    """One failed password login: when, from which address, for which username.

    Axes locks one username from one address. These rows let the login throttle
    (``proficio.accounts.throttle``) also see password spraying: one address failing on
    many accounts, and a site-wide burst of failures from many addresses. Rows older than
    the longest window are pruned as new ones arrive.
    """

    at = models.DateTimeField(db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ip_address", "at"], name="loginfailure_ip_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.ip_address} {self.username}"


class MachineClient(models.Model):
    """A program (an SIS, an LMS, a data warehouse) that calls Proficio's APIs with OAuth 2.0
    client credentials, as the 1EdTech security framework asks.

    It acts as its own account (``user``, which cannot log in) holding one dated role
    membership (``role`` at ``organization``), so the permission policy treats it exactly as
    it would a person with that role there; its token's scopes then narrow which APIs it
    may call. Revoking it ends the membership and deletes its tokens.
    """

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.PROTECT, related_name="proficio_client"
    )
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="machine_client")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="machine_clients"
    )
    role = models.CharField(_("role"), max_length=24)
    scopes = models.JSONField(_("scopes"), default=list)
    registered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="registered_clients"
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["application__name"]

    def __str__(self) -> str:
        return str(self.application.name)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def role_label(self) -> str:
        from proficio.accounts.roles import Role

        return str(Role(self.role).label)

    # Registering, new secrets and revoking are recorded by the actions, with their purpose.
    def audit_scope(self) -> str:
        return str(self.organization.path)


class HomeVisit(models.Model):
    """When a person last opened one of their home pages, and the visit before that one:
    the guardian's home says what changed since the previous visit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32)
    seen_at = models.DateTimeField()
    previous = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_visit_per_home")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} {self.seen_at:%Y-%m-%d %H:%M}"
