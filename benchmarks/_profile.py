"""Where the production server's CPU goes, for bench_load.py: CPU time of the server's
processes read from /proc, and py-spy samples of the gunicorn workers summarized by
function and by view.

py-spy samples only threads that are running (a worker waiting on PostgreSQL or on its
socket is idle and not sampled), so a share of the samples is a share of the workers'
CPU time.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*):(?P<line>\d+)\)$")
# Views that only pick the page to show: the samples are named after the page they picked.
DISPATCHERS = {"role_home"}
PSYCOPG_WAITS = ("ClientCursorMixin._execute_send (", "Connection.wait (")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def tree_seconds(root: int, *, include_root: bool = True) -> float:
    """CPU seconds of a process's children, those alive and those already reaped (the
    kernel adds a reaped child's time to its parent's), and of the process itself unless
    ``include_root`` is false. Children of children are not counted."""
    ticks = 0
    with contextlib.suppress(OSError, IndexError):
        fields = _stat(root)
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: reaped children
        if include_root:
            ticks += int(fields[11]) + int(fields[12])
    for pid in _children(root):
        with contextlib.suppress(OSError, IndexError):
            fields = _stat(pid)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / TICK


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


@dataclass
class CpuSnapshot:
    workers: float
    postgres: float
    locust: float

    def minus(self, earlier: CpuSnapshot) -> CpuSnapshot:
        return CpuSnapshot(
            self.workers - earlier.workers,
            self.postgres - earlier.postgres,
            self.locust - earlier.locust,
        )


def snapshot(master: int, postmaster: int, locust: int) -> CpuSnapshot:
    return CpuSnapshot(
        workers=tree_seconds(master, include_root=False),
        postgres=tree_seconds(postmaster),
        locust=tree_seconds(locust),
    )


def py_spy() -> str | None:
    """py-spy beside this interpreter (the dev virtualenv's), or on the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_sampling(master: int, seconds: int, raw: Path) -> subprocess.Popen[bytes]:
    """py-spy on the gunicorn master and its workers (``--subprocesses``), without pausing
    them (``--nonblocking``), for ``seconds``; raw collapsed stacks written to ``raw``."""
    exe = py_spy()
    if exe is None:
        raise SystemExit("--profile needs py-spy (a dev dependency: make install)")
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(master),
            "--subprocesses",
            "--nonblocking",
            "--function",
            "--format",
            "raw",
            "--rate",
            "100",
            "--duration",
            str(seconds),
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path.removesuffix('.py')})"


def _func(frame: str) -> str:
    """A frame's function name without its class (``BaseHandler._get_response``)."""
    return frame.split(" (", 1)[0].rsplit(".", 1)[-1]


def _file(frame: str) -> str:
    """A frame's file as py-spy names it: relative to the entry of ``sys.path`` it was
    imported from (``proficio/web/views/home.py``, ``django/...``)."""
    match = _FRAME.match(frame)
    return match["file"] if match else ""


def _view_of(frames: list[str]) -> str:
    """The view under Django's ``_get_response`` (the first frame of ours below it), or
    where the sample fell outside any view."""
    try:
        start = next(i for i, f in enumerate(frames) if _func(f) == "_get_response")
    except StopIteration:
        return "(outside a view: gunicorn, middleware)"
    at = next((i for i in range(start + 1, len(frames)) if _ours(frames[i])), None)
    if at is None:
        return "(in the view's framework code)"
    if _func(frames[at]) in DISPATCHERS and at + 1 < len(frames) and _ours(frames[at + 1]):
        at += 1  # the page the dispatcher called
    return _short(frames[at])


def _ours(frame: str) -> bool:
    return _file(frame).startswith("proficio/")


def summarize(
    raw: Path,
    cpu: CpuSnapshot,
    requests: dict[str, int],
    endpoint_of: dict[str, str],
    top: int = 12,
) -> list[str]:
    """The profile's summary: where the workers' CPU went, by view and by function.
    ``requests`` counts the requests of each endpoint; ``endpoint_of`` names the endpoint
    a view (its function's name) serves, so that its share becomes CPU per request."""
    by_view: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        by_view[_view_of(frames)] += count
        own[_short(frames[-1])] += count
        for name in {_short(f) for f in frames}:
            inclusive[name] += count
    if not total:
        return ["  profile: no samples (is py-spy allowed to read the workers?)"]
    # Each sample is worth an equal part of the workers' CPU in the sampled span.
    all_requests = max(sum(requests.values()), 1)
    ms_per_request = 1000 * cpu.workers / all_requests

    def share(n: int, served: int = all_requests) -> str:
        ms = 1000 * cpu.workers * n / total / max(served, 1)
        return f"{100 * n / total:5.1f}% {ms:6.1f} ms/req"

    lines = [
        f"  profile: {total} samples of the workers (a share of their CPU, and that share "
        f"as ms of worker CPU per request: {ms_per_request:.1f} ms in all)",
        "  by view (ms per request of its endpoint):",
    ]
    for name, n in by_view.most_common(9):
        endpoint = endpoint_of.get(_func(name))
        served = (
            sum(requests.get(e, 0) for e in endpoint.split(" + ")) if endpoint else all_requests
        )
        label = f"{name} = {endpoint}" if endpoint else name
        lines.append(f"    {share(n, served)}  {label}")
    waiting = sum(n for name, n in own.items() if name.startswith(PSYCOPG_WAITS))
    lines.append(
        f"  of which in psycopg's send and wait: {share(waiting)} (mostly PostgreSQL "
        "answering on the same cores: the worker is runnable, not computing)"
    )
    lines.append("  by function, own time:")
    lines += [f"    {share(n)}  {name}" for name, n in own.most_common(top)]
    lines.append("  by function, including what it calls (below the view):")
    # What wraps (nearly) every request (gunicorn, the middleware chain) says nothing.
    deep = [(name, n) for name, n in inclusive.most_common() if n < 0.9 * total]
    lines += [f"    {share(n)}  {name}" for name, n in deep[:top]]
    return lines
