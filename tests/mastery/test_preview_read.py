"""The policy preview's lean read (``mastery.actions._score_rows``): the database sorts and
gives each time as epoch seconds, numpy groups. It must hand the batch kernel exactly the
rows, in exactly the order, that the read it replaced did (every row a Python date-time,
sorted in Python by pair, time, score and kind code), ties of kind included."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from proficio.audit.context import acting
from proficio.core.mastery import policy as core
from proficio.evidence import actions as evidence
from proficio.evidence.models import EvidenceScore
from proficio.mastery import actions, engine
from proficio.mastery.models import MasteryPolicy


def _old_read(keys, target_ids):
    """The replaced read, written out: a date-time per row, a Python sort."""
    pair_index = {p: i for i, p in enumerate(keys)}
    rows = sorted(
        (pair_index[(s, t)], at.timestamp(), sc, core.KIND_CODES[k])
        for s, t, sc, at, k in EvidenceScore.objects.filter(
            target_id__in=target_ids, counts=True
        ).values_list("student_id", "target_id", "score", "assessed_at", "kind")
        if (s, t) in pair_index
    )
    return [np.asarray(c) for c in zip(*rows, strict=True)]


def _ties(world):
    """Two pieces of evidence at the same moment (to the microsecond, just short of a whole
    second) with the same score but kinds whose text and code orders disagree."""
    rivera = world.user("rivera")
    moment = (timezone.now() - dt.timedelta(days=4)).replace(microsecond=999905)
    with acting(rivera, route="test"):
        for kind in ("performance_task", "observation", "self_assessment"):
            evidence.record_evidence(
                rivera,
                student=world.ana,
                kind=kind,
                title=f"Tie {kind}",
                assessed_at=moment,
                scores=[evidence.ScoreInput(world.target("MATH.1.2"), 3)],
            )


def test_epoch_seconds_is_each_rows_timestamp_to_the_microsecond(world):
    _ties(world)
    rows = list(
        EvidenceScore.objects.annotate(at=engine.EpochSeconds("assessed_at")).values_list(
            "assessed_at", "at"
        )
    )
    assert len(rows) >= 4
    assert [at.timestamp() for at, _ in rows] == [seconds for _, seconds in rows]
    assert any(at.microsecond == 999905 for at, _ in rows)


def test_the_lean_read_gives_the_kernel_what_the_old_read_did(world):
    _ties(world)
    found = MasteryPolicy.objects.filter(owner=world.org("riverbend")).first()
    pairs = actions._pairs(found)
    target_ids = sorted({t for _, t in pairs})
    keys = sorted(pairs)
    g, ts, sc, kc = actions._score_rows(keys, target_ids)
    old_g, old_ts, old_sc, old_kc = _old_read(keys, target_ids)
    assert g.size == old_g.size >= 3
    np.testing.assert_array_equal(g, old_g)
    np.testing.assert_array_equal(ts, old_ts)
    np.testing.assert_array_equal(sc, old_sc)
    np.testing.assert_array_equal(kc, old_kc)
    # The tie is there, and in code order (performance task 0, observation 2, self 5).
    tie = ts == ts[np.flatnonzero(np.isclose(ts % 1, 0.999905))[0]]
    assert list(kc[tie][-3:]) == [0, 2, 5]


def test_a_preview_with_no_counting_scores_reads_nothing(world):
    g, ts, sc, kc = actions._score_rows([(world.ana.pk, 10**9)], [10**9])
    assert g.size == ts.size == sc.size == kc.size == 0
