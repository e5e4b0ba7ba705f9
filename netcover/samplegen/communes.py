"""Commune polygons: regions grown from the real seats to the published areas, then polygonised.

On a 100 m grid, every commune grows from its seat at once (a multi-source Dijkstra on a cost that
rises with slope, a smooth noise field and nearness to the edge of the district's bounding box;
faster for larger communes) until it reaches its published area. Where that leaves unclaimed
pockets inside the district, their cost is lowered and the growth rerun, so they are claimed
instead of cells on the outside. The regions are polygonised and simplified as a coverage (shared
edges stay shared), so the 13 polygons tile the district, whose outline is their union.
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray
from rasterio import features
from scipy import ndimage

from netcover.samplegen.facts import (
    COMMUNES,
    CRS_UTM,
    TOTAL_HOUSEHOLDS,
    commune_populations,
    largest_remainder,
)
from netcover.samplegen.grid import FloatArray, Grid, smooth_noise, stream, to_utm

__all__ = ["commune_raster", "households", "make_communes"]

_LAYER = 4
_SIMPLIFY_M = 110.0
#: How far beyond the district bounding box of FACTS.md communes may reach (m).
_EDGE_SLACK_M = 1500.0
_POCKET_ROUNDS = 6
#: Persons per household: the town and the rural communes.
_HH_SIZE_TOWN = 3.9
_HH_SIZE_RURAL = 4.9


@njit(cache=True)
def _grow(cost: FloatArray, seeds: NDArray[np.int64], speed: FloatArray,
          capacity: NDArray[np.int64], allowed: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Capacity-limited multi-source Dijkstra growth on a 4-connected grid (-1 = unclaimed)."""
    ny, nx = cost.shape
    label = np.full((ny, nx), -1, dtype=np.int64)
    left = capacity.copy()
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    for s in range(seeds.shape[0]):
        heapq.heappush(heap, (0.0, np.int64(seeds[s]), np.int64(s)))
    drs = (-1, 1, 0, 0)
    dcs = (0, 0, -1, 1)
    while heap:
        d, idx, k = heapq.heappop(heap)
        r = idx // nx
        c = idx % nx
        if label[r, c] >= 0 or left[k] <= 0:
            continue
        label[r, c] = k
        left[k] -= 1
        for j in range(4):
            rr = r + drs[j]
            cc = c + dcs[j]
            if 0 <= rr < ny and 0 <= cc < nx and label[rr, cc] < 0 and allowed[rr, cc]:
                step = 0.5 * (cost[r, c] + cost[rr, cc]) / speed[k]
                heapq.heappush(heap, (d + step, np.int64(rr * nx + cc), np.int64(k)))
    return label


def _pockets(label: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Unclaimed cells enclosed by the claimed ones."""
    return np.asarray(ndimage.binary_fill_holes(label >= 0) & (label < 0), dtype=bool)


def _grow_without_pockets(cost: FloatArray, seeds: NDArray[np.int64], speed: FloatArray,
                          capacity: NDArray[np.int64], allowed: NDArray[np.bool_]
                          ) -> NDArray[np.int64]:
    """Grow the communes; while that leaves enclosed pockets, make them cheaper and grow again.

    Pockets that remain after ``_POCKET_ROUNDS`` go to the neighbour furthest below its area.
    """
    cost = cost.copy()
    label = _grow(cost, seeds, speed, capacity, allowed)
    for _ in range(_POCKET_ROUNDS):
        pockets = _pockets(label)
        if not pockets.any():
            break
        cost[ndimage.binary_dilation(pockets, iterations=3)] *= 0.3
        label = _grow(cost, seeds, speed, capacity, allowed)
    pockets, n = ndimage.label(_pockets(label))
    counts = np.bincount(label[label >= 0], minlength=len(capacity))
    for k in range(1, n + 1):
        pocket = pockets == k
        ring = label[ndimage.binary_dilation(pocket) & ~pocket]
        ring = ring[ring >= 0]
        best = int(ring[int(np.argmax((capacity[ring] - counts[ring]) / capacity[ring]))])
        label[pocket] = best
        counts[best] += int(pocket.sum())
    return label


def commune_raster(grid: Grid, elevation: FloatArray, seed: int) -> NDArray[np.int64]:
    """Index of the commune (position in :data:`COMMUNES`) of every cell of ``grid``, or -1."""
    rng = stream(seed, _LAYER)
    gy, gx = np.gradient(elevation, grid.cell)
    slope = np.hypot(gx, gy)
    cost = np.exp(0.55 * smooth_noise(rng, grid, 5_000.0)) * (1.0 + 4.0 * slope)
    lon = np.array([c.lon for c in COMMUNES])
    lat = np.array([c.lat for c in COMMUNES])
    sx, sy = to_utm(lon, lat)
    rows, cols = grid.index(sx, sy)
    seeds = (rows * grid.nx + cols).astype(np.int64)
    areas = np.array([c.area_km2 for c in COMMUNES])
    capacity = np.round(areas * 1e6 / grid.cell**2).astype(np.int64)
    speed = np.sqrt(areas / areas.mean())
    x, y = grid.mesh()
    west, south = to_utm(104.80, 22.94)
    east, north = to_utm(105.15, 23.20)
    edge = np.minimum.reduce([x - west, east - x, y - south, north - y])
    allowed = edge > -_EDGE_SLACK_M
    cost = cost * (1.0 + 6.0 * np.clip(1.0 - edge / 3000.0, 0.0, 1.5))
    return _grow_without_pockets(cost, seeds, speed, capacity, allowed)


def _polygons(grid: Grid, label: NDArray[np.int64]) -> list[shapely.Geometry]:
    geoms: list[list[shapely.Geometry]] = [[] for _ in COMMUNES]
    for geom, value in features.shapes(label.astype(np.int32), mask=label >= 0,
                                       connectivity=4, transform=grid.transform):
        geoms[int(value)].append(shapely.geometry.shape(geom))
    merged = [shapely.union_all(g) for g in geoms]
    simple = list(shapely.coverage_simplify(np.array(merged, dtype=object), _SIMPLIFY_M))
    return _absorb_slivers([shapely.make_valid(g) if not g.is_valid else g for g in simple])


def _absorb_slivers(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give every detached small part of a commune to the neighbour it shares most edge with."""
    out = list(geoms)
    for k, geom in enumerate(geoms):
        parts = sorted(getattr(geom, "geoms", [geom]), key=lambda p: -p.area)
        if len(parts) == 1:
            continue
        out[k] = parts[0]
        for part in parts[1:]:
            shared = [out[j].boundary.intersection(part.boundary).length if j != k else 0.0
                      for j in range(len(out))]
            j = int(np.argmax(shared))
            if shared[j] > 0.0:
                out[j] = shapely.union_all([out[j], part])
    return out


def households(populations: dict[str, int]) -> dict[str, int]:
    """Households per commune: population over a household size (town smaller), scaled to the
    district total :data:`TOTAL_HOUSEHOLDS`."""
    raw = [populations[c.code] / (_HH_SIZE_TOWN if c.is_town else _HH_SIZE_RURAL)
           for c in COMMUNES]
    return dict(zip([c.code for c in COMMUNES], largest_remainder(raw, TOTAL_HOUSEHOLDS),
                    strict=True))


def make_communes(grid: Grid, elevation: FloatArray, seed: int
                  ) -> tuple[gpd.GeoDataFrame, NDArray[np.int64]]:
    """The ``communes`` layer and the commune index raster it was polygonised from.

    Parameters
    ----------
    grid : Grid
        The 100 m analysis grid.
    elevation : ndarray
        Elevation on ``grid`` (m).
    seed : int
        Random seed.
    """
    label = commune_raster(grid, elevation, seed)
    geoms = _polygons(grid, label)
    pops = commune_populations()
    hh = households(pops)
    gdf = gpd.GeoDataFrame(
        {
            "code": [c.code for c in COMMUNES],
            "name": [c.name for c in COMMUNES],
            "population": np.array([pops[c.code] for c in COMMUNES], dtype=np.int64),
            "households": np.array([hh[c.code] for c in COMMUNES], dtype=np.int64),
            "area_km2": np.round(np.array([g.area for g in geoms]) / 1e6, 2),
        },
        geometry=geoms, crs=CRS_UTM,
    )
    return gdf, label
