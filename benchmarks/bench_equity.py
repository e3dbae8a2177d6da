"""Benchmark: the equity kernel on a million students by five subgroup dimensions.

The kernel computes, for every dimension, each group's size, proficiency rate, mean pace
and mean growth within each school, then the predictability of success (R² of pace and
of proficiency on the dummy-coded subgroups). The baseline, run in the same process on
the same data, is pandas: one ``groupby([school, dimension]).agg`` per dimension for the
same statistics (pandas comes with the dev dependencies). The script checks that both
agree before printing.

    python benchmarks/bench_equity.py                   # 1,000,000 students
    python benchmarks/bench_equity.py --students 100000

Target: the kernel (disaggregation plus predictability) under 1 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from proficio.core.equity.disaggregate import DIMENSIONS, disaggregate, predictability

LEVELS = (8, 2, 3, 2, 4)
SCHOOLS = 60
TARGET_SECONDS = 1.0


def district(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, k, n) for k in LEVELS]).astype(np.int64)
    school = rng.integers(0, SCHOOLS, n).astype(np.int64)
    proficient = (rng.random(n) < 0.35 + 0.1 * codes[:, 3]).astype(np.float64)
    pace = rng.normal(1.0 - 0.15 * codes[:, 1], 0.5)
    pace[rng.random(n) < 0.05] = np.nan
    growth = rng.normal(1.0, 0.4, n)
    return codes, school, {"proficient": proficient, "pace": pace, "growth": growth}


def kernel(codes: np.ndarray, school: np.ndarray, metrics: dict[str, np.ndarray]) -> object:
    result = disaggregate(codes, LEVELS, metrics, by=school, n_by=SCHOOLS)
    r2 = (
        predictability(codes, LEVELS, metrics["pace"]),
        predictability(codes, LEVELS, metrics["proficient"]),
    )
    return result, r2


def baseline(codes: np.ndarray, school: np.ndarray, metrics: dict[str, np.ndarray]) -> object:
    import pandas as pd

    frame = pd.DataFrame(codes, columns=list(DIMENSIONS))
    frame["school"] = school
    for name, values in metrics.items():
        frame[name] = values
    out = []
    for dimension in DIMENSIONS:
        out.append(
            frame.groupby(["school", dimension]).agg(
                size=("proficient", "size"),
                proficient=("proficient", "mean"),
                pace=("pace", "mean"),
                growth=("growth", "mean"),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    codes, school, metrics = district(args.students)

    kernel_times, baseline_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result, r2 = kernel(codes, school, metrics)
        kernel_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = baseline(codes, school, metrics)
        baseline_times.append(time.perf_counter() - start)

    for breakdown, frame in zip(result, expected, strict=True):
        for (s, g), row in frame.iterrows():
            assert breakdown.counts[s, g] == row["size"]
            assert np.isclose(breakdown.means("pace")[s, g], row["pace"])
            assert np.isclose(breakdown.means("proficient")[s, g], row["proficient"])

    best, base = min(kernel_times), min(baseline_times)
    print(f"students: {args.students:,} × {len(LEVELS)} dimensions, {SCHOOLS} schools, 3 metrics")
    print(f"equity kernel (disaggregation + predictability of pace and proficiency): {best:.3f} s")
    print(f"  predictability R² = {r2[0]:.4f} (pace), {r2[1]:.4f} (proficiency)")
    print(f"pandas groupby baseline (disaggregation only): {base:.3f} s")
    print(f"ratio: {base / best:.1f}× faster than the baseline")
    verdict = "met" if best < TARGET_SECONDS else "MISSED"
    print(f"target under {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
