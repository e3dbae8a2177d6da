"""``proficio serve``: the production server, gunicorn, with defaults that suit Proficio.

Defaults (each can be changed with an option or its environment variable):

- ``--workers`` (``PROFICIO_WEB_WORKERS``): 2 × the cores this process may run on, plus
  one. Requests are short and mostly wait on the database, so a little more than one
  worker per core keeps the cores busy without queueing.
- sync workers: one request at a time per process, so a slow request cannot stall others in
  the same worker. They close the connection after each response (no keep-alive): an idle
  browser never holds a worker. Put a reverse proxy or load balancer in front, which keeps
  client connections alive and buffers slow clients.
- ``--timeout`` (``PROFICIO_WEB_TIMEOUT``) 30 s: a worker silent for longer is restarted
  (long work runs as background tasks, never in a request). ``--graceful-timeout`` 30 s
  for in-flight requests on restart or shutdown.
- ``--max-requests`` 1000 (with up to 100 of jitter): each worker is replaced after that
  many requests, which bounds any slow growth of memory.
- Static files are served by WhiteNoise from inside Django. The production settings serve
  the compressed copies that ``proficio collectstatic`` puts in ``STATIC_ROOT`` (a deploy
  step, like ``migrate``: it compresses every file, which takes a minute or two);
  ``--collectstatic`` runs it first. The embedded settings serve the files where they lie.

- The application is loaded once, in the master, before it forks the workers (gunicorn's
  ``preload_app``): the URL configuration with every app's views and the API's schemas,
  which each worker used to import before its first request (again each time
  ``--max-requests`` replaced it). Then it is frozen out of the garbage collector's sight
  (``gc.freeze``): a worker's full collections no longer walk the hundreds of thousands of
  objects of the imported code, which never become garbage (such a collection cost 0.15
  to 0.3 s of CPU, several times as each worker started), and the pages they sit in stay
  shared between the workers instead of being copied when the collector touches them.
  The youngest generation is collected after 50,000 new objects instead of 700: a
  request's own objects, freed by reference counting when it ends, were otherwise
  promoted by the hundreds of young collections during the request, and each promotion
  brought the next full collection nearer. Cyclic garbage may wait a little longer (a
  few MiB at most).

- Workers return a password hash's 19 MiB to the system when the hash ends (malloc's
  mapping threshold is fixed before they fork; see ``accounts/hashers.py``), so a burst of
  logins does not leave each worker larger.

``serve`` neither migrates nor starts a task worker: run ``proficio migrate`` when deploying
and ``proficio db_worker`` as its own service (see the operator guide).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connections

from proficio.accounts.hashers import keep_large_blocks_mapped
from proficio.core.machine import usable_cores


def _collected() -> bool:
    root = settings.STATIC_ROOT
    return bool(root) and (Path(root) / "proficio" / "proficio.css").exists()


def default_workers() -> int:
    return 2 * usable_cores() + 1


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# The collector's thresholds in the workers (see the module's docstring); Python's are
# (700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 10)


def _freeze_before_fork(server: Any, worker: Any) -> None:
    """gunicorn's ``pre_fork`` hook: what the master holds now moves to the collector's
    permanent generation, which the workers inherit (cheap: the application was frozen
    when it was loaded, so little is new)."""
    gc.freeze()


class Command(BaseCommand):
    help = "Serve Proficio with gunicorn (the production server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "bind",
            nargs="*",
            default=["127.0.0.1:8000"],
            help="ADDR:PORT or unix:PATH to listen on (several allowed); default 127.0.0.1:8000",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=_env_int("PROFICIO_WEB_WORKERS", default_workers()),
            help=f"worker processes (default: 2 × cores + 1 = {default_workers()})",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=_env_int("PROFICIO_WEB_TIMEOUT", 30),
            help="seconds a request may take before its worker is restarted (default 30)",
        )
        parser.add_argument("--graceful-timeout", type=int, default=30)
        parser.add_argument("--max-requests", type=int, default=1000)
        parser.add_argument(
            "--access-log", action="store_true", help="log every request to standard output"
        )
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="run collectstatic first (production settings serve STATIC_ROOT)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from gunicorn.app.base import BaseApplication

        try:
            self.check_migrations()
        except DatabaseError as exc:
            # An app server may start before its database (a host reboot, a failover): it
            # serves anyway, answering 503 with Retry-After until the database is back.
            self.stderr.write(f"The database cannot be reached yet ({exc}); serving anyway.")
        if opts["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not settings.WHITENOISE_USE_FINDERS and not _collected():
            self.stderr.write(
                f"No static files in {settings.STATIC_ROOT}: pages will have no style or "
                "script. Run `proficio collectstatic` (or `proficio serve --collectstatic`)."
            )
        # Workers are forked from this process: none may inherit its database connection,
        # and each inherits its malloc settings (a password hash's buffer goes back to the
        # system when the hash ends; see accounts/hashers.py).
        connections.close_all()
        keep_large_blocks_mapped()
        options: dict[str, Any] = {
            "bind": opts["bind"],
            "workers": opts["workers"],
            "worker_class": "sync",
            "timeout": opts["timeout"],
            "graceful_timeout": opts["graceful_timeout"],
            "max_requests": opts["max_requests"],
            "max_requests_jitter": max(opts["max_requests"] // 10, 0),
            "accesslog": "-" if opts["access_log"] else None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "proficio",
            # The longest request line gunicorn reads (its maximum); longer is a 414.
            "limit_request_line": 8190,
            # No control socket: its default path is shared by every gunicorn of the user,
            # so two servers on one host would fight over it.
            "control_socket_disable": True,
            # The application is loaded in the master (see the module's docstring); the
            # workers fork with it loaded and frozen out of the collector's sight.
            "preload_app": True,
            "pre_fork": _freeze_before_fork,
        }

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from django.urls import get_resolver

                from proficio.wsgi import application

                # Every app's views and the API (what a worker imports for its first
                # request), in the master. Nothing here touches the database.
                get_resolver().url_patterns  # noqa: B018
                gc.collect()  # no garbage frozen with it
                gc.freeze()
                gc.set_threshold(*GC_THRESHOLDS)  # inherited by the workers
                return application

        self.stdout.write(
            f"Serving on {', '.join(opts['bind'])} with {opts['workers']} gunicorn workers "
            "(Ctrl-C to stop)"
        )
        Server().run()
