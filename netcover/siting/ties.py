"""Ties between candidate sites: gains within ``tie`` people go to the lower cost per new person.

Two candidates that add 100.03 and 100.00 people are equally good for a planner (the population
raster is not that precise), yet a strict argmax takes the first even when it costs 17,500 USD
more. The solvers of :mod:`netcover.siting.solvers` therefore treat gains within ``tie`` weight
(``[siting] tie_people``, default 1 person) as equal:

- **greedy** (:func:`pick`): among the candidates whose score is within ``tie`` of the best, the
  one with the lowest cost per added person;
- **1-swap and kicks** (:func:`swap_choice`, :func:`better`): a change that adds more than ``tie``
  people is an improvement; within ``tie`` people, only a change that costs less (or adds people
  at no more cost) is;
- **exact**: a second MILP after the first, which found P people: the cheapest choice (total
  cost: with a fixed number of sites, cheaper per new person too) that still reaches P - ``tie``
  people under the same constraints, in the time the first one left. The greedy answer replaces
  the solver's only when :func:`better`. The gap reported is the people's, against the first
  MILP's bound.

``tie = 0`` is the strict argmax (ties by lowest index), the behaviour before ties were broken.
The ``budget`` objective's greedy already ranks by people per cost, so :func:`pick` is not used
there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["better", "pick", "swap_choice"]

_EPS = 1e-9


def pick(score: np.ndarray, gain: np.ndarray, cost: np.ndarray, tie: float) -> int:
    """Index of the best ``score``; with ``tie > 0``, of the lowest ``cost / gain`` among the
    scores within ``tie`` of the best (first index among equals)."""
    j = int(np.argmax(score))
    if tie <= 0 or not score[j] > _EPS:
        return j
    near = np.flatnonzero((score >= score[j] - tie) & (score > _EPS))
    if len(near) < 2:
        return j
    per_person = cost[near] / np.maximum(gain[near], _EPS)
    return int(near[int(np.argmin(per_person))])


def better(value: float, cost: float, best_value: float, best_cost: float, tie: float) -> bool:
    """Is (``value`` people, ``cost``) better than (``best_value``, ``best_cost``)? More than
    ``tie`` people more, or within ``tie`` people and cheaper (or more people at no more cost)."""
    eps = _EPS * max(1.0, abs(best_value))
    if value > best_value + max(tie, eps):
        return True
    if tie <= 0 or value < best_value - tie:
        return False
    cost_eps = _EPS * max(1.0, abs(best_cost))
    return cost < best_cost - cost_eps or (value > best_value + eps and cost <= best_cost + cost_eps)


def swap_choice(delta: np.ndarray, cost: np.ndarray, cost_out: float, tie: float,
                threshold: float) -> tuple[float, int, float]:
    """The best swap of one chosen site (cost ``cost_out``) for candidate j, whose change of the
    covered weight is ``delta[j]`` (-inf where not allowed).

    Returns ``(rank, j, saving)``: ``rank`` 1 for a clear improvement (more than ``max(tie,
    threshold)``), 0 for a tie that saves money or adds people at no more cost, -1 for none;
    ``saving`` is the gain (rank 1, in weight) or the money saved (rank 0), to compare swaps of
    the same rank.
    """
    j = int(np.argmax(delta))
    clear = max(tie, threshold)
    if delta[j] > clear:
        return 1.0, j, float(delta[j])
    if tie <= 0:
        return -1.0, -1, 0.0
    saving = cost_out - cost
    ok = (delta >= -tie) & ((saving > _EPS * max(1.0, abs(cost_out)))
                            | ((delta > threshold) & (saving >= 0)))
    if not ok.any():
        return -1.0, -1, 0.0
    key = np.where(ok, saving + 1e-12 * np.where(np.isfinite(delta), delta, 0.0), -np.inf)
    j = int(np.argmax(key))
    return 0.0, j, float(saving[j])

