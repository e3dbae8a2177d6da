"""``proficio release_report``: how much each district's published release withholds.

For the latest release of each district (or of ``--district CODE``) it prints the
cells published, the small counts, the cells the old table-by-table suppression would
withhold, the cells the joint suppression and audit withheld, and how long that took.
It only reads.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Report suppressed cells before and after the joint audit of each district's release."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district", default=None, help="the district's code")

    def handle(self, *args: Any, **options: Any) -> None:
        from proficio.insights import release
        from proficio.insights.models import PublishedRelease
        from proficio.orgs.models import Organization, OrganizationKind

        districts = Organization.objects.filter(kind=OrganizationKind.DISTRICT).order_by("code")
        if options["district"]:
            districts = districts.filter(code=options["district"])
            if not districts.exists():
                raise CommandError(f"--district: no district with code {options['district']!r}")
        for district in districts:
            published = (
                PublishedRelease.objects.filter(district=district).order_by("-day", "-pk").first()
            )
            if published is None:
                self.stdout.write(f"{district.code}: no release published yet")
                continue
            s = published.summary
            roster = release.read_roster(district, published.day)
            before = release.table_by_table(roster, published.threshold)
            self.stdout.write(
                f"{district.code} release of {published.day} (threshold {published.threshold}): "
                f"{s['cells']} cells, {s['primary']} small counts; withheld table by table "
                f"(unaudited): {before['withheld']}; withheld after the joint audit: "
                f"{s['withheld']} ({s['rounds']} rounds, {s['solves']} LP solves, "
                f"{s['seconds']} s{', audited with the previous release' if s['two_day'] else ''})"
            )
