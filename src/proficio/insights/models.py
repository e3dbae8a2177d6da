"""The published release: what a district's aggregates look like once suppressed.

One row per publication (the daily job writes one per district and snapshot day, or
more if it runs again). Pages, CSV/JSON exports, the API and the state pages read only
``rows``, the published figures, in which a withheld figure is null; they never see a
hidden value. ``audit_state`` is private: the cells' true values, relations and which
were hidden, kept so that the next publication can be audited together with this one
(no two consecutive releases may be differenced to narrow a hidden count).
"""

from __future__ import annotations

from django.db import models

from proficio.orgs.models import Organization


class PublishedRelease(models.Model):
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the snapshot day
    threshold = models.PositiveSmallIntegerField()
    rows = models.JSONField(default=list)
    totals = models.JSONField(default=dict)  # organization id → its total row (trends)
    summary = models.JSONField(default=dict)
    audit_state = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["district", "-day", "-pk"]
        indexes = [models.Index(fields=["district", "day"])]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day}"


class HeldRelease(models.Model):
    """A day's release the joint audit could not protect against what was already
    published (``core.equity.joint.held``), so it was not published: the district's
    latest ``PublishedRelease`` stays current, and the next day is audited against it.
    Kept so that the analyst's dashboard can say which day was held and why. Holds only
    counts of figures, never a figure."""

    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the snapshot day that was held
    threshold = models.PositiveSmallIntegerField()
    unprotected = models.PositiveIntegerField()  # hidden figures that stayed too narrow
    summary = models.JSONField(default=dict)  # the audit's summary, as a release's
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["district", "-day", "-pk"]
        indexes = [models.Index(fields=["district", "day"])]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} (held)"
