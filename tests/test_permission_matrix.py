"""The permission matrix, run against the policy and against every route."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from proficio import policy
from proficio.accounts.roles import Role
from proficio.audit.context import acting
from proficio.audit.log import record_read
from proficio.orgs.models import Organization
from proficio.policy import Subject
from tests.frameworks.case_openapi import PREFIX as CASE_PREFIX
from tests.frameworks.case_openapi import assert_conforms
from tests.permission_matrix import ANON, NOBODY, OBJECT_MATRIX, ROUTES
from tests.world import ROLE_USERS

ORG_CODES = {
    "maple": "maple-ms",
    "cedar": "cedar-es",
    "riverbend": "riverbend",
    "lakeside_ms": "lakeside-ms",
}


def _object(world, name: str):
    if name in ORG_CODES:
        return world.org(ORG_CODES[name])
    if name.endswith("_policy"):
        return world.policy(f"{name.split('_')[0].title()} default")
    if name.endswith(".demographics"):
        return getattr(world, name.split(".")[0]).demographics
    if name == "ana_read_entry":
        with acting(world.user("rivera"), route="test"):
            record_read(world.ana)
        from proficio.audit.models import AuditEntry

        return AuditEntry.objects.filter(student_id=world.ana.pk, actor_name="rivera").first()
    if name == "lake_read_entry":
        with acting(world.user("lake.teacher"), route="test"):
            record_read(world.lake_kid)
        from proficio.audit.models import AuditEntry

        return AuditEntry.objects.filter(student_id=world.lake_kid.pk).first()
    return getattr(world, name)


OBJECT_CASES = [
    (subject, act, name, role, role in allowed)
    for (subject, act), objects in OBJECT_MATRIX.items()
    for name, allowed in objects.items()
    for role in Role
]


def test_every_policy_row_is_in_the_matrix():
    assert set(policy.POLICY) == set(OBJECT_MATRIX)


@pytest.mark.parametrize(("subject", "act", "name", "role", "expected"), OBJECT_CASES)
def test_policy_matrix(world, subject, act, name, role, expected):
    user = world.user(ROLE_USERS[role])
    obj = _object(world, name)
    assert policy.can(user, act, subject, obj) is expected
    # The list filter and the yes/no check come from one declaration and agree.
    assert (
        obj.pk in set(policy.visible(user, subject, act).values_list("pk", flat=True))
    ) is expected


def test_user_without_roles_sees_nothing(world):
    user = world.user("nobody")
    for subject in Subject:
        assert not policy.visible(user, subject).exists()


def _route_names(resolver=None, prefix="") -> set[str]:
    names: set[str] = set()
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _route_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
        elif isinstance(p, URLPattern):  # pragma: no cover - every route must be named
            names.add(f"{prefix}<unnamed {p.pattern}>")
    return names


def test_every_route_is_in_the_matrix():
    assert _route_names() == set(ROUTES)


ROUTE_CASES = [
    (name, i, who)
    for name, cases in ROUTES.items()
    for i, _ in enumerate(cases)
    for who in [*Role, ANON, NOBODY]
]


@pytest.mark.parametrize(("name", "index", "who"), ROUTE_CASES)
def test_route_matrix(world, client, name, index, who):
    case = ROUTES[name][index]
    if who == ANON:
        expected = case.anonymous
    else:
        client.force_login(world.user(NOBODY if who == NOBODY else ROLE_USERS[who]))
        if who == NOBODY:
            expected = case.for_nobody()
        else:
            expected = case.ok if who in case.allowed else case.denied
    url = case.url(world)
    data = case.data() if callable(case.data) else case.data
    if case.json:
        import json

        response = getattr(client, case.method)(
            url, json.dumps(data), content_type="application/json"
        )
    else:
        response = getattr(client, case.method)(url, data)
    assert response.status_code == expected, f"{who} {case.method.upper()} {url}"
    if url.startswith(CASE_PREFIX):  # every CASE answer, for every role, is the spec's shape
        assert_conforms(response)


def test_organizations_exist(world):
    assert Organization.objects.filter(code__in=ORG_CODES.values()).count() == len(ORG_CODES)
