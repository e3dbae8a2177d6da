"""Credentials in the test world: one issued to Ana (Maple, Riverbend), one to a Cedar
Elementary student (Riverbend, another school) and one to Lia (Lakeside, another district),
each through the real issuing action, acting as the system."""

from __future__ import annotations

from proficio.audit.context import acting

NAMES = {
    "ana_credential": "ana",
    "cedar_credential": "cedar-es",
    "lake_credential": "lake.kid",
}


def achievement(title: str):
    from proficio.core.credentials import ob3

    return ob3.Achievement(
        id=f"https://proficio.test/credentials/achievements/world/{title}",
        name=title,
        description="A credential of the test world.",
        criteria="Issued by the test world.",
    )


def _student(key: str):
    from proficio.orgs.models import Student

    if key == "cedar-es":
        return Student.objects.filter(school__code="cedar-es").order_by("pk").first()
    return Student.objects.get(user__username=key)


def build() -> None:
    from proficio import policy
    from proficio.credentials import actions
    from proficio.credentials.models import CredentialKind

    with acting(None, route="tests: world credentials"):
        for name, key in NAMES.items():
            actions.issue_credential(
                policy.SYSTEM,
                _student(key),
                kind=CredentialKind.LEVEL,
                subject_key=f"world:{name}",
                achievement=achievement(name),
            )


def lookup(name: str):
    if name not in NAMES:
        return None
    from proficio.credentials.models import IssuedCredential

    return IssuedCredential.objects.get(subject_key=f"world:{name}")
