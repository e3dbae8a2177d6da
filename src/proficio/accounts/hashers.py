"""Password hashing: Argon2id at OWASP's minimum parameters, a bounded number at a time.

Django's own Argon2 hasher asks for 100 MiB and 8 lanes per hash. Under a burst of logins
each worker thread holds that much at once, which is what drove workers past 600 MiB.
OWASP's Password Storage Cheat Sheet gives m = 19 MiB, t = 2, p = 1 as the minimum for
Argon2id; this hasher uses exactly that. The algorithm name stays ``argon2``, so hashes
made with Django's defaults still verify, and Django's ``must_update`` sees their other
parameters and re-hashes them with these on the person's next successful login.

Each hash holds its 19 MiB only while it runs, so a process's peak memory during a burst
grows with the hashes running at once. ``proficio serve`` uses sync workers (one request
at a time), but a deployment may run threaded workers, or a task may set passwords from
threads. So a process runs at most ``PROFICIO_HASH_CONCURRENCY`` hashes at once (default:
the cores it may use, since a hash is pure CPU and more at once only share the cores);
the others wait their turn. That bounds the burst's memory at a worker's idle size plus
that many times 19 MiB, whatever the number of threads.

A finished hash must also give its 19 MiB back. glibc's malloc maps a block that large on
its own, but after one is freed it raises its threshold for that to the freed size, so the
next hash's buffer comes from the heap of the thread that runs it and stays there when
freed: each worker thread keeps a hash's worth for good. ``keep_large_blocks_mapped``
fixes the threshold at glibc's own starting value; ``proficio serve`` calls it before its
workers are forked.
"""

from __future__ import annotations

import ctypes
import os
import threading

from django.contrib.auth.hashers import Argon2PasswordHasher

from proficio.core.machine import usable_cores


def concurrency() -> int:
    """Hashes one process may run at once: ``PROFICIO_HASH_CONCURRENCY``, or its cores."""
    value = os.environ.get("PROFICIO_HASH_CONCURRENCY", "").strip()
    if value:
        return max(1, int(value))
    return usable_cores()


_slots = threading.BoundedSemaphore(concurrency())

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's starting value, in bytes


def keep_large_blocks_mapped() -> bool:
    """Fix malloc's threshold for mapping a block on its own (glibc only), so blocks of at
    least 128 KiB, such as a hash's buffer, go back to the system when freed. True when
    set; False where the C library has no ``mallopt`` (it then does nothing)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:  # pragma: no cover - not glibc
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


class Argon2idHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB: 19 MiB
    time_cost = 2
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with _slots:
            return str(super().encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        with _slots:
            return bool(super().verify(password, encoded))
