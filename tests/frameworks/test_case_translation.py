"""A CASE package whose ``language`` is Spanish translates a framework Proficio holds in
English under the same identifier; an item it does not have is refused by JSON path."""

from __future__ import annotations

import uuid

import pytest

from proficio.core.standards import case
from proficio.core.standards.case import CASEError
from proficio.frameworks import case_io
from proficio.frameworks.models import Item, Translation


def _spanish_package(framework, *, extra_item: bool = False):
    data = case.build_package(case_io.export_package(framework))
    data["CFDocument"]["language"] = "es"
    for item in data["CFItems"]:
        item["fullStatement"] = "ES " + item["fullStatement"]
    if extra_item:
        stray = dict(data["CFItems"][0])
        stray["identifier"] = str(uuid.uuid4())
        stray["uri"] = "urn:test:" + stray["identifier"]
        data["CFItems"].append(stray)
    return case.parse_package(data)


def test_a_spanish_package_is_stored_as_the_translation(world):
    framework = world.district_framework
    item = Item.objects.get(framework=framework, human_coding_scheme="MATH.1.1")
    english = item.full_statement
    report = case_io.import_package(_spanish_package(framework))
    item.refresh_from_db()
    assert item.full_statement == english  # the English stays
    spanish = Translation.objects.get(
        kind="item", object_id=item.pk, field="full_statement", language="es"
    )
    assert spanish.text == "ES " + english
    assert report.updated["Translation"] >= Item.objects.filter(framework=framework).count()


def test_a_translation_for_a_missing_item_is_refused_by_path(world):
    framework = world.district_framework
    package = _spanish_package(framework, extra_item=True)
    before = Translation.objects.filter(field="full_statement", text__startswith="ES ").count()
    with pytest.raises(CASEError) as exc:
        case_io.import_package(package)
    issue = exc.value.issues[0]
    assert issue.path == f"$.CFItems[{len(package.items) - 1}]"
    assert "to translate" in issue.message
    assert (
        Translation.objects.filter(field="full_statement", text__startswith="ES ").count() == before
    )
