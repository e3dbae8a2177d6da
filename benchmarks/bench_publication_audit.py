"""Benchmark: the publication audit of a whole district release.

A synthetic district of 60 schools (20 elementary, 20 middle, 20 high; about 500
students each), five subgroup dimensions, three yes/no measures (behind pace,
proficient, stalled) and their sizes, every table the insights release publishes
(district by school, grade band, cohort and subgroup; each school by grade band, cohort,
subgroup, section and teacher), with class schedules: elementary homerooms, and in
secondary schools five subjects per grade whose sections mix the grade in ``--mixing``
different ways (so sections are not copies of one another).

It times, in the same run:

* the baseline: the old, unaudited table-by-table suppression (``suppress_tables`` on
  each table on its own, ``insights.release.table_by_table``);
* the joint release: building every cell and relation, joint suppression and the LP
  audit (``insights.release.compute``, the code the daily job runs);
* the same again as the next day's release, audited together with the first day
  (a few students change status overnight); a release with any figure left unprotected
  is held (``core.equity.joint.held``), and the line says so;

and prints the cells withheld by each, the audit's rounds and LP solves, and the ratio
(wall and CPU time; on a shared machine CPU time is the steadier figure).

    python benchmarks/bench_publication_audit.py
    python benchmarks/bench_publication_audit.py --schools 10 --mixing 1

Target: the joint release (suppression and audit) well inside the daily job: under
five minutes for the 60-school district on one core.
"""

from __future__ import annotations

import argparse
import os
import time

import django
import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
django.setup()

from proficio.insights.release import Roster, compute, table_by_table  # noqa: E402

RACES = [
    "hispanic_latino",
    "american_indian",
    "asian",
    "black",
    "pacific_islander",
    "white",
    "two_or_more",
    "not_reported",
]
DIMENSIONS = {
    "race_ethnicity": RACES,
    "english_learner": ["no", "yes"],
    "disability": ["none", "iep", "504"],
    "economically_disadvantaged": ["no", "yes"],
    "gender": ["female", "male", "nonbinary", "not_reported"],
}
PROBABILITIES = [
    [0.28, 0.01, 0.06, 0.14, 0.005, 0.45, 0.045, 0.01],
    [0.85, 0.15],
    [0.85, 0.12, 0.03],
    [0.6, 0.4],
    [0.49, 0.49, 0.01, 0.01],
]
LEVELS = [
    ("elementary", ["K", "1", "2", "3", "4", "5"]),
    ("middle", ["6", "7", "8"]),
    ("high", ["9", "10", "11", "12"]),
]
CLASS_SIZE = 25
SUBJECTS = 5
PER_TEACHER = 5


def synthetic(schools: int, per_school: int, mixing: int, seed: int) -> Roster:
    rng = np.random.default_rng(seed)
    school_list, school_of, grade_of = [], [], []
    for s in range(schools):
        level, grades = LEVELS[s % 3]
        school_list.append((1000 + s, f"{level.title()} School {s:02d}"))
        size = int(rng.integers(int(per_school * 0.6), int(per_school * 1.4)))
        school_of += [s] * size
        grade_of += [grades[int(g)] for g in rng.integers(0, len(grades), size)]
    n = len(school_of)
    school = np.array(school_of, dtype=np.int64)
    codes = np.column_stack(
        [rng.choice(len(p), n, p=np.array(p) / sum(p)) for p in PROBABILITIES]
    ).astype(np.int64)
    risk = 0.10 + 0.08 * codes[:, 1] + 0.05 * codes[:, 3] + 0.06 * (codes[:, 2] == 1)
    behind = rng.random(n) < risk
    proficient = rng.random(n) < 0.55 - risk
    stalled = rng.random(n) < 0.06 + 0.5 * risk * behind
    sections: list[tuple[int, int, str]] = []
    enrolled: list[tuple[int, int]] = []
    teachers: list[tuple[int, str]] = []
    staff: list[tuple[int, int]] = []
    for s in range(schools):
        level = LEVELS[s % 3][0]
        subjects = 1 if level == "elementary" else SUBJECTS
        per_teacher = 1 if level == "elementary" else PER_TEACHER
        slots = 0
        for g in LEVELS[s % 3][1]:
            kids = np.flatnonzero((school == s) & (np.array(grade_of) == g))
            if kids.size == 0:
                continue
            n_sections = max(1, round(kids.size / CLASS_SIZE))
            partitions = [rng.permutation(kids.size) % n_sections for _ in range(mixing)]
            for subject in range(subjects):
                part = partitions[subject % mixing]
                for k in range(n_sections):
                    if slots % per_teacher == 0:
                        teachers.append((50000 + len(teachers), f"Teacher {len(teachers):05d}"))
                    slots += 1
                    section = len(sections)
                    sections.append((20000 + section, s, f"Subject {subject} {g} · {k}"))
                    staff.append((section, len(teachers) - 1))
                    enrolled += [(int(i), section) for i in kids[part == k]]
    metrics = {
        "growth": rng.normal(1.0, 0.4, n),
        "evidence": rng.poisson(30, n).astype(np.float64),
        "expected": np.full(n, 20.0),
        "unassessed": rng.integers(0, 8, n).astype(np.float64),
        "overrides_per_100": rng.exponential(2.0, n),
        "reassessed_share": rng.uniform(0, 30, n),
        "experienced": 100.0 * (rng.random(n) < 0.7),
        "credentialed": 100.0 * (rng.random(n) < 0.9),
    }
    return Roster(
        district=(1, "Synthetic Unified"),
        ids=np.arange(1, n + 1, dtype=np.int64),
        school=school,
        schools=school_list,
        grade=grade_of,
        codes=codes,
        dimensions=DIMENSIONS,
        behind=behind,
        proficient=proficient,
        stalled=stalled,
        metrics=metrics,
        sections=sections,
        enrolled=np.array(enrolled, dtype=np.int64),
        teachers=teachers,
        staff=np.array(staff, dtype=np.int64),
    )


def overnight(roster: Roster, changes: int, seed: int) -> Roster:
    """The next day: ``changes`` students change whether they are behind pace."""
    rng = np.random.default_rng(seed + 1)
    behind = roster.behind.copy()
    flip = rng.choice(behind.size, changes, replace=False)
    behind[flip] = ~behind[flip]
    return Roster(**{**roster.__dict__, "behind": behind})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--students-per-school", type=int, default=500)
    parser.add_argument("--mixing", type=int, default=2)
    parser.add_argument("--threshold", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    roster = synthetic(args.schools, args.students_per_school, args.mixing, args.seed)
    print(
        f"district: {roster.ids.size} students, {len(roster.schools)} schools, "
        f"{len(roster.sections)} sections, {len(roster.teachers)} teachers"
    )
    # CPU time is reported beside wall time: on a shared machine it is the steadier figure.
    wall, cpu = time.perf_counter(), time.process_time()
    baseline = table_by_table(roster, args.threshold)
    base_wall, base_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"table by table (unaudited): {base_wall:8.1f} s wall, {base_cpu:8.1f} s CPU; "
        f"{baseline['withheld']} of {baseline['cells']} cells withheld"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    day1 = compute(roster, args.threshold)
    joint_wall, joint_cpu = time.perf_counter() - wall, time.process_time() - cpu
    s = day1.summary
    print(
        f"joint + LP audit:           {joint_wall:8.1f} s wall, {joint_cpu:8.1f} s CPU; "
        f"{s['withheld']} of {s['cells']} cells withheld ({s['primary']} small counts), "
        f"{s['rounds']} rounds, {s['solves']} LP solves, unprotected {s['unprotected']}"
        f"{' (held: not published)' if s['unprotected'] else ''}"
    )
    print(f"ratio joint / table by table (CPU): {joint_cpu / base_cpu:.1f}x")
    tomorrow = overnight(roster, args.changes, args.seed)
    wall, cpu = time.perf_counter(), time.process_time()
    day2 = compute(
        tomorrow,
        args.threshold,
        previous=(day1.system, day1.hidden, day1.links, day1.blocks),
    )
    two_wall, two_cpu = time.perf_counter() - wall, time.process_time() - cpu
    s2 = day2.summary
    print(
        f"next day, audited with day 1: {two_wall:6.1f} s wall, {two_cpu:8.1f} s CPU; "
        f"{s2['withheld']} of {s2['cells']} cells withheld, {s2['rounds']} rounds, "
        f"{s2['solves']} LP solves, unprotected {s2['unprotected']}"
        f"{' (held: day 1 stays current)' if s2['unprotected'] else ''}"
    )


if __name__ == "__main__":
    main()
