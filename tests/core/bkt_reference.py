"""Independent BKT references for the tests: 60-digit arithmetic, and brute force.

``exact`` runs the unnormalised forward and backward recursions (joint probabilities,
no scaling) in 60-digit decimals, whose exponent cannot underflow: on 500 responses
the rounding error stays below 1e-50, so to a float64 comparison it is exact.
``paths`` enumerates every hidden path (2**T of them) with ``fractions``, exactly; it
checks ``exact`` itself on short sequences.
"""

from __future__ import annotations

import decimal
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

PARAM_NAMES = ("prior", "learn", "guess", "slip", "forget")


@dataclass(frozen=True)
class Exact:
    p_known_before: list[float]
    p_correct_before: list[float]
    log_likelihood: float
    smoothed_known: list[float]  # P(known at t | all responses)
    learned: float  # expected unknown -> known transitions
    forgot: float  # expected known -> unknown transitions


def exact(
    prior: float, learn: float, guess: float, slip: float, forget: float, responses: list[int]
) -> Exact:
    """Forward and backward recursions in 60-digit decimals (no underflow: the exponent
    range of ``decimal`` is unbounded in practice), from the exact values of the floats."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        ctx.Emin = -(10**9)
        ctx.Emax = 10**9
        p, ln, g, s, fo = (Decimal(x) for x in (prior, learn, guess, slip, forget))
        one = Decimal(1)
        emit = {1: (one - s, g), 0: (s, one - g)}  # (if known, if unknown)
        alphas = [(p, one - p)]  # P(state before response t, responses before t)
        for r in responses[:-1]:
            k, u = alphas[-1]
            ek, eu = emit[r]
            k, u = k * ek, u * eu
            alphas.append((k * (one - fo) + u * ln, k * fo + u * (one - ln)))
        n = len(responses)
        betas = [(one, one)] * n  # P(responses after t | state at t)
        for t in range(n - 2, -1, -1):
            bk, bu = betas[t + 1]
            ek, eu = emit[responses[t + 1]]
            wk, wu = ek * bk, eu * bu
            betas[t] = ((one - fo) * wk + fo * wu, ln * wk + (one - ln) * wu)
        known, correct, smoothed = [], [], []
        learned = forgot = Decimal(0)
        total = Decimal(0)
        for t, r in enumerate(responses):
            k, u = alphas[t]
            known.append(float(k / (k + u)) if k + u else 0.0)
            correct.append(float((k * (one - s) + u * g) / (k + u)) if k + u else 0.0)
            ek, eu = emit[r]
            bk, bu = betas[t]
            total = k * ek * bk + u * eu * bu  # P(all responses), the same at every t
            smoothed.append(float(k * ek * bk / total) if total else 0.0)
            if t + 1 < n:
                e2k, e2u = emit[responses[t + 1]]
                b2k, b2u = betas[t + 1]
                learned += u * eu * ln * e2k * b2k
                forgot += k * ek * fo * e2u * b2u
        return Exact(
            p_known_before=known,
            p_correct_before=correct,
            log_likelihood=float(total.ln()) if total else -math.inf,
            smoothed_known=smoothed,
            learned=float(learned / total) if total else 0.0,
            forgot=float(forgot / total) if total else 0.0,
        )


def paths(
    prior: float, learn: float, guess: float, slip: float, forget: float, responses: list[int]
) -> tuple[Fraction, list[Fraction]]:
    """P(responses) and P(known at t | responses), summing over all 2**T hidden paths."""
    p, ln, g, s, fo = (Fraction(x) for x in (prior, learn, guess, slip, forget))
    total = Fraction(0)
    known = [Fraction(0)] * len(responses)
    for path in itertools.product((0, 1), repeat=len(responses)):
        weight = p if path[0] else 1 - p
        for t, (state, r) in enumerate(zip(path, responses, strict=True)):
            if t:
                before = path[t - 1]
                weight *= (1 - fo if state else fo) if before else (ln if state else 1 - ln)
            right = (1 - s) if state else g
            weight *= right if r else 1 - right
        total += weight
        for t, state in enumerate(path):
            if state:
                known[t] += weight
    return total, [k / total for k in known]
