"""A stand-in district roster for the release's unit tests: the arrays
``insights.release.compute`` reads, built without a database."""

from __future__ import annotations

from typing import Any

import numpy as np

from proficio.insights.release import BIAS_METRICS, Roster

# Every per-student metric the release reads (``insights.release.build`` makes the same).
METRICS = ("growth", "evidence", "expected", "unassessed", *BIAS_METRICS)


def stand_in_roster(
    school: np.ndarray,
    schools: list[tuple[int, str]],
    *,
    behind: np.ndarray,
    proficient: np.ndarray,
    district: tuple[int, str] = (1, "Tiny"),
    codes: np.ndarray | None = None,
    dimensions: dict[str, list[str]] | None = None,
    **more: Any,
) -> Roster:
    """Students in grade 7 of ``schools`` (``school`` indexes it), none stalled, each
    metric 1 for everyone; one subgroup dimension of one group unless ``codes`` and
    ``dimensions`` say otherwise; ``more`` sets any other field of the roster."""
    n = len(school)
    return Roster(
        district=district,
        ids=np.arange(1, n + 1),
        school=school,
        schools=schools,
        grade=["7"] * n,
        codes=np.zeros((n, 1), np.int64) if codes is None else codes,
        dimensions={"english_learner": ["no"]} if dimensions is None else dimensions,
        behind=behind,
        proficient=proficient,
        stalled=np.zeros(n, bool),
        metrics={name: np.ones(n) for name in METRICS},
        **more,
    )
