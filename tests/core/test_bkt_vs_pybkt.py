"""Proficio's EM against pyBKT 1.4 (the C++ build): at least pyBKT's optimum, on every skill.

pyBKT runs in its own virtualenv (``make pybkt``, which ``make test`` tries first) through
a subprocess; this test skips only where that virtualenv could not be built. Both fits
are scored by the exact forward pass, on small data with the pathologies of real data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proficio.core.mastery import bkt
from proficio.core.mastery.bkt import ParameterSpace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import _pybkt
from bench_bkt_vs_pybkt import split, synthetic

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not _pybkt.available(),
        reason="pyBKT's virtualenv is absent (make pybkt could not build it)",
    ),
]


@pytest.fixture(scope="module")
def rows() -> tuple[dict[str, Any], dict[str, Any]]:
    return split(synthetic(8, seed=3, students=(30, 70)), seed=3)


@pytest.mark.parametrize("variant", ["plain", "forgets"])
def test_our_fit_is_at_least_pybkts_on_every_skill(
    rows: tuple[dict[str, Any], dict[str, Any]], variant: str
) -> None:
    train, test = rows
    result = _pybkt.run(train, test, variant=variant, num_fits=5, seed=0, parallel=False)
    theirs = _pybkt.models(result, variant)
    ours = bkt.fit_many(
        train["skill"],
        train["student"],
        train["correct"],
        space=ParameterSpace.UNCONSTRAINED,
        variants=[] if variant == "plain" else [variant],
        restarts=5,
    )
    assert set(ours) == set(theirs)
    for skill, fitted in ours.items():
        mine = train["skill"] == skill
        their_ll = bkt.log_likelihood(theirs[skill], train["student"][mine], train["correct"][mine])
        assert fitted.converged
        assert fitted.log_likelihood >= their_ll - 1e-6 * abs(their_ll), skill
    # The predictions pyBKT makes from its parameters are the exact forward pass's.
    p = bkt.predict(theirs, test["skill"], test["student"], test["correct"]).p_correct
    assert np.asarray(result["p_correct"]) == pytest.approx(p, abs=1e-6)
