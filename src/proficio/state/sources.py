"""What the district's package takes from other apps' records (reads only).

:func:`diploma_awards` is the graduation cohorts and their diplomas, from
:mod:`proficio.graduation`: the rows of ``diploma_awards.parquet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from proficio.graduation.models import Diploma, GraduationRecord
from proficio.orgs.models import Student

# The adjusted cohort is named by the school year its students first entered grade 9; the
# graduation app names a student's graduating class, which graduates on time by the end
# of school year ``cohort_year + 3`` (see ``core.accountability.indicators``).
ON_TIME_YEARS = 4


def diploma_awards(students: Iterable[Student], key_of: Mapping[int, str]) -> dict[str, list[Any]]:
    """One row per student of ``students`` who has a graduation record (is in a
    graduating class): their key, the cohort year (the graduating class the graduation
    app holds them to, less three years), the school that holds them in the cohort
    (their school now, the last one attended), the day of their diploma (None when no
    diploma is in force: never awarded, or rescinded) and ``removed`` (False: Proficio
    records no transfers out, emigration or death, so nobody leaves a cohort)."""
    by_pk = {s.pk: s for s in students}
    records = dict(
        GraduationRecord.objects.filter(student_id__in=list(by_pk)).values_list(
            "student_id", "cohort"
        )
    )
    awarded = dict(
        Diploma.objects.filter(student_id__in=list(records), rescinded_at__isnull=True).values_list(
            "student_id", "awarded_at"
        )
    )
    rows: dict[str, list[Any]] = {
        k: [] for k in ("student_key", "cohort_year", "school_code", "awarded_on", "removed")
    }
    for pk in sorted(records, key=lambda p: key_of[p]):
        at = awarded.get(pk)
        rows["student_key"].append(key_of[pk])
        rows["cohort_year"].append(int(records[pk]) - (ON_TIME_YEARS - 1))
        rows["school_code"].append(str(by_pk[pk].school.code))
        rows["awarded_on"].append(None if at is None else timezone.localdate(at))
        rows["removed"].append(False)
    return rows
