"""pyBKT's side of the BKT comparison, run by the python of pyBKT's own virtualenv (.pybkt).

    .pybkt/bin/python benchmarks/pybkt_side.py DATA.npz OUT.json --variant plain

DATA.npz holds ``train_*`` and ``test_*`` arrays: ``skill``, ``student``, ``correct``, and
``item``, ``learn_class``, ``cohort`` for the variants, rows grouped by skill and student,
oldest first. The script fits pyBKT (its C++ E-step) on the training rows, predicts the
test rows one step ahead, and writes the fitted parameters of every skill (with pyBKT's
class names), the test predictions in row order and the fit and predict times. It
imports nothing from Proficio: pyBKT's virtualenv has numpy < 2.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import pandas as pd
from pyBKT.models import Model

COLUMNS = {"multigs": "item", "multilearn": "learn_class", "multiprior": "cohort"}


def frame(data: Any, part: str) -> pd.DataFrame:
    n = data[f"{part}_correct"].size
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "row": np.arange(n),
            "skill_name": [f"s{s}" for s in data[f"{part}_skill"]],
            "user_id": data[f"{part}_student"],
            "correct": data[f"{part}_correct"].astype(int),
            "item": data[f"{part}_item"],
            "learn_class": data[f"{part}_learn_class"],
            "cohort": data[f"{part}_cohort"],
        }
    )


def as_list(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument(
        "--variant", choices=["plain", "forgets", *COLUMNS], default="plain", help="model variant"
    )
    parser.add_argument("--num-fits", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    data = np.load(args.data, allow_pickle=False)
    train, test = frame(data, "train"), frame(data, "test")
    options: dict[str, Any] = {"forgets": args.variant == "forgets"}
    if args.variant in COLUMNS:
        options[args.variant] = COLUMNS[args.variant]
    model = Model(seed=args.seed, num_fits=args.num_fits, parallel=bool(args.parallel))
    start = time.perf_counter()
    model.fit(data=train, **options)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(data=test)
    predict_seconds = time.perf_counter() - start
    predicted = predicted.sort_values("row")
    skills = {}
    for name, fitted in model.fit_model.items():
        skills[name[1:]] = {
            "prior": float(fitted["prior"]),
            "learns": as_list(fitted["learns"]),
            "forgets": as_list(fitted["forgets"]),
            "guesses": as_list(fitted["guesses"]),
            "slips": as_list(fitted["slips"]),
            "resource_names": {str(k): int(v) for k, v in fitted["resource_names"].items()},
            "gs_names": {str(k): int(v) for k, v in fitted["gs_names"].items()},
        }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(
            {
                "skills": skills,
                "p_correct": predicted["correct_predictions"].astype(float).tolist(),
                "fit_seconds": fit_seconds,
                "predict_seconds": predict_seconds,
            },
            out,
        )


if __name__ == "__main__":
    main()
