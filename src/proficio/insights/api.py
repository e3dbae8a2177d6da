"""JSON API for suppressed aggregates: the same rows as the dashboard's exports."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from proficio import policy
from proficio.insights import data
from proficio.policy import Subject

router = Router(tags=["insights"])


class AggregateRow(Schema):
    breakdown: str
    group: str
    students: int | None
    behind_pace_percent: float | None
    proficient_percent: float | None
    stalled_percent: float | None
    growth_levels_per_year: float | None
    evidence: int | None
    expected_but_unassessed_percent: float | None
    taught_by_micro_credentialed_percent: float | None
    suppressed: bool
    suppression_reason: str
    suppressed_fields: list[str]


class Aggregates(Schema):
    organization: str
    suppression_threshold: int
    rows: list[AggregateRow]


@router.get("/insights/{org_id}/aggregates", response=Aggregates)
def organization_aggregates(request: HttpRequest, org_id: int) -> Aggregates:
    """Pace, proficiency and equity aggregates for an organization, from the district's
    published release (the same rows as the dashboard and its exports). A null is a
    figure withheld by suppression; ``suppressed`` and ``suppressed_fields`` say so."""
    org = policy.access_organization(request.user, org_id, Subject.AGGREGATE)
    release = data.release_of(org)
    return Aggregates(
        organization=org.name,
        suppression_threshold=release.threshold if release else data.threshold(),
        rows=[AggregateRow(**row) for row in data.export_rows(org)],
    )
