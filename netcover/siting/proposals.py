"""Scoring operators' site proposals against the existing network and the places around them.

The proposals file and its checks are in :mod:`netcover.data.proposals` (its names are
re-exported here: :class:`Proposal`, :func:`read_proposals`, :func:`check_proposals`,
:func:`with_proposals`, :data:`SECTOR_FIELDS`, :data:`PROPOSAL_RANGES`).

For each proposal: the people and households it newly covers, the share of its footprint's people
already covered (overlap with existing sites), the nearest existing site, the gaps it closes, its
cost, and the best place within ``proposal_search_radius_m`` where the same mast would add more
people. Then the combined effect of all proposals together.

Every figure is full resolution (:mod:`netcover.siting.fullres`: the coverage step's engine on the
DEM grid, the proposal's own sectors, the usable class's threshold of each sector's technology):

- ``new_people``/``new_households``: the *market* view, people below the usable class of every
  operator's coverage (``coverage.classes``) that the proposal covers; ``new_people_own``/
  ``new_households_own``: the same against the proposer's own operator's coverage only (its
  ``operator`` matched to the sites' operators regardless of case; everyone is uncovered for an
  operator without sites); ``people_in_footprint``: everyone it covers;
  ``overlap_share`` = 1 - new / in footprint; ``gaps_closed``: gaps of which it covers
  ``gap_close_share`` of the people;
- ``screening_new_people``: the 100 m screening figure (:mod:`netcover.siting.matrix`), kept for
  reference;
- ``cost`` (USD): the candidates' cost model (:func:`~netcover.siting.candidates.site_cost`: base,
  mast, access road and backhaul distance at the proposal; a capacity proposal added to an
  existing site of its operator costs that addition instead: ``base_cost`` less the
  ``sharing_base_saving_share`` a shared tower saves,
  :func:`~netcover.siting.sharing.site_addition_cost`);
  ``cost_per_new_person`` = cost / ``new_people`` (NaN when nobody is new);
- combined (:attr:`ProposalScores.combined`): all proposals together, each person counted once.

Better places (columns ``better_lon``, ``better_lat``, ``better_distance_m``, ``better_direction``,
``better_new_people``, ``extra_people`` and ``advice``) are the best of the places the search tried
(:mod:`netcover.siting.better`): by default a coarse-to-fine search over the lattice
``proposal_search_spacing_m`` apart and the high points within the radius (places 1,600, 800, 400
and 200 m apart at the default 2 km and 200 m, refined around the best ones), or every place with
``search="exhaustive"`` or a radius under 8 steps. The search runs on the screening grid; the
place it finds best is then computed at full resolution, and is reported (``better_new_people``,
``extra_people``, the advice) only when the same mast there adds at least max(1, 5%) more people
than the proposal at full resolution. :attr:`ProposalScores.search` says which search ran and how
many places it tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.data.proposals import PROPOSAL_RANGES as PROPOSAL_RANGES
from netcover.data.proposals import SECTOR_FIELDS as SECTOR_FIELDS
from netcover.data.proposals import Proposal as Proposal
from netcover.data.proposals import check_proposals as check_proposals
from netcover.data.proposals import read_proposals as read_proposals
from netcover.data.proposals import with_proposals as with_proposals
from netcover.siting.better import PlaceSet, ProposalSearch, search_places, search_run, search_steps
from netcover.siting.candidates import places_around, site_cost
from netcover.siting.footprints import footprint_cache
from netcover.siting.fullres import FullResolution, Gain, NewSite, SiteCover
from netcover.siting.market import market_view
from netcover.siting.matrix import coverage_matrix
from netcover.siting.plan import SitingProblem, demand_cells, gaps_closed_by_people
from netcover.siting.relief import proposal_host
from netcover.siting.sharing import site_addition_cost

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.core.executor import Executor
    from netcover.coverage.engine import Progress

__all__ = ["ProposalScores", "proposal_footprints", "score_proposals"]

_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


@dataclass
class ProposalScores:
    """Per-proposal scores, better places found, and the combined effect.

    ``search``: how the better places were searched: ``method`` (``coarse_to_fine`` or
    ``exhaustive``), ``radius_m``, ``steps_m`` (the steps tried, coarsest first),
    ``places`` (places within the radius, all proposals) and ``tried`` (places whose coverage
    was computed).
    """

    table: pd.DataFrame
    better: pd.DataFrame
    combined: dict[str, Any]
    search: dict[str, Any] = field(default_factory=dict)
    #: Each proposal's full-resolution covered cells (:func:`proposal_footprints` draws them).
    covers: list[SiteCover] = field(default_factory=list, repr=False)

    def search_text(self) -> str:
        """One sentence on the better-place search ("" when unknown), for notes and reports."""
        s = self.search
        if not s:
            return ""
        steps = ", ".join(f"{v:,.0f}" for v in s["steps_m"])
        how = ("every place" if s["method"] == "exhaustive" else
               f"coarse to fine (places {steps} m apart, refined around the best)")
        return (f"better places: searched {how} within {s['radius_m']:,.0f} m of each proposal; "
                f"{s['tried']:,} of {s['places']:,} places tried")


class _Views:
    """The baselines a proposal is scored against: the market (every operator's coverage), its
    own operator's (everyone uncovered when it has no sites) and nobody's (all it reaches)."""

    def __init__(self, problem: SitingProblem, full: FullResolution):
        self.full, self.coverage = full, problem.coverage
        self.market = full.open_cells(problem.coverage.classes)
        self.everyone = full.open_cells(None)
        self._own: dict[str, np.ndarray] = {}

    def own(self, operator: str) -> np.ndarray:
        """Cells below the usable class of ``operator``'s own coverage (its name matched to the
        sites' operators regardless of case and surrounding spaces)."""
        if operator not in self._own:
            name = operator.strip().casefold()
            classes = next((v for k, v in self.coverage.operator_classes.items()
                            if k.strip().casefold() == name), None)
            self._own[operator] = self.full.open_cells(classes)
        return self._own[operator]


def score_proposals(problem: SitingProblem, proposals: list[Proposal], *,
                    executor: Executor | None = None, progress: Progress | None = None,
                    search: ProposalSearch = "coarse_to_fine") -> ProposalScores:
    """Score proposals (see the module docstring).

    ``executor``: where the places tried around the proposals are evaluated and the proposals'
    loss rasters computed (None: here; see :func:`~netcover.siting.matrix.coverage_matrix`).
    ``progress``: wraps each stage's places (labels "Proposals, places 800 m apart"...).
    ``search``: ``"coarse_to_fine"`` (default) or ``"exhaustive"`` (every place; see
    :mod:`netcover.siting.better`).
    """
    full = FullResolution(problem.inputs, problem.coverage, problem.settings)
    views = _Views(problem, full)
    cells = demand_cells(problem)
    nearby, how = _gains_nearby(problem, proposals, executor, progress, search)
    screened = _screened(problem, proposals, executor)
    picks = [_screening_pick(s, *near) for s, near in zip(screened, nearby, strict=True)]
    covers, there = _covers_and_picks(views, proposals, picks, executor)
    new = [full.gain(c, views.market) for c in covers]
    records, better = [], []
    for prop, cover, gain, screen_new, pick, at_pick in zip(proposals, covers, new, screened,
                                                            picks, there, strict=True):
        alt = _best_nearby(problem, prop, gain.total, pick, at_pick)
        records.append(_record(problem, views, cells, prop, cover, gain, screen_new, alt))
        better.append({"proposal_id": prop.proposal_id, "x": alt["x"], "y": alt["y"],
                       "new_people": alt["better_new_people"], "advice": alt["advice"]})
    combined = _combined(problem, views, cells, covers, sum(g.total for g in new))
    table = market_view(problem, proposals, pd.DataFrame(records), progress=progress,
                        executor=executor)
    return ProposalScores(table, _advice_of(pd.DataFrame(better), table), combined, how, covers)


def _advice_of(better: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The better places with the market view's advice (a capacity proposal's relief sentence, a
    sharing note)."""
    if len(better) == 0:
        return better
    advice = table.set_index("proposal_id")["advice"]
    return better.assign(advice=better["proposal_id"].map(advice).fillna(better["advice"]))


def _covers_and_picks(views: _Views, proposals: list[Proposal],
                      picks: list[tuple[float, float, float] | None],
                      executor: Executor | None) -> tuple[list[SiteCover], list[float]]:
    """Each proposal's full-resolution cover, and the new people (market) of its mast at its
    picked place (0 without one); the missing loss rasters of both in one batch of the executor."""
    moved = [(p, k) for p, k in zip(proposals, picks, strict=True) if k is not None]
    every = views.full.covers([_site(p, p.x, p.y) for p in proposals]
                              + [_site(p, k[0], k[1]) for p, k in moved], executor=executor)
    at_picks = iter(every[len(proposals):])
    there = [views.full.gain(next(at_picks), views.market).total if k is not None else 0.0
             for k in picks]
    return every[:len(proposals)], there


def _combined(problem: SitingProblem, views: _Views, cells: np.ndarray, covers: list[SiteCover],
              alone: float) -> dict[str, Any]:
    """All proposals together (:attr:`ProposalScores.combined`); ``alone``: the sum of their
    own new people."""
    d = problem.demand
    steps = views.full.gains_in_order(covers, views.market)
    together = sum(g.total for g in steps)
    closed = gaps_closed_by_people(problem, [g.at(cells) for g in steps])
    return {"proposals": len(covers), "new_people": round(together, 1),
            "new_households": round(together / d.people_per_household, 1),
            "sum_of_individual_new_people": round(alone, 1),
            "overlap_between_proposals_people": round(alone - together, 1),
            "share_covered_before": round(d.covered_people / d.total_people, 4),
            "share_covered_after": round((d.covered_people + together) / d.total_people, 4),
            "gaps_closed": "; ".join(g for step in closed for g in step)}


def _record(problem: SitingProblem, views: _Views, cells: np.ndarray, prop: Proposal,
            cover: SiteCover, gain: Gain, screening_new: float,
            alt: dict[str, Any]) -> dict[str, Any]:
    """One row of the scores table (see the module docstring)."""
    d, full = problem.demand, views.full
    reach = full.gain(cover, views.everyone).total
    own = full.gain(cover, views.own(prop.operator)).total
    new = gain.total
    cost = _cost(problem, prop)
    return {
        "proposal_id": prop.proposal_id, "operator": prop.operator,
        **_lonlat(problem, prop.x, prop.y), "height_m": prop.height_m,
        "people_in_footprint": round(reach, 1), "new_people": round(new, 1),
        "new_households": round(new / d.people_per_household, 1),
        "new_people_own": round(own, 1),
        "new_households_own": round(own / d.people_per_household, 1),
        "screening_new_people": round(screening_new, 1),
        "overlap_share": round(1.0 - new / reach, 4) if reach > 0 else 0.0,
        **_nearest_site(problem, prop.x, prop.y),
        "gaps_closed": "; ".join(gaps_closed_by_people(problem, [gain.at(cells)])[0]),
        **{k: alt[k] for k in ("better_lon", "better_lat", "better_distance_m",
                               "better_direction", "better_new_people", "extra_people")},
        "cost": round(cost), "cost_per_new_person": round(cost / new) if new > 0 else np.nan,
        "advice": alt["advice"], "note": prop.note}


def _site(prop: Proposal, x: float, y: float) -> NewSite:
    return NewSite(float(x), float(y), prop.height_m, prop.sectors, prop.proposal_id)


def _cost(problem: SitingProblem, prop: Proposal) -> float:
    """USD: the candidates' cost model (base, mast, access road, backhaul) at the proposal, or,
    for a proposal added to an existing site of its operator (the site the relief adds it to,
    :func:`~netcover.siting.relief.proposal_host`), that addition
    (:func:`~netcover.siting.sharing.site_addition_cost`)."""
    if proposal_host(problem.inputs, prop) is not None:
        return site_addition_cost(problem.settings)
    road, back = problem.context.at(np.array([prop.x]), np.array([prop.y]))
    return float(site_cost(road, back, np.array([prop.height_m]), problem.settings)[0])


def proposal_footprints(problem: SitingProblem, proposals: list[Proposal],
                        scores: ProposalScores | None = None) -> gpd.GeoDataFrame:
    """Each proposal's footprint (the coverage-grid cells it covers at full resolution,
    :mod:`netcover.siting.fullres`) as one polygon, for maps.

    Returns
    -------
    GeoDataFrame
        ``proposal_id``, ``operator`` and, with ``scores``, ``new_people`` and
        ``people_in_footprint`` (what it adds, and all it reaches), in the working CRS.
    """
    import geopandas as gpd

    full = FullResolution(problem.inputs, problem.coverage, problem.settings)
    covers = (scores.covers if scores is not None and len(scores.covers) == len(proposals)
              else full.covers([_site(p, p.x, p.y) for p in proposals]))
    geoms = [full.outline(c) for c in covers]
    rows = [{"proposal_id": p.proposal_id, "operator": p.operator} for p in proposals]
    table = pd.DataFrame(rows, columns=["proposal_id", "operator"])
    if scores is not None:
        table = table.merge(scores.table[["proposal_id", "new_people", "people_in_footprint"]],
                            on="proposal_id", how="left")
    return gpd.GeoDataFrame(table, geometry=geoms, crs=problem.inputs.crs)


def _screened(problem: SitingProblem, proposals: list[Proposal],
              executor: Executor | None) -> list[float]:
    """Each proposal's screening figure: the demand's people in its footprint on the screening
    grid, evaluated on the demand cells (each as on the whole grid) and kept with the candidates'
    footprints (:func:`~netcover.siting.matrix.coverage_matrix`)."""
    a = coverage_matrix(problem.screen, problem.lookup, np.array([p.x for p in proposals]),
                        np.array([p.y for p in proposals]),
                        np.array([p.height_m for p in proposals]), [p.sectors for p in proposals],
                        executor=executor, cache=footprint_cache(problem.inputs.scenario),
                        label="Proposals")
    people = problem.demand.people
    return [float(people[a.indices[a.indptr[j]:a.indptr[j + 1]]].sum())
            for j in range(len(proposals))]


def _gains_nearby(problem: SitingProblem, proposals: list[Proposal], executor: Executor | None,
                  progress: Progress | None, search: ProposalSearch
                  ) -> tuple[list[tuple[np.ndarray, ...]], dict[str, Any]]:
    """The places tried around each proposal, (x, y, rise, new people there), and the search's
    summary (:attr:`ProposalScores.search`)."""
    s = problem.settings
    radius, spacing = s.proposal_search_radius_m, s.proposal_search_spacing_m
    places = [places_around(problem.context, p.x, p.y, radius, spacing)
              if p.purpose != "capacity" else _no_places() for p in proposals]
    sets = [PlaceSet.around(p.x, p.y, xs, ys, rise, spacing)
            for p, (xs, ys, rise) in zip(proposals, places, strict=True)]

    def evaluate(indices: list[np.ndarray], label: str) -> list[np.ndarray]:
        sizes = [len(i) for i in indices]
        x = np.concatenate([xs[i] for (xs, _, _), i in zip(places, indices, strict=True)])
        y = np.concatenate([ys[i] for (_, ys, _), i in zip(places, indices, strict=True)])
        height = np.repeat([p.height_m for p in proposals], sizes)
        sectors = [p.sectors for p, n in zip(proposals, sizes, strict=True) for _ in range(n)]
        shown = None if progress is None else (lambda items, _label: progress(items, label))
        a = coverage_matrix(problem.screen, problem.lookup, x, y, height, sectors, shown,
                            executor=executor, cache=footprint_cache(problem.inputs.scenario),
                            label=label)
        gains = a.T @ problem.demand.people if a.shape[1] else np.zeros(0)
        return np.split(gains, np.cumsum(sizes)[:-1])

    gains = search_places(sets, evaluate, search=search, radius_m=radius, spacing_m=spacing)
    tried = [np.isfinite(g) for g in gains]
    method = search_run(search, radius, spacing)
    how = {"method": method, "radius_m": radius,
           "steps_m": search_steps(radius, spacing) if method == "coarse_to_fine" else [spacing],
           "places": sum(len(g) for g in gains), "tried": int(sum(t.sum() for t in tried))}
    return [(xs[t], ys[t], rise[t], g[t]) for (xs, ys, rise), g, t in zip(places, gains, tried,
                                                                         strict=True)], how


def _no_places() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """No place to try: a capacity proposal is never told to move for coverage."""
    empty = np.zeros(0)
    return empty, empty.copy(), empty.copy()


def _screening_pick(screening_new: float, xs: np.ndarray, ys: np.ndarray, rise: np.ndarray,
                    gains: np.ndarray) -> tuple[float, float, float] | None:
    """The place the screening search found best (x, y, rise), or None when no place tried beats
    the proposal's own screening figure."""
    if len(gains) == 0:
        return None
    k = int(np.argmax(gains))
    if float(gains[k]) <= screening_new:
        return None
    return float(xs[k]), float(ys[k]), float(rise[k])


def _best_nearby(problem: SitingProblem, prop: Proposal, new: float,
                 place: tuple[float, float, float] | None, there: float) -> dict[str, Any]:
    """The better place to report: ``place`` (the screening search's best, None: none) when the
    same mast there adds ``there`` people (full resolution), more than ``new`` by at least
    max(1, 5%)."""
    s = problem.settings
    out: dict[str, Any] = {"x": prop.x, "y": prop.y, "better_lon": np.nan, "better_lat": np.nan,
                           "better_distance_m": np.nan, "better_direction": "",
                           "better_new_people": round(new, 1), "extra_people": 0.0,
                           "advice": "no place within "
                                     f"{s.proposal_search_radius_m:,.0f} m adds more people"}
    extra = there - new
    if place is None or extra < max(1.0, 0.05 * new):
        return out
    x, y, rise = place
    dx, dy = x - prop.x, y - prop.y
    dist = float(np.hypot(dx, dy))
    direction = _COMPASS[int(((np.degrees(np.arctan2(dx, dy)) % 360) + 22.5) // 45) % 8]
    where = " onto a hilltop or ridge" if rise >= s.min_rise_m else ""
    ll = _lonlat(problem, x, y)
    out.update({"x": x, "y": y, "better_lon": ll["lon"],
                "better_lat": ll["lat"], "better_distance_m": round(dist),
                "better_direction": direction, "better_new_people": round(there, 1),
                "extra_people": round(extra, 1),
                "advice": f"move it {dist:,.0f} m {direction}{where} ({ll['lon']:.5f}, "
                          f"{ll['lat']:.5f}) and it reaches {extra:,.0f} more people"})
    return out


def _lonlat(problem: SitingProblem, x: float, y: float) -> dict[str, float]:
    from pyproj import Transformer

    to_ll = Transformer.from_crs(problem.inputs.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(x, y)
    return {"lon": round(float(lon), 6), "lat": round(float(lat), 6)}


def _nearest_site(problem: SitingProblem, x: float, y: float) -> dict[str, Any]:
    cells = problem.inputs.cells
    if cells is None or len(cells) == 0:
        return {"nearest_site": "", "nearest_site_m": np.nan}
    dist = np.hypot(cells["x"].to_numpy() - x, cells["y"].to_numpy() - y)
    k = int(np.argmin(dist))
    return {"nearest_site": str(cells["site_id"].iloc[k]), "nearest_site_m": round(float(dist[k]))}
