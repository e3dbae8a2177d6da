"""``proficio run``: migrate, seed the demo district when the database is empty, serve."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from proficio.demo import generate
from proficio.demo.management.commands.demo import print_logins
from proficio.orgs.models import Organization


class Command(BaseCommand):
    help = "Set up the database and serve Proficio with the demo district."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up, then stop")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Organization.objects.exists():
            self.stdout.write("The database is empty: seeding the demo district…")
            call_command("demo", students=600, seed=0)
        elif generate.demo_exists():
            print_logins(self.stdout.write)
        if opts["no_serve"]:
            return
        # Long work (imports, recomputation) runs as tasks; a worker beside the server runs them.
        worker = subprocess.Popen(
            [sys.executable, "-m", "proficio.cli", "db_worker", "--no-reload", "--verbosity", "0"]
        )
        self.stdout.write(f"\nServing on http://{opts['addrport']}/  (Ctrl-C to stop)\n")
        try:
            call_command("runserver", opts["addrport"], use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
