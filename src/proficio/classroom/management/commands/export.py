"""``proficio export gradebook``: a OneRoster 1.2 gradebook (CSV binding, zipped) of one class
or of every current class of a school or district, for a student information system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from proficio import policy
from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.classroom import actions
from proficio.orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Export data in a standard format. Formats: gradebook (OneRoster 1.2 CSV: line "
        "items and results per learning target, with CASE identifiers and levels)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["gradebook"])
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--section", type=int, help="the id of one class")
        where.add_argument(
            "--organization", help="the code of a school or district: its current classes"
        )
        parser.add_argument(
            "--user",
            help="make it for this person: the permission policy decides what it holds, and "
            "each student's read is audited as theirs (by default, the system makes it)",
        )
        parser.add_argument("--mode", choices=["bulk", "delta"], default="bulk")
        parser.add_argument(
            "-o", "--output", type=Path, help="the zip to write (default: its name)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        actor: Any = policy.SYSTEM
        user: User | None = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"--user: no active user is called {opts['user']!r}")
            actor = user
        organization_id = None
        if opts["organization"]:
            org = Organization.objects.filter(code=opts["organization"]).first()
            if org is None:
                raise CommandError(
                    f"--organization: no organization has the code {opts['organization']!r}"
                )
            organization_id = org.pk
        route = f"cli: proficio export gradebook ({opts['mode']})"
        try:
            with acting(user, route=route, purpose=actions.GRADEBOOK_PURPOSE):
                export = actions.export_gradebook(
                    actor,
                    section_id=opts["section"],
                    organization_id=organization_id,
                    mode=opts["mode"],
                )
        except (Http404, PermissionDenied):
            who = opts["user"] or "The system"
            raise CommandError(
                f"{who} may not export a gradebook of that class or organization, "
                "or it has no current classes."
            ) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        path: Path = opts["output"] or Path(export.filename)
        path.write_bytes(export.content)
        self.stdout.write(
            f"Wrote {path}: {export.results} results for {export.students} students "
            "(OneRoster 1.2 CSV gradebook)"
        )
