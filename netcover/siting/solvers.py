"""Choosing sites on a demand-by-candidate coverage matrix: the problem, its result and the ranking.

Two solvers take the same problem and return a :class:`SolveResult` in the same format: greedy
with 1-swap (:mod:`netcover.siting.greedy`) and an exact MILP (:mod:`netcover.siting.milp`);
:func:`solve` checks the problem, runs the one asked for and ranks its answer.

With ``tie_weight`` > 0, candidates whose gains are within that weight are a tie, won by the
lower cost per new person (:mod:`netcover.siting.ties`, for greedy, its swaps and kicks, and the
exact solver's objective).

The problem:

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

import numpy as np
import scipy.sparse as sp

from netcover.config.options import OBJECTIVES, SOLVERS, Objective, SolverName
from netcover.errors import ModelError
from netcover.siting.greedy import EPS, col, counts, greedy_choice
from netcover.siting.milp import exact_choice

__all__ = ["SolveResult", "rank_order", "solve"]


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
    base = counts(a, fixed_idx)
    req = np.zeros(a.shape[0], bool) if required is None else np.asarray(required, bool)
    start = time.perf_counter()
    nothing = _nothing_to_plan(a, w, base)
    if nothing:
        covered = float(w[base > 0].sum())
        feasible = objective != "target" or (covered >= target_weight - EPS
                                             and not np.any(req & (base <= 0)
                                                            & (np.diff(a.tocsr().indptr) > 0)))
        empty = np.zeros(0, dtype=np.int64)
        return SolveResult(empty, np.zeros(0), covered, 0.0, solver, solver == "exact", 0.0, False,
                           feasible, time.perf_counter() - start, nothing)
    if solver == "greedy":
        chosen, feasible = greedy_choice(a, w, c, base, objective, n_sites, budget, target_weight, req,
                                   fixed_idx, tie_weight)
        optimal, gap, limited, note = (False, float("nan"), False,
                                       "greedy with 1-swap and kick improvement")
    else:
        chosen, feasible, optimal, gap, limited, note = exact_choice(
            a, w, c, base, objective, n_sites, budget, target_weight, req, fixed_idx,
            time_limit_s, mip_gap, tie_weight)
    order, gains = rank_order(a, w, chosen, base)
    order, gains = _drop_idle(a, order, gains, base, req if objective == "target" else None)
    covered = float(w[(base + counts(a, order)) > 0].sum())
    return SolveResult(order, gains, covered, float(c[order].sum()), solver, optimal, gap, limited,
                       feasible, time.perf_counter() - start, note)


def _nothing_to_plan(a: sp.csc_array, w: np.ndarray, base: np.ndarray) -> str:
    """Why there is nothing to choose ("" when there is): no open demand, or no candidate."""
    if float(w[base <= 0].sum()) <= EPS:
        return "nothing to plan: no gaps (everyone is covered at the usable class)"
    if a.shape[1] == 0:
        return "nothing to plan: no candidate sites near the gaps"
    return ""


def _drop_idle(a: sp.csc_array, order: np.ndarray, gains: np.ndarray, base: np.ndarray,
               req: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``order``/``gains`` without the sites that add no weight (kept only where, under
    ``target``, a site is the first to cover a required row)."""
    keep = gains > EPS
    if req is not None and req.any():
        done = base > 0
        for k, j in enumerate(order):
            rows = col(a, int(j))
            keep[k] |= bool(np.any(req[rows] & ~done[rows]))
            if keep[k]:
                done[rows] = True
    return order[keep], gains[keep]



def rank_order(matrix: sp.spmatrix | sp.sparray, weights: np.ndarray, chosen: np.ndarray,
               base_counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Order ``chosen`` greedily (most added weight first); return (order, added weight of each)."""
    a = sp.csc_array(matrix)
    uncovered = np.ones(a.shape[0], bool) if base_counts is None else base_counts <= 0
    left = [int(j) for j in chosen]
    order, gains = [], []
    while left:
        g = [float(weights[col(a, j)][uncovered[col(a, j)]].sum()) for j in left]
        k = int(np.argmax(g))
        j = left.pop(k)
        order.append(j)
        gains.append(g[k])
        uncovered[col(a, j)] = False
    return np.array(order, dtype=np.int64), np.array(gains, dtype=np.float64)
