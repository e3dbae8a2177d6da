"""Compiled loops behind :mod:`.bkt`: exact forward filtering and EM, one sequence at a time.

Rows are packed: every response once, sequences back to back, with no padding. A
sequence is one student's responses on one skill, oldest first. Each row carries the
codes of its guess/slip class (the quiz item, for ``multigs``) and of its learning class
(for ``multilearn``: the learning after that opportunity uses the class's learn and
forget). Each sequence carries its cohort code (its prior, for ``multiprior``). Codes
index the parameter arrays directly; a plain model has one class of each per skill.

**Exactness.** The filter keeps P(known) and P(unknown) as two numbers and never forms
``1 - P(known)``. Neither is ever computed by subtraction, so a tiny P(unknown) after a
long run of correct answers keeps its full relative precision and can grow again after
wrong answers. The backward pass is the scaled one (Rabiner): with every filtered
probability at least ``TINY``, its scaled messages stay below ``1 / TINY`` and cannot
overflow.

**Certain rows.** Without forgetting, a long run of correct answers drives P(unknown)
below any double (each answer multiplies it by about guess / (1 - slip)), while its
ratio to P(known) is still what later wrong answers must undo. A row is *certain* when
the response leaves P(unknown) below ``exp(CERTAIN)`` (about 4e-18) of P(known): then
P(known | response) is 1 to the last bit, the response's probability is P(known) times
P(response | known), and P(unknown) is carried as the log-odds log(P(unknown) /
P(known)), which the row's response and learning only shift by a constant
(:func:`log_tables`, once per E-step). The backward pass carries its message for
"unknown" after a certain row as a ratio to the one for "known" (in logs where the
ratio would leave doubles); P(unknown | response) is taken out of logs only where it
is a normal double.
Long streaks thus cost additions, not a log-space pass. The log-odds carry an absolute
rounding error that grows with the length of the streak (about 1e-12 relative after
hundreds of rows), far below anything a fit or a prediction can see.

Where neither form is exact (P(known) below ``TINY``, parameters so extreme that one
response would undo a certainty from below the smallest normal double, or later
responses that overturn a certain row so far that its posterior leaves doubles), the
sequence is recomputed entirely in log space (:func:`forward_log`, :func:`backward_log`), which
cannot underflow. With fitted parameters (never closer than ``EDGE`` to 0 or 1) that
does not happen.

The log-likelihood is the sum of the logs of the one-step predictive probabilities,
which is exact; EM compares and reports that number.

These functions are compiled by Numba. They are plain Python too (``.py_func``), which
the tests run to check the compiled code against the interpreted one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])
FloatArray = npt.NDArray[np.float64]

TINY: Final = 1e-200
"""Below this a filtered probability sends its sequence to the log-space path."""

_LOG_SMALL: Final = 1e-100  # products of predictive probabilities are folded into logs here

CERTAIN: Final = -40.0
"""Log-odds of unknown to known below which a posterior is certain to the last bit."""

FLOOR: Final = 1e-300
"""The smallest P(unknown) kept as a probability (normal doubles, full precision)."""

LOG_FLOOR: Final = math.log(FLOOR)

_EXP_UNDER: Final = -745.0  # exp of anything lower is 0 in doubles
_EXP_PLAIN: Final = -700.0  # exp of anything higher is a normal double
_BIG: Final = 1e300  # the backward ratio after a certain row is kept plain within these
_SMALL: Final = 1e-300
_LOG_BIG: Final = math.log(_BIG)


def _jit(function: F) -> F:
    """Compile with Numba, cached on disk; ``error_model="numpy"``: 0/0 is NaN, not raise."""
    compiled = numba.njit(cache=True, nogil=True, error_model="numpy")(function)
    return cast(F, compiled)


@_jit
def log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)), exact for any a and b, including -inf."""
    high = max(a, b)
    if high == -math.inf:
        return -math.inf
    return high + math.log1p(math.exp(min(a, b) - high))


@_jit
def safe_log(x: float) -> float:
    return math.log(x) if x > 0.0 else -math.inf


@_jit
def _times_exp(w: float, v: float) -> float:
    """w * exp(v) for w >= 0, without forming exp(v) on its own: the backward message's
    ratio can leave doubles (exp(v) overflows) while the message itself, w times it, is a
    normal double."""
    if w <= 0.0:
        return 0.0
    return math.exp(math.log(w) + v)


@_jit
def log_tables(
    learn: Any,
    guess: Any,
    slip: Any,
    g_lo: int,
    g_hi: int,
    l_lo: int,
    l_hi: int,
    odds: Any,
    stay: Any,
    learns: Any,
) -> None:
    """Fill the tables the certain-row arithmetic needs, once per E-step.

    ``odds[g - g_lo, r]`` is log P(response r | unknown) - log P(response r | known) for
    guess/slip class ``g``, and ``odds[g - g_lo, 2 + r]`` the ratio itself.
    ``stay[c - l_lo]`` and ``learns[c - l_lo]`` are log(1 - learn) and log(learn) for
    learning class ``c``. An impossible response gives an infinite or NaN entry, which
    sends a certain row back to the general paths.
    """
    for g in range(g_lo, g_hi):
        odds[g - g_lo, 1] = safe_log(guess[g]) - safe_log(1.0 - slip[g])
        odds[g - g_lo, 0] = safe_log(1.0 - guess[g]) - safe_log(slip[g])
        odds[g - g_lo, 3] = guess[g] / (1.0 - slip[g])
        odds[g - g_lo, 2] = (1.0 - guess[g]) / slip[g]
    for c in range(l_lo, l_hi):
        stay[c - l_lo] = safe_log(1.0 - learn[c])
        learns[c - l_lo] = safe_log(learn[c])


@_jit
def forward(
    resp: Any,
    gs: Any,
    lc: Any,
    lo: int,
    hi: int,
    prior: float,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    odds: Any,
    stay: Any,
    g_off: int,
    l_off: int,
    pred_k: Any,
    pred_u: Any,
    tiny: float,
) -> tuple[float, bool]:
    """Filter rows ``lo:hi``; store the state before each row (see the module docstring).

    A plain row stores P(known) and P(unknown). A *certain* row, where the response
    leaves P(unknown) below ``exp(CERTAIN)`` of P(known), stores ``-P(known)`` and the
    log-odds log(P(unknown) / P(known)). Return ``(log-likelihood, True)``, or
    ``(nan, False)`` where neither form is exact (P(known) below ``tiny``, or a
    certain row whose response could undo the certainty from below the smallest normal
    double): the caller then uses the log-space path for this sequence.
    """
    pk = prior
    pu = 1.0 - prior
    x = 0.0  # log(P(unknown) / P(known)) while ``in_odds``, P(known) then being 1
    xq = 0.0
    in_odds = False
    ll = 0.0
    product = 1.0
    for t in range(lo, hi):
        g = gs[t]
        right = resp[t] == 1
        if right:
            ek = 1.0 - slip[g]
            eu = guess[g]
        else:
            ek = slip[g]
            eu = 1.0 - guess[g]
        certain = False
        if in_odds:
            xq = x + odds[g - g_off, resp[t]]
            if xq < CERTAIN:
                certain = True
            elif x >= LOG_FLOOR:  # a wrong answer makes P(unknown) count again
                pk = 1.0
                pu = math.exp(x)
                in_odds = False
            else:
                return math.nan, False
        if not certain:
            if not pk >= tiny:
                return math.nan, False
            ak = pk * ek
            au = pu * eu
            c = ak + au
            qk = ak / c
            qu = au / c
            if not qk >= tiny:
                return math.nan, False
            if qu >= tiny and pu >= FLOOR:
                pred_k[t] = pk
                pred_u[t] = pu
                k = lc[t]
                pk = qk * (1.0 - forget[k]) + qu * learn[k]
                pu = qk * forget[k] + qu * (1.0 - learn[k])
            else:
                if pu < FLOOR and pu != 0.0:
                    return math.nan, False
                # qu < tiny * qk, so xq = log(qu / qk) < CERTAIN: this row is certain.
                x = safe_log(pu) - math.log(pk)
                xq = x + odds[g - g_off, resp[t]]
                certain = True
        if certain:
            # P(known | response) is 1 to the last bit, P(unknown | response) is exp(xq),
            # and the response's probability is P(known) * P(response | known).
            pred_k[t] = -pk
            pred_u[t] = x
            c = pk * ek
            k = lc[t]
            f = forget[k]
            if f == 0.0:
                x = xq + stay[k - l_off]
                pk = 1.0
                in_odds = True
            else:
                qu = math.exp(xq)
                pk = (1.0 - f) + qu * learn[k]
                pu = f + qu * (1.0 - learn[k])
                in_odds = False
        if c < _LOG_SMALL:
            ll += math.log(c)
        else:
            product *= c
            if product < _LOG_SMALL:
                ll += math.log(product)
                product = 1.0
    return ll + math.log(product), True


@_jit
def forward_log(
    resp: Any,
    gs: Any,
    lc: Any,
    lo: int,
    hi: int,
    prior: float,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    pred_k: Any,
    pred_u: Any,
) -> float:
    """:func:`forward` in log space: store log P(known), log P(unknown) before each row.

    A response the parameters call impossible makes the log-likelihood -inf; the
    filter then leaves the state as it was before that response.
    """
    lpk = safe_log(prior)
    lpu = safe_log(1.0 - prior)
    ll = 0.0
    for t in range(lo, hi):
        pred_k[t] = lpk
        pred_u[t] = lpu
        g = gs[t]
        if resp[t] == 1:
            lak = lpk + safe_log(1.0 - slip[g])
            lau = lpu + safe_log(guess[g])
        else:
            lak = lpk + safe_log(slip[g])
            lau = lpu + safe_log(1.0 - guess[g])
        lc_ = log_add(lak, lau)
        if lc_ == -math.inf:
            ll = -math.inf
            qk, qu = lpk, lpu
        else:
            ll += lc_
            qk, qu = lak - lc_, lau - lc_
        k = lc[t]
        lpk = log_add(qk + safe_log(1.0 - forget[k]), qu + safe_log(learn[k]))
        lpu = log_add(qk + safe_log(forget[k]), qu + safe_log(1.0 - learn[k]))
    return ll


@_jit
def backward(
    resp: Any,
    gs: Any,
    lc: Any,
    lo: int,
    hi: int,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    odds: Any,
    stay: Any,
    learns: Any,
    pred_k: Any,
    pred_u: Any,
    counts: Any,
    l_off: int,
    g_off: int,
) -> float:
    """Scaled backward pass over rows ``lo:hi`` after :func:`forward`; add expected counts.

    ``counts`` has one row per local class (see :func:`em_job`) and columns: 0 learned
    (unknown -> known), 1 unknown with a next opportunity, 2 forgot, 3 known with a next
    opportunity, 4 known, 5 known and wrong, 6 unknown, 7 unknown and right. Learning
    classes are counted in row ``lc - l_off`` and guess/slip classes in row ``gs - g_off``
    (the offsets shift codes to the skill's own rows; the log tables are indexed the
    same way). Return P(known) at ``lo`` given all responses.

    After a certain row the backward message for "unknown" may be too large for a
    double, so it is carried as its ratio ``rho`` to the message for "known", or as the
    log ``v`` of that ratio where the ratio would leave [1e-300, 1e300]. Return NaN,
    having added some of the sequence's counts, where a certain row's posterior cannot be
    held this way (later responses overturn it beyond doubles): :func:`em_job` then
    restores ``counts`` and redoes the sequence in log space.
    """
    bk = 1.0
    bu = 1.0
    wk = 0.0
    wu = 0.0
    v = 0.0
    rho = 0.0
    in_ratio = False  # the message of the row after is (wk, rho or v), not (wk, wu)
    in_logs = False  # and it is v
    gk = 0.0
    for t in range(hi - 1, lo - 1, -1):
        g = gs[t]
        right = resp[t] == 1
        if right:
            ek = 1.0 - slip[g]
            eu = guess[g]
        else:
            ek = slip[g]
            eu = 1.0 - guess[g]
        pk = pred_k[t]
        last = t == hi - 1
        k = lc[t]
        c = k - l_off
        if pk < 0.0:  # a certain row
            pk = -pk
            d = odds[g - g_off, resp[t]]
            xq = pred_u[t] + d
            f = 0.0 if last else forget[k]
            forgot = 0.0
            h = 0.0  # log(bu / bk) where ``ratio`` cannot hold it
            ratio = 1.0  # bu / bk
            plain = True
            if in_ratio and f == 0.0:
                bk = wk
                if in_logs:
                    h = log_add(learns[c], stay[c] + v)
                    plain = False
                else:
                    ratio = learn[k] + (1.0 - learn[k]) * rho
            else:
                if in_ratio:  # f > 0 keeps P(unknown) after the row at least f: wu is finite
                    wu = _times_exp(wk, v) if in_logs else wk * rho
                if not last:
                    bk = (1.0 - f) * wk + f * wu
                    bu = learn[k] * wk + (1.0 - learn[k]) * wu
                    forgot = f * wu
                    if not bk > 0.0:
                        # The responses after this row overturn it so far that P(known |
                        # all) underflows while P(unknown | all) is about 1: this form
                        # cannot hold the row (within a run of certain rows without
                        # forgetting, bk only grows from here), so the caller redoes the
                        # sequence in logs.
                        return math.nan
                    ratio = bu / bk
                    if not ratio <= _BIG:
                        h = safe_log(bu) - safe_log(bk)
                        plain = False
            # gu = P(unknown | response) * bu and P(learned) = P(unknown | response) * learn *
            # wk, with P(unknown | response) = exp(xq); where that underflows, in logs.
            if plain and xq > _EXP_PLAIN:
                qu = math.exp(xq)
                gu = bk * (qu * ratio)
                learned = wk * (qu * learn[k])
            else:
                if plain:
                    h = safe_log(ratio) if xq > _EXP_UNDER - _LOG_BIG else -math.inf
                e = xq + h
                gu = _times_exp(bk, e)
                e = xq + learns[c]
                learned = _times_exp(wk, e)
            if not last:
                counts[c, 0] += learned
                counts[c, 1] += gu
                counts[c, 2] += forgot
                counts[c, 3] += bk
            gk = bk
            cg = g - g_off
            counts[cg, 4] += gk
            counts[cg, 6] += gu
            if right:
                counts[cg, 7] += gu
            else:
                counts[cg, 5] += gk
            wk = bk / pk
            in_ratio = True
            if plain:
                rho = odds[g - g_off, 2 + resp[t]] * ratio
                in_logs = not (_SMALL <= rho <= _BIG)
                if in_logs:
                    v = d + math.log(ratio) if ratio > 0.0 else -math.inf
            else:
                v = d + h
                in_logs = not (-_LOG_BIG <= v <= _LOG_BIG)
                if not in_logs:
                    rho = math.exp(v)
            continue
        if in_ratio:
            wu = _times_exp(wk, v) if in_logs else wk * rho
            in_ratio = False
        ak = pk * ek
        au = pred_u[t] * eu
        inv = 1.0 / (ak + au)
        qk = ak * inv
        qu = au * inv
        if not last:
            f = forget[k]
            le = learn[k]
            bk = (1.0 - f) * wk + f * wu
            bu = le * wk + (1.0 - le) * wu
            counts[c, 0] += qu * le * wk
            counts[c, 1] += qu * bu
            counts[c, 2] += qk * f * wu
            counts[c, 3] += qk * bk
        gk = qk * bk
        gu = qu * bu
        cg = g - g_off
        counts[cg, 4] += gk
        counts[cg, 6] += gu
        if right:
            counts[cg, 7] += gu
        else:
            counts[cg, 5] += gk
        wk = ek * bk * inv
        wu = eu * bu * inv
    return gk


@_jit
def backward_log(
    resp: Any,
    gs: Any,
    lc: Any,
    lo: int,
    hi: int,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    pred_k: Any,
    pred_u: Any,
    counts: Any,
    l_off: int,
    g_off: int,
) -> float:
    """:func:`backward` in log space, after :func:`forward_log`."""
    lbk = 0.0
    lbu = 0.0
    lwk = 0.0
    lwu = 0.0
    gk = 0.0
    for t in range(hi - 1, lo - 1, -1):
        g = gs[t]
        right = resp[t] == 1
        if right:
            lek = safe_log(1.0 - slip[g])
            leu = safe_log(guess[g])
        else:
            lek = safe_log(slip[g])
            leu = safe_log(1.0 - guess[g])
        lak = pred_k[t] + lek
        lau = pred_u[t] + leu
        lc_ = log_add(lak, lau)
        if lc_ == -math.inf:  # an impossible response: the filter kept its state
            lak, lau, lc_ = pred_k[t], pred_u[t], 0.0
        qk = lak - lc_
        qu = lau - lc_
        if t < hi - 1:
            k = lc[t]
            lf = safe_log(forget[k])
            lkeep = safe_log(1.0 - forget[k])
            ll_ = safe_log(learn[k])
            lstay = safe_log(1.0 - learn[k])
            lbk = log_add(lkeep + lwk, lf + lwu)
            lbu = log_add(ll_ + lwk, lstay + lwu)
            c = k - l_off
            counts[c, 0] += math.exp(qu + ll_ + lwk)
            counts[c, 1] += math.exp(qu + lbu)
            counts[c, 2] += math.exp(qk + lf + lwu)
            counts[c, 3] += math.exp(qk + lbk)
        gk = math.exp(qk + lbk)
        gu = math.exp(qu + lbu)
        c = g - g_off
        counts[c, 4] += gk
        counts[c, 6] += gu
        if right:
            counts[c, 7] += gu
        else:
            counts[c, 5] += gk
        lwk = lek + lbk - lc_
        lwu = leu + lbu - lc_
    return gk


@_jit
def forward_all(
    resp: Any,
    gs: Any,
    lc: Any,
    seq_start: Any,
    seq_cohort: Any,
    prior: Any,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    pred_k: Any,
    pred_u: Any,
    seq_ll: Any,
    tiny: float,
) -> int:
    """Filter every sequence; P(known) and P(unknown) before each row, in probabilities.

    Return how many sequences needed the log-space path.
    """
    odds = np.empty((guess.size, 4))
    stay = np.empty(learn.size)
    learns = np.empty(learn.size)
    log_tables(learn, guess, slip, 0, guess.size, 0, learn.size, odds, stay, learns)
    n_log = 0
    for s in range(seq_start.size - 1):
        lo = seq_start[s]
        hi = seq_start[s + 1]
        p = prior[seq_cohort[s]]
        ll, ok = forward(
            resp,
            gs,
            lc,
            lo,
            hi,
            p,
            learn,
            forget,
            guess,
            slip,
            odds,
            stay,
            0,
            0,
            pred_k,
            pred_u,
            tiny,
        )
        if ok:
            for t in range(lo, hi):
                if pred_k[t] < 0.0:  # a certain row: back to probabilities
                    pred_k[t] = -pred_k[t]
                    pred_u[t] = pred_k[t] * math.exp(pred_u[t])
        else:
            n_log += 1
            ll = forward_log(resp, gs, lc, lo, hi, p, learn, forget, guess, slip, pred_k, pred_u)
            for t in range(lo, hi):
                pred_k[t] = math.exp(pred_k[t])
                pred_u[t] = math.exp(pred_u[t])
        seq_ll[s] = ll
    return n_log


@_jit
def em_job(
    resp: Any,
    gs: Any,
    lc: Any,
    seq_start: Any,
    seq_cohort: Any,
    s_lo: int,
    s_hi: int,
    g_lo: int,
    g_hi: int,
    l_lo: int,
    l_hi: int,
    c_lo: int,
    c_hi: int,
    prior: Any,
    learn: Any,
    forget: Any,
    guess: Any,
    slip: Any,
    fixed: Any,
    bounds: Any,
    max_iterations: int,
    tolerance: float,
    tiny: float,
    trace: Any,
) -> tuple[float, int, bool, int]:
    """EM (Baum-Welch) for one skill from the parameters in place; they are updated in place.

    The skill owns sequences ``s_lo:s_hi``, guess/slip codes ``g_lo:g_hi``, learning
    codes ``l_lo:l_hi`` and cohort codes ``c_lo:c_hi``. ``fixed`` flags prior, learn,
    guess, slip and forget (in that order) that EM must not change; forget is fixed at
    its value when the model does not forget. ``bounds`` holds the lowest value of
    every parameter and the highest of guess and slip (the parameter space); the other
    parameters reach up to one minus the lowest. Every M-step maximises each parameter's
    own concave term within those bounds, so an EM step never lowers the likelihood.

    EM creeps where the optimum sits on a bound, so steps are over-relaxed: the next
    point goes ``omega`` times as far as the EM step, ``omega`` doubling (up to 16) while
    that pays. A point whose exact log-likelihood is lower than the last accepted one is
    rejected, and the plain EM step from the accepted point is taken instead, so the
    accepted log-likelihoods never fall.

    EM stops once an accepted step gains at most ``tolerance`` log-likelihood per
    response (or an EM step gains nothing), or after ``max_iterations`` M-steps. Return
    the exact log-likelihood at the returned parameters, the M-steps taken, whether it
    converged, and how many sequences took the log-space path in the last E-step.
    ``trace`` receives the accepted log-likelihoods, in order; unused entries keep their
    values.
    """
    row_lo = seq_start[s_lo]
    n_rows = seq_start[s_hi] - row_lo
    pred_k = np.empty(n_rows)
    pred_u = np.empty(n_rows)
    n_classes = max(g_hi - g_lo, l_hi - l_lo)
    counts = np.zeros((n_classes, 8))
    init = np.zeros((c_hi - c_lo, 2))
    low = bounds[0]
    high = 1.0 - low
    high_gs = bounds[1]
    odds = np.empty((g_hi - g_lo, 4))
    stay = np.empty(l_hi - l_lo)
    learns = np.empty(l_hi - l_lo)
    acc = np.empty((5, max(c_hi - c_lo, l_hi - l_lo, g_hi - g_lo)))
    em = np.empty_like(acc)
    ranges = (
        (prior, c_lo, c_hi),
        (learn, l_lo, l_hi),
        (guess, g_lo, g_hi),
        (slip, g_lo, g_hi),
        (forget, l_lo, l_hi),
    )
    ll_acc = -math.inf
    omega = 1.0
    steps = 0
    accepted = 0
    n_log = 0
    converged = False
    r = resp[row_lo:]
    g = gs[row_lo:]
    k = lc[row_lo:]
    while True:
        counts[:] = 0.0
        init[:] = 0.0
        ll = 0.0
        n_log = 0
        log_tables(learn, guess, slip, g_lo, g_hi, l_lo, l_hi, odds, stay, learns)
        # The work arrays are indexed from the skill's first row.
        for s in range(s_lo, s_hi):
            lo = seq_start[s] - row_lo
            hi = seq_start[s + 1] - row_lo
            p = prior[seq_cohort[s]]
            seq_ll, ok = forward(
                r,
                g,
                k,
                lo,
                hi,
                p,
                learn,
                forget,
                guess,
                slip,
                odds,
                stay,
                g_lo,
                l_lo,
                pred_k,
                pred_u,
                tiny,
            )
            saved = counts
            if ok:
                for t in range(lo, hi):
                    if pred_k[t] < 0.0:  # certain rows: backward may hand it to logs
                        saved = counts.copy()
                        break
                first = backward(
                    r,
                    g,
                    k,
                    lo,
                    hi,
                    learn,
                    forget,
                    guess,
                    slip,
                    odds,
                    stay,
                    learns,
                    pred_k,
                    pred_u,
                    counts,
                    l_lo,
                    g_lo,
                )
                if first != first:  # NaN: a certain row overturned beyond doubles
                    counts[:] = saved
                    ok = False
            if not ok:
                n_log += 1
                seq_ll = forward_log(r, g, k, lo, hi, p, learn, forget, guess, slip, pred_k, pred_u)
                first = backward_log(
                    r, g, k, lo, hi, learn, forget, guess, slip, pred_k, pred_u, counts, l_lo, g_lo
                )
            ll += seq_ll
            init[seq_cohort[s] - c_lo, 0] += first
            init[seq_cohort[s] - c_lo, 1] += 1.0
        if ll >= ll_acc:
            gain = ll - ll_acc
            ll_acc = ll
            for i in range(5):
                values, lo_, hi_ = ranges[i]
                acc[i, : hi_ - lo_] = values[lo_:hi_]
            trace[accepted] = ll
            accepted += 1
            if accepted > 1 and gain <= tolerance * n_rows:
                converged = True
                break
            omega = min(2.0 * omega, 16.0) if accepted > 1 else 1.0
            # M-step from the accepted point: each parameter's own concave term, clipped.
            em[:] = acc
            if not fixed[0]:
                for c in range(c_lo, c_hi):
                    if init[c - c_lo, 1] > 0:
                        em[0, c - c_lo] = min(max(init[c - c_lo, 0] / init[c - c_lo, 1], low), high)
            for c in range(l_lo, l_hi):
                row = c - l_lo
                if not fixed[1] and counts[row, 1] > 0:
                    em[1, row] = min(max(counts[row, 0] / counts[row, 1], low), high)
                if not fixed[4] and counts[row, 3] > 0:
                    em[4, row] = min(max(counts[row, 2] / counts[row, 3], low), high)
            for c in range(g_lo, g_hi):
                row = c - g_lo
                if not fixed[2] and counts[row, 6] > 0:
                    em[2, row] = min(max(counts[row, 7] / counts[row, 6], low), high_gs)
                if not fixed[3] and counts[row, 4] > 0:
                    em[3, row] = min(max(counts[row, 5] / counts[row, 4], low), high_gs)
        elif omega == 1.0:  # even the plain EM step lost (by rounding): nothing left to gain
            converged = True
            break
        else:
            omega = 1.0
        if steps >= max_iterations:
            break
        steps += 1
        for i in range(5):
            values, lo_, hi_ = ranges[i]
            top = high_gs if i == 2 or i == 3 else high
            for j in range(hi_ - lo_):
                step = acc[i, j] + omega * (em[i, j] - acc[i, j])
                values[lo_ + j] = acc[i, j] if fixed[i] else min(max(step, low), top)
    for i in range(5):
        values, lo_, hi_ = ranges[i]
        values[lo_:hi_] = acc[i, : hi_ - lo_]
    return ll_acc, steps, converged, n_log
