"""``proficio daily_pace``: the daily pace check, now (or queued as a task with --enqueue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Recompute pace, the day's aggregates and the support flags for every district."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stalled-weeks",
            type=int,
            default=6,
            help="weeks without progress that count as stalled",
        )
        parser.add_argument("--today", default=None, help="the day to compute for (YYYY-MM-DD)")
        parser.add_argument("--enqueue", action="store_true", help="queue it as a background task")

    def handle(self, *args: Any, **options: Any) -> None:
        from proficio.pace.tasks import daily_pace

        weeks = options["stalled_weeks"]
        if weeks < 1:
            raise CommandError("--stalled-weeks must be at least 1")
        today = options["today"]
        if today is not None:
            try:
                dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
        if options["enqueue"]:
            result = daily_pace.enqueue(stalled_weeks=weeks, today=today)
            self.stdout.write(f"queued daily pace check {result.id}")
            return
        totals = daily_pace.call(stalled_weeks=weeks, today=today)
        self.stdout.write(
            f"pace computed for {totals['students']} students; "
            f"{totals['flags']} students flagged for support; "
            f"{totals['check_ins']} support check-ins due, "
            f"{totals['family_reports']} family reports with news"
        )
