"""Accounts in the test world: people to administer and machine clients.

* "Mx. Bridge" (``shared.teacher``) teaches at Maple (Riverbend) and at Lakeside: the
  Riverbend administrator sees the account but may not change it.
* Two machine clients: "Riverbend SIS" (a district data lead's client, registered by the
  Riverbend administrator) and "Lakeside SIS" (registered by the Lakeside administrator).
"""

from __future__ import annotations

from django.utils import timezone

from proficio.accounts import actions
from proficio.accounts.models import MachineClient, User
from proficio.accounts.oauth import API_READ
from proficio.audit.context import acting
from proficio.demo import generate
from proficio.orgs import actions as orgs
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM

PEOPLE = {
    "rivera_person": "rivera",
    "ana_person": "ana",
    "garcia_person": "garcia.family",
    "lake_teacher_person": "lake.teacher",
    "state_analyst_person": "state.analyst",
    "shared_teacher": "shared.teacher",
}
CLIENTS = {"riverbend_client": "Riverbend SIS", "lakeside_client": "Lakeside SIS"}


def build() -> None:
    start, _end = generate.school_year_for(timezone.localdate())
    with acting(None, route="tests: world"):
        shared = actions.create_user(
            username="shared.teacher",
            password=generate.DEMO_PASSWORD,
            display_name="Mx. Bridge",
            email="bridge@shared.example",
        )
        for code in ("maple-ms", "lakeside-ms"):
            orgs.grant_role(
                SYSTEM,
                user=shared,
                role="teacher",
                organization=Organization.objects.get(code=code),
                start_date=start,
            )
    for admin, district, name in (
        ("district.admin", "riverbend", "Riverbend SIS"),
        ("lake.admin", "lakeside", "Lakeside SIS"),
    ):
        user = User.objects.get(username=admin)
        with acting(user, route="tests: world"):
            actions.register_client(
                user,
                name=name,
                organization=Organization.objects.get(code=district),
                role="district_data_lead",
                scopes=[API_READ],
            )


def lookup(name: str) -> object | None:
    if name in PEOPLE:
        return User.objects.get(username=PEOPLE[name])
    if name == "cedar_teacher_person":
        return User.objects.filter(username__startswith="t.cedar-es.").order_by("username").first()
    if name in CLIENTS:
        return MachineClient.objects.get(application__name=CLIENTS[name])
    return None
