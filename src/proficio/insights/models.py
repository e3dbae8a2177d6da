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


class _DistrictDay(models.Model):
    """What every attempt at a district's daily release records: the district, the
    snapshot day, the threshold, the audit's summary and when it was made."""

    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the snapshot day
    threshold = models.PositiveSmallIntegerField()
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["district", "-day", "-pk"]
        indexes = [models.Index(fields=["district", "day"])]


class PublishedRelease(_DistrictDay):
    rows = models.JSONField(default=list)
    totals = models.JSONField(default=dict)  # organization id → its total row (trends)
    audit_state = models.BinaryField()

    class Meta(_DistrictDay.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.district_id} {self.day}"


class HeldRelease(_DistrictDay):
    """A day's release the joint audit could not protect against what was already
    published (``core.equity.joint.held``), so it was not published: the district's
    latest ``PublishedRelease`` stays current, and the next day is audited against it.
    Kept so that the analyst's dashboard can say which day was held and why. Holds only
    counts of figures (``unprotected``: hidden figures that stayed too narrow; the
    summary is the audit's, as a release's), never a figure."""

    unprotected = models.PositiveIntegerField()

    class Meta(_DistrictDay.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} (held)"
