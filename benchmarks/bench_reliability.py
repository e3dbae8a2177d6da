"""Benchmark: Krippendorff's alpha and ICC on 200 raters x 50,000 units, 70% missing.

The target is under 1 s for each statistic on the 2-core reference machine.
Baselines, measured in the same run on the same matrix:

* alpha: the ``krippendorff`` package from PyPI (Castro-Serrano). It is not a
  project dependency and never goes into the project's venv: the script runs
  it in a separate interpreter (``--baseline-python``, or the environment
  variable PROFICIO_BENCH_BASELINE_PYTHON, or a throwaway venv it creates
  once under the system temp dir with ``pip install numpy krippendorff``).
  Pass ``--no-baseline`` to skip it.
* ICC: no published package handles unbalanced ICC, so the missing-data path
  (``missing="available"``) is compared with the classical balanced
  computation (``missing="listwise"``) on a complete matrix holding the same
  number of ratings.

Times are the median of ``--repeat`` runs after one warm-up run (the first,
cold run is printed too: it pays for page faults and BLAS start-up).

Usage:  python benchmarks/bench_reliability.py [--repeat 5] [--baseline-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from proficio.core.reliability import icc, krippendorff_alpha

RATERS, UNITS, MISSING, BUDGET = 200, 50_000, 0.70, 1.0
LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Runs inside the baseline interpreter: load the matrix, time krippendorff.alpha.
BASELINE_SCRIPT = """
import json, statistics, sys, time
from importlib.metadata import version
import numpy as np
import krippendorff
data = np.load(sys.argv[1])
repeat = int(sys.argv[2])
out = {}
for level in sys.argv[3:]:
    run = lambda: krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    value = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    out[level] = {"seconds": statistics.median(times), "alpha": float(value)}
print(json.dumps({"version": version("krippendorff"), "levels": out}))
"""


def make_ratings(seed: int = 20240501) -> np.ndarray:
    """Rubric scores 1..5: unit quality + rater severity + noise, 70% not scored."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(3.0, 0.9, UNITS)
    severity = rng.normal(0.0, 0.3, RATERS)
    scores = quality[None, :] - severity[:, None] + rng.normal(0.0, 0.6, (RATERS, UNITS))
    ratings = np.clip(np.rint(scores), 1, 5)
    ratings[rng.random(ratings.shape) < MISSING] = np.nan
    return ratings


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(cold seconds, median warm seconds, result)."""
    start = time.perf_counter()
    result = run()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        warm.append(time.perf_counter() - start)
    return cold, statistics.median(warm), result


def baseline_python(explicit: str | None) -> str | None:
    """An interpreter that can import krippendorff, creating a temp venv if needed."""
    chosen = explicit or os.environ.get("PROFICIO_BENCH_BASELINE_PYTHON")
    if chosen:
        return chosen
    home = Path(tempfile.gettempdir()) / "proficio-bench-krippendorff"
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    check = [str(python), "-c", "import krippendorff"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    print(f"creating the baseline venv {home} (numpy + krippendorff from PyPI) ...", flush=True)
    try:
        venv.create(home, with_pip=True, clear=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "numpy", "krippendorff"],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        print(
            f"could not set up the baseline ({error}). Install it by hand:\n"
            f"  python -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install numpy "
            "krippendorff\n  then pass --baseline-python /tmp/benchvenv/bin/python"
        )
        return None
    return str(python)


def run_baseline(python: str, ratings: np.ndarray, repeat: int) -> dict[str, object] | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ratings.npy"
        np.save(path, ratings)
        done = subprocess.run(
            [python, "-c", BASELINE_SCRIPT, str(path), str(repeat), *LEVELS],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        print(f"baseline failed:\n{done.stderr.strip()}")
        return None
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def verdict(seconds: float) -> str:
    return "under 1 s" if seconds < BUDGET else "OVER 1 s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--baseline-python", help="interpreter that has krippendorff installed")
    parser.add_argument("--no-baseline", action="store_true", help="skip the krippendorff run")
    args = parser.parse_args()

    ratings = make_ratings()
    n_ratings = int((~np.isnan(ratings)).sum())
    print(
        f"{RATERS} raters x {UNITS:,} units, {MISSING:.0%} missing: {n_ratings:,} ratings "
        f"(scores 1-5); median of {args.repeat} runs after a warm-up"
    )
    if hasattr(os, "getloadavg"):  # other work on the machine skews every figure
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    over_budget = False

    print("\nKrippendorff's alpha")
    ours: dict[str, tuple[float, float, float]] = {}
    for level in LEVELS:
        cold, warm, value = timed(lambda lv=level: krippendorff_alpha(ratings, lv), args.repeat)
        assert isinstance(value, float)
        ours[level] = (cold, warm, value)
        over_budget |= warm >= BUDGET

    baseline = None
    if not args.no_baseline:
        python = baseline_python(args.baseline_python)
        if python:
            baseline = run_baseline(python, ratings, args.repeat)
    levels = baseline.get("levels", {}) if baseline else {}
    assert isinstance(levels, dict)
    if baseline:
        print(f"  baseline: krippendorff {baseline.get('version')} (PyPI), same matrix")
    print(
        f"  {'level':<9} {'alpha':>8} {'ours s':>8} {'cold s':>8}  {'budget':<10}"
        f"{'krippendorff s':>15} {'speed-up':>9} {'|diff|':>9}"
    )
    for level, (cold, warm, value) in ours.items():
        line = f"  {level:<9} {value:8.4f} {warm:8.3f} {cold:8.3f}  {verdict(warm):<10}"
        theirs = levels.get(level)
        if isinstance(theirs, dict):
            line += (
                f"{theirs['seconds']:15.3f} {theirs['seconds'] / warm:8.1f}x"
                f" {abs(theirs['alpha'] - value):9.1e}"
            )
        else:
            line += f"{'n/a':>15}"
        print(line)

    print("\nICC (six Shrout & Fleiss forms with F tests and 95% CIs)")
    cold, warm, result = timed(lambda: icc(ratings, missing="available"), args.repeat)
    over_budget |= warm >= BUDGET
    # Classical balanced baseline: a complete matrix with the same number of ratings.
    complete = make_ratings(seed=7)
    complete = np.nan_to_num(complete, nan=3.0)[: round(RATERS * (1 - MISSING))]
    _, warm_balanced, _ = timed(lambda: icc(complete), args.repeat)
    start = time.perf_counter()
    message = "(it did not refuse)"
    try:
        icc(ratings)
    except ValueError as error:
        message = str(error)
    listwise_seconds = time.perf_counter() - start
    assert hasattr(result, "forms")
    print(
        f"  missing='available' (unbalanced ANOVA): {warm:.3f} s (cold {cold:.3f} s), "
        f"{verdict(warm)}"
    )
    print(
        f"  baseline, classical balanced ICC on {complete.shape[0]} x {UNITS:,} complete "
        f"({complete.size:,} ratings): {warm_balanced:.3f} s; ratio {warm / warm_balanced:.2f}x"
    )
    for name, form in result.forms.items():
        print(
            f"    {name:<6} {form.value:7.4f}  CI [{form.ci_low:.4f}, {form.ci_high:.4f}]  "
            f"F({form.df1:.0f}, {form.df2:.0f}) = {form.f:.2f}"
        )
    print(f"  missing='listwise' refuses in {listwise_seconds:.3f} s: {message}")
    return 1 if over_budget else 0


if __name__ == "__main__":
    sys.exit(main())
