"""The synthetic state's generator: the same seed writes the same files from one process
or several, a day's school year is the calendar's, and asking for a number of rows gets
about that many."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from proficio.scale import synthetic as S


def test_processes_write_the_same_files_as_one(tmp_path: Path):
    shape = S.Shape(students=900, evidence_per_student=20, cohorts=True, chunk_students=200)
    one = S.write_store(shape, tmp_path / "one")
    two = S.write_store(shape, tmp_path / "two", workers=2)
    assert one == two
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.parquet"))
    assert len(files) == 2 + 6 * 5  # continuum, expectations; six tables × five chunks
    for f in files:
        assert pq.read_table(tmp_path / "one" / f).equals(pq.read_table(tmp_path / "two" / f))


def test_a_days_school_year_is_the_calendars():
    days = np.arange(-800, 21_000, 7, dtype=np.int64)
    want = [
        d.year + 1 if d.month >= 9 else d.year
        for d in (dt.date(1970, 1, 1) + dt.timedelta(days=int(x)) for x in days)
    ]
    assert S._year_of(days).tolist() == want


def test_rows_asked_for_are_about_the_rows_drawn():
    shape = S.Shape(students=3000, evidence_per_student=S.evidence_per_student_for(40, (1, 2, 3)))
    rows = sum(c["evidence"]["student"].size for c in S.chunks(shape))
    assert abs(rows / 3000 - 40) < 1.5  # Poisson: the standard error here is about 0.2
