"""The micro-credential catalogue exported and imported as CASE (the competencies) plus
JSON: a round trip into another district gives the same catalogue; the CASE part is
valid against the official CASE 1.1 package schema (read in place from the shared
fixtures and checked with jsonschema, not with our own validator); bad input is named by
its JSON path with nothing half-imported; only the district's (or the state's) authors
may import or export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from jsonschema import Draft201909Validator

from proficio import policy
from proficio.audit.context import acting
from proficio.educators import actions
from proficio.educators.models import MicroCredential, MicroCredentialPart, Pathway
from proficio.frameworks.models import Framework, Item

pytestmark = [pytest.mark.django_db]

CASE_SCHEMA = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "fixtures"
    / "case"
    / "case-v1p1-cfpackage-schema.json"
)

# What the catalogue says about a micro-credential apart from who issues it.
MC_FIELDS = (
    "code",
    "title",
    "competency",
    "keyMethod",
    "methodDescription",
    "researchBasis",
    "issuerKind",
    "partner",
    "graduateCredit",
    "creditValue",
    "supervisorMayReview",
    "blindReview",
    "published",
    "parts",
)


@pytest.fixture
def system():
    with acting(None, route="tests: educators catalogue"):
        yield policy.SYSTEM


def _schema() -> dict[str, Any]:
    if not CASE_SCHEMA.is_file():
        pytest.skip(f"{CASE_SCHEMA} is absent (the shared fixtures sit beside the checkout)")
    loaded: dict[str, Any] = json.loads(CASE_SCHEMA.read_text(encoding="utf-8"))
    return loaded


def _catalogue_state(issuer) -> tuple:
    return (
        sorted(MicroCredential.objects.filter(issuer=issuer).values_list("code", flat=True)),
        MicroCredentialPart.objects.filter(micro_credential__issuer=issuer).count(),
        sorted(Pathway.objects.filter(issuer=issuer).values_list("code", flat=True)),
        Framework.objects.count(),
        Item.objects.count(),
    )


def _entries(doc: dict[str, Any], codes: set[str]) -> dict[str, dict[str, Any]]:
    return {
        m["code"]: {k: m[k] for k in MC_FIELDS}
        for m in doc["microCredentials"]
        if m["code"] in codes
    }


def test_round_trip_into_another_district_gives_the_same_catalogue(world):
    riverbend, lakeside = world.org("riverbend"), world.org("lakeside")
    author, other_author = world.user("district.admin"), world.user("lake.admin")
    with acting(author, route="tests: export"):
        exported = actions.export_catalogue(author, riverbend)
    codes = {m["code"] for m in exported["microCredentials"]}
    # What the world made for Riverbend, counted from the database, not from the export.
    assert codes == {"RB-K2-01", "RB-S8-01", "RB-DRAFT"}
    assert [p["code"] for p in exported["pathways"]] == ["RB-PW-LEAD"]
    blind = next(m for m in exported["microCredentials"] if m["code"] == "RB-S8-01")
    assert blind["blindReview"] is True
    assert blind["creditValue"] == "0.50"
    assert [p["kind"] for p in blind["parts"]] == [
        "overview",
        "work_example",
        "student_evidence",
        "reflection",
    ]
    item = Item.objects.get(
        framework__title__startswith="Educator competencies", human_coding_scheme="S.8"
    )
    assert blind["competency"]["identifier"] == str(item.identifier)
    draft = next(m for m in exported["microCredentials"] if m["code"] == "RB-DRAFT")
    assert draft["published"] is False

    # Through bytes, as a file would travel.
    data = json.dumps(exported, ensure_ascii=False).encode("utf-8")
    with acting(other_author, route="tests: import"):
        counts = actions.import_catalogue(other_author, lakeside, data)
    assert counts == {"frameworks": 0, "micro_credentials": 3, "pathways": 1, "unchanged": 0}
    with acting(other_author, route="tests: export again"):
        again = actions.export_catalogue(other_author, lakeside)
    assert _entries(again, codes) == _entries(exported, codes)
    mine = {p["code"]: p for p in again["pathways"]}
    theirs = exported["pathways"][0]
    assert {k: v for k, v in mine["RB-PW-LEAD"].items()} == theirs
    # The imported ones are Lakeside's own rows, with their own rubric once published.
    imported = MicroCredential.objects.get(issuer=lakeside, code="RB-S8-01")
    original = MicroCredential.objects.get(issuer=riverbend, code="RB-S8-01")
    assert imported.pk != original.pk
    assert imported.rubric_id not in (None, original.rubric_id)
    assert MicroCredential.objects.get(issuer=lakeside, code="RB-DRAFT").rubric_id is None
    # Importing the same file twice changes nothing.
    before = _catalogue_state(lakeside)
    with acting(other_author, route="tests: import twice"):
        counts = actions.import_catalogue(other_author, lakeside, data)
    assert counts == {"frameworks": 0, "micro_credentials": 0, "pathways": 0, "unchanged": 4}
    assert _catalogue_state(lakeside) == before


def test_the_case_part_is_valid_against_the_official_case_schema(world):
    schema = _schema()
    author = world.user("district.admin")
    with acting(author, route="tests: export"):
        exported = actions.export_catalogue(author, world.org("riverbend"))
    packages = exported["frameworks"]
    assert len(packages) == 1
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(packages[0])]
    assert errors == []
    # The package really is the educator framework, with every competency a
    # micro-credential names among its CFItems.
    package = packages[0]
    framework = Framework.objects.get(title__startswith="Educator competencies")
    assert package["CFDocument"]["identifier"] == str(framework.identifier)
    items = {i["identifier"] for i in package["CFItems"]}
    assert len(items) == Item.objects.filter(framework=framework).count()
    assert {m["competency"]["identifier"] for m in exported["microCredentials"]} <= items
    # And the validator does fail on a broken package (the check can fail).
    broken = json.loads(json.dumps(package))
    del broken["CFDocument"]["title"]
    assert any("title" in e.message for e in validator.iter_errors(broken))


def _riverbend_file(world) -> dict[str, Any]:
    author = world.user("district.admin")
    with acting(author, route="tests: export"):
        return actions.export_catalogue(author, world.org("riverbend"))


def _import_problems(actor, org, doc: Any) -> list[tuple[str, str]]:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode("utf-8")
    before = _catalogue_state(org)
    with acting(actor, route="tests: bad import"), pytest.raises(actions.CatalogueError) as err:
        actions.import_catalogue(actor, org, data)
    assert _catalogue_state(org) == before, "nothing may be half-imported"
    return err.value.problems


def test_bad_input_is_named_by_json_path_and_nothing_is_half_imported(world):
    lakeside, author = world.org("lakeside"), world.user("lake.admin")
    doc = _riverbend_file(world)
    # The first two micro-credentials are fine; the third is broken in three ways; a
    # pathway breaks its k-of-n.
    mcs = doc["microCredentials"]
    mcs[2]["keyMethod"] = ""
    mcs[2]["parts"][1]["metCriteria"] = ""
    mcs[2]["creditValue"] = "lots"
    doc["pathways"][0]["chooseK"] = 5
    problems = _import_problems(author, lakeside, doc)
    paths = {p for p, _ in problems}
    assert "$.microCredentials[2].keyMethod" in paths
    assert "$.microCredentials[2].parts[1].metCriteria" in paths
    assert "$.microCredentials[2].creditValue" in paths
    assert "$.pathways[0].chooseK" in paths
    assert all(p.startswith("$") for p in paths)
    assert not any("_" in p.rsplit(".", 1)[-1] for p in paths), paths  # the file's own keys


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["microCredentials"][0].update(title=7), "$.microCredentials[0].title"),
        (lambda d: d["microCredentials"][0].update(code=["x"]), "$.microCredentials[0].code"),
        (lambda d: d["microCredentials"][0].update(parts="none"), "$.microCredentials[0].parts"),
        (
            lambda d: d["microCredentials"][0]["parts"][0].update(kind="essay"),
            "$.microCredentials[0].parts[0].kind",
        ),
        (
            lambda d: d["microCredentials"][0].update(competency={"identifier": "nope"}),
            "$.microCredentials[0].competency.identifier",
        ),
        (
            lambda d: d["microCredentials"][0].update(blindReview="yes"),
            "$.microCredentials[0].blindReview",
        ),
        (lambda d: d["pathways"][0].update(required="RB-K2-01"), "$.pathways[0].required"),
        (lambda d: d["pathways"][0].update(required=["NOPE"]), "$.pathways[0].required"),
        (lambda d: d.update(microCredentials={}), "$.microCredentials"),
        (lambda d: d["frameworks"][0].pop("CFDocument"), "$.frameworks[0].CFDocument"),
        (lambda d: d.update(format="other"), "$.format"),
    ],
)
def test_each_kind_of_bad_input_is_named_never_a_crash(world, change, path):
    lakeside, author = world.org("lakeside"), world.user("lake.admin")
    doc = _riverbend_file(world)
    if path.startswith("$.frameworks"):
        # A framework Lakeside does not have yet, so the package is really read.
        doc["frameworks"][0]["CFDocument"]["identifier"] = "b0000000-0000-4000-8000-000000000001"
    change(doc)
    problems = _import_problems(author, lakeside, doc)
    assert path in {p for p, _ in problems}, problems


def test_not_json_is_named_at_the_root(world):
    problems = _import_problems(world.user("lake.admin"), world.org("lakeside"), b"\xff{not")
    assert [p for p, _ in problems] == ["$"]


def test_only_the_districts_and_the_states_authors_import_and_export(world, system):
    riverbend, lakeside, state = (
        world.org("riverbend"),
        world.org("lakeside"),
        world.org("columbia"),
    )
    data = json.dumps(_riverbend_file(world)).encode("utf-8")
    for username in (
        "rivera",
        "principal",
        "counselor",
        "data.lead",
        "state.analyst",
        "lake.admin",
    ):
        actor = world.user(username)
        before = _catalogue_state(riverbend)
        with acting(actor, route="tests: refused"):
            with pytest.raises(PermissionDenied):
                actions.import_catalogue(actor, riverbend, data)
            with pytest.raises(PermissionDenied):
                actions.export_catalogue(actor, riverbend)
        assert _catalogue_state(riverbend) == before
    # A district's author does not write into the state's catalogue; the system
    # administrator (who runs the state's) does.
    author = world.user("district.admin")
    with acting(author, route="tests: refused"), pytest.raises(PermissionDenied):
        actions.import_catalogue(author, state, data)
    admin = world.user("admin")
    with acting(admin, route="tests: state import"):
        counts = actions.import_catalogue(admin, state, data)
    assert counts["micro_credentials"] == 3
    assert MicroCredential.objects.filter(issuer=state, code="RB-K2-01").exists()
    assert lakeside.pk != riverbend.pk


def test_the_pages_refuse_other_districts_and_show_problems_by_path(world, client):
    riverbend, lakeside = world.org("riverbend"), world.org("lakeside")
    client.force_login(world.user("lake.admin"))
    for name in ("educators:catalogue_export", "educators:catalogue_import"):
        response = client.get(reverse(name, args=[riverbend.pk]))
        assert response.status_code == 404
        assert b"Riverbend" not in response.content
    doc = _riverbend_file(world)
    doc["microCredentials"][1]["title"] = ""
    upload = _upload(json.dumps(doc).encode("utf-8"))
    response = client.post(
        reverse("educators:catalogue_import", args=[lakeside.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "$.microCredentials[1].title" in response.content.decode()
    assert not MicroCredential.objects.filter(issuer=lakeside, code__startswith="RB-").exists()
    # The good file through the page, then the export page gives it back.
    upload = _upload(json.dumps(_riverbend_file(world)).encode("utf-8"))
    response = client.post(
        reverse("educators:catalogue_import", args=[lakeside.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert MicroCredential.objects.filter(issuer=lakeside, code__startswith="RB-").count() == 3
    exported = json.loads(
        client.get(reverse("educators:catalogue_export", args=[lakeside.pk])).content
    )
    assert {"RB-K2-01", "RB-S8-01", "RB-DRAFT", "LK-01", "LK-02"} <= {
        m["code"] for m in exported["microCredentials"]
    }


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("catalogue.json", data, content_type="application/json")
