"""The district → state submission package: its files, their schemas, and checking one.

A package is a folder of Parquet files and a ``manifest.json`` that lists each file with
its SHA-256 and row count, the district's code, the submission date and the key check
(:func:`proficio.core.accountability.pseudonym.key_check`). Students appear only as
``student_key`` (the HMAC of their state id). :func:`read_package` checks everything
before anything is written and raises :class:`PackageError` with every problem located
by file, row (1 = the first data row) and column.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proficio.core.accountability.pseudonym import is_student_key
from proficio.core.mastery.policy import KIND_CODES, Status

# pyarrow is imported where a package is written or read, not with this module: the web
# pages import the state's actions, and a worker that handles none should not carry it.
if TYPE_CHECKING:
    import pyarrow as pa

FORMAT = "proficio-state-submission"
VERSION = 1
MANIFEST = "manifest.json"
MAX_PROBLEMS = 50
GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
SUBGROUP_COLUMNS = (
    "race_ethnicity",
    "english_learner",
    "disability",
    "economically_disadvantaged",
    "gender",
)


@functools.cache
def files() -> dict[str, pa.Schema]:
    """Each file of a package and its schema."""
    import pyarrow as pa

    return {
        "frameworks.parquet": pa.schema(
            [
                ("framework_identifier", pa.string()),
                ("item_identifier", pa.string()),
                ("competency_identifier", pa.string()),
                ("level", pa.int32()),
            ]
        ),
        "schools.parquet": pa.schema([("school_code", pa.string()), ("school_name", pa.string())]),
        "students.parquet": pa.schema(
            [("student_key", pa.string())] + [(c, pa.string()) for c in SUBGROUP_COLUMNS]
        ),
        "enrollments.parquet": pa.schema(
            [
                ("student_key", pa.string()),
                ("school_year", pa.int32()),
                ("school_code", pa.string()),
                ("grade_level", pa.string()),
            ]
        ),
        "evidence.parquet": pa.schema(
            [
                ("student_key", pa.string()),
                ("item_identifier", pa.string()),
                ("assessed_on", pa.date32()),
                ("score", pa.float64()),
                ("kind", pa.string()),
            ]
        ),
        "determinations.parquet": pa.schema(
            [
                ("student_key", pa.string()),
                ("item_identifier", pa.string()),
                ("level", pa.int32()),
                ("status", pa.string()),
                ("determined_on", pa.date32()),
            ]
        ),
        "expectations.parquet": pa.schema(
            [("grade_level", pa.string()), ("due_on", pa.date32()), ("level", pa.float64())]
        ),
        "attendance.parquet": pa.schema(
            [
                ("student_key", pa.string()),
                ("school_year", pa.int32()),
                ("days_enrolled", pa.int32()),
                ("days_absent", pa.int32()),
            ]
        ),
        "english_proficiency.parquet": pa.schema(
            [("student_key", pa.string()), ("school_year", pa.int32()), ("level", pa.float64())]
        ),
        # Graduation cohorts and diploma awards (empty until the district records diplomas).
        "diploma_awards.parquet": pa.schema(
            [
                ("student_key", pa.string()),
                ("cohort_year", pa.int32()),
                ("school_code", pa.string()),
                ("awarded_on", pa.date32()),
                ("removed", pa.bool_()),
            ]
        ),
    }


STATUSES = {s.value for s in Status}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class PackageError(ValueError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Package:
    """A checked package: its manifest and each file as a table."""

    folder: Path
    manifest: dict[str, Any]
    checksum: str
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def district(self) -> str:
        return str(self.manifest["district"])

    @property
    def submitted_on(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest["submitted_on"])

    def column(self, file: str, name: str) -> list[Any]:
        return list(self.tables[file].column(name).to_pylist())


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_package(
    folder: Path,
    *,
    district: str,
    submitted_on: dt.date,
    key_check: str,
    tables: Mapping[str, Mapping[str, list[Any]]],
) -> Path:
    """Write every file of a package (a missing table is written empty) and its manifest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, schema in files().items():
        columns = tables.get(name, {})
        table = pa.table(
            {f.name: pa.array(list(columns.get(f.name, [])), type=f.type) for f in schema},
            schema=schema,
        )
        path = folder / name
        pq.write_table(table, path, compression="zstd")
        written[name] = {"sha256": sha256(path), "rows": table.num_rows}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "district": district,
        "submitted_on": submitted_on.isoformat(),
        "key_check": key_check,
        "files": written,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder / MANIFEST


def _manifest(folder: Path, key_check: str) -> tuple[dict[str, Any], str]:
    path = folder / MANIFEST
    if not path.is_file():
        raise PackageError([Problem(MANIFEST, None, None, "the package has no manifest")])
    raw = path.read_bytes()
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PackageError([Problem(MANIFEST, None, None, f"not JSON: {exc}")]) from None
    problems = []
    if not isinstance(manifest, dict):
        raise PackageError([Problem(MANIFEST, None, None, "the manifest must be a JSON object")])
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        problems.append(Problem(MANIFEST, None, "format", f"expected {FORMAT} version {VERSION}"))
    if not isinstance(manifest.get("district"), str) or not manifest["district"]:
        problems.append(Problem(MANIFEST, None, "district", "name the district by its code"))
    try:
        dt.date.fromisoformat(str(manifest.get("submitted_on")))
    except ValueError:
        problems.append(Problem(MANIFEST, None, "submitted_on", "a date, YYYY-MM-DD"))
    if manifest.get("key_check") != key_check:
        problems.append(
            Problem(
                MANIFEST,
                None,
                "key_check",
                "the HMAC does not match the state key's test vector: the package was "
                "pseudonymized with another key",
            )
        )
    listed = manifest.get("files")
    if not isinstance(listed, dict) or set(listed) != set(files()):
        problems.append(
            Problem(
                MANIFEST, None, "files", f"list exactly these files: {', '.join(sorted(files()))}"
            )
        )
    if problems:
        raise PackageError(problems)
    return manifest, hashlib.sha256(raw).hexdigest()


def _schema_problems(name: str, actual: pa.Schema) -> list[Problem]:
    expected = files()[name]
    problems = []
    for f in expected:
        if f.name not in actual.names:
            problems.append(Problem(name, None, f.name, "missing column"))
        elif actual.field(f.name).type != f.type:
            problems.append(
                Problem(
                    name, None, f.name, f"expected type {f.type}, found {actual.field(f.name).type}"
                )
            )
    for extra in actual.names:
        if extra not in expected.names:
            problems.append(Problem(name, None, extra, "column not in the format"))
    return problems


def read_package(
    folder: Path,
    *,
    key_check: str,
    subgroups: Mapping[str, list[str]],
    school_codes: set[str],
) -> Package:
    """Check a package completely (manifest, checksums, schemas, every value and
    reference) and return its tables, or raise :class:`PackageError` with every problem."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    manifest, checksum = _manifest(folder, key_check)
    problems: list[Problem] = []
    pkg = Package(folder, manifest, checksum)
    for name, entry in sorted(manifest["files"].items()):
        path = folder / name
        if not path.is_file():
            problems.append(Problem(name, None, None, "listed in the manifest but missing"))
            continue
        if not isinstance(entry, dict) or entry.get("sha256") != sha256(path):
            problems.append(Problem(name, None, None, "its SHA-256 does not match the manifest"))
            continue
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowInvalid, OSError) as exc:
            problems.append(Problem(name, None, None, f"not a Parquet file: {exc}"))
            continue
        found = _schema_problems(name, schema)
        if found:
            problems += found
            continue
        table = pq.read_table(path)
        if table.num_rows != entry.get("rows"):
            problems.append(Problem(name, None, None, "its row count does not match the manifest"))
        pkg.tables[name] = table
    if problems:
        raise PackageError(problems)
    problems = _value_problems(pkg, subgroups, school_codes)
    if problems:
        raise PackageError(problems[:MAX_PROBLEMS])
    return pkg


def _value_problems(
    pkg: Package, subgroups: Mapping[str, list[str]], school_codes: set[str]
) -> list[Problem]:
    problems: list[Problem] = []

    def bad(file: str, row: int, column: str, message: str) -> None:
        problems.append(Problem(file, row + 1, column, message))

    def keys(file: str, known: set[str] | None) -> None:
        for i, k in enumerate(pkg.column(file, "student_key")):
            if k is None or not is_student_key(k):
                bad(file, i, "student_key", "not a student key (64 lowercase hex digits)")
            elif known is not None and k not in known:
                bad(file, i, "student_key", "a student not in students.parquet")

    def required(file: str, column: str) -> None:
        for i, v in enumerate(pkg.column(file, column)):
            if v is None:
                bad(file, i, column, "a value is required")

    items = set()
    for i, (item, comp, level) in enumerate(
        zip(
            *(
                pkg.column("frameworks.parquet", c)
                for c in ("item_identifier", "competency_identifier", "level")
            ),
            strict=True,
        )
    ):
        if not item or not comp:
            bad(
                "frameworks.parquet",
                i,
                "item_identifier" if not item else "competency_identifier",
                "a CASE identifier is required",
            )
        elif item in items:
            bad("frameworks.parquet", i, "item_identifier", "listed twice")
        if level is None or level < 1:
            bad("frameworks.parquet", i, "level", "a continuum level, from 1")
        items.add(item)
    schools = set()
    for i, code in enumerate(pkg.column("schools.parquet", "school_code")):
        if code not in school_codes:
            bad("schools.parquet", i, "school_code", f"no school {code!r} in the district")
        schools.add(code)
    students = set()
    st = "students.parquet"
    for i, k in enumerate(pkg.column(st, "student_key")):
        if k in students:
            bad(st, i, "student_key", "listed twice")
        students.add(k)
    keys(st, None)
    for column in SUBGROUP_COLUMNS:
        allowed = subgroups[column]
        for i, v in enumerate(pkg.column(st, column)):
            if v not in allowed:
                bad(st, i, column, f"{v!r} is not one of {', '.join(allowed)}")
    en = "enrollments.parquet"
    keys(en, students)
    required(en, "school_year")
    for i, (code, grade) in enumerate(
        zip(pkg.column(en, "school_code"), pkg.column(en, "grade_level"), strict=True)
    ):
        if code not in schools:
            bad(en, i, "school_code", "a school not in schools.parquet")
        if grade not in GRADES:
            bad(en, i, "grade_level", f"a grade from {GRADES[0]} to {GRADES[-1]}")
    ev = "evidence.parquet"
    keys(ev, students)
    required(ev, "assessed_on")
    for i, (item, score, kind) in enumerate(
        zip(*(pkg.column(ev, c) for c in ("item_identifier", "score", "kind")), strict=True)
    ):
        if item not in items:
            bad(ev, i, "item_identifier", "a learning target not in frameworks.parquet")
        if score is None or not math.isfinite(score) or score < 0:
            bad(ev, i, "score", "a score of 0 or more")
        if kind not in KIND_CODES:
            bad(ev, i, "kind", f"an evidence kind: {', '.join(KIND_CODES)}")
        if len(problems) > MAX_PROBLEMS:
            return problems
    de = "determinations.parquet"
    keys(de, students)
    for i, (item, status) in enumerate(
        zip(pkg.column(de, "item_identifier"), pkg.column(de, "status"), strict=True)
    ):
        if item not in items:
            bad(de, i, "item_identifier", "a learning target not in frameworks.parquet")
        if status not in STATUSES:
            bad(de, i, "status", f"a status: {', '.join(sorted(STATUSES))}")
    ex = "expectations.parquet"
    for i, (grade, level) in enumerate(
        zip(pkg.column(ex, "grade_level"), pkg.column(ex, "level"), strict=True)
    ):
        if grade not in GRADES:
            bad(ex, i, "grade_level", f"a grade from {GRADES[0]} to {GRADES[-1]}")
        if level is None or level < 1:
            bad(ex, i, "level", "a continuum level, from 1")
    required(ex, "due_on")
    at = "attendance.parquet"
    keys(at, students)
    for i, (days, absent) in enumerate(
        zip(pkg.column(at, "days_enrolled"), pkg.column(at, "days_absent"), strict=True)
    ):
        if days is None or days < 0:
            bad(at, i, "days_enrolled", "a number of days, 0 or more")
        elif absent is None or not 0 <= absent <= days:
            bad(at, i, "days_absent", "between 0 and the days enrolled")
    keys("english_proficiency.parquet", students)
    required("english_proficiency.parquet", "level")
    da = "diploma_awards.parquet"
    keys(da, students)
    required(da, "cohort_year")
    for i, code in enumerate(pkg.column(da, "school_code")):
        if code not in schools:
            bad(da, i, "school_code", "a school not in schools.parquet")
    return problems
