"""The permission matrix, run against the policy and against every route."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from proficio import policy
from proficio.accounts.roles import Role
from proficio.audit.context import acting
from proficio.audit.log import record_read
from proficio.orgs.models import Organization, Student
from proficio.policy import Act, Subject
from tests import leaks
from tests.frameworks.case_openapi import PREFIX as CASE_PREFIX
from tests.frameworks.case_openapi import assert_conforms
from tests.permission_matrix import ANON, NOBODY, OBJECT_MATRIX, ROUTES, Foreign, RouteCase
from tests.permission_matrix_foreign import (
    BODY_IDS,
    FOREIGN_TITLES,
    NOT_AN_OBJECT,
    SCHOOL_EXEMPT,
    WRITES,
    foreign_names,
)
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
    if name in ("riverbend_policy", "lakeside_policy"):
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


def _routes(resolver=None, prefix="", pattern="") -> dict[str, str]:
    """Every named route and its full URL pattern."""
    routes: dict[str, str] = {}
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            routes |= _routes(p, ns, pattern + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            routes[prefix + p.name] = pattern + str(p.pattern)
        elif isinstance(p, URLPattern):  # pragma: no cover - every route must be named
            routes[f"{prefix}<unnamed {p.pattern}>"] = pattern + str(p.pattern)
    return routes


def _route_names() -> set[str]:
    return set(_routes())


def routes_with_ids() -> set[str]:
    """Routes whose URL carries a parameter (Django's <...> or ninja's {...})."""
    return {name for name, pattern in _routes().items() if re.search(r"[<{]", pattern)}


def test_every_route_is_in_the_matrix():
    assert _route_names() == set(ROUTES)


def test_every_route_with_an_id_has_foreign_cases():
    """Each route taking an id is asked for a real object of another school and of another
    district (only the district where the kind is not a school's), and each id a body
    carries likewise (with the URL's own object allowed)."""
    with_ids = routes_with_ids()
    assert len(with_ids) >= 78
    assert set(NOT_AN_OBJECT) <= with_ids
    assert set(SCHOOL_EXEMPT) <= with_ids - set(NOT_AN_OBJECT)
    missing = []
    for name in sorted(with_ids - set(NOT_AN_OBJECT)):
        needed = {Foreign.DISTRICT} if name in SCHOOL_EXEMPT else set(Foreign)
        have = {c.foreign for c in ROUTES[name]}
        missing += [f"{name}: no case with an object of {f}" for f in sorted(needed - have)]
    for name, (field, school_exempt) in sorted(BODY_IDS.items()):
        needed = {Foreign.DISTRICT} if school_exempt else set(Foreign)
        have = {c.body_foreign for c in ROUTES[name]}
        missing += [f"{name}: no case with {field} of {f}" for f in sorted(needed - have)]
        # The URL's own object is one the allowed roles reach, so the refusal is the body's.
        assert all(c.foreign is None for c in ROUTES[name] if c.body_foreign), name
        assert all(c.unchanged for c in ROUTES[name] if c.body_foreign), name
    assert not missing, "\n".join(missing)


# Body fields (and query parameters) of the JSON API that name an object.
_ID_FIELDS = re.compile(
    r"(_id|^(student|target|owner|user|district|section|rubric|criterion|competency|"
    r"item|framework|task|session|sample))$"
)


def _api_id_fields() -> dict[str, set[str]]:
    """Route name -> the fields naming an object in its body or query (not its path), read
    from the API's own OpenAPI document, so a new route or field is seen without a list."""
    from proficio.api.main import api

    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})

    def fields(node, path="") -> set[str]:
        if isinstance(node, list):
            return {f for n in node for f in fields(n, path)}
        if not isinstance(node, dict):
            return set()
        if "$ref" in node:
            return fields(components[node["$ref"].rsplit("/", 1)[1]], path)
        found = set()
        for key, value in node.get("properties", {}).items():
            if _ID_FIELDS.search(key):
                found.add(f"{path}{key}")
            found |= fields(value, f"{path}{key}.")
        found |= fields(node.get("items"), path.removesuffix(".") + "[]." if path else "[].")
        for key in ("allOf", "anyOf", "oneOf"):
            found |= fields(node.get(key, []), path)
        return found

    out: dict[str, set[str]] = {}
    for operations in schema["paths"].values():
        for operation in operations.values():
            name = "api:" + operation["operationId"].split("_api_", 1)[1]
            found = {
                p["name"]
                for p in operation.get("parameters", [])
                if p.get("in") != "path" and _ID_FIELDS.search(p["name"])
            }
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found |= fields(content.get("schema", {}))
            if found:
                out[name] = found
    return out


def test_every_api_body_naming_an_object_has_foreign_cases():
    """The API's bodies and queries are read from its OpenAPI document: any field naming an
    object (``district_id``, ``scores[].target``…) puts its route in ``BODY_IDS``, whose
    foreign cases the test above requires."""
    found = _api_id_fields()
    assert set(ROUTES) >= set(found), set(found) - set(ROUTES)  # the names are the routes'
    assert found["api:record_evidence"] == {"scores[].target"}  # the walk reaches nested ids
    missing = [f"{name}: {sorted(f)}" for name, f in sorted(found.items()) if name not in BODY_IDS]
    assert not missing, "API routes naming an object in their body, without foreign cases:\n" + (
        "\n".join(missing)
    )


ROUTE_CASES = [(name, i) for name, cases in ROUTES.items() for i, _ in enumerate(cases)]
WHO = [*Role, ANON, NOBODY]


class _Rollback(Exception):
    """Undo what one request did, so that each person asks the same world."""


@pytest.mark.parametrize(
    ("name", "index"), ROUTE_CASES, ids=[f"{name}-{i}" for name, i in ROUTE_CASES]
)
def test_route_matrix(world, name, index):
    """Every role (and no one, and someone with no role) asks; each gets the answer the
    matrix says, no answer names anyone it should not, and a refused request with an id in
    its body saved nothing. Each request runs in a savepoint that is then undone."""
    case = ROUTES[name][index]
    url = case.url(world)
    problems: list[str] = []
    for who in WHO:
        try:
            with transaction.atomic():
                problems += _ask(world, case, url, who)
                raise _Rollback
        except _Rollback:
            pass
        except Exception as exc:  # a server error: report it with the others
            problems.append(f"{who}: {case.method.upper()} {url} raised {exc!r}")
    assert not problems, "\n".join(problems)


def _ask(world, case: RouteCase, url: str, who) -> list[str]:
    client = Client()
    user = None
    if who == ANON:
        expected = case.anonymous
    else:
        user = world.user(NOBODY if who == NOBODY else ROLE_USERS[who])
        client.force_login(user)
        expected = case.for_nobody() if who == NOBODY else case.expected(who)
    data = case.data() if callable(case.data) else case.data
    foreign = case.foreign is not None or case.body_foreign is not None
    unchanged = case.unchanged or (WRITES if foreign and case.method == "post" else ())
    before = _counts(unchanged)
    if case.json:
        response = getattr(client, case.method)(
            url, json.dumps(data), content_type="application/json"
        )
    else:
        response = getattr(client, case.method)(url, data)
    problems = []
    said = f"{who}: {case.method.upper()} {url}"
    if response.status_code != expected:
        problems.append(f"{said} answered {response.status_code}, expected {expected}")
    if url.startswith(CASE_PREFIX):  # every CASE answer, for every role, is the spec's shape
        try:
            assert_conforms(response)
        except AssertionError as exc:
            problems.append(f"{said} ({response.status_code}) is not CASE's shape: {exc}")
    refusal = response.status_code in leaks.REFUSALS
    leaked = _forbidden(user, refusal=refusal, foreign=foreign).found_in(
        leaks.response_text(response)
    )
    if leaked:
        problems.append(f"{said} ({response.status_code}) names {', '.join(leaked)}")
    if response.status_code >= 400 and _counts(unchanged) != before:
        problems.append(f"{said} ({response.status_code}) was refused but saved rows")
    return problems


def _counts(labels: tuple[str, ...]) -> dict[str, int]:
    return {label: apps.get_model(label)._default_manager.count() for label in labels}


_FORBIDDEN: dict[tuple[str, bool, bool], leaks.Forbidden] = {}


def _forbidden(user, *, refusal: bool, foreign: bool) -> leaks.Forbidden:
    """The names an answer to ``user`` may not contain (computed once per kind of answer;
    the world's people and objects are the same in every test)."""
    key = (user.username if user else ANON, refusal, foreign)
    if key not in _FORBIDDEN:
        students = [(s.pk, leaks.student_names(s)) for s in Student.objects.select_related("user")]
        visible: set[int] = set()
        own: set[str] = set()
        if user is not None:
            visible = set(policy.visible(user, Subject.STUDENT).values_list("pk", flat=True))
            # A student's account is a person the policy may show by name (the people
            # administration, audited as a read of the student's record).
            visible |= (
                set(
                    Student.objects.filter(
                        user__in=policy.visible(user, Subject.PERSON)
                    ).values_list("pk", flat=True)
                )
                if policy.may(user, Act.VIEW, Subject.PERSON)
                else set()
            )
            own = {user.display_name} if user.display_name else set()
            own |= {n for s in Student.objects.filter(user=user) for n in leaks.student_names(s)}
        _FORBIDDEN[key] = leaks.forbidden_names(
            students,
            visible,
            own,
            refusal=refusal,
            foreign=foreign_names(user) if foreign else None,
            foreign_refusal=FOREIGN_TITLES,
        )
    return _FORBIDDEN[key]


def test_leak_check_catches_a_leaking_answer(world):
    """The check itself: it finds a hidden student's name however the answer spells it,
    and any student's name in a refusal, but lets a person see what they may."""
    from django.http import FileResponse, HttpResponse, JsonResponse

    rivera = world.user("rivera")
    allowed = _forbidden(rivera, refusal=False, foreign=True)
    refused = _forbidden(rivera, refusal=True, foreign=True)
    lia, ana = "Lia Lake", world.ana.display_name
    assert allowed.found_in(leaks.response_text(HttpResponse(f"<p>{ana}</p>"))) == []
    assert allowed.found_in(leaks.response_text(HttpResponse("<td>Lake,\n  Lia</td>"))) == [
        "Lake, Lia"
    ]
    assert allowed.found_in(leaks.response_text(HttpResponse("<b>Lia</b>\n<b>Lake</b>"))) == [lia]
    escaped = JsonResponse({"detail": "Fatima Williams"})  # a Cedar student
    assert allowed.found_in(leaks.response_text(escaped)) == ["Fatima Williams"]
    accented = HttpResponse(json.dumps({"n": ana}), content_type="application/json")
    assert json.dumps(ana) != f'"{ana}"'  # the JSON escapes the accent …
    assert refused.found_in(leaks.response_text(accented)) == [ana]  # … and it is still read
    header = HttpResponse("")
    header["Content-Disposition"] = 'attachment; filename="Lia%20Lake.csv"'
    assert allowed.found_in(leaks.response_text(header)) == [lia]
    stream = FileResponse(io.BytesIO(b"Leah Adams, Cedar Elementary School"))
    assert allowed.found_in(leaks.response_text(stream)) == [
        "Cedar Elementary School",
        "Leah Adams",
    ]
    assert allowed.found_in(leaks.response_text(HttpResponse("Mr. Lake teaches Math 7 Lakeside")))
    assert refused.found_in(leaks.response_text(HttpResponse("Cedar task"))) == ["Cedar task"]
    # Another district's draft is not hers to read, not even an item's code.
    draft = HttpResponse("LKD.1 belongs to a framework that is not published.")
    assert "LKD.1" in allowed.found_in(leaks.response_text(draft))
    assert (
        _forbidden(world.user("admin"), refusal=False, foreign=True).found_in(
            leaks.response_text(draft)
        )
        == []
    )
    # A student's own name is no leak, even in a refusal; a classmate's is, there.
    ana_user = world.user("ana")
    own = _forbidden(ana_user, refusal=True, foreign=False)
    assert own.found_in(leaks.response_text(HttpResponse(f"{ana} · Page not found"))) == []
    assert own.found_in(leaks.response_text(HttpResponse("Ben Okafor"))) == ["Ben Okafor"]
    # Words that merely contain a name are not names.
    assert allowed.found_in(leaks.response_text(HttpResponse("Lia Lakeshore"))) == []


def test_leak_check_reads_pdf_text(world):
    from django.http import HttpResponse

    from proficio.learners.pdf import render_pdf

    pdf = HttpResponse(render_pdf("<p>Report for Lia Lake</p>"), content_type="application/pdf")
    assert _forbidden(world.user("rivera"), refusal=False, foreign=False).found_in(
        leaks.response_text(pdf)
    ) == ["Lia Lake"]


def test_organizations_exist(world):
    assert Organization.objects.filter(code__in=ORG_CODES.values()).count() == len(ORG_CODES)
