"""``proficio demo --students N --seed S``: generate the demo district."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from proficio.demo import generate


class Command(BaseCommand):
    help = "Generate the deterministic demo district (3 schools, sections, people)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=600)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--no-history", action="store_true", help="people and classes only, no evidence history"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if a district exists"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if generate.demo_exists():
            if opts["if_empty"]:
                self.stdout.write("The demo district is already there.")
                print_logins(self.stdout.write)
                return
            raise CommandError("The demo district already exists in this database.")
        if opts["students"] < 10:
            raise CommandError("--students must be at least 10")
        started = time.perf_counter()
        with tqdm(
            total=8 if opts["no_history"] else 10,  # history adds evidence and moderation
            desc="demo district",
            unit="step",
            disable=opts["verbosity"] == 0,
        ) as bar:

            def progress(stage: str, n: int) -> None:
                bar.set_postfix_str(stage)
                bar.update(1)

            result = generate.generate(
                students=opts["students"],
                seed=opts["seed"],
                today=opts["today"],
                progress=progress,
                history=not opts["no_history"],
            )
        took = time.perf_counter() - started
        self.stdout.write(
            f"Demo district: {result.students} students, {result.teachers} teachers, "
            f"{result.sections} sections, {result.guardians} guardians, "
            f"{result.evidence} pieces of evidence in {took:.1f} s"
        )
        print_logins(self.stdout.write)


def print_logins(write: Any) -> None:
    write(f"\nDemo logins (password for all: {generate.DEMO_PASSWORD})")
    for login in generate.DEMO_LOGINS:
        write(f"  {login.role.label:<26} {login.username:<16} {login.name}, {login.where}")
