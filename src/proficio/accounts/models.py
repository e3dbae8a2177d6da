"""People who log in."""

from __future__ import annotations

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
