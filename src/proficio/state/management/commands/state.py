"""``proficio state export|import|batch|demo``: the district → state data flow and the
state's batch, run by an operator (the system acts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from proficio.audit.context import acting
from proficio.core.accountability import pseudonym
from proficio.orgs.models import Organization, OrganizationKind
from proficio.policy import SYSTEM
from proficio.state import actions
from proficio.state.package import PackageError


def _key(path: str | None) -> bytes:
    if path:
        try:
            return pseudonym.parse_key(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from None
    try:
        return actions.state_key()
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "The district → state data flow and the state's batch."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ex = sub.add_parser("export", help="write a district's submission package")
        ex.add_argument("--district", required=True, help="the district's code")
        ex.add_argument("--date", default=None, help="the submission date (default: today)")
        ex.add_argument(
            "--key-file", default=None, help="the state key (hex); else PROFICIO_STATE_KEY"
        )
        ex.add_argument("-o", "--output", required=True, help="the package folder to write")
        im = sub.add_parser("import", help="take in a district's package at the state")
        im.add_argument("package", help="the package folder (with manifest.json)")
        ba = sub.add_parser("batch", help="run the state's batch over its store")
        ba.add_argument("--state", default=None, help="the state's code (default: the only one)")
        ba.add_argument("--engine", choices=["spark", "local"], default="local")
        ba.add_argument("--master", default=None, help="a Spark master URL (default local[*])")
        ba.add_argument("--buckets", type=int, default=8, help="student partitions")
        ba.add_argument("--today", default=None, help="the day whose school year ends the run")
        de = sub.add_parser("demo", help="the demo state: export, import, batch and a plan")
        de.add_argument("--neighbours", type=int, default=2, help="synthetic districts beside")
        de.add_argument("--students", type=int, default=400, help="students per synthetic district")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        with acting(None, route=f"cli: proficio state {action}"):
            try:
                getattr(self, f"_{action}")(opts)
            except PackageError as exc:
                for problem in exc.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"the package was refused ({len(exc.problems)} problems)"
                ) from None
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None

    def _export(self, opts: dict[str, Any]) -> None:
        district = Organization.objects.filter(
            code=opts["district"], kind=OrganizationKind.DISTRICT
        ).first()
        if district is None:
            raise CommandError(f"no district {opts['district']!r}")
        day = _date(opts["date"]) if opts["date"] else timezone.localdate()
        counts = actions.export_submission(
            SYSTEM, district, day, _key(opts["key_file"]), Path(opts["output"])
        )
        self.stdout.write(
            f"Wrote {opts['output']}: {counts['students']} students, {counts['evidence']} pieces "
            f"of evidence, {counts['cohort']} in graduating classes "
            f"({counts['skipped']} students without a state id left out)."
        )

    def _import(self, opts: dict[str, Any]) -> None:
        submission, created = actions.import_submission(SYSTEM, Path(opts["package"]))
        if created:
            self.stdout.write(
                f"Imported {submission.district.code} {submission.submitted_on}: "
                + ", ".join(f"{k} {v}" for k, v in sorted(submission.counts.items()))
            )
        else:
            self.stdout.write(
                f"Already imported: {submission.district.code} {submission.submitted_on} "
                "(nothing changed)."
            )

    def _state(self, code: str | None) -> Organization:
        states = Organization.objects.filter(kind=OrganizationKind.STATE)
        state = (
            states.filter(code=code).first()
            if code
            else (states.first() if states.count() == 1 else None)
        )
        if state is None:
            raise CommandError("name the state with --state")
        return state

    def _batch(self, opts: dict[str, Any]) -> None:
        state = self._state(opts["state"])
        run = actions.run_batch(
            SYSTEM,
            state,
            engine=opts["engine"],
            master=opts["master"],
            buckets=opts["buckets"],
            today=_date(opts["today"]) if opts["today"] else None,
        )
        self.stdout.write(
            f"Batch on {run.engine}: {run.evidence_rows} evidence rows, {run.students} students, "
            f"years {run.years}, {run.seconds:.1f} s."
        )

    def _demo(self, opts: dict[str, Any]) -> None:
        from proficio.state.demo import seed_state

        summary = seed_state(neighbours=opts["neighbours"], students=opts["students"])
        self.stdout.write(summary)
