"""``proficio release_report``: how much each district's published release withholds.

For the latest release of each district (or of ``--district CODE``) it prints the
cells published, the small counts, the cells the old table-by-table suppression would
withhold, the cells the joint suppression and audit withheld, and how long that took.
With ``--attack`` it also runs the attacker's linear programs on both patterns and
prints how many hidden counts each leaves narrowed below the threshold or pinned
exactly. It only reads.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Report suppressed cells before and after the joint audit of each district's release."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district", default=None, help="the district's code")
        parser.add_argument(
            "--attack",
            action="store_true",
            help="also run the LP attack on both patterns (slower): hidden counts narrowed "
            "below the threshold and pinned exactly",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from proficio.insights import release
        from proficio.insights.actions import unpack
        from proficio.insights.models import HeldRelease, PublishedRelease
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
            held = HeldRelease.objects.filter(district=district)
            if published is not None:
                held = held.filter(created_at__gt=published.created_at)
            for h in held.order_by("created_at", "pk"):
                self.stdout.write(
                    f"{district.code} release of {h.day} held (not published): "
                    f"{h.unprotected} withheld figures could not be protected against "
                    "what was already published"
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
            if options["attack"]:
                system, hidden = release.table_by_table_pattern(roster, published.threshold)
                old = release.attack(system, hidden, published.threshold)
                system, hidden, _, _ = unpack(published.audit_state)
                new = release.attack(system, hidden, published.threshold)
                self.stdout.write(
                    f"{district.code} LP attack on everything published: table by table, "
                    f"{old['narrowed']} of {old['hidden']} hidden counts narrowed below "
                    f"{published.threshold} possible values, {old['pinned']} pinned exactly; "
                    f"after the joint audit, {new['narrowed']} of {new['hidden']} narrowed, "
                    f"{new['pinned']} pinned"
                )
