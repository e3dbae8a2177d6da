"""The column rules of the 1EdTech OneRoster 1.2 CSV binding, for the gradebook files and the
manifest, written for the tests independently of the writer (``core.standards.
oneroster_gradebook``), so a wrong column, type, enumeration, date, or reference fails here.

What is checked, file by file (the binding's tables): the header is exactly the binding's
columns in order; required columns are filled; ``sourcedId`` is unique in its file; types
(dates ``YYYY-MM-DD`` that exist on the calendar, date-times ``YYYY-MM-DDTHH:MM:SS[.sss]Z``,
floats, integers, booleans ``true``/``false``); enumerations (``status``, ``scoreStatus``,
learning-objective ``source``, manifest modes); ``status`` and ``dateLastModified`` blank in a
bulk file and filled in a delta file; references between the files the zip holds (a
reference into a file the manifest marks ``absent`` is the receiving system's to resolve, as
the binding's bulk rules say); and the manifest: its two columns, its versions, one
``file.*`` line per data file of the binding, and a file in the zip exactly when it is not
``absent``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile

DATA_FILES = [
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
]

# name -> [(column, type, required)]; references are "ref:<file>".
HEAD = [("sourcedId", "id", True), ("status", "status", False), ("dateLastModified", "when", False)]
TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "categories": [*HEAD, ("title", "text", True), ("weight", "integer", False)],
    "lineItems": [
        *HEAD,
        ("title", "text", True),
        ("description", "text", False),
        ("assignDate", "date", True),
        ("dueDate", "date", True),
        ("classSourcedId", "ref:classes", True),
        ("categorySourcedId", "ref:categories", True),
        ("academicSessionSourcedId", "ref:academicSessions", True),
        ("resultValueMin", "float", False),
        ("resultValueMax", "float", False),
        ("schoolSourcedId", "ref:orgs", True),
    ],
    "results": [
        *HEAD,
        ("lineItemSourcedId", "ref:lineItems", True),
        ("studentSourcedId", "ref:users", True),
        ("scoreStatus", "scoreStatus", True),
        ("score", "float", False),
        ("scoreDate", "date", True),
        ("comment", "text", False),
        ("textScore", "text", False),
        ("classSourcedId", "ref:classes", False),
        ("inProgress", "boolean", False),
        ("incomplete", "boolean", False),
        ("late", "boolean", False),
        ("missing", "boolean", False),
    ],
    "scoreScales": [
        *HEAD,
        ("title", "text", True),
        ("type", "text", True),
        ("orgSourcedId", "ref:orgs", True),
        ("courseSourcedId", "ref:courses", True),
        ("classSourcedId", "ref:classes", True),
        ("scoreScaleValue", "scaleValues", True),
    ],
    "lineItemLearningObjectiveIds": [
        *HEAD,
        ("lineItemSourcedId", "ref:lineItems", True),
        ("source", "source", True),
        ("learningObjectiveId", "text", True),
    ],
    "lineItemScoreScales": [
        *HEAD,
        ("title", "text", False),
        ("lineItemSourcedId", "ref:lineItems", True),
        ("scoreScaleSourcedId", "ref:scoreScales", True),
    ],
    "resultLearningObjectiveIds": [
        *HEAD,
        ("resultSourcedId", "ref:results", True),
        ("source", "source", True),
        ("learningObjectiveId", "text", True),
        ("score", "float", False),
        ("textScore", "text", False),
    ],
    "resultScoreScales": [
        *HEAD,
        ("title", "text", False),
        ("resultSourcedId", "ref:results", True),
        ("scoreScaleSourcedId", "ref:scoreScales", True),
    ],
}
ENUMS = {
    "status": {"active", "tobedeleted"},
    "scoreStatus": {"exempt", "fully graded", "not submitted", "partially graded", "submitted"},
    "source": {"case", "unknown"},
}
EXT = re.compile(r"ext:[A-Za-z0-9._-]+")
WHEN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SCALE_VALUE = re.compile(r"\{[^{}:,]+:[^{}:,]*\}")


def read_zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _value_problem(kind: str, value: str) -> str | None:
    if kind in ("text", "id") or kind.startswith("ref:"):
        return None
    if kind == "date":
        if not DAY.fullmatch(value):
            return f"{value!r} is not a date (YYYY-MM-DD)"
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a day of the calendar"
        return None
    if kind == "when":
        return None if WHEN.fullmatch(value) else f"{value!r} is not a UTC date-time"
    if kind == "float":
        try:
            number = float(value)
        except ValueError:
            return f"{value!r} is not a number"
        return None if math.isfinite(number) else f"{value!r} is not finite"
    if kind == "integer":
        return None if re.fullmatch(r"-?\d+", value) else f"{value!r} is not an integer"
    if kind == "boolean":
        return None if value in ("true", "false") else f"{value!r} is not true or false"
    if kind == "scaleValues":
        parts = re.split(r",(?=\{)", value)
        bad = [p for p in parts if not SCALE_VALUE.fullmatch(p)]
        return f"{bad[0]!r} is not a {{score:meaning}} pair" if bad else None
    allowed = ENUMS[kind]
    if value in allowed or EXT.fullmatch(value):
        return None
    return f"{value!r} is not one of {', '.join(sorted(allowed))} (or ext:)"


def check(files: dict[str, str]) -> list[str]:
    """Every way ``files`` (name -> text) breaks the binding's rules, as ``file, row n,
    column: problem`` lines (row 1 is the header)."""
    out: list[str] = []
    if "manifest.csv" not in files:
        return ["manifest.csv: missing"]
    manifest_rows = _rows(files["manifest.csv"])
    if not manifest_rows or manifest_rows[0] != ["propertyName", "value"]:
        out.append("manifest.csv, row 1: the header must be propertyName,value")
    manifest = {row[0]: row[1] for row in manifest_rows[1:] if len(row) == 2}
    if manifest.get("manifest.version") != "1.0":
        out.append("manifest.csv: manifest.version must be 1.0")
    if manifest.get("oneroster.version") != "1.2":
        out.append("manifest.csv: oneroster.version must be 1.2")
    modes: dict[str, str] = {}
    for name in DATA_FILES:
        mode = manifest.get(f"file.{name}")
        if mode not in ("absent", "bulk", "delta"):
            out.append(f"manifest.csv: file.{name} must be absent, bulk or delta, not {mode!r}")
            continue
        modes[name] = mode
        present = f"{name}.csv" in files
        if present != (mode != "absent"):
            where = "in the zip" if present else "not in the zip"
            out.append(f"{name}.csv: the manifest says {mode}, but the file is {where}")
    unknown = [n for n in files if n != "manifest.csv" and n.removesuffix(".csv") not in DATA_FILES]
    out += [f"{n}: not a file of the binding" for n in unknown]

    ids: dict[str, set[str]] = {}
    tables: dict[str, list[dict[str, str]]] = {}
    for name, columns in TABLES.items():
        text = files.get(f"{name}.csv")
        if text is None:
            continue
        rows = _rows(text)
        header = [c for c, _k, _r in columns]
        if not rows or rows[0] != header:
            out.append(f"{name}.csv, row 1: the header must be {','.join(header)}")
            continue
        mode = modes.get(name, "bulk")
        seen: set[str] = set()
        records = []
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                out.append(f"{name}.csv, row {number}: {len(row)} fields, not {len(header)}")
                continue
            record = dict(zip(header, row, strict=True))
            records.append(record)
            for column, kind, required in columns:
                value = record[column]
                where = f"{name}.csv, row {number}, {column}"
                if column in ("status", "dateLastModified"):
                    if mode == "bulk" and value:
                        out.append(f"{where}: must be blank in a bulk file")
                    if mode == "delta" and not value:
                        out.append(f"{where}: required in a delta file")
                elif required and not value:
                    out.append(f"{where}: required")
                if value:
                    problem = _value_problem(kind, value)
                    if problem:
                        out.append(f"{where}: {problem}")
            if record["sourcedId"] in seen:
                out.append(f"{name}.csv, row {number}, sourcedId: {record['sourcedId']} repeated")
            seen.add(record["sourcedId"])
        ids[name] = seen
        tables[name] = records

    for name, columns in TABLES.items():
        for column, kind, _required in columns:
            if not kind.startswith("ref:"):
                continue
            target = kind.removeprefix("ref:")
            if modes.get(target, "absent") == "absent":
                continue  # the receiving system holds that file
            for number, record in enumerate(tables.get(name, []), start=2):
                value = record[column]
                if value and value not in ids.get(target, set()):
                    out.append(
                        f"{name}.csv, row {number}, {column}: {value} is not in {target}.csv"
                    )
    return out
