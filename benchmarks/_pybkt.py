"""Running pyBKT beside Proficio: its virtualenv, its subprocess, and its parameters as ours.

pyBKT lives in ``.pybkt/`` (``make pybkt``), built from source against numpy < 2, so it
never shares a process with Proficio. :func:`run` writes the rows to a file, runs
``pybkt_side.py`` with that virtualenv's python and reads back what pyBKT fitted and
predicted. :func:`models` turns pyBKT's parameters into :class:`SkillModel` objects, so
Proficio's exact forward pass can score pyBKT's fit on the same rows as its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from proficio.core.mastery.bkt import BKTParams, ParameterSpace, SkillModel, Variant

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".pybkt" / "bin" / "python"
SIDE = Path(__file__).resolve().parent / "pybkt_side.py"
LABELS = ("item", "learn_class", "cohort")


def available() -> bool:
    """pyBKT's virtualenv is built (``make pybkt``)."""
    return PYTHON.is_file() and (ROOT / ".pybkt" / ".installed").is_file()


def run(
    train: dict[str, np.ndarray[Any, Any]],
    test: dict[str, np.ndarray[Any, Any]],
    *,
    variant: str = "plain",
    num_fits: int = 5,
    seed: int = 0,
    parallel: bool = True,
) -> dict[str, Any]:
    """Fit pyBKT on ``train`` and predict ``test``; arrays as ``pybkt_side.py`` reads them."""
    with tempfile.TemporaryDirectory(prefix="pybkt-") as folder:
        data = Path(folder) / "data.npz"
        out = Path(folder) / "out.json"
        arrays = {}
        for part, rows in (("train", train), ("test", test)):
            for name in ("skill", "student", "correct", *LABELS):
                values = rows.get(name)
                if values is None:
                    values = np.zeros(rows["correct"].size, dtype=np.int64)
                arrays[f"{part}_{name}"] = np.asarray(values).astype(
                    str if name in LABELS else np.int64
                )
        np.savez(data, **arrays)
        command = [str(PYTHON), str(SIDE), str(data), str(out), "--variant", variant]
        command += ["--num-fits", str(num_fits), "--seed", str(seed)]
        command += ["--parallel", "1" if parallel else "0"]
        subprocess.run(command, check=True, stdout=sys.stderr)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


def models(result: dict[str, Any], variant: str) -> dict[int, SkillModel]:
    """pyBKT's fitted parameters as Proficio models in the unconstrained space.

    pyBKT's multiprior fixes the prior at 0 and adds a first, unobserved step whose
    "learn" is the cohort's prior: that learn is our ``cohort_prior``.
    """
    space = ParameterSpace.UNCONSTRAINED
    out = {}
    for skill, p in result["skills"].items():
        learns, forgets = p["learns"], p["forgets"]
        guesses, slips = p["guesses"], p["slips"]
        resources = p["resource_names"]  # label -> 1-based index
        gs_names = p["gs_names"]  # label -> 0-based index (1 for the single default)
        forget = forgets[0] if variant == "forgets" else 0.0
        if variant == "multigs":
            item_guess = {k: guesses[i] for k, i in gs_names.items()}
            item_slip = {k: slips[i] for k, i in gs_names.items()}
            params = BKTParams(
                p["prior"], learns[0], float(np.mean(guesses)), float(np.mean(slips)), 0.0, space
            )
            out[int(skill)] = SkillModel(
                params, frozenset({Variant.MULTIGS}), item_guess=item_guess, item_slip=item_slip
            )
        elif variant == "multilearn":
            class_learn = {k: learns[i - 1] for k, i in resources.items()}
            params = BKTParams(p["prior"], float(np.mean(learns)), guesses[0], slips[0], 0.0, space)
            out[int(skill)] = SkillModel(
                params, frozenset({Variant.MULTILEARN}), class_learn=class_learn
            )
        elif variant == "multiprior":
            cohort_prior = {k: learns[i - 1] for k, i in resources.items() if k != "Default"}
            params = BKTParams(
                float(np.mean(list(cohort_prior.values()))),
                learns[resources["Default"] - 1],
                guesses[0],
                slips[0],
                0.0,
                space,
            )
            out[int(skill)] = SkillModel(
                params, frozenset({Variant.MULTIPRIOR}), cohort_prior=cohort_prior
            )
        else:
            params = BKTParams(p["prior"], learns[0], guesses[0], slips[0], forget, space)
            variants = frozenset({Variant.FORGETS}) if variant == "forgets" else frozenset()
            out[int(skill)] = SkillModel(params, variants)
    return out
