"""Benchmark: fitting BKT for a whole course at once, against fitting target by target.

A course holds many learning targets, each with its own BKT parameters. ``fit_many`` runs
EM for all of them in one call (every target and restart a compiled job). The baseline
calls ``fit`` once per target. It runs on a subset of the targets and is scaled up to all
of them; the two should cost the same per target. The target is under 1 second per EM
restart for the whole course. ``bench_bkt_vs_pybkt.py`` compares with pyBKT.

    python benchmarks/bench_bkt.py                 # 400,000 responses, 120 targets
    python benchmarks/bench_bkt.py --responses 40000 --targets 12
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import numpy.typing as npt

from proficio.core.mastery import bkt
from proficio.core.mastery.bkt import BKTParams

SECONDS_PER_RESTART_TARGET = 1.0


def course(
    responses: int, targets: int, opportunities: int, seed: int
) -> tuple[list[BKTParams], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int8]]:
    """Simulated responses for every target, each target with its own true parameters."""
    rng = np.random.default_rng(seed)
    students = math.ceil(responses / (targets * opportunities))
    truths, target_ids, sequence_ids, answers = [], [], [], []
    for target in range(targets):
        truth = BKTParams(
            prior=float(rng.uniform(0.1, 0.6)),
            learn=float(rng.uniform(0.05, 0.3)),
            guess=float(rng.uniform(0.1, 0.3)),
            slip=float(rng.uniform(0.05, 0.2)),
        )
        ids, r = bkt.simulate(truth, students, opportunities, seed=seed + 1 + target)
        truths.append(truth)
        target_ids.append(np.full(r.size, target, dtype=np.int64))
        sequence_ids.append(ids)
        answers.append(r)
    return truths, np.concatenate(target_ids), np.concatenate(sequence_ids), np.concatenate(answers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=400_000)
    parser.add_argument("--targets", type=int, default=120)
    parser.add_argument("--opportunities", type=int, default=20)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--baseline-targets", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    truths, target_ids, sequence_ids, responses = course(
        args.responses, args.targets, args.opportunities, args.seed
    )
    print(
        f"{responses.size:,} responses, {args.targets} targets,"
        f" {np.unique(sequence_ids).size:,} students per target,"
        f" {args.opportunities} opportunities each; {args.restarts} EM restarts"
    )

    start = time.perf_counter()
    fitted = bkt.fit_many(target_ids, sequence_ids, responses, restarts=args.restarts)
    together = (time.perf_counter() - start) / args.restarts

    some = min(args.baseline_targets, args.targets)
    start = time.perf_counter()
    for target in range(some):
        rows = target_ids == target
        bkt.fit(sequence_ids[rows], responses[rows], restarts=args.restarts)
    one_by_one = (time.perf_counter() - start) / args.restarts * args.targets / some

    verdict = "ok" if together < SECONDS_PER_RESTART_TARGET else "MISS"
    print(f"fit_many, all targets in one call: {together:.3f} s per restart  ({verdict} < 1 s)")
    print(
        f"baseline, fit() per target:        {one_by_one:.3f} s per restart"
        f"  (from {some} targets, scaled to {args.targets})"
    )
    print(f"ratio: {one_by_one / together:.1f}x")

    for name in ("prior", "learn", "guess", "slip"):
        errors = [
            abs(getattr(fitted[k].params, name) - getattr(t, name)) for k, t in enumerate(truths)
        ]
        mean, worst = np.mean(errors), max(errors)
        print(f"{name:<6} |fitted - true| over targets: mean {mean:.3f}, max {worst:.3f}")


if __name__ == "__main__":
    main()
