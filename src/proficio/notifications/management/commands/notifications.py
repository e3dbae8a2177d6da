"""``proficio notifications digest|schedule``: the daily email digest, now or on a schedule."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from proficio.audit.context import acting
from proficio.notifications import actions
from proficio.policy import SYSTEM


class Command(BaseCommand):
    help = (
        "Notifications: 'digest' sends each person's daily digest email now; 'schedule' "
        "queues the daily digest on the task worker (at PROFICIO_DIGEST_HOUR, every day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["digest", "schedule"])

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["verb"] == "schedule":
            from proficio.notifications.tasks import ensure_scheduled, next_digest_at

            if ensure_scheduled():
                self.stdout.write(
                    f"The daily digest is scheduled: next at {next_digest_at():%Y-%m-%d %H:%M}."
                )
            else:
                self.stdout.write("The daily digest was already scheduled.")
            return
        with acting(None, route="cli: proficio notifications digest", purpose="notification email"):
            totals = actions.send_digests(SYSTEM)
        self.stdout.write(
            f"Sent {totals['emails']} digest emails ({totals['notifications']} notifications)."
        )
