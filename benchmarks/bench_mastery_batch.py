"""Benchmark: mastery rules over millions of evidence rows, against a per-group Python baseline.

The figure that matters is rows per second on one core for each rule. The baseline is the
way an analyst would do it: pandas ``groupby().apply()``, calling the single-student rule
(``determine``) once per group. pandas is not a project dependency, so without it the
baseline is a plain loop over ``itertools.groupby``. The baseline is far slower, so it runs
on a subsample of whole groups, and the two are compared as rows per second. The script
also checks that both give the same values on that subsample.

    python benchmarks/bench_mastery_batch.py                # 10 million rows, 200,000 groups
    python benchmarks/bench_mastery_batch.py --rows 1000000 # a quick run

Targets: at least 50 times the baseline for every rule, and at least 10 million rows/s for
latest, mean and weighted_average.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from proficio.core.mastery import METHODS, determine, determine_batch

PARAMS: dict[str, dict[str, Any]] = {
    "weighted_average": {"weight": 0.65},
    "decaying_average": {"rate": 0.65},
    "n_mastery": {"n": 3, "threshold": 3.0},
}
FAST_RULES = ("latest", "mean", "weighted_average")
RATIO_TARGET = 50.0
RATE_TARGET = 10_000_000.0

Rows = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


def evidence(rows: int, rows_per_group: int, seed: int) -> Rows:
    """Half-point scores on a 0-4 scale, about ``rows_per_group`` rows per group, sorted."""
    rng = np.random.default_rng(seed)
    groups = max(1, rows // rows_per_group)
    group_ids = np.sort(rng.integers(0, groups, rows)).astype(np.int64)
    scores = rng.integers(0, 9, rows) / 2.0
    return group_ids, scores


def any_floats(data: Rows, seed: int) -> Rows:
    """The same groups with scores anywhere in [0, 4): mode's slower, sorting path."""
    return data[0], np.random.default_rng(seed).random(data[0].size) * 4.0


def whole_groups(data: Rows, rows: int) -> Rows:
    """The first ``rows`` rows, cut back to the last group boundary before them."""
    group_ids, scores = data
    if rows >= group_ids.size:
        return data
    cut = int(np.searchsorted(group_ids, group_ids[rows], side="left")) or rows
    return group_ids[:cut], scores[:cut]


def batch_rate(data: Rows, method: str, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        determine_batch(*data, method, **PARAMS.get(method, {}))
        best = min(best, time.perf_counter() - start)
    return data[0].size / best


def single_rule(method: str) -> Callable[[Any], float]:
    params = PARAMS.get(method, {})

    def per_group(scores: Any) -> float:
        value = determine(np.asarray(scores, dtype=np.float64), method, **params)
        return math.nan if value is None else value

    return per_group


def pandas_baseline(data: Rows, method: str) -> npt.NDArray[np.float64]:
    import pandas as pd  # optional: imported only when pandas is there

    frame = pd.DataFrame({"group": data[0], "score": data[1]})
    values = frame.groupby("group", sort=True)["score"].apply(single_rule(method))
    result: npt.NDArray[np.float64] = values.to_numpy(dtype=np.float64)
    return result


def loop_baseline(data: Rows, method: str) -> npt.NDArray[np.float64]:
    per_group = single_rule(method)
    rows = zip(data[0].tolist(), data[1].tolist(), strict=True)
    return np.array(
        [
            per_group([score for _, score in group])
            for _, group in itertools.groupby(rows, key=itemgetter(0))
        ]
    )


def baseline_rate(
    baseline: Callable[[Rows, str], npt.NDArray[np.float64]],
    data: Rows,
    method: str,
    repeats: int,
) -> tuple[float, npt.NDArray[np.float64]]:
    best, values = math.inf, np.empty(0)
    for _ in range(repeats):
        start = time.perf_counter()
        values = baseline(data, method)
        best = min(best, time.perf_counter() - start)
    return data[0].size / best, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rows-per-group", type=int, default=50)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = evidence(args.rows, args.rows_per_group, args.seed)
    sample = whole_groups(data, args.baseline_rows)
    try:
        import pandas  # noqa: F401

        baseline, baseline_name = pandas_baseline, "pandas groupby().apply(determine)"
    except ImportError:
        baseline, baseline_name = loop_baseline, "pure-Python itertools.groupby loop (no pandas)"

    groups = np.unique(data[0]).size
    print(f"determine_batch: {data[0].size:,} rows in {groups:,} groups, numpy {np.__version__}")
    print(f"baseline: {baseline_name}, on {sample[0].size:,} rows in whole groups")
    print(f"scores: half points on 0-4; best of {args.repeats} runs for both sides")
    print()
    header = f"{'rule':<18}{'batch rows/s':>16}{'baseline rows/s':>18}{'ratio':>10}  targets"
    print(header)
    print("-" * len(header))
    missed = []
    floats = any_floats(data, args.seed)
    runs = [(method, method, data, sample) for method in METHODS]
    runs.append(("mode, any floats*", "mode", floats, whole_groups(floats, args.baseline_rows)))
    for label, method, rows, subsample in runs:
        rate = batch_rate(rows, method, args.repeats)
        base_rate, base_values = baseline_rate(baseline, subsample, method, args.repeats)
        _, batch_values = determine_batch(*subsample, method, **PARAMS.get(method, {}))
        if not np.allclose(batch_values, base_values, rtol=1e-9, atol=0, equal_nan=True):
            raise SystemExit(f"{method}: batch and baseline disagree on the subsample")
        ratio = rate / base_rate
        checks = [f"{'ok' if ratio >= RATIO_TARGET else 'MISS'} >={RATIO_TARGET:.0f}x"]
        if method in FAST_RULES:
            checks.append(f"{'ok' if rate >= RATE_TARGET else 'MISS'} >=10M rows/s")
        missed += [f"{label}: {c}" for c in checks if c.startswith("MISS")]
        print(f"{label:<18}{rate:>16,.0f}{base_rate:>18,.0f}{ratio:>9,.0f}x  {', '.join(checks)}")
    print()
    print("* scores anywhere in [0, 4), not on a scale: mode sorts instead of counting.")
    print("batch and baseline agree on every group of the subsamples (1e-9 relative)")
    print("all targets met" if not missed else "targets missed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
