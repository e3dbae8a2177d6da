"""Progress of long-running work (imports, replays), visible to other processes at once.

The work itself runs in one transaction so that it lands whole or not at all; progress
rows written inside it would stay invisible until the end. So progress goes to the
shared "progress" cache, keyed by job, and pages poll it.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches


def report(kind: str, job_id: int, *, done: int, total: int, stage: str) -> None:
    caches["progress"].set(f"{kind}:{job_id}", {"done": done, "total": total, "stage": stage})


def read(kind: str, job_id: int) -> dict[str, Any] | None:
    value: dict[str, Any] | None = caches["progress"].get(f"{kind}:{job_id}")
    return value
