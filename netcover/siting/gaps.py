"""Uncovered demand and the gap areas it forms.

Demand is the population grid (100 m on the sample): each cell's *uncovered* people are its people
times the share of its area below the usable class (:func:`netcover.coverage.people.class_shares` of the
coverage result), and a cell is demand when it has at least ``min_people`` uncovered people or holds
a village without usable service. Uncovered cells are grouped into gaps by single linkage: cells
closer than ``cluster_distance_m`` (centre to centre) share a gap (connected components of a KD-tree
radius graph). Gaps are ranked by people affected.

Every uncovered person is reported: cells below ``min_people`` (scattered hamlets, edges of shadows)
form no gap, and :func:`scattered_row` gives the rest, so that the gap table's people add up to the
coverage table's people below the usable class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.siting import SitingSettings
from netcover.coverage import people as covered
from netcover.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    from affine import Affine
    from numpy.typing import ArrayLike

    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs
    from netcover.data.population import PopulationGrid

__all__ = [
    "INSTITUTION_TYPES", "Demand", "baseline_classes", "cluster_labels", "gap_layer", "people_per_household",
    "scattered_row", "uncovered_demand", "uncovered_share", "unserved_settlements",
]

#: Data-network point types counted as institutions of a gap.
INSTITUTION_TYPES = ("school", "health_station", "commune_office")


@dataclass(frozen=True)
class Demand:
    """Uncovered demand: one row per population cell that is demand.

    Attributes
    ----------
    x, y : numpy.ndarray
        Cell centres (m, working CRS).
    people : numpy.ndarray
        Uncovered people per row (the weight the solvers maximise).
    unit : numpy.ndarray
        Index of the unit (commune) holding each row, -1 outside all units.
    required : numpy.ndarray
        bool: the row holds a village the ``target`` objective must cover.
    total_people, covered_people : float
        People on the whole grid, and those at the usable class before the plan.
    people_per_household : float
        Converts people to households (NaN when the settlements give no households).
    cell_size : float
        Side of a demand cell (m).
    """

    x: np.ndarray
    y: np.ndarray
    people: np.ndarray
    unit: np.ndarray
    required: np.ndarray
    total_people: float
    covered_people: float
    people_per_household: float
    cell_size: float

    def __len__(self) -> int:
        return len(self.x)


def baseline_classes(coverage: CoverageResult, settings: SitingSettings) -> np.ndarray:
    """Class raster the gaps are measured against (all operators, or ``baseline_operator``'s)."""
    if not settings.baseline_operator:
        return coverage.classes
    if settings.baseline_operator not in coverage.operator_classes:
        msg = (f"[siting] baseline_operator = {settings.baseline_operator!r} has no cells; use one "
               f"of {sorted(coverage.operator_classes)} or \"\" for all operators")
        raise InputError(msg)
    return coverage.operator_classes[settings.baseline_operator]


def uncovered_share(inputs: Inputs, coverage: CoverageResult, settings: SitingSettings) -> np.ndarray:
    """Share of each population cell's area below the usable class (population grid shape)."""
    pop = _population(inputs)
    shares = covered.class_shares(baseline_classes(coverage, settings), coverage.transform,
                                  pop.transform, pop.counts.shape)
    return shares[..., :settings.usable_level].sum(axis=-1)


def uncovered_demand(inputs: Inputs, coverage: CoverageResult, settings: SitingSettings) -> Demand:
    """The demand rows of a scenario (see the module docstring)."""
    pop = _population(inputs)
    counts = pop.counts.astype(np.float64)
    share = uncovered_share(inputs, coverage, settings)
    open_people = counts * share
    mask = open_people >= max(settings.min_people, 1e-9)
    required = np.zeros(counts.shape, bool)
    villages = unserved_settlements(inputs, coverage, settings)
    if villages is not None and len(villages):
        r, c, ok = _cells_of(pop.transform, counts.shape, villages.geometry.x, villages.geometry.y)
        mask[r[ok], c[ok]] = True
        need = _required_villages(villages, settings)[ok]
        required[r[ok][need], c[ok][need]] = True
    rows, cols = np.nonzero(mask)
    xs, ys = pop.cell_centres()
    unit = np.full(len(rows), -1, dtype=np.int64)
    if inputs.units is not None:
        unit = covered.zone_raster(inputs.units, pop.transform, counts.shape)[rows, cols].astype(
            np.int64)
    return Demand(xs[rows, cols], ys[rows, cols], open_people[rows, cols], unit,
                  required[rows, cols], float(counts.sum()),
                  float((counts * (1.0 - share)).sum()), people_per_household(inputs),
                  pop.cell_size)


def unserved_settlements(inputs: Inputs, coverage: CoverageResult,
                         settings: SitingSettings) -> gpd.GeoDataFrame | None:
    """Settlements whose position is below the usable class."""
    if inputs.settlements is None:
        return None
    s = inputs.settlements
    cls = covered.class_at_points(baseline_classes(coverage, settings), coverage.transform,
                                  s.geometry.x.to_numpy(), s.geometry.y.to_numpy())
    return s[(cls < settings.usable_level) | (cls == covered.NODATA_CLASS)]


def _required_villages(villages: gpd.GeoDataFrame, settings: SitingSettings) -> np.ndarray:
    if settings.target_village_min_population <= 0:
        return np.zeros(len(villages), bool)
    need = villages["population"].to_numpy(dtype=float) >= settings.target_village_min_population
    if settings.target_electrified_only and "electrified" in villages.columns:
        need &= villages["electrified"].fillna(False).astype(bool).to_numpy()
    return need


def people_per_household(inputs: Inputs) -> float:
    """People per household from the settlements that have both figures (their totals); NaN (no
    data: households of gaps and plans are then empty, never a guess) without any."""
    s = inputs.settlements
    if s is None or "households" not in s:
        return float("nan")
    known = s[s["households"].notna() & s["population"].notna()]
    if float(known["households"].sum()) > 0:
        return float(known["population"].sum()) / float(known["households"].sum())
    return float("nan")


def cluster_labels(x: np.ndarray, y: np.ndarray, weights: np.ndarray,
                   distance_m: float) -> np.ndarray:
    """Single-linkage clusters of points closer than ``distance_m``, numbered by weight (0 heaviest).

    Ties in weight keep the order of the first point of each cluster.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(distance_m * (1 + 1e-9), output_type="ndarray")
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, raw = connected_components(graph, directed=False)
    total = np.bincount(raw, weights=weights)
    first = np.full(len(total), n)
    np.minimum.at(first, raw, np.arange(n))
    rank = np.lexsort((first, -total))
    relabel = np.empty(len(total), dtype=np.int64)
    relabel[rank] = np.arange(len(total))
    return relabel[raw]


def gap_layer(demand: Demand, labels: np.ndarray, inputs: Inputs, coverage: CoverageResult,
              settings: SitingSettings) -> gpd.GeoDataFrame:
    """One polygon per gap (union of its demand cells) with its people and what lies in it."""
    import geopandas as gpd
    import shapely

    half = demand.cell_size / 2
    boxes = shapely.box(demand.x - half, demand.y - half, demand.x + half, demand.y + half)
    n = int(labels.max()) + 1 if len(labels) else 0
    polys = [shapely.union_all(boxes[labels == g]) for g in range(n)]
    people = np.bincount(labels, weights=demand.people, minlength=n)
    gdf = gpd.GeoDataFrame({"gap_id": [f"G{g + 1}" for g in range(n)], "rank": np.arange(1, n + 1),
                            "people": people.round(1),
                            "households": (people / demand.people_per_household).round(1),
                            "cells": np.bincount(labels, minlength=n)},
                           geometry=polys, crs=inputs.crs)
    gdf["area_km2"] = (gdf.geometry.area / 1e6).round(3)
    gdf["commune_code"], gdf["commune"] = _main_unit(demand, labels, n, inputs)
    _villages(gdf, inputs, coverage, settings)
    _institutions(gdf, inputs)
    gdf["road_distance_m"] = _distance_to(gdf, inputs.roads)
    gdf["site_distance_m"] = _distance_to(gdf, inputs.cells)
    centre = gdf.geometry.representative_point().to_crs("EPSG:4326")
    gdf["lon"], gdf["lat"] = centre.x.round(6), centre.y.round(6)
    return gdf


def scattered_row(demand: Demand, gaps: pd.DataFrame) -> dict[str, object]:
    """The gap table's last row: uncovered people in no gap area (``gap_id`` "scattered").

    Its ``people`` are all people below the usable class (the coverage table's figure) minus the
    gaps' people as the table shows them (rounded to 0.1), so the column adds up to that figure.
    """
    uncovered = demand.total_people - demand.covered_people
    shown = float(gaps["people"].sum()) if len(gaps) else 0.0
    people = round(max(uncovered - shown, 0.0), 1)
    return {"gap_id": "scattered", "people": people,
            "households": round(people / demand.people_per_household, 1)}


def _main_unit(demand: Demand, labels: np.ndarray, n: int,
               inputs: Inputs) -> tuple[list[str], list[str]]:
    """Code and name of the unit holding most of each gap's people."""
    if inputs.units is None or n == 0:
        return [""] * n, [""] * n
    codes = inputs.units["code"].astype(str).to_numpy()
    names = inputs.units["name"].astype(str).to_numpy()
    frame = pd.DataFrame({"gap": labels, "unit": demand.unit, "people": demand.people})
    frame = frame[frame["unit"] >= 0].groupby(["gap", "unit"])["people"].sum().reset_index()
    top = frame.sort_values("people", ascending=False).drop_duplicates("gap").set_index("gap")
    unit_of = top["unit"].to_dict()
    return ([codes[int(unit_of[g])] if g in unit_of else "" for g in range(n)],
            [names[int(unit_of[g])] if g in unit_of else "" for g in range(n)])


def _villages(gdf: gpd.GeoDataFrame, inputs: Inputs, coverage: CoverageResult,
              settings: SitingSettings) -> None:
    villages = unserved_settlements(inputs, coverage, settings)
    gdf["villages"] = 0
    gdf["village_names"] = ""
    if villages is None or len(villages) == 0 or len(gdf) == 0:
        return
    hit = villages.sjoin(gdf[["geometry"]], predicate="within", how="inner")
    for g, group in hit.groupby("index_right"):
        gdf.loc[g, "villages"] = len(group)
        gdf.loc[g, "village_names"] = "; ".join(group["name"].astype(str).head(8))


def _institutions(gdf: gpd.GeoDataFrame, inputs: Inputs) -> None:
    for kind in INSTITUTION_TYPES:
        gdf[f"{kind}s"] = 0
    points = inputs.network_points
    if points is None or len(gdf) == 0:
        return
    hit = points.sjoin(gdf[["geometry"]], predicate="within", how="inner")
    for (g, kind), group in hit.groupby(["index_right", "type"]):
        if kind in INSTITUTION_TYPES:
            gdf.loc[g, f"{kind}s"] = len(group)


def _distance_to(gdf: gpd.GeoDataFrame, other: gpd.GeoDataFrame | None) -> np.ndarray:
    """Distance (m, rounded) from each gap to the nearest feature of ``other`` (NaN without it)."""
    import shapely

    if other is None or len(other) == 0 or len(gdf) == 0:
        return np.full(len(gdf), np.nan)
    union = shapely.union_all(other.geometry.to_numpy())
    return np.round(shapely.distance(gdf.geometry.to_numpy(), union), 0)


def _population(inputs: Inputs) -> PopulationGrid:
    if inputs.population is None:
        msg = ("gaps and site plans need people: name a population raster or point layer in the "
               "scenario's [inputs] population, or give the units a census field "
               "([inputs] unit_population_field)")
        raise InputError(msg)
    return inputs.population


def _cells_of(transform: Affine, shape: tuple[int, ...], x: ArrayLike,
              y: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = np.floor((np.asarray(x) - transform.c) / transform.a).astype(np.int64)
    r = np.floor((np.asarray(y) - transform.f) / transform.e).astype(np.int64)
    ok = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
    return r, c, ok
