"""``proficio run``: migrate, seed the demo district when the database is empty, serve."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proficio.demo import generate
from proficio.demo.management.commands.demo import print_logins
from proficio.lrs import ralph
from proficio.lrs.client import LrsClient
from proficio.lrs.demo import demo_statements
from proficio.lrs.tasks import ensure_scheduled
from proficio.notifications.tasks import ensure_scheduled as schedule_digest
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
        # Learning tools send xAPI statements to Ralph, an LRS started here on the port of
        # PROFICIO_LRS_URL when that URL is on this machine; the worker pulls from it.
        lrs = start_local_lrs(self.stdout.write)
        schedule_digest()  # the daily notification digest, on the worker
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
            if lrs is not None:
                ralph.stop(lrs)


def start_local_lrs(say: Callable[[str], object]) -> subprocess.Popen[bytes] | None:
    """Start Ralph for a local PROFICIO_LRS_URL and schedule the periodic pull."""
    url = urlsplit(settings.PROFICIO_LRS_URL)
    if not settings.PROFICIO_LRS_URL:
        return None
    process = None
    busy = url.hostname in ("127.0.0.1", "localhost") and ralph.port_in_use(url.port or 80)
    if busy:
        say(f"Something already answers on {settings.PROFICIO_LRS_URL}: pulling from it.")
    elif url.hostname in ("127.0.0.1", "localhost") and ralph.available():
        process = ralph.start(
            Path(settings.DATA_DIR) / "lrs",
            port=url.port or 80,
            username=settings.PROFICIO_LRS_USERNAME,
            password=settings.PROFICIO_LRS_PASSWORD,
            log=Path(settings.DATA_DIR) / "lrs" / "ralph.log",
        )
        say(
            f"Learning Record Store (Ralph): {settings.PROFICIO_LRS_URL}  "
            f"(user {settings.PROFICIO_LRS_USERNAME!r})"
        )
        # A fresh LRS beside the demo district gets a few practice statements to pull.
        client = LrsClient.from_settings()
        district = Organization.objects.filter(code=generate.DISTRICT_CODE).first()
        if district is not None and not client.page("", 1)[0]:
            client.post(demo_statements(district))
    ensure_scheduled()
    return process


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
