"""``proficio lrs pull``: pull learning-tool statements from the LRS now, and report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from proficio.audit.context import acting
from proficio.lrs import actions
from proficio.lrs.models import PullStatus
from proficio.policy import SYSTEM


class Command(BaseCommand):
    help = "Learning-tool data: 'pull' takes the statements stored in the LRS since last time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["pull"])
        parser.add_argument("--page", type=int, help="statements per request")

    def handle(self, *args: Any, **opts: Any) -> None:
        with acting(None, route="cli: proficio lrs pull", purpose="learning-tool evidence"):
            pull = actions.pull_statements(SYSTEM, page_size=opts["page"])
        counts = pull.counts
        self.stdout.write(
            f"Pulled {counts.get('fetched', 0)} statements from {pull.endpoint}: "
            f"{counts.get('evidence', 0)} became evidence "
            f"({counts.get('scores', 0)} scores, {counts.get('item_responses', 0)} item responses)."
        )
        for key in ("unmapped", "unknown_learner", "not_assessable", "malformed", "duplicate",
                    "voiding", "voided"):  # fmt: skip
            if counts.get(key):
                self.stdout.write(f"  {key.replace('_', ' ')}: {counts[key]}")
        for activity, n in pull.unmapped.items():
            self.stdout.write(f"  unmapped activity {activity}: {n}")
        for problem in pull.problems:
            self.stderr.write(f"statement {problem['statement']}: {problem['message']}")
        if pull.status == PullStatus.LRS_DOWN:
            raise CommandError(
                f"{pull.message} The cursor stays at {pull.cursor_before or 'the start'}; "
                "run the pull again later."
            )
