"""The "better place" search around site proposals: coarse-to-fine, or every place.

The places a proposal's mast may move to are those of
:func:`~netcover.siting.candidates.places_around`: a square lattice ``proposal_search_spacing_m``
apart (the *fine step*) within ``proposal_search_radius_m``, plus the hilltops and ridge shoulders
(high points) there, all on allowed ground. The exhaustive search (``search="exhaustive"``) computes
the coverage of every one of them (190 to 320 per proposal on the sample, at the default 2 km
and 200 m).

The coarse-to-fine search (``search="coarse_to_fine"``, the default, when the radius is at least
8 fine steps: :data:`MIN_STEPS`; below that every place is tried) tries a subset of the same
places, so the place it finds is one the exhaustive search tries, with the same gain:

1. *coarse*: the lattice places whose offsets from the proposal are multiples of the coarsest step
   ``spacing * 2**K`` (the largest such step not beyond the radius: 1,600 m at 2 km and 200 m),
   every high point (a mast on a hilltop sees far), and a *ring*: on eight or more bearings (one
   per coarse step of the circle's length, starting north), the outermost place nearest that
   bearing. The ring is there because the best place is often on the search circle, the mast
   moving as far as allowed toward the people (four of the six sample proposals);
2. *refine*: for each step ``spacing * 2**k``, k = K-1 ... 0, around each of the :data:`TOP_PLACES`
   best places tried so far, the untried places of that step's lattice (and any high point) within
   one step (Chebyshev distance);
3. *climb*: while the best place tried has untried places within one fine step, try them (a local
   search on the fine lattice that ends on a place no neighbour beats).

Measured against the exhaustive search (``benchmarks/bench_proposals.py``, and the studies behind
``tests/test_better_places.py``):

- the Quản Bạ sample's six proposals: 309 of the 1,573 places tried (5.1x fewer), the same best
  place for every proposal;
- 24 proposals on eight synthetic rough karst districts (seeded cones, villages in 2x2 cell
  patches; 1.2 km radius, 150 m spacing): 1,244 of 4,790 places (3.9x fewer), the same best place
  for 22, within 5% for 23, 7.9% below for one, whose exhaustive best is a single place whose
  neighbours one step away are themselves lower than the place found.

The tolerance is 5% of the exhaustive best, or that best's drop to its best neighbour one fine
step away when larger: :func:`~netcover.siting.proposals.score_proposals` advises a move only when
it adds at least 5% more people, and the exhaustive answer is itself a lattice sample: adjacent
places differ by 4% of the best gain in the median on the sample (21% at the 90th percentile),
so a lattice shifted by a fraction of a step could miss a one-place peak too. A narrow peak
between coarse places that none of their neighbours announces can be missed;
``search="exhaustive"`` tries everything (several times slower).

The search is a pure planner over place offsets: it asks an ``evaluate`` callable for the gains of
batches of places (all proposals' places of a stage in one batch) and never touches the radio
model itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "MIN_STEPS", "PROPOSAL_SEARCHES", "TOP_PLACES", "PlaceSet", "ProposalSearch", "coarse_to_fine",
    "exhaustive", "search_places", "search_run", "search_steps",
]

#: The better-place searches: coarse-to-fine (default), or every place.
PROPOSAL_SEARCHES = ("coarse_to_fine", "exhaustive")
ProposalSearch = Literal["coarse_to_fine", "exhaustive"]

#: Best places refined around at each step of the coarse-to-fine search.
TOP_PLACES = 4

#: Fewest steps (``len(search_steps(...))``) for which the coarse-to-fine search runs; with fewer
#: (a radius under 8 fine steps: about 80 places or fewer) every place is tried: the coarse stage
#: and its refinements would try 30-45% of them anyway, and on the sample at 1 km and 200 m one
#: proposal's best place was missed by 6.6% (the exhaustive answer is kept there).
MIN_STEPS = 4

#: ``evaluate(indices, label)``: the gains of places ``indices[i]`` of place set i, one array per
#: set (all sets' places in one batch); ``label`` names the stage (for progress).
Evaluate = Callable[[list[np.ndarray], str], list[np.ndarray]]

_TOL = 1e-6


@dataclass(frozen=True)
class PlaceSet:
    """The places around one proposal, as offsets from it.

    Attributes
    ----------
    dx, dy : numpy.ndarray
        Offsets (m, east and north) of the places from the proposal.
    lattice : numpy.ndarray
        bool: the place is a lattice place (offsets multiples of the fine step); else a high point.
    spacing : float
        The fine step (m): ``proposal_search_spacing_m``.
    """

    dx: np.ndarray
    dy: np.ndarray
    lattice: np.ndarray
    spacing: float

    @classmethod
    def around(cls, x0: float, y0: float, x: np.ndarray, y: np.ndarray, rise: np.ndarray,
               spacing_m: float) -> PlaceSet:
        """The places ``x``, ``y`` of :func:`~netcover.siting.candidates.places_around` (lattice
        places have a negative ``rise``) around ``(x0, y0)``."""
        dx, dy = np.asarray(x, float) - x0, np.asarray(y, float) - y0
        on_grid = (_off_grid(dx / spacing_m) < _TOL) & (_off_grid(dy / spacing_m) < _TOL)
        return cls(dx, dy, on_grid & (np.asarray(rise) < 0), float(spacing_m))

    def __len__(self) -> int:
        return len(self.dx)

    def on_step(self, factor: int) -> np.ndarray:
        """bool: lattice places whose offsets are multiples of ``factor`` fine steps, and every
        high point."""
        return ~self.lattice | ((_index(self.dx, self.spacing) % factor == 0)
                                & (_index(self.dy, self.spacing) % factor == 0))


def search_steps(radius_m: float, spacing_m: float) -> list[float]:
    """Steps of the coarse-to-fine search, coarsest first: ``spacing_m * 2**k`` for k = K ... 0,
    K the largest with a step not beyond ``radius_m`` (``[1600, 800, 400, 200]`` at 2 km and
    200 m; ``[spacing_m]`` when the radius is below twice the spacing)."""
    k = 0
    while spacing_m * 2 ** (k + 1) <= radius_m * (1 + _TOL):
        k += 1
    return [spacing_m * 2 ** i for i in range(k, -1, -1)]


def exhaustive(sets: Sequence[PlaceSet], evaluate: Evaluate) -> list[np.ndarray]:
    """Gains of every place (one array per set), in one batch."""
    gains = [np.full(len(s), np.nan) for s in sets]
    _try(gains, [np.arange(len(s)) for s in sets], evaluate, "Proposals, every place")
    return gains


def coarse_to_fine(sets: Sequence[PlaceSet], evaluate: Evaluate, *, radius_m: float,
                   spacing_m: float, top: int = TOP_PLACES) -> list[np.ndarray]:
    """Gains of the places the coarse-to-fine search tries (see the module docstring); NaN for
    the places it does not try. One array per set."""
    steps = search_steps(radius_m, spacing_m)
    gains = [np.full(len(s), np.nan) for s in sets]
    factor = round(steps[0] / spacing_m)
    first = [np.flatnonzero(s.on_step(factor) & _inside(s, radius_m)) for s in sets]
    first = [np.union1d(f, _ring(s, radius_m, steps[0], spacing_m)) for f, s in zip(first, sets,
                                                                                   strict=True)]
    _try(gains, first, evaluate, f"Proposals, places {steps[0]:,.0f} m apart")
    for step in steps[1:]:
        factor = round(step / spacing_m)
        new = [_near_best(s, g, top, step, s.on_step(factor)) for s, g in zip(sets, gains,
                                                                             strict=True)]
        _try(gains, new, evaluate, f"Proposals, places {step:,.0f} m apart")
    for _ in range(sum(len(s) for s in sets)):  # each round tries at least one place
        new = [_near_best(s, g, 1, spacing_m, np.ones(len(s), bool))
               for s, g in zip(sets, gains, strict=True)]
        if not any(len(n) for n in new):
            break
        _try(gains, new, evaluate, f"Proposals, last {spacing_m:,.0f} m moves")
    return gains


def search_places(sets: Sequence[PlaceSet], evaluate: Evaluate, *, search: ProposalSearch,
                  radius_m: float, spacing_m: float) -> list[np.ndarray]:
    """Gains of the places ``search`` tries (NaN where it does not try); see the module docstring.
    The search that runs is :func:`search_run` of ``search``."""
    if search_run(search, radius_m, spacing_m) == "exhaustive":
        return exhaustive(sets, evaluate)
    return coarse_to_fine(sets, evaluate, radius_m=radius_m, spacing_m=spacing_m)


def search_run(search: ProposalSearch, radius_m: float, spacing_m: float) -> ProposalSearch:
    """The search that runs for ``search``: ``"exhaustive"`` also for ``"coarse_to_fine"`` when
    the radius gives fewer than :data:`MIN_STEPS` steps."""
    if search not in PROPOSAL_SEARCHES:
        msg = f"search {search!r}: choose one of {', '.join(PROPOSAL_SEARCHES)}"
        raise ValueError(msg)
    if search == "coarse_to_fine" and len(search_steps(radius_m, spacing_m)) >= MIN_STEPS:
        return "coarse_to_fine"
    return "exhaustive"


def _try(gains: list[np.ndarray], new: list[np.ndarray], evaluate: Evaluate, label: str) -> None:
    """Evaluate the places ``new`` (one index array per set) into ``gains``."""
    if not any(len(n) for n in new):
        return
    for g, idx, got in zip(gains, new, evaluate(new, label), strict=True):
        g[idx] = got


def _near_best(s: PlaceSet, gains: np.ndarray, top: int, step: float,
               eligible: np.ndarray) -> np.ndarray:
    """Untried eligible places within ``step`` (Chebyshev) of the ``top`` best tried places."""
    tried = np.flatnonzero(np.isfinite(gains))
    if len(tried) == 0:
        return np.zeros(0, dtype=np.int64)
    centres = tried[np.argsort(-gains[tried], kind="stable")[:top]]
    reach = step * (1 + _TOL)
    near = np.zeros(len(s), bool)
    for c in centres:
        near |= (np.abs(s.dx - s.dx[c]) <= reach) & (np.abs(s.dy - s.dy[c]) <= reach)
    return np.flatnonzero(near & eligible & ~np.isfinite(gains))


def _ring(s: PlaceSet, radius_m: float, step: float, spacing_m: float) -> np.ndarray:
    """On ``max(8, ceil(2 pi radius / step))`` bearings from north, the outermost place (within
    1.5 fine steps of the circle) nearest each bearing."""
    r = np.hypot(s.dx, s.dy)
    edge = np.flatnonzero((r > radius_m - 1.5 * spacing_m) & (r <= radius_m * (1 + _TOL)))
    if len(edge) == 0:
        return np.zeros(0, dtype=np.int64)
    n = max(8, int(np.ceil(2 * np.pi * radius_m / step - _TOL)))
    bearing = np.arctan2(s.dx[edge], s.dy[edge])
    wanted = np.arange(n) * (2 * np.pi / n)
    off = np.abs((bearing[None, :] - wanted[:, None] + np.pi) % (2 * np.pi) - np.pi)
    return np.unique(edge[np.argmin(off, axis=1)])


def _inside(s: PlaceSet, radius_m: float) -> np.ndarray:
    return np.hypot(s.dx, s.dy) <= radius_m * (1 + _TOL)


def _index(offset: np.ndarray, spacing: float) -> np.ndarray:
    return np.round(offset / spacing).astype(np.int64)


def _off_grid(ratio: np.ndarray) -> np.ndarray:
    return np.abs(ratio - np.round(ratio))
