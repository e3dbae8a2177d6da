"""Benchmark: Proficio's BKT against pyBKT 1.4 (its C++ build), both run in this script.

Synthetic data with the pathologies of real student data: 120 skills; sequence lengths
from a heavy-tailed distribution (many of 1-5 responses, some over 200); long streaks
(students who know a skill and rarely slip); skills whose items are easy to guess (guess
above 0.5, so their best fit has guess > 0.5); forgetting on 20% of the skills; item
difficulty, learning classes and cohorts for the variants. Students are split 80/20
into training and test rows.

For the plain model and each variant (forgets, multigs, multilearn, multiprior) it
prints, for each side: the exact training log-likelihood of that side's fit (both scored
by Proficio's exact forward pass), held-out AUC and RMSE of one-step-ahead predictions,
fit and predict time, and the ratios. Both fit in the unconstrained space (pyBKT's) with
5 restarts; a last row shows Proficio's identifiable space (the mastery default). Then it
fits 10 million responses in one call, in a fresh process, and prints the time and the
peak memory.

Targets: Proficio's total log-likelihood >= pyBKT's; AUC within 0.002 of pyBKT's or
better (plain and forgets); fit time for 120 skills x 5 restarts <= pyBKT's; 10M
responses in one call within 60 s and 4 GiB.

pyBKT runs in its own virtualenv (``make pybkt``); without it only Proficio's side runs.

    python benchmarks/bench_bkt_vs_pybkt.py
    python benchmarks/bench_bkt_vs_pybkt.py --skills 30 --scale-responses 1000000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pybkt

from proficio.core.machine import usable_cores
from proficio.core.mastery import bkt
from proficio.core.mastery.bkt import ParameterSpace, SkillModel

VARIANTS = ("plain", "forgets", "multigs", "multilearn", "multiprior")
LABEL_OF = {"multigs": "items", "multilearn": "learn_classes", "multiprior": "cohorts"}
COLUMN_OF = {"items": "item", "learn_classes": "learn_class", "cohorts": "cohort"}
Rows = dict[str, np.ndarray[Any, Any]]


def synthetic(n_skills: int, seed: int, students: tuple[int, int] = (60, 400)) -> Rows:
    """Responses of many students on many skills, with real data's pathologies."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray[Any, Any]]] = {
        k: [] for k in ("skill", "student", "correct", "item", "learn_class", "cohort")
    }
    next_student = 0
    for skill in range(n_skills):
        n = int(rng.integers(*students))
        # Heavy tail: most students answer 1-5 times, a few hundreds of times.
        lengths = np.minimum(1 + (rng.pareto(1.0, n) * 2.5).astype(np.int64), 1500)
        easy_to_guess = rng.random() < 0.15
        forgets = rng.random() < 0.2
        n_items = int(rng.integers(4, 12))
        item_guess = (
            rng.uniform(0.55, 0.8, n_items) if easy_to_guess else rng.uniform(0.05, 0.4, n_items)
        )
        item_slip = rng.uniform(0.01, 0.15, n_items)  # small slips: long correct streaks
        class_learn = rng.uniform(0.02, 0.35, 3)
        cohort_prior = np.clip(rng.uniform(0.05, 0.6) + rng.uniform(-0.2, 0.3, 4), 0.01, 0.95)
        forget = rng.uniform(0.02, 0.1) if forgets else 0.0
        cohort = rng.integers(0, 4, n)
        known = rng.random(n) < cohort_prior[cohort]
        steps = int(lengths.max())
        correct = np.zeros((steps, n), dtype=np.int8)
        items = rng.integers(0, n_items, (steps, n))
        classes = rng.integers(0, 3, (steps, n))
        for t in range(steps):
            i = items[t]
            draw = rng.random(n)
            correct[t] = np.where(known, draw >= item_slip[i], draw < item_guess[i])
            change = rng.random(n)
            known = np.where(known, change >= forget, change < class_learn[classes[t]])
        mask = np.arange(steps)[:, None] < lengths[None, :]
        take = mask.T  # student-major: each student's rows together, oldest first
        parts["skill"].append(np.full(int(lengths.sum()), skill))
        parts["student"].append(np.repeat(np.arange(next_student, next_student + n), lengths))
        parts["correct"].append(correct.T[take])
        parts["item"].append(np.char.add(f"s{skill}-q", items.T[take].astype(str)))
        parts["learn_class"].append(np.char.add("c", classes.T[take].astype(str)))
        parts["cohort"].append(np.repeat(np.char.add("k", cohort.astype(str)), lengths))
        next_student += n
    return {k: np.concatenate(v) for k, v in parts.items()}


def split(rows: Rows, seed: int) -> tuple[Rows, Rows]:
    """80% of the students train, 20% test."""
    rng = np.random.default_rng(seed + 1)
    students = np.unique(rows["student"])
    test_students = rng.random(students.size) < 0.2
    is_test = test_students[np.searchsorted(students, rows["student"])]
    return (
        {k: v[~is_test] for k, v in rows.items()},
        {k: v[is_test] for k, v in rows.items()},
    )


def labels(rows: Rows, variant: str) -> dict[str, Any]:
    name = LABEL_OF.get(variant)
    return {name: rows[COLUMN_OF[name]]} if name else {}


def score(models: dict[int, Any], train: Rows, test: Rows, variant: str) -> tuple[float, ...]:
    """Exact training log-likelihood, held-out AUC and RMSE, and predict time."""
    ll = bkt.predict(
        models, train["skill"], train["student"], train["correct"], **labels(train, variant)
    ).log_likelihood
    start = time.perf_counter()
    p = bkt.predict(
        models, test["skill"], test["student"], test["correct"], **labels(test, variant)
    ).p_correct
    seconds = time.perf_counter() - start
    return ll, bkt.auc(test["correct"], p), bkt.rmse(test["correct"], p), seconds


def line(
    variant: str, side: str, ll: float, auc: float, rmse: float, fit: float, pred: float
) -> None:
    print(
        f"{variant:<11} {side:<24} {ll:>16,.3f} {auc:>9.4f} {rmse:>9.4f} {fit:>9.2f} {pred:>9.3f}"
    )


def compare(
    train: Rows,
    test: Rows,
    restarts: int,
    seed: int,
    threads: int | None,
    variants: tuple[str, ...] = VARIANTS,
) -> None:
    header = f"{'variant':<11} {'side':<24} {'train LL (exact)':>16} {'test AUC':>9}"
    print(header + f" {'RMSE':>9} {'fit s':>9} {'predict s':>9}")
    have_pybkt = _pybkt.available()
    if not have_pybkt:
        print("(pyBKT's virtualenv is absent: run `make pybkt` for its side)")
    for variant in variants:
        start = time.perf_counter()
        fits = bkt.fit_many(
            train["skill"],
            train["student"],
            train["correct"],
            space=ParameterSpace.UNCONSTRAINED,
            variants=[] if variant == "plain" else [variant],
            restarts=restarts,
            seed=seed,
            threads=threads,
            **labels(train, variant),
        )
        ours_fit = time.perf_counter() - start
        ours: dict[int, SkillModel] = {k: r.model for k, r in fits.items()}
        ll, auc, rmse, ours_pred = score(ours, train, test, variant)
        unconverged = sum(not r.converged for r in fits.values())
        line(variant, "Proficio (unconstrained)", ll, auc, rmse, ours_fit, ours_pred)
        if unconverged:
            print(f"{'':<11} {unconverged} skills did not converge")
        if not have_pybkt:
            continue
        result = _pybkt.run(train, test, variant=variant, num_fits=restarts, seed=seed)
        theirs = _pybkt.models(result, variant)
        p = np.asarray(result["p_correct"])
        their_ll = bkt.predict(
            theirs, train["skill"], train["student"], train["correct"], **labels(train, variant)
        ).log_likelihood
        their_auc, their_rmse = bkt.auc(test["correct"], p), bkt.rmse(test["correct"], p)
        line(
            variant,
            "pyBKT 1.4 C++",
            their_ll,
            their_auc,
            their_rmse,
            result["fit_seconds"],
            result["predict_seconds"],
        )
        worse = sum(
            fits[k].log_likelihood
            < bkt.predict(
                {k: theirs[k]},
                *(
                    v[train["skill"] == k]
                    for v in (train["skill"], train["student"], train["correct"])
                ),
                **{n: v[train["skill"] == k] for n, v in labels(train, variant).items()},
            ).log_likelihood
            - 1e-6 * abs(fits[k].log_likelihood)
            for k in fits
        )
        print(
            f"{'':<11} ratio: LL {ll - their_ll:+,.3f} (Proficio - pyBKT),"
            f" AUC {auc - their_auc:+.4f}, RMSE {rmse - their_rmse:+.4f},"
            f" fit time pyBKT/Proficio {result['fit_seconds'] / ours_fit:.2f}x,"
            f" predict time {result['predict_seconds'] / ours_pred:.1f}x;"
            f" skills where Proficio's LL is lower: {worse} of {len(fits)}"
        )
    start = time.perf_counter()
    capped = bkt.fit_many(
        train["skill"], train["student"], train["correct"], restarts=restarts, seed=seed
    )
    capped_fit = time.perf_counter() - start
    ll, auc, rmse, pred = score({k: r.model for k, r in capped.items()}, train, test, "plain")
    line("plain", "Proficio (identifiable)", ll, auc, rmse, capped_fit, pred)


def scale(n_responses: int, restarts: int, seed: int, threads: int | None) -> None:
    """Fit ``n_responses`` (plain BKT, many skills) in one call; time and peak memory."""
    rng = np.random.default_rng(seed)
    n_skills = 500
    per_skill = n_responses // n_skills
    skill, student, correct = [], [], []
    first = 0
    for k in range(n_skills):
        lengths = np.minimum(1 + (rng.pareto(1.0, per_skill) * 2.5).astype(np.int64), 1500)
        lengths = lengths[: int(np.searchsorted(np.cumsum(lengths), per_skill)) + 1]
        lengths[-1] -= max(0, int(lengths.sum()) - per_skill)
        lengths = lengths[lengths > 0]
        truth = bkt.BKTParams(
            prior=float(rng.uniform(0.1, 0.6)),
            learn=float(rng.uniform(0.02, 0.3)),
            guess=float(rng.uniform(0.05, 0.4)),
            slip=float(rng.uniform(0.02, 0.2)),
        )
        ids, r = bkt.simulate(truth, lengths.size, int(lengths.max()), seed=seed + k)
        keep = (np.arange(int(lengths.max()))[None, :] < lengths[:, None]).ravel()
        skill.append(np.full(int(lengths.sum()), k, dtype=np.int64))
        student.append(ids[keep] + first)
        correct.append(r[keep])
        first += lengths.size
    rows = (np.concatenate(skill), np.concatenate(student), np.concatenate(correct))
    del skill, student, correct
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    start, cpu_start = time.perf_counter(), time.process_time()
    fits = bkt.fit_many(*rows, restarts=restarts, seed=seed, threads=threads)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    converged = sum(r.converged for r in fits.values())
    iterations = sum(r.iterations for r in fits.values()) / len(fits)
    verdict = "ok" if seconds <= 60 and peak <= 4 else "MISS"
    print(
        f"{rows[2].size:,} responses, {n_skills} skills, {first:,} students,"
        f" {restarts} restarts, one call: {seconds:.1f} s; peak memory {peak:.2f} GiB"
        f" (data alone {before:.2f} GiB); target 60 s and 4 GiB: {verdict}"
    )
    print(
        f"{converged} of {len(fits)} skills converged; mean EM iterations of the winning"
        f" restart {iterations:.0f}; {rows[2].size * restarts / seconds / 1e6:.1f}M"
        " response-restarts per second"
    )
    # On a shared machine the wall time says more about the other processes than about
    # the fit; the CPU time it used, over the cores it had, is the machine-independent part.
    workers = threads or usable_cores()
    print(
        f"CPU time of the fit {cpu:.1f} s over {workers} threads: {cpu / workers:.1f} s"
        f" if the cores were free; wall / (CPU / threads) = {seconds / (cpu / workers):.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skills", type=int, default=120)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--scale-responses", type=int, default=10_000_000)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--scale-only", action="store_true", help="only the 10M-response fit")
    args = parser.parse_args()
    if args.scale_only:
        scale(args.scale_responses, args.restarts, args.seed, args.threads)
        return
    rows = synthetic(args.skills, args.seed)
    train, test = split(rows, args.seed)
    lengths = np.diff(np.flatnonzero(np.r_[True, np.diff(rows["student"]) != 0, True]))
    print(
        f"{rows['correct'].size:,} responses ({train['correct'].size:,} train,"
        f" {test['correct'].size:,} test), {args.skills} skills, {lengths.size:,} students;"
        f" responses per student: median {int(np.median(lengths))}, {np.mean(lengths <= 5):.0%}"
        f" at most 5, {np.sum(lengths > 200)} over 200, longest {lengths.max()}"
    )
    compare(train, test, args.restarts, args.seed, args.threads, tuple(args.variants))
    if args.scale_responses:
        command = [sys.executable, __file__, "--scale-only", "--seed", str(args.seed)]
        command += ["--scale-responses", str(args.scale_responses)]
        command += ["--restarts", str(args.restarts)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
