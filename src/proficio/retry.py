"""Run an action again when the database gives up on it for a reason that a retry cures.

PostgreSQL aborts a transaction that would deadlock or could not be serialized (SQLSTATE
40P01 and 40001), or that asked for a row lock without waiting and found it held (55P03:
``mastery.actions.update_determinations`` asks so where waiting could close a cycle), and
SQLite answers "database is locked" when another writer holds it past the busy timeout.
None says the request was wrong: the same transaction, run again a moment later,
succeeds. Writers lock determinations in one order (see ``mastery.actions.lock_order``),
so these are rare; when one still happens the action runs
again, a bounded number of times, instead of the request answering 500.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import OperationalError, connection, transaction

from proficio.audit import log as audit_log

F = TypeVar("F", bound=Callable[..., Any])

ATTEMPTS = 4
# serialization_failure, deadlock_detected, lock_not_available
CONFLICTS = {"40001", "40P01", "55P03"}


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


# How deep in ``transaction.atomic`` blocks the innermost ``atomic_action`` runs (0: none).
_action_depth: ContextVar[int] = ContextVar("proficio_action_depth", default=0)


def atomic_action(action: F) -> F:
    """``retry_on_conflict`` around ``transaction.atomic``, for an action that other
    actions also call. Called on its own it is its own transaction (a savepoint inside
    someone else's, as ``transaction.atomic`` is). Called directly from inside another
    action made with this decorator (no other atomic block in between) it joins that
    action's transaction without a savepoint of its own.

    A savepoint only helps a caller that catches the inner action's error and goes on
    writing; the actions made with this decorator never do (an error in the inner one
    ends the outer one), so the two statements it costs are saved on the busiest write
    (a teacher's autosave records or rescores evidence inside its own action). Any other
    block in between (a plain ``transaction.atomic`` that might catch) keeps the savepoint.

    The action's audit entries go in one insert at its end (``audit.log.batched``), with
    any entries waiting for the next write (``audit.log.with_next_write``) first.
    """

    @functools.wraps(action)
    def run(*args: Any, **kwargs: Any) -> Any:
        depth = len(connection.atomic_blocks)
        if depth and _action_depth.get() == depth:
            with transaction.atomic(savepoint=False):
                return action(*args, **kwargs)
        # Audit entries waiting to go in with the next write (``audit.log.with_next_write``:
        # the read of the student an API write is about) go in this action's insert.
        carry = [] if audit_log.batching() else audit_log.waiting()
        try:
            with transaction.atomic(), audit_log.batched(carry):
                token = _action_depth.set(depth + 1)
                try:
                    result = action(*args, **kwargs)
                finally:
                    _action_depth.reset(token)
        except BaseException:
            audit_log.carried(carry, committed=False)
            raise
        audit_log.carried(carry, committed=True)
        return result

    return retry_on_conflict(run)  # type: ignore[return-value]
