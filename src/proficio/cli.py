"""The ``proficio`` command: every Django management command, plus Proficio's own.

proficio run [--debug]            migrate, seed the demo district if empty, serve (debug off)
proficio serve                    the production server (gunicorn)
proficio demo --students N --seed S
proficio migrate | createsuperuser | ...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
    if args[:1] == ["run"] and "--debug" in args:
        # Settings are read once, before the command parses its options.
        os.environ["PROFICIO_DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proficio", *args])


if __name__ == "__main__":
    main()
