"""The exact solver of :func:`netcover.siting.solvers.solve`: a MILP solved by HiGHS.

The exact solver is ``scipy.optimize.milp`` (HiGHS) on the matrix with identical demand rows merged;
when its time limit stops it, the better of its incumbent and the greedy answer
(:func:`netcover.siting.greedy.greedy_choice`) is returned, with the gap to HiGHS's bound.

With ``tie_weight`` > 0 (``count`` and ``budget``), a second pass finds the cheapest choice within
that weight of the people found, and the greedy answer is kept where
:func:`netcover.siting.ties.better` prefers it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from netcover.siting.greedy import counts, greedy_choice
from netcover.siting.ties import better

__all__ = ["exact_choice"]


def _collapse(a: sp.csc_array, w: np.ndarray, base: np.ndarray,
              req: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Rows still open and coverable, identical rows merged (weights summed, required if any is)."""
    keep = np.flatnonzero((base <= 0) & (np.diff(a.tocsr().indptr) > 0))
    r = a.tocsr()[keep]
    r.sort_indices()
    groups: dict[bytes, int] = {}
    label = np.empty(len(keep), np.int64)
    for i in range(len(keep)):
        key = r.indices[r.indptr[i]:r.indptr[i + 1]].tobytes()
        label[i] = groups.setdefault(key, len(groups))
    first = np.unique(label, return_index=True)[1]
    merged_w = np.bincount(label, weights=w[keep], minlength=len(groups))
    merged_req = np.bincount(label, weights=req[keep].astype(float), minlength=len(groups)) > 0
    return sp.csr_array(r[first]), merged_w, merged_req


def exact_choice(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray, objective: str,
           n_sites: int, budget: float, target: float, req: np.ndarray, fixed: np.ndarray,
           time_limit_s: float, mip_gap: float,
           tie: float = 0.0) -> tuple[np.ndarray, bool, bool, float, bool, str]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    start = time.perf_counter()
    greedy, greedy_ok = greedy_choice(a, w, c, base, objective, n_sites, budget, target, req, fixed, tie)
    r, rw, rreq = _collapse(a, w, base, req)
    m, n = r.shape
    r = sp.csr_array(r, dtype=np.float64)
    r.data[:] = 1.0
    ub_x = np.ones(n)
    ub_x[fixed] = 0.0  # fixed candidates' rows are already closed
    # variables: x (n, binary) then y (m, continuous in [0, 1])
    link = sp.hstack([-r, sp.eye_array(m)], format="csr")  # y_i - sum_j a_ij x_j <= 0
    cons = [LinearConstraint(link, -np.inf, 0.0)]
    ones_x = sp.hstack([sp.csr_array(np.ones((1, n))), sp.csr_array((1, m))], format="csr")
    if objective == "count":
        cons.append(LinearConstraint(ones_x, 0, n_sites))
        obj = np.concatenate([np.zeros(n), -rw])
    elif objective == "budget":
        cost_row = sp.hstack([sp.csr_array(c[None, :]), sp.csr_array((1, m))], format="csr")
        cons.append(LinearConstraint(cost_row, 0, budget))
        obj = np.concatenate([np.zeros(n), -rw])
    else:
        open_weight = target - float(w[base > 0].sum())
        reach = sp.hstack([sp.csr_array((1, n)), sp.csr_array(rw[None, :])], format="csr")
        cons.append(LinearConstraint(reach, min(open_weight, float(rw.sum())), np.inf))
        if rreq.any():
            cons.append(LinearConstraint(sp.hstack([r[rreq], sp.csr_array((int(rreq.sum()), m))],
                                                   format="csr"), 1.0, np.inf))
        obj = np.concatenate([np.ones(n), np.zeros(m)])
    kind = np.concatenate([np.ones(n), np.zeros(m)])
    box = Bounds(np.zeros(n + m), np.concatenate([ub_x, np.ones(m)]))

    def run(objective_row: np.ndarray, constraints: list[LinearConstraint]) -> Any:
        return milp(objective_row, integrality=kind, bounds=box, constraints=constraints,
                    options={"time_limit": max(0.01, time_limit_s - (time.perf_counter() - start)),
                             "mip_rel_gap": float(mip_gap)})

    res = run(obj, cons)
    limited = res.status == 1
    if res.x is None:
        note = f"exact solver found no solution ({res.message.strip()}); greedy answer returned"
        return greedy, greedy_ok, False, float("nan"), limited, note
    chosen = np.flatnonzero(res.x[:n] > 0.5)
    optimal = res.status == 0
    dual = float(getattr(res, "mip_dual_bound", np.nan))
    if objective == "target":
        feasible = target - float(w[base > 0].sum()) <= float(rw.sum()) + 1e-6
        better_greedy = greedy_ok and len(greedy) < len(chosen)
        if better_greedy:
            chosen = greedy
        value = float(len(chosen))
        gap = (value - dual) / value if value > 0 else 0.0
    else:
        feasible = True
        if tie > 0:  # second pass: the cheapest choice within tie of the people found
            reach = sp.hstack([sp.csr_array((1, n)), sp.csr_array(rw[None, :])], format="csr")
            least = float(rw @ (r @ np.isin(np.arange(n), chosen) > 0)) - tie
            cheap = run(np.concatenate([c, np.zeros(m)]), [*cons, LinearConstraint(reach, least)])
            if cheap.x is not None:
                chosen = np.flatnonzero(cheap.x[:n] > 0.5)
        chosen, gap, better_greedy = _best_of(a, w, c, base, chosen, greedy, -dual, tie)
    gap = max(float(gap), 0.0) if np.isfinite(gap) else float("nan")
    state = "optimal" if optimal else ("stopped by the time limit" if limited else "stopped")
    kept = "; the greedy answer was better and is returned" if better_greedy else ""
    note = (f"exact (HiGHS MILP, {n} candidates x {m} distinct demand rows): {state}, "
            f"gap {gap:.3%}{kept}")
    return chosen, feasible, bool(optimal), gap, bool(limited), note


def _best_of(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray, chosen: np.ndarray,
             greedy: np.ndarray, bound: float, tie: float) -> tuple[np.ndarray, float, bool]:
    """The exact answer or the greedy one when :func:`~netcover.siting.ties.better`; the gap to
    ``bound`` (the MILP's bound on the weight); whether greedy's was kept."""
    value = _covered(a, w, base, chosen)
    better_greedy = better(_covered(a, w, base, greedy), float(c[greedy].sum()), value,
                           float(c[chosen].sum()), tie)
    if better_greedy:
        chosen, value = greedy, _covered(a, w, base, greedy)
    return chosen, (bound - value) / bound if bound > 0 else 0.0, better_greedy


def _covered(a: sp.csc_array, w: np.ndarray, base: np.ndarray, cols: np.ndarray) -> float:
    """Weight of the rows still open before ``cols`` that ``cols`` cover."""
    return float(w[(base <= 0) & (counts(a, cols) > 0)].sum())
