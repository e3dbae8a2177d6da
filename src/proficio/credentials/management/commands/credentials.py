"""``proficio credentials issue [--district CODE]``: issue the level credentials that are
due, for the daily job (an operator's command; it acts as the system)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from proficio.orgs.models import Organization, OrganizationKind


class Command(BaseCommand):
    help = "Issue the verifiable credentials that are due (districts that turned them on)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["issue"])
        parser.add_argument("--district", help="the district's code (default: every district)")

    def handle(self, *args: Any, **options: Any) -> None:
        from proficio.credentials.actions import level_credentials_on
        from proficio.credentials.tasks import issue_district_level_credentials

        districts = Organization.objects.filter(kind=OrganizationKind.DISTRICT)
        if options["district"]:
            districts = districts.filter(code=options["district"])
            if not districts.exists():
                raise CommandError(f"No district has the code {options['district']}.")
        for district in districts:
            if not level_credentials_on(district):
                self.stdout.write(f"{district.code}: level credentials are off")
                continue
            count = issue_district_level_credentials.call(district.pk)
            self.stdout.write(f"{district.code}: {count} credentials issued")
