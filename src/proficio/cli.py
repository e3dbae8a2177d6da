"""The ``proficio`` command: every Django management command, plus Proficio's own.

proficio run                      migrate, seed the demo district if empty, serve
proficio demo --students N --seed S
proficio migrate | createsuperuser | ...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proficio", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
