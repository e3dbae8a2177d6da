"""``usable_cores``: the process's CPU set, not the host's count, and at least one."""

from __future__ import annotations

import os

import pytest

from proficio.core import machine


def test_usable_cores_follow_the_affinity_not_the_host():
    assert machine.usable_cores() == len(os.sched_getaffinity(0))


def test_a_restricted_cpu_set_is_what_counts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert machine.usable_cores() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set())
    assert machine.usable_cores() == 1
