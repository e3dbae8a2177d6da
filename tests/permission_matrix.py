"""The permission matrix: every role × every kind of object × own/other → allowed or not.

Later features extend it by adding rows to ``OBJECT_MATRIX`` (for the policy) and
``ROUTES`` (for views and endpoints). ``test_permission_matrix.py`` fails when a policy
row or a URL route has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject

R = Role
ALL_ROLES_SET = set(Role)
LEADERS_OF_MAPLE = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}
DISTRICT = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}

# (subject, act) -> {object name in the world: roles allowed}
OBJECT_MATRIX: dict[tuple[Subject, Act], dict[str, set[Role]]] = {
    (Subject.STUDENT, Act.VIEW): {
        "ana": {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "ben": {R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_kid": DISTRICT,
        "lake_kid": set(),
    },
    (Subject.STUDENT, Act.CHANGE): {
        "ana": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "ben": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_kid": {R.DISTRICT_ADMIN},
        "lake_kid": set(),
    },
    (Subject.DEMOGRAPHICS, Act.VIEW): {
        "ana.demographics": {R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_kid.demographics": DISTRICT,
        "lake_kid.demographics": set(),
    },
    (Subject.DEMOGRAPHICS, Act.CHANGE): {
        "ana.demographics": {R.DISTRICT_ADMIN},
        "lake_kid.demographics": set(),
    },
    (Subject.SECTION, Act.VIEW): {
        "rivera_section": {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE,
        "cedar_section": DISTRICT,
        "lake_section": set(),
    },
    (Subject.SECTION, Act.CHANGE): {
        "rivera_section": {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN},
        "cedar_section": {R.DISTRICT_ADMIN},
        "lake_section": set(),
    },
    (Subject.ORGANIZATION, Act.VIEW): {
        "maple": {R.TEACHER, R.ADVISOR, R.STATE_ANALYST, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE,
        "cedar": DISTRICT | {R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "riverbend": DISTRICT | {R.STATE_ANALYST, R.SYSTEM_ADMIN},
        "lakeside_ms": {R.STATE_ANALYST, R.SYSTEM_ADMIN},
    },
    (Subject.ORGANIZATION, Act.CHANGE): {
        "maple": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lakeside_ms": {R.SYSTEM_ADMIN},
    },
    (Subject.AGGREGATE, Act.VIEW): {
        "maple": LEADERS_OF_MAPLE | {R.STATE_ANALYST},
        "cedar": DISTRICT | {R.STATE_ANALYST},
        "lakeside_ms": {R.STATE_ANALYST},
    },
    (Subject.FRAMEWORK, Act.VIEW): {
        "district_framework": ALL_ROLES_SET,
        "riverbend_draft": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lakeside_draft": {R.SYSTEM_ADMIN},
    },
    (Subject.FRAMEWORK, Act.CHANGE): {
        "district_framework": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "riverbend_draft": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lakeside_draft": {R.SYSTEM_ADMIN},
    },
    (Subject.POLICY, Act.VIEW): {
        "riverbend_policy": {R.TEACHER, R.ADVISOR, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE,
        "lakeside_policy": {R.SYSTEM_ADMIN},
    },
    (Subject.POLICY, Act.CHANGE): {
        "riverbend_policy": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN},
        "lakeside_policy": {R.SYSTEM_ADMIN},
    },
    (Subject.AUDIT_LOG, Act.VIEW): {
        # An entry for a read of Ana's record by Ms. Rivera, and one for Lia (Lakeside).
        "ana_read_entry": {
            R.STUDENT,
            R.GUARDIAN,
            R.SCHOOL_LEADER,
            R.DISTRICT_ADMIN,
            R.SYSTEM_ADMIN,
        },
        "lake_read_entry": {R.SYSTEM_ADMIN},
    },
}

ALL_ROLES = set(Role)
ANON = "anonymous"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
NOBODY = "nobody"  # logged in, no role


class Foreign(StrEnum):
    """Where a case's foreign object comes from (see tests/world_foreign.py)."""

    SCHOOL = "another school"  # Cedar Elementary, another school of Riverbend
    DISTRICT = "another district"  # Lakeside District and its school


@dataclass
class RouteCase:
    """One request and who gets which answer. Roles not in ``allowed`` get ``denied``.

    ``foreign`` says that the URL names an object of another school or district;
    ``body_foreign`` that the body names one (with the URL's own object allowed). A
    refused answer (400 and above) must leave the row count of every model in
    ``unchanged`` ("app_label.Model") as it was."""

    url: Callable[[object], str]
    allowed: set[Role]
    ok: int = 200
    denied: int = 404
    method: str = "get"
    data: dict[str, object] | Callable[[], dict[str, object]] = field(default_factory=dict)
    json: bool = False  # send the data as a JSON body
    anonymous: int = 302  # web pages send you to log in; the API answers 401
    # A logged-in person with no role: public routes answer as for anyone, others deny.
    nobody: int | None = None
    foreign: Foreign | None = None
    body_foreign: Foreign | None = None
    unchanged: tuple[str, ...] = ()
    answers: dict[Role, int] = field(default_factory=dict)  # roles answered otherwise

    def expected(self, role: Role) -> int:
        if role in self.answers:
            return self.answers[role]
        return self.ok if role in self.allowed else self.denied

    def for_nobody(self) -> int:
        if self.nobody is not None:
            return self.nobody
        return self.anonymous if self.anonymous == 200 else self.denied


def _u(name: str, *args: Callable[[object], object]) -> Callable[[object], str]:
    from django.urls import reverse

    return lambda w: reverse(name, args=[a(w) for a in args])


ana = lambda w: w.ana.pk  # noqa: E731
lake_kid = lambda w: w.lake_kid.pk  # noqa: E731
ben = lambda w: w.ben.pk  # noqa: E731
rivera_section = lambda w: w.rivera_section.pk  # noqa: E731
lake_section = lambda w: w.lake_section.pk  # noqa: E731

STUDENT_VIEWERS = OBJECT_MATRIX[(Subject.STUDENT, Act.VIEW)]
SECTION_VIEWERS = OBJECT_MATRIX[(Subject.SECTION, Act.VIEW)]
ORG_VIEWERS = OBJECT_MATRIX[(Subject.ORGANIZATION, Act.VIEW)]
AUDIT_VIEWERS = {R.STUDENT, R.GUARDIAN, R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
STUDENT_LISTERS = {R.STUDENT, R.GUARDIAN, R.TEACHER, R.ADVISOR} | LEADERS_OF_MAPLE


def _upload(name: str, content: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def _fw(name: str, *more: Callable[[object], object]) -> Callable[[object], str]:
    """A framework route for the published district framework (``w.district_framework``)."""
    return _u(name, lambda w: w.district_framework.pk, *more)


def _draft(name: str, *more: Callable[[object], object]) -> Callable[[object], str]:
    return _u(name, lambda w: w.lakeside_draft.pk, *more)


def _target(w: object) -> object:
    return w.target("MATH.1.2").pk  # type: ignore[attr-defined]


def _competency(w: object) -> object:
    from proficio.frameworks.models import Item

    return Item.objects.get(framework=w.district_framework, human_coding_scheme="MATH.1").pk  # type: ignore[attr-defined]


def _case(path: Callable[[object], str]) -> Callable[[object], str]:
    return lambda w: "/ims/case/v1p1/" + path(w)


AUTHORS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
STUDENT_CHANGERS = {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
POLICY_VIEWERS = {R.TEACHER, R.ADVISOR, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE
# A district administrator authoring frameworks; system administrators too.
FRAMEWORK_EDITORS = AUTHORS

# url name -> cases. Every named route in the project must appear here.
ROUTES: dict[str, list[RouteCase]] = {
    "web:home": [RouteCase(_u("web:home"), ALL_ROLES, ok=302, nobody=200)],
    "web:role_home": [
        RouteCase(lambda w, r=r: _u("web:role_home", lambda _: r.value)(w), {r}, denied=403)
        for r in Role
    ],
    "web:student_list": [RouteCase(_u("web:student_list"), STUDENT_LISTERS, denied=403)],
    "web:student_detail": [
        RouteCase(_u("web:student_detail", ana), STUDENT_VIEWERS["ana"]),
        RouteCase(_u("web:student_detail", ben), STUDENT_VIEWERS["ben"]),
        RouteCase(
            _u("web:student_detail", lake_kid),
            STUDENT_VIEWERS["lake_kid"],
            foreign=Foreign.DISTRICT,
        ),
    ],
    "web:student_access": [
        RouteCase(_u("web:student_access", ana), AUDIT_VIEWERS & STUDENT_VIEWERS["ana"]),
        RouteCase(_u("web:student_access", ben), {R.SCHOOL_LEADER, R.DISTRICT_ADMIN}),
        RouteCase(_u("web:student_access", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
    "web:section_detail": [
        RouteCase(_u("web:section_detail", rivera_section), SECTION_VIEWERS["rivera_section"]),
        RouteCase(
            _u("web:section_detail", lake_section),
            SECTION_VIEWERS["lake_section"],
            foreign=Foreign.DISTRICT,
        ),
    ],
    "web:organization_detail": [
        RouteCase(
            _u("web:organization_detail", lambda w: w.org("maple-ms").pk), ORG_VIEWERS["maple"]
        ),
        RouteCase(
            _u("web:organization_detail", lambda w: w.org("lakeside-ms").pk),
            ORG_VIEWERS["lakeside_ms"],
            foreign=Foreign.DISTRICT,
        ),
    ],
    "web:audit_log": [RouteCase(_u("web:audit_log"), AUDIT_VIEWERS, denied=403)],
    # The style guide is for staff: anyone serving others (not students and guardians).
    "web:design": [RouteCase(_u("web:design"), ALL_ROLES_SET - {Role.STUDENT, Role.GUARDIAN})],
    "accounts:login": [
        RouteCase(_u("accounts:login"), ALL_ROLES, ok=302, anonymous=200, nobody=302)
    ],
    "accounts:logout": [
        RouteCase(
            _u("accounts:logout"), ALL_ROLES, ok=302, method="post", anonymous=302, nobody=302
        )
    ],
    "accounts:language": [
        RouteCase(
            _u("accounts:language"),
            ALL_ROLES,
            ok=302,
            method="post",
            data={"language": "es"},
            anonymous=302,
            nobody=302,
        )
    ],
    "api:me": [RouteCase(_u("api:me"), ALL_ROLES, anonymous=401, nobody=200)],
    "api:list_students": [
        RouteCase(_u("api:list_students"), STUDENT_LISTERS, denied=403, anonymous=401)
    ],
    "api:get_student": [
        RouteCase(_u("api:get_student", ana), STUDENT_VIEWERS["ana"], anonymous=401),
        RouteCase(_u("api:get_student", lake_kid), set(), anonymous=401, foreign=Foreign.DISTRICT),
    ],
    "api:list_sections": [
        RouteCase(_u("api:list_sections"), STUDENT_LISTERS, denied=403, anonymous=401)
    ],
    "api:get_section": [
        RouteCase(
            _u("api:get_section", rivera_section), SECTION_VIEWERS["rivera_section"], anonymous=401
        ),
        RouteCase(
            _u("api:get_section", lake_section), set(), anonymous=401, foreign=Foreign.DISTRICT
        ),
    ],
    "api:list_organizations": [
        RouteCase(
            _u("api:list_organizations"),
            {R.TEACHER, R.ADVISOR, R.STATE_ANALYST, R.SYSTEM_ADMIN} | LEADERS_OF_MAPLE,
            denied=403,
            anonymous=401,
        )
    ],
    "api:list_audit": [RouteCase(_u("api:list_audit"), AUDIT_VIEWERS, denied=403, anonymous=401)],
    # Frameworks: published ones for everyone with a role; drafts and editing for authors.
    "frameworks:list": [RouteCase(_u("frameworks:list"), ALL_ROLES, denied=403)],
    "frameworks:detail": [
        RouteCase(_fw("frameworks:detail"), ALL_ROLES),
        RouteCase(_draft("frameworks:detail"), {R.SYSTEM_ADMIN}, foreign=Foreign.DISTRICT),
    ],
    "frameworks:item": [RouteCase(_fw("frameworks:item", _target), ALL_ROLES)],
    "frameworks:export": [RouteCase(_fw("frameworks:export"), ALL_ROLES)],
    "frameworks:history": [RouteCase(_fw("frameworks:history"), ALL_ROLES)],
    "frameworks:create": [RouteCase(_u("frameworks:create"), AUTHORS, denied=403)],
    "frameworks:import": [RouteCase(_u("frameworks:import"), AUTHORS, denied=403)],
    "frameworks:item_create": [
        RouteCase(_fw("frameworks:item_create"), FRAMEWORK_EDITORS),
        RouteCase(_draft("frameworks:item_create"), {R.SYSTEM_ADMIN}, foreign=Foreign.DISTRICT),
    ],
    "frameworks:item_edit": [RouteCase(_fw("frameworks:item_edit", _target), FRAMEWORK_EDITORS)],
    "frameworks:prerequisite_add": [
        RouteCase(_fw("frameworks:prerequisite_add", _target), FRAMEWORK_EDITORS)
    ],
    "frameworks:level_statements": [
        RouteCase(_fw("frameworks:level_statements", _competency), FRAMEWORK_EDITORS)
    ],
    "frameworks:item_retire": [
        RouteCase(_draft("frameworks:item_retire", lambda w: 999999), set(), method="post"),
        RouteCase(_fw("frameworks:item_retire", _target), FRAMEWORK_EDITORS, ok=302, method="post"),
    ],
    "frameworks:exemplar_add": [
        RouteCase(_fw("frameworks:exemplar_add", _competency), FRAMEWORK_EDITORS)
    ],
    "frameworks:exemplar_file": [
        RouteCase(
            _u(
                "frameworks:exemplar_file",
                lambda w: (
                    w.district_framework.items.get(human_coding_scheme="MATH.1").exemplars.get().pk
                ),
            ),
            ALL_ROLES,
        )
    ],
    "api:import_case": [
        RouteCase(
            _u("api:import_case"),
            AUTHORS,
            ok=202,
            denied=403,
            method="post",
            anonymous=401,
            data=lambda: {"file": _upload("empty.json", b"{}")},
        )
    ],
    "api:student_determinations": [
        RouteCase(_u("api:student_determinations", ana), STUDENT_VIEWERS["ana"], anonymous=401),
        RouteCase(
            _u("api:student_determinations", lake_kid),
            set(),
            anonymous=401,
            foreign=Foreign.DISTRICT,
        ),
    ],
    "api:record_evidence": [
        RouteCase(
            _u("api:record_evidence", ana),
            STUDENT_CHANGERS,
            ok=400,
            method="post",
            anonymous=401,
            data=lambda: {
                "kind": "observation",
                "title": "x",
                "assessed_at": "2020-01-01T00:00:00Z",
                "scores": [],
            },
            json=True,
        )
    ],
    "frameworks:publish": [
        RouteCase(
            _draft("frameworks:publish"),
            {R.SYSTEM_ADMIN},
            ok=302,
            method="post",
            foreign=Foreign.DISTRICT,
        )
    ],
    # Evidence and mastery: one student's learning follows the student rows of the policy.
    "evidence:record": [
        RouteCase(_u("evidence:record", ana), STUDENT_CHANGERS),
        RouteCase(_u("evidence:record", lake_kid), set(), foreign=Foreign.DISTRICT),
    ],
    "evidence:review": [
        RouteCase(
            _u("evidence:review", lambda w: w.ana_evidence.pk),
            STUDENT_CHANGERS,
            ok=302,
            method="post",
            data={"decision": "accept"},
        )
    ],
    "evidence:artifact": [
        RouteCase(
            _u("evidence:artifact", lambda w: w.ana_evidence.artifacts.get().pk),
            STUDENT_VIEWERS["ana"],
        )
    ],
    "mastery:student_target": [
        RouteCase(_u("mastery:student_target", ana, _target), STUDENT_VIEWERS["ana"]),
        RouteCase(_u("mastery:student_target", lake_kid, _target), set(), foreign=Foreign.DISTRICT),
    ],
    "mastery:override": [
        RouteCase(_u("mastery:override", ana, _target), STUDENT_CHANGERS, ok=400, method="post"),
        RouteCase(
            _u("mastery:override", lake_kid, _target),
            set(),
            method="post",
            foreign=Foreign.DISTRICT,
        ),
    ],
    "mastery:policies": [RouteCase(_u("mastery:policies"), POLICY_VIEWERS, denied=403)],
    "mastery:policy": [
        RouteCase(_u("mastery:policy", lambda w: w.policy("Riverbend default").pk), POLICY_VIEWERS),
        RouteCase(
            _u("mastery:policy", lambda w: w.policy("Lakeside default").pk),
            {R.SYSTEM_ADMIN},
            foreign=Foreign.DISTRICT,
        ),
    ],
    "mastery:policy_preview": [
        RouteCase(
            _u("mastery:policy_preview", lambda w: w.policy("Riverbend default").pk),
            AUTHORS,
            method="post",
        )
    ],
    "mastery:fit_bkt": [
        RouteCase(
            _u("mastery:fit_bkt", lambda w: w.policy("Riverbend default").pk),
            AUTHORS,
            ok=302,
            method="post",
        )
    ],
    "mastery:rollup_rule": [RouteCase(_u("mastery:rollup_rule", _competency), FRAMEWORK_EDITORS)],
    "mastery:replay": [
        RouteCase(
            _u("mastery:replay", lambda w: w.replay_of("Riverbend default").pk), POLICY_VIEWERS
        ),
        RouteCase(
            _u("mastery:replay", lambda w: w.replay_of("Lakeside default").pk),
            {R.SYSTEM_ADMIN},
            foreign=Foreign.DISTRICT,
        ),
    ],
    # The CASE provider: published frameworks are public, so anyone (even anonymous) reads.
    "case:get_all_documents": [RouteCase(_case(lambda w: "CFDocuments"), ALL_ROLES, anonymous=200)],
    "case:get_document": [
        RouteCase(
            _case(lambda w: f"CFDocuments/{w.district_framework.identifier}"),
            ALL_ROLES,
            anonymous=200,
        ),
        RouteCase(
            _case(lambda w: f"CFDocuments/{w.lakeside_draft.identifier}"),
            {R.SYSTEM_ADMIN},
            anonymous=404,
            foreign=Foreign.DISTRICT,
        ),
    ],
    "case:get_package": [
        RouteCase(
            _case(lambda w: f"CFPackages/{w.district_framework.identifier}"),
            ALL_ROLES,
            anonymous=200,
        ),
        RouteCase(
            _case(lambda w: f"CFPackages/{w.riverbend_draft.identifier}"), AUTHORS, anonymous=404
        ),
    ],
    "case:get_item": [
        RouteCase(
            _case(lambda w: f"CFItems/{w.target('MATH.1.2').identifier}"), ALL_ROLES, anonymous=200
        )
    ],
    "case:get_item_associations": [
        RouteCase(
            _case(lambda w: f"CFItemAssociations/{w.target('MATH.1.2').identifier}"),
            ALL_ROLES,
            anonymous=200,
        )
    ],
    "case:get_association": [
        RouteCase(
            _case(
                lambda w: f"CFAssociations/{w.district_framework.associations.first().identifier}"
            ),
            ALL_ROLES,
            anonymous=200,
        )
    ],
    "case:get_rubric": [
        RouteCase(
            _case(lambda w: f"CFRubrics/{w.district_framework.rubrics.first().identifier}"),
            ALL_ROLES,
            anonymous=200,
        )
    ],
    "case:get_license": [
        RouteCase(
            _case(lambda w: f"CFLicenses/{w.district_framework.license.identifier}"),
            ALL_ROLES,
            anonymous=200,
        )
    ],
    # Definitions the seeds do not carry answer "unknown object" to everyone alike.
    "case:get_concept": [RouteCase(_case(lambda w: f"CFConcepts/{UNKNOWN}"), set(), anonymous=404)],
    "case:get_subject": [RouteCase(_case(lambda w: f"CFSubjects/{UNKNOWN}"), set(), anonymous=404)],
    "case:get_item_type": [
        RouteCase(_case(lambda w: f"CFItemTypes/{UNKNOWN}"), set(), anonymous=404)
    ],
    "case:get_grouping": [
        RouteCase(_case(lambda w: f"CFAssociationGroupings/{UNKNOWN}"), set(), anonymous=404)
    ],
    "case:api-root": [RouteCase(_case(lambda w: ""), set(), anonymous=404)],
    # Any other path under the prefix is a JSON "unknown object", never the HTML page.
    "case:unknown": [
        RouteCase(_case(lambda w: "CFNothing"), set(), anonymous=404),
        RouteCase(
            _case(lambda w: f"CFItems/{w.target('MATH.1.2').identifier}/x"), set(), anonymous=404
        ),
    ],
    "case:openapi-json": [RouteCase(_case(lambda w: "openapi.json"), ALL_ROLES, anonymous=200)],
    "case:openapi-view": [RouteCase(_case(lambda w: "docs"), ALL_ROLES, anonymous=200)],
    # The API root answers nothing but "not found"; it exists for URL reversing.
    "api:api-root": [RouteCase(_u("api:api-root"), set(), anonymous=404)],
    # The API's self-description is public, like any OpenAPI document.
    "api:openapi-json": [RouteCase(_u("api:openapi-json"), ALL_ROLES, anonymous=200)],
    "api:openapi-view": [RouteCase(_u("api:openapi-view"), ALL_ROLES, anonymous=200)],
}


# Each feature may keep its rows in tests/permission_matrix_<feature>.py, defining
# OBJECT_ROWS (same shape as OBJECT_MATRIX) and ROUTE_CASES (same shape as ROUTES), and
# MORE_CASES (more cases for routes declared elsewhere, such as foreign-object cases).
# They are merged here so that the completeness checks above see them.
def _merge_feature_rows() -> None:
    import importlib
    import pathlib

    more: list[dict[str, list[RouteCase]]] = []
    for path in sorted(pathlib.Path(__file__).parent.glob("permission_matrix_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for key, rows in getattr(module, "OBJECT_ROWS", {}).items():
            OBJECT_MATRIX.setdefault(key, {}).update(rows)
        for name, cases in getattr(module, "ROUTE_CASES", {}).items():
            if name in ROUTES:
                raise RuntimeError(f"{path.name}: route {name!r} is already in the matrix")
            ROUTES[name] = cases
        more.append(getattr(module, "MORE_CASES", {}))
    for cases_by_route in more:
        for name, cases in cases_by_route.items():
            ROUTES[name].extend(cases)


_merge_feature_rows()
