"""The OneRoster 1.2 gradebook writer on hand-made rows: columns, modes, formats, the zip,
checked against the binding's column rules (``tests.oneroster_csv_rules``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from tests.oneroster_csv_rules import check, read_zip

from proficio.core.standards import oneroster_gradebook as og

WHEN = dt.datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
TARGET = "6f1c0f5e-2b7e-5d7a-9c1e-3a4b5c6d7e8f"


def book() -> og.Gradebook:
    return og.Gradebook(
        categories=[og.Category("cat-1", "MATH.1 Number sense", WHEN)],
        score_scales=[
            og.ScoreScale(
                "scale-1",
                "Four levels",
                "proficiency",
                "school-1",
                "course-1",
                "class-1",
                (("1", "Emerging"), ("2", "Developing: {almost}"), ("3", "Proficient, met")),
                WHEN,
            )
        ],
        line_items=[
            og.LineItem(
                sourced_id="item-1",
                title='MATH.1.1 Counts, "carefully"',
                description="Counts to 100",
                assign_date=dt.date(2024, 8, 20),
                due_date=dt.date(2025, 1, 17),
                class_id="class-1",
                category_id="cat-1",
                session_id="term-1",
                school_id="school-1",
                value_min=1,
                value_max=4.0,
                modified=WHEN,
                objectives=(TARGET,),
                scale_id="scale-1",
            ),
            og.LineItem(
                "item-2",
                "Other",
                "",
                dt.date(2024, 8, 20),
                dt.date(2025, 1, 17),
                "class-1",
                "cat-1",
                "term-1",
                "school-1",
                None,
                None,
                WHEN,
            ),
        ],
        results=[
            og.Result(
                sourced_id="result-1",
                line_item_id="item-1",
                student_id="student-1",
                score_status="fully graded",
                score=2.5,
                score_date=dt.date(2025, 1, 10),
                text_score="Developing",
                class_id="class-1",
                modified=WHEN,
                comment="Educator judgment",
                objectives=(og.ObjectiveResult(TARGET, 2.5, "Developing"),),
                scale_id="scale-1",
            ),
            og.Result(
                "result-2",
                "item-2",
                "student-1",
                "partially graded",
                None,
                dt.date(2025, 1, 11),
                "Not enough evidence yet",
                "class-1",
                WHEN,
            ),
        ],
    )


def rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    text = files[f"{name}.csv"].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_bulk_files_follow_the_binding() -> None:
    files = og.write_gradebook(book())
    text = {name: data.decode("utf-8") for name, data in files.items()}
    assert check(text) == []
    assert text["results.csv"].startswith(
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,"
    )
    assert "\r\n" in text["results.csv"]
    item = rows(files, "lineItems")[0]
    assert item["title"] == 'MATH.1.1 Counts, "carefully"'  # quoted, not split
    assert (item["status"], item["dateLastModified"]) == ("", "")
    assert (item["resultValueMin"], item["resultValueMax"]) == ("1.0", "4.0")
    assert rows(files, "lineItems")[1]["resultValueMin"] == ""
    objective = rows(files, "lineItemLearningObjectiveIds")
    assert [(o["lineItemSourcedId"], o["source"], o["learningObjectiveId"]) for o in objective] == [
        ("item-1", "case", TARGET)
    ]
    outcome = rows(files, "resultLearningObjectiveIds")
    assert [(o["resultSourcedId"], o["score"], o["textScore"]) for o in outcome] == [
        ("result-1", "2.5", "Developing")
    ]
    assert [r["scoreScaleSourcedId"] for r in rows(files, "resultScoreScales")] == ["scale-1"]
    assert [r["lineItemSourcedId"] for r in rows(files, "lineItemScoreScales")] == ["item-1"]
    scale = rows(files, "scoreScales")[0]["scoreScaleValue"]
    assert scale == "{1:Emerging},{2:Developing almost},{3:Proficient met}"
    second = rows(files, "results")[1]
    assert (second["scoreStatus"], second["score"]) == ("partially graded", "")


def test_delta_files_carry_status_and_time() -> None:
    files = og.write_gradebook(book(), mode="delta", system_code="riverbend")
    text = {name: data.decode("utf-8") for name, data in files.items()}
    assert check(text) == []
    result = rows(files, "results")[0]
    assert result["status"] == "active"
    assert result["dateLastModified"] == "2025-03-04T10:06:07.891Z"  # UTC, milliseconds
    manifest = dict(csv.reader(io.StringIO(text["manifest.csv"])))
    assert manifest["file.results"] == "delta"
    assert manifest["file.classes"] == "absent"
    assert manifest["source.systemCode"] == "riverbend"


def test_the_manifest_names_every_file_of_the_binding() -> None:
    files = og.write_gradebook(og.Gradebook())
    manifest = list(csv.reader(io.StringIO(files["manifest.csv"].decode())))
    assert manifest[:3] == [
        ["propertyName", "value"],
        ["manifest.version", "1.0"],
        ["oneroster.version", "1.2"],
    ]
    assert [row[0] for row in manifest[3:-1]] == [f"file.{name}" for name in og.DATA_FILES]
    assert manifest[-1] == ["source.systemName", "Proficio"]
    assert check({name: data.decode() for name, data in files.items()}) == []


def test_a_mode_outside_the_binding_is_refused() -> None:
    with pytest.raises(ValueError, match="bulk' or 'delta"):
        og.write_gradebook(book(), mode="full")


def test_the_zip_starts_with_the_manifest_and_is_the_same_each_time() -> None:
    files = og.write_gradebook(book())
    packed = og.zip_gradebook(files)
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.namelist()[0] == "manifest.csv"
        assert sorted(archive.namelist()) == sorted(files)
    assert og.zip_gradebook(files) == packed
    assert {k: v.encode() for k, v in read_zip(packed).items()} == files
