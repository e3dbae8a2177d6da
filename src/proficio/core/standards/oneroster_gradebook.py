"""A OneRoster 1.2 gradebook as CSV files (the 1EdTech OneRoster 1.2 CSV binding), for a
student information system to print standards-based report cards from.

The binding has no separate files for assessment line items and results: a gradebook is
``lineItems.csv`` (what is assessed: here, one learning target in one class) and
``results.csv`` (one student's result on it: here, the level of the determination), with
their learning objectives in ``lineItemLearningObjectiveIds.csv`` and
``resultLearningObjectiveIds.csv`` (``source`` ``case``, the objective's CASE identifier, and
for a result its score and text score), the categories they are grouped in
(``categories.csv``: here, competencies) and the score scales that say what a score means
(``scoreScales.csv``, tied to line items and results by ``lineItemScoreScales.csv`` and
``resultScoreScales.csv``). A ``manifest.csv`` names every data file of the binding as
``bulk``, ``delta`` or ``absent``; the rostering files (classes, users, academic sessions,
orgs) are ``absent``: their sourcedIds are the ones the student information system already
holds.

Columns follow the binding's tables, in order. Dates are ``YYYY-MM-DD``; ``dateLastModified``
is UTC ``YYYY-MM-DDTHH:MM:SS.sssZ``; lists are comma-separated in one field; files are UTF-8
with CRLF line ends (RFC 4180). In a ``bulk`` export, ``status`` and ``dateLastModified`` are
left blank, as the binding asks of bulk files; in a ``delta`` export every row is ``active``
with its time of last change.

``write_gradebook`` is pure: it takes plain rows (``Gradebook``) and returns the files'
bytes; ``zip_gradebook`` packs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "DATA_FILES",
    "GRADEBOOK_COLUMNS",
    "SCORE_STATUSES",
    "Category",
    "Gradebook",
    "LineItem",
    "ObjectiveResult",
    "Result",
    "ScoreScale",
    "write_gradebook",
    "zip_gradebook",
]

#: Every data file of the OneRoster 1.2 CSV binding, as the manifest names them.
DATA_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
)
_COMMON = ("sourcedId", "status", "dateLastModified")
#: The gradebook files' columns, in the binding's order.
GRADEBOOK_COLUMNS: dict[str, tuple[str, ...]] = {
    "categories": (*_COMMON, "title", "weight"),
    "lineItems": (
        *_COMMON,
        "title",
        "description",
        "assignDate",
        "dueDate",
        "classSourcedId",
        "categorySourcedId",
        "academicSessionSourcedId",
        "resultValueMin",
        "resultValueMax",
        "schoolSourcedId",
    ),
    "results": (
        *_COMMON,
        "lineItemSourcedId",
        "studentSourcedId",
        "scoreStatus",
        "score",
        "scoreDate",
        "comment",
        "textScore",
        "classSourcedId",
        "inProgress",
        "incomplete",
        "late",
        "missing",
    ),
    "scoreScales": (
        *_COMMON,
        "title",
        "type",
        "orgSourcedId",
        "courseSourcedId",
        "classSourcedId",
        "scoreScaleValue",
    ),
    "lineItemLearningObjectiveIds": (
        *_COMMON,
        "lineItemSourcedId",
        "source",
        "learningObjectiveId",
    ),
    "lineItemScoreScales": (*_COMMON, "title", "lineItemSourcedId", "scoreScaleSourcedId"),
    "resultLearningObjectiveIds": (
        *_COMMON,
        "resultSourcedId",
        "source",
        "learningObjectiveId",
        "score",
        "textScore",
    ),
    "resultScoreScales": (*_COMMON, "title", "resultSourcedId", "scoreScaleSourcedId"),
}
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
# Rows the binding keys by a sourcedId of their own, derived from their parent and objective.
_ROW_IDS = uuid.UUID("0b8f3a52-6c1d-5e4f-9a7b-2c3d4e5f6a7b")


@dataclass(frozen=True)
class Category:
    sourced_id: str
    title: str
    modified: dt.datetime


@dataclass(frozen=True)
class ScoreScale:
    sourced_id: str
    title: str
    type: str
    org_id: str
    course_id: str
    class_id: str
    values: tuple[tuple[str, str], ...]  # (score, what it means), e.g. ("3", "Proficient")
    modified: dt.datetime


@dataclass(frozen=True)
class LineItem:
    sourced_id: str
    title: str
    description: str
    assign_date: dt.date
    due_date: dt.date
    class_id: str
    category_id: str
    session_id: str
    school_id: str
    value_min: float | None
    value_max: float | None
    modified: dt.datetime
    objectives: tuple[str, ...] = ()  # CASE identifiers
    scale_id: str | None = None


@dataclass(frozen=True)
class ObjectiveResult:
    identifier: str  # a CASE identifier
    score: float | None
    text_score: str


@dataclass(frozen=True)
class Result:
    sourced_id: str
    line_item_id: str
    student_id: str
    score_status: str
    score: float | None
    score_date: dt.date
    text_score: str
    class_id: str
    modified: dt.datetime
    comment: str = ""
    objectives: tuple[ObjectiveResult, ...] = ()
    scale_id: str | None = None


@dataclass
class Gradebook:
    categories: list[Category] = field(default_factory=list)
    line_items: list[LineItem] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    score_scales: list[ScoreScale] = field(default_factory=list)


def _float(value: float | None) -> str:
    if value is None:
        return ""
    return repr(float(value))  # 3.0, 2.5: a float as the binding types the column


def _when(value: dt.datetime) -> str:
    moment = value.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _row_id(*parts: str) -> str:
    return str(uuid.uuid5(_ROW_IDS, "\x1f".join(parts)))


def _scale_value(values: Iterable[tuple[str, str]]) -> str:
    # Braces, colons and commas would make the pairs ambiguous: labels keep everything else.
    def clean(text: str) -> str:
        return "".join(c for c in text if c not in "{}:,").strip()

    return ",".join(f"{{{clean(score)}:{clean(meaning)}}}" for score, meaning in values)


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def write_gradebook(
    book: Gradebook, *, mode: str = "bulk", system_name: str = "Proficio", system_code: str = ""
) -> dict[str, bytes]:
    """The gradebook as ``{file name: bytes}``: the eight gradebook files and the manifest.

    ``mode`` is ``bulk`` (status and dateLastModified blank) or ``delta`` (``active``, with
    each row's time of last change).
    """
    if mode not in ("bulk", "delta"):
        raise ValueError(f"mode must be 'bulk' or 'delta', not {mode!r}")

    def head(sourced_id: str, modified: dt.datetime) -> list[str]:
        if mode == "bulk":
            return [sourced_id, "", ""]
        return [sourced_id, "active", _when(modified)]

    rows: dict[str, list[list[str]]] = {name: [] for name in GRADEBOOK_COLUMNS}
    for category in book.categories:
        rows["categories"].append(
            [*head(category.sourced_id, category.modified), category.title, ""]
        )
    for scale in book.score_scales:
        rows["scoreScales"].append(
            [
                *head(scale.sourced_id, scale.modified),
                scale.title,
                scale.type,
                scale.org_id,
                scale.course_id,
                scale.class_id,
                _scale_value(scale.values),
            ]
        )
    for item in book.line_items:
        rows["lineItems"].append(
            [
                *head(item.sourced_id, item.modified),
                item.title,
                item.description,
                item.assign_date.isoformat(),
                item.due_date.isoformat(),
                item.class_id,
                item.category_id,
                item.session_id,
                _float(item.value_min),
                _float(item.value_max),
                item.school_id,
            ]
        )
        for case_id in item.objectives:
            rows["lineItemLearningObjectiveIds"].append(
                [
                    *head(_row_id("lineItemObjective", item.sourced_id, case_id), item.modified),
                    item.sourced_id,
                    "case",
                    case_id,
                ]
            )
        if item.scale_id is not None:
            rows["lineItemScoreScales"].append(
                [
                    *head(_row_id("lineItemScale", item.sourced_id, item.scale_id), item.modified),
                    "",
                    item.sourced_id,
                    item.scale_id,
                ]
            )
    for result in book.results:
        rows["results"].append(
            [
                *head(result.sourced_id, result.modified),
                result.line_item_id,
                result.student_id,
                result.score_status,
                _float(result.score),
                result.score_date.isoformat(),
                result.comment,
                result.text_score,
                result.class_id,
                "",
                "",
                "",
                "",
            ]
        )
        for objective in result.objectives:
            rows["resultLearningObjectiveIds"].append(
                [
                    *head(
                        _row_id("resultObjective", result.sourced_id, objective.identifier),
                        result.modified,
                    ),
                    result.sourced_id,
                    "case",
                    objective.identifier,
                    _float(objective.score),
                    objective.text_score,
                ]
            )
        if result.scale_id is not None:
            rows["resultScoreScales"].append(
                [
                    *head(
                        _row_id("resultScale", result.sourced_id, result.scale_id), result.modified
                    ),
                    "",
                    result.sourced_id,
                    result.scale_id,
                ]
            )
    files = {f"{name}.csv": _csv(GRADEBOOK_COLUMNS[name], rows[name]) for name in GRADEBOOK_COLUMNS}
    manifest: list[tuple[str, str]] = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
    manifest += [
        (f"file.{name}", mode if name in GRADEBOOK_COLUMNS else "absent") for name in DATA_FILES
    ]
    manifest += [("source.systemName", system_name)]
    if system_code:
        manifest.append(("source.systemCode", system_code))
    files["manifest.csv"] = _csv(("propertyName", "value"), manifest)
    return files


def zip_gradebook(files: Mapping[str, bytes]) -> bytes:
    """The files in one zip, manifest first, as the binding exchanges them."""
    out = io.BytesIO()
    order = ["manifest.csv", *sorted(name for name in files if name != "manifest.csv")]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()
