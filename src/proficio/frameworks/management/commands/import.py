"""``proficio import case FILE``: import a CASE 1.0/1.1 package from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from proficio.audit.context import acting
from proficio.core.standards import case
from proficio.frameworks import case_io
from proficio.frameworks.models import PublicationStatus
from proficio.orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Import data from a standard format. Formats: case (a CASE CFPackage JSON file), "
        "oneroster (a OneRoster 1.1/1.2 CSV zip or folder; see --district, --dry-run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["case", "oneroster"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--owner", help="code of the district that manages the framework")
        parser.add_argument("--draft", action="store_true", help="import as a draft")
        parser.add_argument("--district", help="oneroster: code of the district to import into")
        parser.add_argument(
            "--dry-run", action="store_true", help="oneroster: count the changes, write nothing"
        )
        parser.add_argument(
            "--verbose",
            action="store_true",
            help="list every warning (by default they are summarised by kind)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if opts["format"] == "oneroster":
            from proficio.roster.commands import import_oneroster_command

            import_oneroster_command(self, path, opts)
            return
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        owner = None
        if opts["owner"]:
            owner = Organization.objects.filter(code=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"--owner: no organization has the code {opts['owner']!r}")
        with tqdm(total=1, desc=path.name, unit="obj", disable=opts["verbosity"] == 0) as bar:

            def progress(done: int, total: int, stage: str) -> None:
                bar.total = total
                bar.n = done
                bar.set_postfix_str(stage)
                bar.refresh()

            try:
                package = case.parse_package(case.load_json(path.read_bytes(), source=path.name))
                with acting(
                    None, route=f"cli: proficio import case {path.name}", purpose="CASE import"
                ):
                    report = case_io.import_package(
                        package,
                        owner=owner,
                        status=PublicationStatus.DRAFT
                        if opts["draft"]
                        else PublicationStatus.PUBLISHED,
                        progress=progress,
                    )
            except case.CASEError as exc:
                lines = "\n".join(f"  {path.name}: {issue}" for issue in exc.issues)
                raise CommandError(f"Nothing was imported. Problems:\n{lines}") from None
        if opts["verbose"]:
            for warning in report.warnings:
                self.stderr.write(f"warning: {path.name}: {warning}")
        else:
            for summary in case_io.summarize_warnings(report.warnings):
                self.stderr.write(
                    f"warning: {path.name}: {summary.count} × {summary.label} "
                    f"(first: {summary.example})"
                )
            if report.warnings:
                self.stderr.write(
                    f"{len(report.warnings)} warnings in all; --verbose lists every one."
                )
        self.stdout.write(
            f"Imported {report.title!r}: created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, archived {report.archived}"
        )
