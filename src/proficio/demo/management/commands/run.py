"""``proficio run``: migrate, seed the demo district when the database is empty, serve."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proficio.demo import generate
from proficio.demo.management.commands.demo import print_logins
from proficio.orgs.models import Organization


class Command(BaseCommand):
    help = "Set up the database and serve Proficio with the demo district."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up, then stop")
        parser.add_argument(
            "--debug",
            action="store_true",
            help="serve with Django's debug mode on (tracebacks in the browser); the same as "
            "PROFICIO_DEBUG=1. Never on a server that others can reach.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["debug"] and not settings.DEBUG:
            # `proficio run --debug` sets PROFICIO_DEBUG before the settings load (cli.py).
            raise CommandError("Settings are already loaded: set PROFICIO_DEBUG=1 instead.")
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
        mode = "debug ON: never on a server others can reach" if settings.DEBUG else "debug off"
        self.stdout.write(f"\nServing on http://{opts['addrport']}/  ({mode}; Ctrl-C to stop)\n")
        # A stop request (Ctrl-C, or SIGTERM from a service manager or a test) ends both.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            call_command("runserver", opts["addrport"], use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            worker.wait(timeout=10)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
