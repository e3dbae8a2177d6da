"""The trust work's additions to the test world: two framework import jobs, one started by
Riverbend's district administrator and one by Lakeside's, each visible only to its owner."""

from __future__ import annotations


def build() -> None:
    from proficio.accounts.models import User
    from proficio.frameworks.models import ImportJob, JobStatus
    from proficio.orgs.models import Organization

    for username, district, name in (
        ("district.admin", "riverbend", "riverbend-standards.json"),
        ("lake.admin", "lakeside", "lakeside-standards.json"),
    ):
        ImportJob.objects.create(
            created_by=User.objects.get(username=username),
            owner=Organization.objects.get(code=district),
            filename=name,
            payload=b"{}",
            status=JobStatus.FAILED,
            errors=[{"path": "$", "message": "An empty package."}],
        )


def lookup(name: str):
    from proficio.frameworks.models import ImportJob

    files = {
        "riverbend_import": "riverbend-standards.json",
        "lake_import": "lakeside-standards.json",
    }
    if name in files:
        return ImportJob.objects.get(filename=files[name])
    return None
