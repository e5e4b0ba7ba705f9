"""Scoring operators' site proposals against the existing network and the places around them.

The proposals file and its checks are in :mod:`netcover.data.proposals` (its names are
re-exported here: :class:`Proposal`, :func:`read_proposals`, :func:`check_proposals`,
:func:`with_proposals`, :data:`SECTOR_FIELDS`, :data:`PROPOSAL_RANGES`).

For each proposal: the people and households it newly covers, the share of its footprint's people
already covered (overlap with existing sites), the nearest existing site, the gaps it closes, and
the best place within ``proposal_search_radius_m`` where the same mast would add more people. Then
the combined effect of all proposals together.

Better places (columns ``better_lon``, ``better_lat``, ``better_distance_m``, ``better_direction``,
``better_new_people``, ``extra_people`` and ``advice``) are the best of the places the search tried
(:mod:`netcover.siting.better`): by default a coarse-to-fine search over the lattice
``proposal_search_spacing_m`` apart and the high points within the radius (places 1,600, 800, 400
and 200 m apart at the default 2 km and 200 m, refined around the best ones), or every place with
``search="exhaustive"`` or a radius under 8 steps. Either way the place reported is one of the
exhaustive search's places, with the gain the exhaustive search gives it;
:attr:`ProposalScores.search` says which search ran and how many places it tried.
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
from netcover.siting.candidates import places_around
from netcover.siting.footprints import footprint_cache
from netcover.siting.matrix import DemandLookup, Footprint, coverage_matrix, footprint
from netcover.siting.plan import SitingProblem, gaps_closed_by_steps

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.core.parallel import Executor
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


class _People:
    """Every populated cell: its people and its people below the usable class."""

    def __init__(self, problem: SitingProblem):
        from netcover.siting.gaps import uncovered_share

        pop = problem.inputs.population
        assert pop is not None
        counts = pop.counts.astype(np.float64)
        share = uncovered_share(problem.inputs, problem.coverage, problem.settings)
        rows, cols = np.nonzero(counts > 0)
        xs, ys = pop.cell_centres()
        self.people = counts[rows, cols]
        self.open = (counts * share)[rows, cols]
        self.lookup = DemandLookup(problem.screen, xs[rows, cols], ys[rows, cols])


def score_proposals(problem: SitingProblem, proposals: list[Proposal], *,
                    executor: Executor | None = None, progress: Progress | None = None,
                    search: ProposalSearch = "coarse_to_fine") -> ProposalScores:
    """Score proposals (see the module docstring).

    ``executor``: where the places tried around the proposals are evaluated (None: here; see
    :func:`~netcover.siting.matrix.coverage_matrix`). ``progress``: wraps each stage's places
    (labels "Proposals, places 800 m apart"...). ``search``: ``"coarse_to_fine"`` (default) or
    ``"exhaustive"`` (every place; see :mod:`netcover.siting.better`).
    """
    d = problem.demand
    everyone = _People(problem)
    nearby, how = _gains_nearby(problem, proposals, executor, progress, search)
    rows_per, records, better = [], [], []
    for prop, (xs, ys, rise, gains) in zip(proposals, nearby, strict=True):
        fp = _footprint(problem, prop, prop.x, prop.y)
        demand_rows = problem.lookup.rows_of(fp)
        rows_per.append(demand_rows)
        all_rows = everyone.lookup.rows_of(fp)
        reach = float(everyone.people[all_rows].sum())
        new = float(d.people[demand_rows].sum())
        alt = _best_nearby(problem, prop, new, xs, ys, rise, gains)
        records.append({
            "proposal_id": prop.proposal_id, "operator": prop.operator,
            **_lonlat(problem, prop.x, prop.y), "height_m": prop.height_m,
            "people_in_footprint": round(reach, 1), "new_people": round(new, 1),
            "new_households": round(new / d.people_per_household, 1),
            "overlap_share": round(1.0 - float(everyone.open[all_rows].sum()) / reach, 4)
            if reach > 0 else 0.0,
            **_nearest_site(problem, prop.x, prop.y),
            "gaps_closed": "; ".join(gaps_closed_by_steps(problem, [demand_rows])[0]),
            **{k: alt[k] for k in ("better_lon", "better_lat", "better_distance_m",
                                   "better_direction", "better_new_people", "extra_people")},
            "advice": alt["advice"], "note": prop.note})
        better.append({"proposal_id": prop.proposal_id, "x": alt["x"], "y": alt["y"],
                       "new_people": alt["better_new_people"], "advice": alt["advice"]})
    table = pd.DataFrame(records)
    union = np.unique(np.concatenate(rows_per)) if rows_per else np.zeros(0, dtype=np.int64)
    together = float(d.people[union].sum())
    alone = float(table["new_people"].sum()) if len(table) else 0.0
    combined = {"proposals": len(proposals), "new_people": round(together, 1),
                "new_households": round(together / d.people_per_household, 1),
                "sum_of_individual_new_people": round(alone, 1),
                "overlap_between_proposals_people": round(alone - together, 1),
                "share_covered_before": round(d.covered_people / d.total_people, 4),
                "share_covered_after": round((d.covered_people + together) / d.total_people, 4),
                "gaps_closed": "; ".join(gaps_closed_by_steps(problem, [union])[0])}
    return ProposalScores(table, pd.DataFrame(better), combined, how)


def proposal_footprints(problem: SitingProblem, proposals: list[Proposal],
                        scores: ProposalScores | None = None) -> gpd.GeoDataFrame:
    """Each proposal's footprint (the screening cells it covers) as one polygon, for maps.

    Returns
    -------
    GeoDataFrame
        ``proposal_id``, ``operator`` and, with ``scores``, ``new_people`` and
        ``people_in_footprint`` (what it adds, and all it reaches), in the working CRS.
    """
    import geopandas as gpd
    import shapely
    from rasterio.features import shapes
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    rows, geoms = [], []
    for prop in proposals:
        fp = _footprint(problem, prop, prop.x, prop.y)
        window = Window(fp.col_off, fp.row_off, fp.covered.shape[1], fp.covered.shape[0])
        where = window_transform(window, problem.screen.transform)
        cells = [shapely.geometry.shape(g) for g, _ in shapes(fp.covered.astype("uint8"),
                                                             mask=fp.covered, transform=where)]
        geoms.append(shapely.union_all(cells) if cells else shapely.Polygon())
        rows.append({"proposal_id": prop.proposal_id, "operator": prop.operator})
    table = pd.DataFrame(rows, columns=["proposal_id", "operator"])
    if scores is not None:
        table = table.merge(scores.table[["proposal_id", "new_people", "people_in_footprint"]],
                            on="proposal_id", how="left")
    return gpd.GeoDataFrame(table, geometry=geoms, crs=problem.inputs.crs)


def _footprint(problem: SitingProblem, prop: Proposal, x: float, y: float) -> Footprint:
    return footprint(problem.screen, x, y, prop.height_m, prop.sectors)


def _gains_nearby(problem: SitingProblem, proposals: list[Proposal], executor: Executor | None,
                  progress: Progress | None, search: ProposalSearch
                  ) -> tuple[list[tuple[np.ndarray, ...]], dict[str, Any]]:
    """The places tried around each proposal, (x, y, rise, new people there), and the search's
    summary (:attr:`ProposalScores.search`)."""
    s = problem.settings
    radius, spacing = s.proposal_search_radius_m, s.proposal_search_spacing_m
    places = [places_around(problem.context, p.x, p.y, radius, spacing) for p in proposals]
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


def _best_nearby(problem: SitingProblem, prop: Proposal, new: float, xs: np.ndarray,
                 ys: np.ndarray, rise: np.ndarray, gains: np.ndarray) -> dict[str, Any]:
    """The place among ``xs``/``ys`` (the places tried) where the same mast adds the most new
    people."""
    s = problem.settings
    out: dict[str, Any] = {"x": prop.x, "y": prop.y, "better_lon": np.nan, "better_lat": np.nan,
                           "better_distance_m": np.nan, "better_direction": "",
                           "better_new_people": round(new, 1), "extra_people": 0.0,
                           "advice": "no place within "
                                     f"{s.proposal_search_radius_m:,.0f} m adds more people"}
    if len(gains) == 0:
        return out
    k = int(np.argmax(gains))
    extra = float(gains[k]) - new
    if extra < max(1.0, 0.05 * new):
        return out
    dx, dy = float(xs[k]) - prop.x, float(ys[k]) - prop.y
    dist = float(np.hypot(dx, dy))
    direction = _COMPASS[int(((np.degrees(np.arctan2(dx, dy)) % 360) + 22.5) // 45) % 8]
    where = " onto a hilltop or ridge" if rise[k] >= s.min_rise_m else ""
    ll = _lonlat(problem, float(xs[k]), float(ys[k]))
    out.update({"x": float(xs[k]), "y": float(ys[k]), "better_lon": ll["lon"],
                "better_lat": ll["lat"], "better_distance_m": round(dist),
                "better_direction": direction, "better_new_people": round(float(gains[k]), 1),
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
