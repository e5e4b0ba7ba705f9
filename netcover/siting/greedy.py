"""The greedy solver of :func:`netcover.siting.solvers.solve`: greedy, 1-swaps and kicks.

The greedy solver adds the candidate adding the most weight (per cost under a budget), then
improves the choice by 1-swaps (replace one chosen site by an unchosen one while that adds weight)
and "kicks" (drop one site, refill greedily without it, swap again; keep any improvement). Under
``target`` it drops, instead, the sites the target is reached without.

With ``tie_weight`` > 0, candidates whose gains are within that weight are a tie, won by the
lower cost per new person (:mod:`netcover.siting.ties`, for greedy, its swaps and kicks).

The helpers on the coverage matrix that the solvers share (:func:`counts`, :func:`col`,
:data:`EPS`) are here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from netcover.siting.ties import better, pick, swap_choice

__all__ = ["EPS", "col", "counts", "greedy_choice"]

#: Weights and costs within this are equal.
EPS = 1e-9


def counts(a: sp.csc_array, cols: np.ndarray) -> np.ndarray:
    """How many of ``cols`` cover each row."""
    pick = np.zeros(a.shape[1])
    pick[np.asarray(cols, dtype=np.int64)] = 1.0
    return np.asarray(a @ pick).ravel()



def col(a: sp.csc_array, j: int) -> np.ndarray:
    return a.indices[a.indptr[j]:a.indptr[j + 1]]



def greedy_choice(a: sp.csc_array, w: np.ndarray, c: np.ndarray, base: np.ndarray, objective: str,
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
    count = base + counts(a, np.array(chosen, dtype=np.int64))
    feasible = objective != "target" or (float(w[count > 0].sum()) >= target - EPS
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
        count = self.base + counts(a, np.array(chosen, dtype=np.int64))
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
                banned |= c > self.budget - c[chosen].sum() + EPS
                score = g / np.maximum(c, EPS)
            else:
                if (float(w[count > 0].sum()) >= self.target - EPS
                        and not np.any(self.need & (count <= 0))):
                    break
                score = g + (w.sum() + 1.0) * (self.at @ (self.need & (count <= 0)).astype(float))
            score = np.where(banned, -np.inf, score)
            tie = 0.0 if self.objective == "budget" else self.tie  # budget: people per cost
            j = pick(score, g, c, tie) if len(score) else -1
            if j < 0 or not score[j] > EPS:
                break
            chosen.append(j)
            banned[j] = True
            count[col(a, j)] += 1
        return chosen

    def value(self, chosen: list[int]) -> float:
        """Weight covered by the fixed and ``chosen`` candidates."""
        return float(self.w[(self.base + counts(self.a, np.array(chosen, dtype=np.int64))) > 0].sum())

    def cost(self, chosen: list[int]) -> float:
        """Cost of ``chosen``."""
        return float(self.c[np.array(chosen, dtype=np.int64)].sum())


def _drop_redundant(fill: _Filler, chosen: list[int]) -> list[int]:
    """Remove sites (smallest added weight first) while the target is still reached without them."""
    def reached(sites: list[int]) -> bool:
        count = fill.base + counts(fill.a, np.array(sites, dtype=np.int64))
        return (float(fill.w[count > 0].sum()) >= fill.target - EPS
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
    g[c > budget + EPS] = -1.0
    j = int(np.argmax(g))
    value = float(w[(base + counts(a, np.array(chosen, dtype=np.int64))) > 0].sum()
                  - w[base > 0].sum())
    return [j] if g[j] > value + EPS else chosen


def _one_swap(a: sp.csc_array, at: sp.csr_array, w: np.ndarray, c: np.ndarray, base: np.ndarray,
              chosen: list[int], objective: str, budget: float, fixed: np.ndarray,
              tie: float = 0.0) -> list[int]:
    """Replace one chosen site by an unchosen one while that adds weight (and fits the budget);
    within ``tie`` weight, while that saves money (:func:`~netcover.siting.ties.swap_choice`)."""
    chosen = list(chosen)
    for _ in range(10 * max(len(chosen), 1)):
        count = base + counts(a, np.array(chosen, dtype=np.int64))
        g = at @ (w * (count <= 0))
        out = np.zeros(a.shape[1], bool)
        out[chosen] = True
        out[fixed] = True
        spent = float(c[chosen].sum())
        threshold = EPS * max(1.0, float(w.sum()))
        best = (-1.0, 0.0, -1, -1)  # (rank, gain or saving, position, candidate)
        for pos, k in enumerate(chosen):
            rows = col(a, k)
            only = rows[count[rows] == 1]
            loss = float(w[only].sum())
            u = np.zeros(a.shape[0])
            u[only] = w[only]
            delta = g + at @ u - loss
            delta[out] = -np.inf
            if objective == "budget":
                delta[c > budget - spent + c[k] + EPS] = -np.inf
            rank, j, value = swap_choice(delta, c, float(c[k]), tie, threshold)
            if (rank, value) > best[:2]:
                best = (rank, value, pos, j)
        if best[0] < 0:
            break
        chosen[best[2]] = best[3]
    return chosen
