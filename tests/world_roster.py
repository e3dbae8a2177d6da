"""The roster feature's part of the test world: one failed OneRoster import job in each
district (Riverbend's by its administrator, Lakeside's for "another district")."""

from __future__ import annotations

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.orgs.models import Organization
from proficio.roster import actions
from proficio.roster.models import RosterImport
from tests.roster import files

JOBS = {
    "riverbend_roster_job": "riverbend-roster.zip",
    "lakeside_roster_job": "lakeside-roster.zip",
}


def build() -> None:
    # No manifest: each job fails at once, naming the missing file, and writes nothing.
    payload = files.zipped({"users.csv": files.USERS_11.encode()})
    for username, code, filename in (
        ("district.admin", "riverbend", JOBS["riverbend_roster_job"]),
        ("lake.admin", "lakeside", JOBS["lakeside_roster_job"]),
    ):
        user = User.objects.get(username=username)
        with acting(user, route="tests: world"):
            actions.start_import(
                user,
                Organization.objects.get(code=code),
                filename=filename,
                payload=payload,
                dry_run=True,
            )


def lookup(name: str) -> RosterImport | None:
    filename = JOBS.get(name)
    return RosterImport.objects.get(filename=filename) if filename else None
