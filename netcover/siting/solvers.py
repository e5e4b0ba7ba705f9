"""Choosing sites on a demand-by-candidate coverage matrix: greedy with 1-swap, and an exact MILP.

The greedy solver adds the candidate adding the most weight (per cost under a budget), then
improves the choice by 1-swaps (replace one chosen site by an unchosen one while that adds weight)
and "kicks" (drop one site, refill greedily without it, swap again; keep any improvement). The
exact solver is ``scipy.optimize.milp`` (HiGHS) on the matrix with identical demand rows merged;
when its time limit stops it, the better of its incumbent and the greedy answer is returned, with
the gap to HiGHS's bound.

With ``tie_weight`` > 0, candidates whose gains are within that weight are a tie, won by the
lower cost per new person (:mod:`netcover.siting.ties`, for greedy, its swaps and kicks, and the
exact solver's objective).

Both solvers take the same problem and return a :class:`SolveResult` in the same format:

- ``objective="count"``: the ``n_sites`` candidates covering the most demand weight (maximal
  covering location problem);
- ``objective="budget"``: the most weight for a total cost within ``budget``;
- ``objective="target"``: the fewest candidates covering at least ``target_weight`` and every
  ``required`` demand row that any candidate can cover (set cover).

``fixed`` candidates are already decided (built or imposed): their rows count as covered, they are
not part of the choice, and neither the count nor the budget includes them. Existing sites are
handled the same way by the caller (their covered people are not demand at all).

The chosen sites are always returned in greedy order within the chosen set (each adds the most
weight given the ones before it): that order is the ranking planners read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from netcover.config.options import OBJECTIVES, SOLVERS, Objective, SolverName
from netcover.errors import ModelError
from netcover.siting.ties import better, pick, swap_choice

__all__ = ["SolveResult", "rank_order", "solve"]

_EPS = 1e-9


@dataclass(frozen=True)
class SolveResult:
    """The sites a solver chose.

    Attributes
    ----------
    chosen : numpy.ndarray
        Candidate indices (columns) in rank order, fixed candidates excluded.
    gains : numpy.ndarray
        Weight each chosen candidate adds to the ones ranked before it (and the fixed ones).
    covered_weight : float
        Weight covered by the fixed and the chosen candidates together.
    total_cost : float
        Cost of the chosen candidates.
    solver : str
        "greedy" or "exact".
    optimal : bool
        The exact solver proved optimality (within ``mip_gap``); always False for greedy.
    gap : float
        Relative optimality gap the exact solver reported (NaN for greedy or when unknown).
    time_limited : bool
        The time limit stopped the exact solver.
    feasible : bool
        For ``target``: the target and the required rows were reached (always True otherwise).
    seconds : float
        Wall time of the solve.
    message : str
        What happened, in one sentence.
    """

    chosen: np.ndarray
    gains: np.ndarray
    covered_weight: float
    total_cost: float
    solver: str
    optimal: bool
    gap: float
    time_limited: bool
    feasible: bool
    seconds: float
    message: str


def solve(matrix: sp.spmatrix | sp.sparray, weights: np.ndarray, *, objective: Objective = "count",
          n_sites: int = 10, costs: np.ndarray | None = None, budget: float = np.inf,
          target_weight: float = 0.0, required: np.ndarray | None = None,
          fixed: Sequence[int] = (), solver: SolverName = "greedy", time_limit_s: float = 60.0,
          mip_gap: float = 0.005, tie_weight: float = 0.0) -> SolveResult:
    """Choose candidates (columns of ``matrix``) covering demand rows.

    Parameters
    ----------
    matrix : scipy.sparse matrix, (n_demand, n_candidates)
        Non-zero where a candidate covers a demand row.
    weights : numpy.ndarray
        Demand weight per row (people), >= 0.
    objective : {"count", "budget", "target"}
        See the module docstring.
    n_sites : int
        Candidates to choose with ``count``.
    costs : numpy.ndarray, optional
        Cost per candidate (default 1 each).
    budget : float
        Cost limit with ``budget``.
    target_weight : float
        Weight to reach with ``target`` (fixed candidates' weight included).
    required : numpy.ndarray of bool, optional
        Rows that must be covered with ``target`` (rows no candidate covers are reported, not required).
    fixed : sequence of int
        Candidates already decided.
    solver : {"greedy", "exact"}
        Greedy + 1-swap or ``scipy.optimize.milp``.
    time_limit_s, mip_gap : float
        Limits of the exact solver.
    tie_weight : float
        Gains within this weight are a tie, won by the lower cost per new person
        (``[siting] tie_people``; 0: strict, the first best; see :mod:`netcover.siting.ties`).

    Returns
    -------
    SolveResult
    """
    if objective not in OBJECTIVES or solver not in SOLVERS:
        msg = f"objective={objective!r} / solver={solver!r}: use one of {OBJECTIVES} / {SOLVERS}"
        raise ModelError(msg)
    a = sp.csc_array(matrix, dtype=np.float64)
    a.data[:] = 1.0
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (a.shape[0],) or np.any(w < 0):
        msg = f"weights must be {a.shape[0]} values >= 0 (one per demand row), got shape {w.shape}"
        raise ModelError(msg)
    c = np.ones(a.shape[1]) if costs is None else np.asarray(costs, dtype=np.float64)
    fixed_idx = np.unique(np.asarray(fixed, dtype=np.int64))
    base = _counts(a, fixed_idx)
    req = np.zeros(a.shape[0], bool) if required is None else np.asarray(required, bool)
    start = time.perf_counter()
    nothing = _nothing_to_plan(a, w, base)
    if nothing:
        covered = float(w[base > 0].sum())
        feasible = objective != "target" or (covered >= target_weight - _EPS
                                             and not np.any(req & (base <= 0)
                                                            & (np.diff(a.tocsr().indptr) > 0)))
        empty = np.zeros(0, dtype=np.int64)
        return SolveResult(empty, np.zeros(0), covered, 0.0, solver, solver == "exact", 0.0, False,
                           feasible, time.perf_counter() - start, nothing)
    if solver == "greedy":
        chosen, feasible = _greedy(a, w, c, base, objective, n_sites, budget, target_weight, req,
                                   fixed_idx, tie_weight)
        optimal, gap, limited, note = (False, float("nan"), False,
                                       "greedy with 1-swap and kick improvement")
    else:
        chosen, feasible, optimal, gap, limited, note = _exact(
            a, w, c, base, objective, n_sites, budget, target_weight, req, fixed_idx,
            time_limit_s, mip_gap, tie_weight)
    order, gains = rank_order(a, w, chosen, base)
    order, gains = _drop_idle(a, order, gains, base, req if objective == "target" else None)
    covered = float(w[(base + _counts(a, order)) > 0].sum())
    return SolveResult(order, gains, covered, float(c[order].sum()), solver, optimal, gap, limited,
                       feasible, time.perf_counter() - start, note)


def _nothing_to_plan(a: sp.csc_array, w: np.ndarray, base: np.ndarray) -> str:
    """Why there is nothing to choose ("" when there is): no open demand, or no candidate."""
    if float(w[base <= 0].sum()) <= _EPS:
        return "nothing to plan: no gaps (everyone is covered at the usable class)"
    if a.shape[1] == 0:
        return "nothing to plan: no candidate sites near the gaps"
    return ""


def _drop_idle(a: sp.csc_array, order: np.ndarray, gains: np.ndarray, base: np.ndarray,
               req: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``order``/``gains`` without the sites that add no weight (kept only where, under
    ``target``, a site is the first to cover a required row)."""
    keep = gains > _EPS
    if req is not None and req.any():
        done = base > 0
        for k, j in enumerate(order):
            rows = _col(a, int(j))
            keep[k] |= bool(np.any(req[rows] & ~done[rows]))
            if keep[k]:
                done[rows] = True
    return order[keep], gains[keep]


def _counts(a: sp.csc_array, cols: np.ndarray) -> np.ndarray:
    """How many of ``cols`` cover each row."""
    pick = np.zeros(a.shape[1])
    pick[np.asarray(cols, dtype=np.int64)] = 1.0
    return np.asarray(a @ pick).ravel()


def rank_order(matrix: sp.spmatrix | sp.sparray, weights: np.ndarray, chosen: np.ndarray,
               base_counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Order ``chosen`` greedily (most added weight first); return (order, added weight of each)."""
    a = sp.csc_array(matrix)
    uncovered = np.ones(a.shape[0], bool) if base_counts is None else base_counts <= 0
    left = [int(j) for j in chosen]
    order, gains = [], []
    while left:
        g = [float(weights[_col(a, j)][uncovered[_col(a, j)]].sum()) for j in left]
        k = int(np.argmax(g))
        j = left.pop(k)
        order.append(j)
        gains.append(g[k])
        uncovered[_col(a, j)] = False
    return np.array(order, dtype=np.int64), np.array(gains, dtype=np.float64)


def _col(a: sp.csc_array, j: int) -> np.ndarray:
    return a.indices[a.indptr[j]:a.indptr[j + 1]]


def _greedy(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray, objective: str,
            n_sites: int, budget: float, target: float, req: np.ndarray,
            fixed: np.ndarray, tie: float = 0.0) -> tuple[np.ndarray, bool]:
    """Greedy; then, for count and budget, 1-swap and "kicks" (drop a site, refill, swap again)."""
    at = a.T.tocsr()
    need = req & (np.diff(a.tocsr().indptr) > 0)
    fill = _Filler(a, at, w, c, base, objective, n_sites, budget, target, need, fixed, tie)
    chosen = fill([], np.zeros(a.shape[1], bool))
    if objective == "budget":
        chosen = _best_single_check(a, w, c, base, chosen, budget, fixed)
    if objective != "target":
        chosen = _one_swap(a, at, w, c, base, chosen, objective, budget, fixed, tie)
        chosen = _kicks(fill, chosen)
    else:
        chosen = _drop_redundant(fill, chosen)
    count = base + _counts(a, np.array(chosen, dtype=np.int64))
    feasible = objective != "target" or (float(w[count > 0].sum()) >= target - _EPS
                                         and not np.any(need & (count <= 0)))
    return np.array(chosen, dtype=np.int64), feasible


@dataclass(frozen=True)
class _Filler:
    """Greedy completion of a partial choice (best added weight, per cost with ``budget``)."""

    a: sp.csc_array
    at: sp.csr_array
    w: np.ndarray
    c: np.ndarray
    base: np.ndarray
    objective: str
    n_sites: int
    budget: float
    target: float
    need: np.ndarray
    fixed: np.ndarray
    tie: float = 0.0

    def __call__(self, start: list[int], ban: np.ndarray) -> list[int]:
        a, w, c = self.a, self.w, self.c
        chosen = list(start)
        count = self.base + _counts(a, np.array(chosen, dtype=np.int64))
        banned = ban.copy()
        banned[self.fixed] = True
        banned[chosen] = True
        while True:
            g = self.at @ (w * (count <= 0))
            if self.objective == "count":
                if len(chosen) >= self.n_sites:
                    break
                score = g
            elif self.objective == "budget":
                banned |= c > self.budget - c[chosen].sum() + _EPS
                score = g / np.maximum(c, _EPS)
            else:
                if (float(w[count > 0].sum()) >= self.target - _EPS
                        and not np.any(self.need & (count <= 0))):
                    break
                score = g + (w.sum() + 1.0) * (self.at @ (self.need & (count <= 0)).astype(float))
            score = np.where(banned, -np.inf, score)
            tie = 0.0 if self.objective == "budget" else self.tie  # budget: people per cost
            j = pick(score, g, c, tie) if len(score) else -1
            if j < 0 or not score[j] > _EPS:
                break
            chosen.append(j)
            banned[j] = True
            count[_col(a, j)] += 1
        return chosen

    def value(self, chosen: list[int]) -> float:
        """Weight covered by the fixed and ``chosen`` candidates."""
        return float(self.w[(self.base + _counts(self.a, np.array(chosen, dtype=np.int64))) > 0].sum())

    def cost(self, chosen: list[int]) -> float:
        """Cost of ``chosen``."""
        return float(self.c[np.array(chosen, dtype=np.int64)].sum())


def _drop_redundant(fill: _Filler, chosen: list[int]) -> list[int]:
    """Remove sites (smallest added weight first) while the target is still reached without them."""
    def reached(sites: list[int]) -> bool:
        count = fill.base + _counts(fill.a, np.array(sites, dtype=np.int64))
        return (float(fill.w[count > 0].sum()) >= fill.target - _EPS
                and not np.any(fill.need & (count <= 0)))

    if not reached(chosen):
        return chosen
    for k in reversed(list(chosen)):  # greedy order: the last added added least
        rest = [j for j in chosen if j != k]
        if reached(rest):
            chosen = rest
    return chosen


def _kicks(fill: _Filler, chosen: list[int], rounds: int = 3) -> list[int]:
    """Drop each site in turn, refill greedily without it, 1-swap; keep the first improvement
    (:func:`~netcover.siting.ties.better`: ties within ``fill.tie`` go to the cheaper choice)."""
    best, best_cost = fill.value(chosen), fill.cost(chosen)
    for _ in range(rounds):
        improved = False
        for k in list(chosen):
            ban = np.zeros(fill.a.shape[1], bool)
            ban[k] = True
            trial = fill([j for j in chosen if j != k], ban)
            trial = _one_swap(fill.a, fill.at, fill.w, fill.c, fill.base, trial, fill.objective,
                              fill.budget, fill.fixed, fill.tie)
            value, cost = fill.value(trial), fill.cost(trial)
            if better(value, cost, best, best_cost, fill.tie):
                chosen, best, best_cost, improved = trial, value, cost, True
                break
        if not improved:
            break
    return chosen


def _best_single_check(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray,
                       chosen: list[int], budget: float, fixed: np.ndarray) -> list[int]:
    """The ratio greedy's classic safeguard: the best affordable single site, if it beats the set."""
    g = a.T @ (w * (base <= 0))
    g[fixed] = -1.0
    g[c > budget + _EPS] = -1.0
    j = int(np.argmax(g))
    value = float(w[(base + _counts(a, np.array(chosen, dtype=np.int64))) > 0].sum()
                  - w[base > 0].sum())
    return [j] if g[j] > value + _EPS else chosen


def _one_swap(a: sp.csc_array, at: sp.csr_array, w: np.ndarray, c: np.ndarray, base: np.ndarray,
              chosen: list[int], objective: str, budget: float, fixed: np.ndarray,
              tie: float = 0.0) -> list[int]:
    """Replace one chosen site by an unchosen one while that adds weight (and fits the budget);
    within ``tie`` weight, while that saves money (:func:`~netcover.siting.ties.swap_choice`)."""
    chosen = list(chosen)
    for _ in range(10 * max(len(chosen), 1)):
        count = base + _counts(a, np.array(chosen, dtype=np.int64))
        g = at @ (w * (count <= 0))
        out = np.zeros(a.shape[1], bool)
        out[chosen] = True
        out[fixed] = True
        spent = float(c[chosen].sum())
        threshold = _EPS * max(1.0, float(w.sum()))
        best = (-1.0, 0.0, -1, -1)  # (rank, gain or saving, position, candidate)
        for pos, k in enumerate(chosen):
            rows = _col(a, k)
            only = rows[count[rows] == 1]
            loss = float(w[only].sum())
            u = np.zeros(a.shape[0])
            u[only] = w[only]
            delta = g + at @ u - loss
            delta[out] = -np.inf
            if objective == "budget":
                delta[c > budget - spent + c[k] + _EPS] = -np.inf
            rank, j, value = swap_choice(delta, c, float(c[k]), tie, threshold)
            if (rank, value) > best[:2]:
                best = (rank, value, pos, j)
        if best[0] < 0:
            break
        chosen[best[2]] = best[3]
    return chosen


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


def _exact(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray, objective: str,
           n_sites: int, budget: float, target: float, req: np.ndarray, fixed: np.ndarray,
           time_limit_s: float, mip_gap: float,
           tie: float = 0.0) -> tuple[np.ndarray, bool, bool, float, bool, str]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    start = time.perf_counter()
    greedy, greedy_ok = _greedy(a, w, c, base, objective, n_sites, budget, target, req, fixed, tie)
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
    return float(w[(base <= 0) & (_counts(a, cols) > 0)].sum())
