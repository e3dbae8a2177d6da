"""``proficio import oneroster PATH --district CODE [--dry-run]``, run by an operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from proficio.audit.context import acting
from proficio.core.standards.oneroster import OneRosterError
from proficio.orgs.models import Organization, OrganizationKind
from proficio.policy import SYSTEM
from proficio.roster import actions


def import_oneroster_command(command: BaseCommand, path: Path, opts: dict[str, Any]) -> None:
    if not path.exists():
        raise CommandError(f"{path}: no such file or folder")
    if not opts.get("district"):
        raise CommandError("--district: give the code of the district to import into")
    district = Organization.objects.filter(
        code=opts["district"], kind=OrganizationKind.DISTRICT
    ).first()
    if district is None:
        raise CommandError(f"--district: no district has the code {opts['district']!r}")
    with tqdm(total=1, desc=path.name, unit="row", disable=opts["verbosity"] == 0) as bar:

        def progress(done: int, total: int, stage: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(stage)
            bar.refresh()

        try:
            files = actions.read_folder(path)
            with acting(
                None,
                route=f"cli: proficio import oneroster {path.name}",
                purpose="OneRoster import",
            ):
                report = actions.import_oneroster(
                    SYSTEM, district, files, dry_run=opts["dry_run"], progress=progress
                )
        except OneRosterError as exc:
            lines = "\n".join(f"  {issue}" for issue in exc.issues)
            raise CommandError(f"Nothing was imported. Problems:\n{lines}") from None
    for warning in report.warnings:
        command.stderr.write(f"warning: {warning}")
    verb = "Would import" if report.dry_run else "Imported"
    command.stdout.write(f"{verb} OneRoster {report.version} into {district.name}:")
    for name, counts in report.files.items():
        command.stdout.write(
            f"  {name}: created {counts.created}, updated {counts.updated}, "
            f"unchanged {counts.unchanged}, ended {counts.ended}, skipped {counts.skipped}"
        )
