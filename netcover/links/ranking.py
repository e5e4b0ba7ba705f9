"""Order the links of a plan by benefit per cost, parents first, and cut the order into phases.

The links form a tree (each link hangs on its parent). At every step the planner may build any chain
of links that starts next to what is built and runs outwards; it picks the chain with the highest
benefit per cost (benefit of the terminals at the chain's link ends, summed; cost of its links,
summed) and builds it. A branch is therefore never ranked before the link it hangs on, and a costly
trunk is built when the villages and sites behind it pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["assign_phases", "phase_summary", "rank_links", "subtree_sums"]


def _best_chain(start: int, children: Sequence[Sequence[int]], cost: Sequence[float],
                benefit: Sequence[float]) -> tuple[tuple[float, float, int], list[int]]:
    """Best-ratio chain from ``start`` downwards: ((ratio, benefit, -length), chain)."""
    best_key = (-math.inf, -math.inf, 0)
    best_path: list[int] = []
    stack: list[tuple[int, float, float, list[int]]] = [(start, 0.0, 0.0, [])]
    while stack:
        link, b, c, path = stack.pop()
        b += benefit[link]
        c += cost[link]
        path = [*path, link]
        ratio = b / c if c > 0 else math.inf
        key = (ratio, b, -len(path))
        if key > best_key:
            best_key, best_path = key, path
        for child in children[link]:
            stack.append((child, b, c, path))
    return best_key, best_path


def rank_links(parent: Sequence[int | None], cost: Sequence[float],
               benefit: Sequence[float]) -> list[int]:
    """Build order of the links: greedy best benefit-per-cost chains, never a child before its parent.

    Parameters
    ----------
    parent : sequence of int or None
        Parent link of each link (None for links leaving the existing network).
    cost : sequence of float
        Cost of each link (>= 0).
    benefit : sequence of float
        Benefit of what sits at each link's outer end (0 for a branch point).

    Returns
    -------
    list of int
        Link indices in build order (every index exactly once).
    """
    n = len(parent)
    children: list[list[int]] = [[] for _ in range(n)]
    frontier: list[int] = []
    for i, p in enumerate(parent):
        if p is None:
            frontier.append(i)
        else:
            children[p].append(i)
    order: list[int] = []
    while frontier:
        best: tuple[tuple[float, float, int], list[int]] | None = None
        for f in sorted(frontier):
            cand = _best_chain(f, children, cost, benefit)
            if best is None or cand[0] > best[0]:
                best = cand
        assert best is not None
        chain = best[1]
        order.extend(chain)
        frontier.remove(chain[0])
        on_chain = set(chain)
        for link in chain:
            frontier.extend(c for c in children[link] if c not in on_chain)
    if len(order) != n:
        msg = f"link parents do not form a forest: ranked {len(order)} of {n} links"
        raise ValueError(msg)
    return order


def assign_phases(ordered_cost: Sequence[float], *, n_phases: int = 3,
                  phase_budget: float = 0.0) -> np.ndarray:
    """Phase number (1, 2, ...) of each link in build order, by cumulative cost at its start.

    With ``phase_budget`` > 0 each phase spends about that much; otherwise the total is cut into
    ``n_phases`` equal shares. Phases never decrease along the order, so a branch is never in an
    earlier phase than the link it hangs on.
    """
    c = np.asarray(ordered_cost, dtype=float)
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.concatenate([[0.0], np.cumsum(c)[:-1]])
    total = float(c.sum())
    if phase_budget > 0:
        return (1 + np.floor(before / phase_budget + 1e-9)).astype(np.int64)
    if total <= 0:
        return np.ones(c.size, dtype=np.int64)
    phase = 1 + np.floor(before * n_phases / total + 1e-9)
    return np.minimum(phase, n_phases).astype(np.int64)


def subtree_sums(parent: Sequence[int | None], values: np.ndarray) -> np.ndarray:
    """Each link's ``values`` plus those of every link behind it (its subtree), row-wise.

    A link's benefit is what it unlocks: the terminals at its own end and at the ends of every
    link that hangs on it, directly or not (none of them is connected without it).

    Parameters
    ----------
    parent : sequence of int or None
        Parent link of each link (None for links leaving the existing network); a forest.
    values : ndarray
        (n,) or (n, k) values at each link's outer end.
    """
    out = np.array(values, dtype=float, copy=True)
    depth = np.zeros(len(parent), dtype=np.int64)
    for i in range(len(parent)):
        j, d = parent[i], 0
        while j is not None:
            j, d = parent[j], d + 1
            if d > len(parent):
                msg = "link parents do not form a forest (a cycle)"
                raise ValueError(msg)
        depth[i] = d
    for i in np.argsort(-depth, kind="stable"):  # deepest first: children before parents
        p = parent[int(i)]
        if p is not None:
            out[p] += out[int(i)]
    return out


def phase_summary(ranked: pd.DataFrame) -> pd.DataFrame:
    """Cost and reach of each build phase of a ranked link table.

    ``people_connected`` are the people whose connection is complete at the end of the phase (the
    people at the ends of its links); ``people_unlocked`` are the people behind the phase's links
    that leave the existing network (each counted once, in the phase that starts their path, so
    a phase that builds a trunk is credited with the villages behind it).

    Parameters
    ----------
    ranked : DataFrame
        :attr:`netcover.links.LinkPlan.ranked` (``phase``, ``link_id``, ``parent_link``, ``cost``,
        ``length_km``, ``people``, ``people_direct``).

    Returns
    -------
    DataFrame
        One row per phase: ``phase``, ``links``, ``cost`` (whole units of the plan currency), ``km`` (0.1 km),
        ``people_connected``, ``people_unlocked`` (whole people).
    """
    import pandas as pd

    columns = ["phase", "links", "cost", "km", "people_connected", "people_unlocked"]
    if ranked.empty:
        return pd.DataFrame(columns=columns)
    parent = ranked["parent_link"].fillna("").astype(str)
    roots = ranked["people"].where(parent == "", 0.0)
    table = ranked.assign(_unlocked=roots).groupby("phase").agg(
        links=("link_id", "size"), cost=("cost", "sum"), km=("length_km", "sum"),
        people_connected=("people_direct", "sum"), people_unlocked=("_unlocked", "sum"))
    table = table.round({"cost": 0, "km": 1, "people_connected": 0, "people_unlocked": 0})
    return table.reset_index()[columns]
