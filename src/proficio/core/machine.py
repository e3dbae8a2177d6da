"""The one question Proficio asks about the machine: how many cores may this process use?

Asked by the production server (its default worker count), the password hasher (hashes
at once), the credential signer (signing processes) and the BKT fit (threads). Each used
to ask it on its own, two of them differently."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on: a container's or a CPU set's limit (the process's
    affinity), not the host's count, and never fewer than one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
