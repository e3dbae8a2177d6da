"""Signing many Data Integrity credentials at once: in this process, or spread over worker
processes (a graduating class is thousands of independent signatures, each pure
computation over its own document).

A worker is a fork of the task's process: it signs what it is sent with the key sent along
and the contexts it inherited; it touches no database and keeps nothing. The pool lives
as long as one task (``with signer(n) as sign: ...``). A batch may be started and its
signatures collected later (:meth:`Signer.start`), so the task's own process reads and
writes the database while the workers sign."""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.conf import settings

from proficio.core.credentials import data_integrity
from proficio.core.machine import usable_cores

Signed = list[dict[str, Any]]


def sign_here(
    documents: list[dict[str, Any]],
    *,
    secret: bytes,
    verification_method: str,
    created: dt.datetime,
) -> Signed:
    """Sign each document in this process, with this process's contexts."""
    from proficio.credentials.trust import contexts

    return data_integrity.sign_many(
        documents,
        secret=secret,
        verification_method=verification_method,
        created=created,
        contexts=contexts(),
    )


def _sign_in_worker(
    documents: list[dict[str, Any]], secret: bytes, verification_method: str, created: dt.datetime
) -> Signed:
    return sign_here(
        documents, secret=secret, verification_method=verification_method, created=created
    )


class Signer:
    """Signs batches in this process, or over a pool's worker processes, each an equal,
    contiguous share of every batch (the order is kept)."""

    def __init__(self, pool: ProcessPoolExecutor | None = None, processes: int = 1):
        self.pool = pool
        self.processes = processes if pool is not None else 1

    def start(
        self,
        documents: list[dict[str, Any]],
        *,
        secret: bytes,
        verification_method: str,
        created: dt.datetime,
    ) -> Callable[[], Signed]:
        """Begin signing the batch; the returned function waits for it and gives the
        signed documents in order. In this process the batch is signed before this returns."""
        if self.pool is None:
            signed = sign_here(
                documents, secret=secret, verification_method=verification_method, created=created
            )
            return lambda: signed
        share = -(-len(documents) // self.processes) or 1
        parts = [documents[i : i + share] for i in range(0, len(documents), share)]
        futures = [
            self.pool.submit(_sign_in_worker, part, secret, verification_method, created)
            for part in parts
        ]
        return lambda: [signed for future in futures for signed in future.result()]

    def __call__(
        self,
        documents: list[dict[str, Any]],
        *,
        secret: bytes,
        verification_method: str,
        created: dt.datetime,
    ) -> Signed:
        """Sign the batch and wait for it."""
        return self.start(
            documents, secret=secret, verification_method=verification_method, created=created
        )()


HERE = Signer()


def process_count() -> int:
    """How many processes sign a batch: ``PROFICIO_SIGNING_PROCESSES``, or else the cores
    this process may use (a CPU set's limit, not the host's), since signing is pure
    computation that more processes than cores only share."""
    configured: int | None = settings.PROFICIO_SIGNING_PROCESSES
    if configured is not None:
        return max(1, configured)
    return usable_cores()


@contextlib.contextmanager
def signer(processes: int | None = None) -> Iterator[Signer]:
    """A signer for the block: this process's own with 1 process, else a pool of that many
    worker processes (by default :func:`process_count`)."""
    count = process_count() if processes is None else processes
    if count <= 1:
        yield HERE
        return
    # Forked, the workers start with this process's contexts and pyld's caches already
    # warm. They inherit its database connections but never use them, and a worker ends
    # without closing anything (multiprocessing leaves a forked child with ``os._exit``).
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
        yield Signer(pool, count)
