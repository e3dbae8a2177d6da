"""The only code that writes published releases."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
from django.db import transaction

from proficio.core.equity.audit import AuditState, CellSystem
from proficio.insights import release
from proficio.insights.models import HeldRelease, PublishedRelease
from proficio.orgs.models import Organization, OrganizationKind
from proficio.policy import Act, Subject, authorize

logger = logging.getLogger(__name__)


def _pack(computed: release.Computed) -> bytes:
    return AuditState(computed.system, computed.hidden, computed.links, computed.blocks).pack()


def unpack(blob: bytes | memoryview) -> tuple[CellSystem, np.ndarray, dict[str, int], np.ndarray]:
    """A stored release's private audit state: its cells, hidden cells, links, blocks."""
    state = AuditState.unpack(blob)
    return state.system, state.hidden, dict(state.links), state.blocks


def publish_release(actor: Any, district: Organization, *, day: dt.date) -> PublishedRelease | None:
    """Build the district's release from the daily snapshot, suppress and audit it
    jointly (together with the district's previous publication and the state's published
    report cards of its schools, so none of them can be differenced), and store it. Only
    the daily job publishes (``actor`` is ``policy.SYSTEM``): no role may change
    aggregates.

    A release the audit could not protect (``core.equity.joint.held``: a hidden figure
    that what was already published narrows whatever is hidden today) is held instead:
    recorded as a ``HeldRelease`` for the dashboard to say so, not published, and None
    is returned. The previous release stays current, and the next day is audited
    against it."""
    authorize(actor, Act.CHANGE, Subject.AGGREGATE, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValueError("a release is published for a district")
    from proficio.insights.data import threshold

    limit = threshold()
    roster = release.read_roster(district, day)
    last = (
        PublishedRelease.objects.filter(district=district)
        .order_by("-day", "-pk")
        .only("audit_state", "day", "threshold")
        .first()
    )
    # Audited together with the previous publication, unless the threshold changed:
    # what was published under another threshold cannot be taken back, so a new
    # threshold starts a new series.
    joined = last is not None and last.day <= day and last.threshold == limit
    previous = unpack(last.audit_state) if joined and last is not None else None
    from proficio.state.figures import report_cards_of

    cards = report_cards_of(district, limit, day)
    computed = release.compute(
        roster, limit, previous=previous, alongside=[] if cards is None else [cards]
    )
    totals = {
        str(r["org"] if r["breakdown"] == "school" and r["total"] else r["link"]): r
        for r in computed.rows
        if r["breakdown"] == "school"
    }
    if computed.summary["unprotected"]:
        logger.warning(
            "release of district %s for %s held: %s figures could not be protected",
            district.pk,
            day,
            computed.summary["unprotected"],
        )
        HeldRelease.objects.create(
            district=district,
            day=day,
            threshold=limit,
            unprotected=computed.summary["unprotected"],
            summary=computed.summary,
        )
        return None
    with transaction.atomic():
        return PublishedRelease.objects.create(
            district=district,
            day=day,
            threshold=limit,
            rows=computed.rows,
            totals=totals,
            summary=computed.summary,
            audit_state=_pack(computed),
        )
