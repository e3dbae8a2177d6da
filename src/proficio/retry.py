"""Run an action again when the database gives up on it for a reason that a retry cures.

PostgreSQL aborts a transaction that would deadlock or could not be serialized (SQLSTATE
40P01 and 40001), and SQLite answers "database is locked" when another writer holds it past
the busy timeout. Neither says the request was wrong: the same transaction, run again a
moment later, succeeds. Writers lock determinations in one order (see
``mastery.actions.lock_order``), so these are rare; when one still happens the action runs
again, a bounded number of times, instead of the request answering 500.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import OperationalError, connection

F = TypeVar("F", bound=Callable[..., Any])

ATTEMPTS = 4
CONFLICTS = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_conflict(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code in CONFLICTS:
        return True
    return "database is locked" in str(exc)


def retry_on_conflict(action: F) -> F:
    """Wrap an action (outside its ``transaction.atomic``) so a conflict runs it again.

    Only the outermost call retries: inside someone else's transaction the whole
    transaction has to go, so the error is passed up to the action that began it."""

    @functools.wraps(action)
    def run(*args: Any, **kwargs: Any) -> Any:
        if connection.in_atomic_block:
            return action(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return action(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or not is_conflict(exc):
                    raise
                time.sleep(random.uniform(0.005, 0.02) * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return run  # type: ignore[return-value]
