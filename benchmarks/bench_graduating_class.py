"""Benchmark: a graduating class issued in the background task with its progress, each
student's OB 3.0 level credentials (``eddsa-rdfc-2022``) and transcript CLR (VC-JWT),
against raw signing of the same number of credentials (no database, no standings), in the
same run. The issue's target: 5,000 transcripts and 60,000 OB 3.0 credentials in under
10 minutes; at a smaller class the figure is scaled linearly to that size.

The task signs over the processes a task worker would use (``PROFICIO_SIGNING_PROCESSES``,
by default one per core), so the raw signing is timed both in one process and over that
many (at least 2), and the task is compared with each. The demo spreads its students over
13 grades, so at its sizes most grades are one chunk of at most 25 students: their tasks
cannot write one chunk while the pool signs the next, as the task does for a graduating
class of hundreds in one grade.

    python benchmarks/bench_graduating_class.py                 # the demo, 300 students
    python benchmarks/bench_graduating_class.py --students 120
    PROFICIO_SIGNING_PROCESSES=1 python benchmarks/bench_graduating_class.py
    python tools/with_postgres.py -- python benchmarks/bench_graduating_class.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import threading
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-class-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from proficio import policy, progress  # noqa: E402
from proficio.audit.context import acting  # noqa: E402
from proficio.core.credentials import vc_jwt  # noqa: E402
from proficio.credentials import keys, signing  # noqa: E402
from proficio.credentials.models import CredentialKind, IssuedCredential, IssuerKey  # noqa: E402
from proficio.credentials.trust import contexts  # noqa: E402
from proficio.orgs.models import Organization, Student  # noqa: E402
from proficio.transcripts import actions  # noqa: E402
from proficio.transcripts.tasks import issue_class  # noqa: E402

TARGET_TRANSCRIPTS, TARGET_LEVELS, TARGET_SECONDS = 5_000, 60_000, 600


def raw_signing(levels: int, clrs: int, processes: int = 1) -> float:
    """Seconds to sign ``levels`` OB 3.0 credentials (Data Integrity) and ``clrs`` CLRs
    (VC-JWT, each holding its share of the level credentials): the signing alone, the
    OB 3.0 ones over ``processes`` worker processes (``credentials.signing``), in batches
    as the task signs them."""
    sample = IssuedCredential.objects.filter(kind=CredentialKind.LEVEL).first()
    clr = IssuedCredential.objects.filter(kind=CredentialKind.CLR).first()
    assert sample is not None
    assert clr is not None
    key = IssuerKey.objects.get(pk=sample.key_id)
    secret = keys.unseal(key.encrypted_secret)
    signed = json.loads(sample.content)
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    clr_payload = vc_jwt.parse(clr.content).credential
    contexts()  # read once, as a running worker holds them
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with signing.signer(processes) as sign:
        for batch in range(0, levels, 400):
            sign(
                [unsigned] * min(400, levels - batch),
                secret=secret,
                verification_method=key.verification_method,
                created=now,
            )
    for _ in range(clrs):
        vc_jwt.sign(
            clr_payload,
            secret=secret,
            public_key=bytes(key.public_key),
            kid=key.verification_method,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=0, verbosity=0)
    # The task runs as a task worker would: over the processes its settings give (by
    # default one per core; set PROFICIO_SIGNING_PROCESSES=1 for the task alone in its
    # process). Code from before the default existed read the setting itself.
    task_processes = getattr(
        signing, "process_count", lambda: settings.PROFICIO_SIGNING_PROCESSES or 1
    )()
    district = Organization.objects.get(code="riverbend")
    grades = sorted(
        set(
            Student.objects.filter(school__path__startswith=district.path).values_list(
                "grade_level", flat=True
            )
        )
    )
    seen: list[dict[str, int]] = []
    finals: list[dict[str, int]] = []
    stop = threading.Event()
    started = time.perf_counter()
    with acting(None, route="bench: graduating class"):
        for grade in grades:
            # The same action a district administrator's button calls; its task is then run
            # here (the benchmark is its own worker) while a thread polls the progress.
            job = actions.start_class_issue(policy.SYSTEM, district, grade_level=grade)

            def poll(job_id: int = job.pk) -> None:
                while not stop.is_set():
                    found = progress.read("class_issue", job_id)
                    if found:
                        seen.append(found)
                    time.sleep(0.5)

            stop.clear()
            watcher = threading.Thread(target=poll, daemon=True)
            watcher.start()
            issue_class.call(job.pk)
            stop.set()
            watcher.join()
            finals.append(progress.read("class_issue", job.pk) or {})
    elapsed = time.perf_counter() - started
    levels = IssuedCredential.objects.filter(kind=CredentialKind.LEVEL).count()
    clrs = IssuedCredential.objects.filter(kind=CredentialKind.CLR).count()
    students = Student.objects.filter(school__path__startswith=district.path).count()
    baseline = raw_signing(levels, clrs)
    spread = raw_signing(levels, clrs, processes=max(task_processes, 2))
    # Scaled to the issue's class: the work is per credential, so linear in the counts.
    per_level = elapsed / max(levels + clrs, 1)
    projected = per_level * (TARGET_LEVELS + TARGET_TRANSCRIPTS)
    print(
        f"graduating class: {students} students in {len(grades)} grades, "
        f"{clrs} transcripts (CLR) and {levels} OB3 level credentials issued in the "
        f"background task in {elapsed:.1f} s ({(levels + clrs) / elapsed:.1f} credentials/s); "
        f"progress polled {len(seen)} times while running; at the end "
        f"{sum(f.get('done', 0) for f in finals)} of {sum(f.get('total', 0) for f in finals)} "
        f"students done in {sum(1 for f in finals if f.get('stage') == 'done')} jobs"
    )
    print(f"baseline: raw signing of the same {levels} + {clrs} credentials: {baseline:.1f} s")
    print(f"ratio (issuing / raw signing in 1 process): {elapsed / baseline:.2f}x")
    print(
        f"raw signing of the same credentials over {max(task_processes, 2)} worker processes: "
        f"{spread:.1f} s ({baseline / spread:.2f}x the rate of 1; the task above signed over "
        f"{task_processes} process{'es' if task_processes > 1 else ''}: "
        f"PROFICIO_SIGNING_PROCESSES={os.environ.get('PROFICIO_SIGNING_PROCESSES') or 'unset'})"
    )
    if task_processes > 1:
        print(
            f"ratio (issuing / raw signing, both over {task_processes} processes): "
            f"{elapsed / spread:.2f}x"
        )
    print(
        f"projected for {TARGET_TRANSCRIPTS} transcripts and {TARGET_LEVELS} OB3 credentials: "
        f"{projected / 60:.1f} min (target < {TARGET_SECONDS // 60} min: "
        f"{'met' if projected < TARGET_SECONDS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
