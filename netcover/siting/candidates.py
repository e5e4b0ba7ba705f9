"""Candidate places for new sites: terrain high points near gaps and roads, and listed places.

Terrain candidates are local maxima of the topographic position index (ground height minus the mean
ground of a ``hilltop_window_m`` window): hilltops and the shoulders of ridges, which see over the
karst hollows where people live. They are kept when they rise at least ``min_rise_m`` above their
surroundings, lie within ``max_road_m`` of a road (access and power), within
``max_gap_distance_km`` of uncovered demand and outside exclusion areas. Places the planner lists
(commune offices, schools from the data network layer) are added, then everything is thinned so that
no two candidates are closer than ``candidate_spacing_m`` (listed places win, then the higher rise).
Each candidate carries its cost: base + mast + access road + backhaul.

Without a roads layer the road filter is not applied and the access road is costed from the
straight-line distance to the nearest settlement (else data-network point, else existing site): the
places people already reach. :attr:`PlaceContext.access` then says so (``straight_line``) and the
plan's summary and ``site_plan.md`` repeat it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.siting import SitingSettings
from netcover.core.io import read_vector
from netcover.coverage.losscache import LossCache, grid_fingerprint
from netcover.siting.footprints import footprint_cache

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs
    from netcover.data.terrain import Terrain
    from netcover.siting.gaps import Demand

__all__ = [
    "PlaceContext", "access_geometries", "backhaul_geometries", "candidate_table", "distance_raster",
    "generate_candidates", "high_points", "places_around", "site_cost", "thin",
]

#: Priority of listed places over terrain candidates when thinning.
_LISTED_PRIORITY = 1e6


def distance_raster(geoms: object, terrain: Terrain) -> np.ndarray:
    """Distance (m) from every DEM cell centre to the nearest of ``geoms`` (inf when none)."""
    from rasterio.features import rasterize
    from scipy.ndimage import distance_transform_edt

    shapes = [g for g in np.asarray(geoms, dtype=object).ravel() if g is not None and not g.is_empty]
    if not shapes:
        return np.full(terrain.shape, np.inf)
    hit = rasterize(((g, 1) for g in shapes), out_shape=terrain.shape, transform=terrain.transform,
                    fill=0, dtype="uint8", all_touched=True)
    return distance_transform_edt(hit == 0) * terrain.cell_size


def _kept_distance_raster(geoms: object, terrain: Terrain, cache: LossCache) -> np.ndarray:
    """:func:`distance_raster`, kept in ``cache`` under a key of the geometries (their WKB) and
    the grid."""
    import shapely

    shapes = [g for g in np.asarray(geoms, dtype=object).ravel() if g is not None and not g.is_empty]
    if cache.folder is None or not shapes:
        return distance_raster(shapes, terrain)
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(np.asarray(shapes, dtype=object)).tolist():
        digest.update(len(wkb).to_bytes(8, "little"))
        digest.update(wkb)
    key = LossCache.key(digest.hexdigest(), kind="distance_raster", version=_DISTANCE_VERSION,
                        transform=tuple(terrain.transform)[:6], shape=list(terrain.shape))
    kept = cache.kept_arrays(key, ["distance_m"],
                             lambda: {"distance_m": distance_raster(shapes, terrain)})
    return np.array(kept["distance_m"], dtype=np.float64)


#: Bump when :func:`distance_raster` changes.
_DISTANCE_VERSION = "1"


def backhaul_geometries(inputs: Inputs) -> list[object]:
    """Where backhaul can be picked up: fibre routes and fibre-connected points, else existing sites."""
    geoms: list[object] = []
    if inputs.fibre_routes is not None:
        geoms += list(inputs.fibre_routes.geometry)
    if inputs.network_points is not None:
        pts = inputs.network_points
        geoms += list(pts.geometry[pts["connection"].astype(str) == "fibre"])
    if not geoms and inputs.cells is not None:
        geoms = list(inputs.cells.geometry)
    return geoms


def high_points(terrain: Terrain, window_m: float, min_rise_m: float) -> tuple[np.ndarray, ...]:
    """(rows, cols, rise) of the DEM's hilltops and ridge shoulders (see the module docstring)."""
    tpi, peak = _local_peaks(terrain, window_m)
    rows, cols = np.nonzero(peak & (tpi >= min_rise_m))
    return rows, cols, tpi[rows, cols]


def _local_peaks(terrain: Terrain, window_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The topographic position index of every DEM cell and where it is a local maximum."""
    from scipy.ndimage import maximum_filter, uniform_filter

    size = max(3, round(window_m / terrain.cell_size) | 1)
    h = terrain.heights.astype(np.float64)
    tpi = h - uniform_filter(h, size=size, mode="nearest")
    return tpi, maximum_filter(tpi, size=size, mode="nearest") == tpi


def _kept_peaks(terrain: Terrain, window_m: float, cache: LossCache) -> tuple[np.ndarray, ...]:
    """(rows, cols, rise) of every local maximum of the DEM's topographic position index (any
    rise, in :func:`high_points`' order), kept in ``cache``."""
    key = LossCache.key(grid_fingerprint(terrain.heights, terrain), kind="high_points",
                        version=_PEAKS_VERSION, window_m=float(window_m))

    def make() -> dict[str, np.ndarray]:
        tpi, peak = _local_peaks(terrain, window_m)
        rows, cols = np.nonzero(peak)
        return {"rows": rows.astype(np.int32), "cols": cols.astype(np.int32),
                "rise": tpi[rows, cols]}

    kept = cache.kept_arrays(key, ["rows", "cols", "rise"], make)
    return (kept["rows"].astype(np.int64), kept["cols"].astype(np.int64),
            np.array(kept["rise"], dtype=np.float64))


#: Bump when :func:`_local_peaks` changes.
_PEAKS_VERSION = "2"


def thin(x: np.ndarray, y: np.ndarray, priority: np.ndarray, spacing_m: float) -> np.ndarray:
    """Indices of points kept so that none is within ``spacing_m`` of a kept one of higher priority."""
    from scipy.spatial import cKDTree

    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    tree = cKDTree(np.column_stack([x, y]))
    kept = np.zeros(len(x), bool)
    for i in np.lexsort((np.arange(len(x)), -np.asarray(priority))):
        near = tree.query_ball_point((x[i], y[i]), spacing_m * (1 - 1e-9))
        if not kept[near].any():
            kept[i] = True
    return np.flatnonzero(kept)


def site_cost(road_m: np.ndarray, backhaul_m: np.ndarray, height_m: np.ndarray,
              settings: SitingSettings) -> np.ndarray:
    """USD: base + mast + access road + backhaul (an unreachable backhaul costs nothing extra)."""
    back = np.where(np.isfinite(backhaul_m), backhaul_m, 0.0)
    road = np.where(np.isfinite(road_m), road_m, 0.0)
    return (settings.base_cost + settings.cost_per_mast_m * np.asarray(height_m)
            + settings.cost_per_road_km * road / 1000.0
            + settings.cost_per_backhaul_km * back / 1000.0)


def access_geometries(inputs: Inputs) -> tuple[list[object], str]:
    """Where an access road starts, and what that is: ``roads`` or, without a roads layer, the
    settlements (else data-network points, else existing sites) reached in a straight line."""
    if inputs.roads is not None and len(inputs.roads):
        return list(inputs.roads.geometry), "roads"
    for what, layer in (("settlements", inputs.settlements), ("network points", inputs.network_points),
                        ("existing sites", inputs.cells)):
        if layer is not None and len(layer):
            return list(layer.geometry), what
    return [], "nothing"


class PlaceContext:
    """The rasters every candidate needs: distance to a road and to backhaul, exclusion areas.

    Attributes
    ----------
    access : str
        ``"roads"``, or ``"straight_line"`` when the scenario has no roads (see the module docstring).
    access_from : str
        What the access distance is measured to (``roads``, ``settlements``, ``network points``,
        ``existing sites``).
    """

    def __init__(self, inputs: Inputs, settings: SitingSettings):
        self.inputs, self.settings, self.terrain = inputs, settings, inputs.terrain
        geoms, self.access_from = access_geometries(inputs)
        self.access = "roads" if self.access_from == "roads" else "straight_line"
        cache = footprint_cache(inputs.scenario)
        self.road_m = _kept_distance_raster(geoms, self.terrain, cache)
        self.backhaul_m = _kept_distance_raster(backhaul_geometries(inputs), self.terrain, cache)
        self.exclusion = _exclusion(inputs, settings)
        self._peaks: dict[float, tuple[np.ndarray, ...]] = {}
        self._cache = cache

    def high_points(self, window_m: float, min_rise_m: float) -> tuple[np.ndarray, ...]:
        """:func:`high_points` of the DEM; its local maxima are found once per window (and kept in
        the loss cache folder, keyed by the DEM and the window)."""
        if window_m not in self._peaks:
            self._peaks[window_m] = _kept_peaks(self.terrain, window_m, self._cache)
        rows, cols, rise = self._peaks[window_m]
        above = rise >= min_rise_m
        return rows[above], cols[above], rise[above]

    def at(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance to a road and to backhaul (m) at points on the DEM."""
        t = self.terrain
        c = np.clip(((np.asarray(x) - t.transform.c) / t.cell_size).astype(np.int64), 0, t.shape[1] - 1)
        r = np.clip(((t.transform.f - np.asarray(y)) / t.cell_size).astype(np.int64), 0, t.shape[0] - 1)
        return self.road_m[r, c], self.backhaul_m[r, c]

    def allowed(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """On the DEM, near a road (when there are roads), outside exclusion areas."""
        import shapely

        ok = self.terrain.contains(x, y)
        if self.access == "roads":
            ok &= self.at(x, y)[0] <= self.settings.max_road_m
        if self.exclusion is not None:
            ok &= ~shapely.contains_xy(self.exclusion, x, y)
        return ok

    def frame(self, x: np.ndarray, y: np.ndarray, source: list[str], name: list[str],
              rise: np.ndarray, prefix: str = "C") -> gpd.GeoDataFrame:
        """Candidates as a point layer with their distances and cost."""
        import geopandas as gpd

        road, back = self.at(x, y)
        height = np.full(len(x), self.settings.mast_height_m)
        return gpd.GeoDataFrame({
            "candidate_id": [f"{prefix}{i + 1:04d}" for i in range(len(x))], "source": source,
            "name": name, "x": x, "y": y, "ground_m": np.round(self.terrain.sample(x, y), 1),
            "rise_m": np.round(rise, 1), "road_distance_m": np.round(road), "height_m": height,
            "backhaul_distance_m": np.round(back),
            "cost": np.round(site_cost(road, back, height, self.settings), 0)},
            geometry=gpd.points_from_xy(x, y), crs=self.terrain.crs)


def generate_candidates(inputs: Inputs, demand: Demand, settings: SitingSettings,
                        context: PlaceContext | None = None) -> gpd.GeoDataFrame:
    """Terrain and listed candidates near the demand, thinned (see the module docstring)."""
    from scipy.spatial import cKDTree

    ctx = context or PlaceContext(inputs, settings)
    t = inputs.terrain
    rows, cols, rise = ctx.high_points(settings.hilltop_window_m, settings.min_rise_m)
    x = t.transform.c + (cols + 0.5) * t.cell_size
    y = t.transform.f - (rows + 0.5) * t.cell_size
    lx, ly, lsource, lname = _listed(inputs, settings)
    x, y = np.concatenate([lx, x]), np.concatenate([ly, y])
    rise = np.concatenate([np.zeros(len(lx)), rise])
    source = lsource + ["terrain"] * (len(x) - len(lx))
    name = lname + [""] * (len(x) - len(lx))
    ok = ctx.allowed(x, y)
    if len(demand):
        dist, _ = cKDTree(np.column_stack([demand.x, demand.y])).query(np.column_stack([x, y]))
        ok &= dist <= settings.max_gap_distance_km * 1000.0
    else:
        ok &= False
    idx = np.flatnonzero(ok)
    priority = rise[idx] + _LISTED_PRIORITY * (np.arange(len(x))[idx] < len(lx))
    keep = idx[thin(x[idx], y[idx], priority, settings.candidate_spacing_m)]
    is_terrain = keep >= len(lx)
    terrain_keep = keep[is_terrain][np.argsort(-rise[keep[is_terrain]], kind="stable")]
    keep = np.concatenate([keep[~is_terrain], terrain_keep[:settings.max_candidates]])
    return ctx.frame(x[keep], y[keep], [source[i] for i in keep], [name[i] for i in keep],
                     rise[keep])


def places_around(ctx: PlaceContext, x0: float, y0: float, radius_m: float,
                  spacing_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Allowed places within ``radius_m`` of (x0, y0): a lattice and the high points, thinned.

    Returns (x, y, rise) of the places (rise above the window mean; lattice points have their own).
    """
    t = ctx.terrain
    step = np.arange(-radius_m, radius_m + 1e-6, spacing_m)
    gx, gy = (a.ravel() for a in np.meshgrid(x0 + step, y0 + step))
    rows, cols, rise = ctx.high_points(ctx.settings.hilltop_window_m, 0.0)
    hx = t.transform.c + (cols + 0.5) * t.cell_size
    hy = t.transform.f - (rows + 0.5) * t.cell_size
    near = np.hypot(hx - x0, hy - y0) <= radius_m
    x = np.concatenate([hx[near], gx])
    y = np.concatenate([hy[near], gy])
    pri = np.concatenate([rise[near], np.full(len(gx), -1.0)])
    ok = (np.hypot(x - x0, y - y0) <= radius_m) & ctx.allowed(x, y)
    idx = np.flatnonzero(ok)
    keep = idx[thin(x[idx], y[idx], pri[idx], spacing_m / 2)]
    return x[keep], y[keep], pri[keep]


def _listed(inputs: Inputs, settings: SitingSettings) -> tuple[np.ndarray, np.ndarray, list[str],
                                                                 list[str]]:
    pts = inputs.network_points
    if pts is None or not settings.candidate_point_types:
        return np.zeros(0), np.zeros(0), [], []
    pick = pts[pts["type"].isin(settings.candidate_point_types)]
    return (pick.geometry.x.to_numpy(), pick.geometry.y.to_numpy(),
            pick["type"].astype(str).tolist(), pick["name"].astype(str).tolist())


def _exclusion(inputs: Inputs, settings: SitingSettings) -> object | None:
    """The union of the exclusion polygons in the working CRS, or None."""
    import shapely

    if not settings.exclusion_file:
        return None
    path = Path(settings.exclusion_file)
    if not path.is_absolute():
        path = inputs.scenario.base_dir / path
    layer = read_vector(path, "exclusion areas")
    geoms = layer.to_crs(inputs.crs).geometry.to_numpy()
    union = shapely.union_all(geoms)
    shapely.prepare(union)
    return union


def candidate_table(candidates: gpd.GeoDataFrame) -> pd.DataFrame:
    """Candidates as a plain table with lon/lat (for CSV)."""
    ll = candidates.geometry.to_crs("EPSG:4326")
    out = pd.DataFrame(candidates.drop(columns="geometry"))
    out.insert(1, "lon", ll.x.round(6).to_numpy())
    out.insert(2, "lat", ll.y.round(6).to_numpy())
    return out
