"""Population as a count raster in the working CRS: from a WorldPop-style raster, points or census.

A raster is warped with the ``sum`` resampling so the district's total is kept; points (villages
with a population field) are summed into cells of the chosen size; census totals of the units are
spread over each unit's settlements or its area (:func:`population_from_census`). Either way the
result is a :class:`PopulationGrid` of people per cell. :func:`check_population` refuses a grid
without people or with more people per km2 than any place has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine
from pyproj import CRS

from netcover.config.sections import CENSUS_MAX_SLOPE_DEG
from netcover.core.io import open_raster
from netcover.core.notes import Note
from netcover.errors import Problem

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.terrain import Terrain

__all__ = [
    "MAX_PEOPLE_PER_KM2", "PopulationGrid", "check_population", "dense_units", "grid_over", "is_vector",
    "population_from_census", "population_from_points", "read_population_raster",
]

_VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".csv"}
#: More people per km2 than any place holds (the densest city blocks hold about 100,000).
MAX_PEOPLE_PER_KM2 = 200_000.0


@dataclass(frozen=True)
class PopulationGrid:
    """People per cell on a north-up grid in a metric CRS (0 where nobody lives, never NaN)."""

    counts: np.ndarray
    transform: Affine
    crs: CRS

    @property
    def total(self) -> float:
        """Number of people on the grid."""
        return float(self.counts.sum(dtype="float64"))

    @property
    def cell_size(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre, as 2-D arrays."""
        rows, cols = self.counts.shape
        c = self.transform.c + (np.arange(cols) + 0.5) * self.transform.a
        r = self.transform.f + (np.arange(rows) + 0.5) * self.transform.e
        return np.meshgrid(c, r)


def is_vector(path: str | Path) -> bool:
    """Whether a population input is a vector (points) rather than a raster."""
    return Path(path).suffix.lower() in _VECTOR_SUFFIXES


def read_population_raster(
    path: str | Path, crs: CRS, *, over: tuple[float, float, float, float] | None = None
) -> tuple[PopulationGrid, list[Problem]]:
    """Read a population-count raster and warp it to ``crs``, keeping the total.

    Negative and nodata cells count as 0 (WorldPop uses a large negative nodata). ``over``
    (left, bottom, right, top in ``crs``, e.g. the DEM's extent): when the raster reaches beyond
    it (a country's WorldPop for a district), only the cells over it are read, with a warning;
    people outside are not counted.
    """
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    problems = []
    with open_raster(path, "population raster") as src:
        p = Path(src.name)
        src_crs = CRS.from_user_input(src.crs)
        window = _window_over(src, src_crs, crs, over) if over is not None else None
        data = src.read(1, masked=True, window=window).astype("float64").filled(0.0)
        transform = src.transform if window is None else src.window_transform(window)
        if window is not None:
            problems.append(Problem(str(p), f"the population raster reaches beyond the DEM: only "
                                    f"its {window.width} x {window.height} cells over the DEM are "
                                    f"read (of {src.width} x {src.height}); people outside the "
                                    "DEM are not counted", severity="warning"))
    west, south, east, north = array_bounds(*data.shape, transform)
    bounds = (west, south, east, north)
    negative = int((data < 0).sum())
    data = np.where(np.isfinite(data) & (data > 0), data, 0.0)
    if negative:
        problems.append(Problem(str(p), f"{negative} negative cells counted as 0 people (if they "
                                "are nodata, set the file's nodata tag, e.g. gdal_edit.py "
                                f"-a_nodata -99999 {p.name})", severity="warning"))
    problems += _dense_cells(data, transform, src_crs, (south + north) / 2, p)
    total = data.sum()
    if src_crs == crs:
        return PopulationGrid(data.astype("float32"), transform, crs), problems
    res = abs(transform.a) * (111_320.0 if src_crs.is_geographic else 1.0)
    dst_transform, width, height = calculate_default_transform(
        src_crs, crs, data.shape[1], data.shape[0], *bounds, resolution=max(1.0, round(res)))
    out = np.zeros((height, width), dtype="float64")
    reproject(data, out, src_transform=transform, src_crs=src_crs, dst_transform=dst_transform,
              dst_crs=crs, resampling=Resampling.sum)
    if out.sum() > 0:  # sum resampling is close, not exact: restore the total
        out *= total / out.sum()
    return PopulationGrid(out.astype("float32"), dst_transform, crs), problems


def population_from_points(
    points: gpd.GeoDataFrame, field: str, like: Affine, shape: tuple[int, int], crs: CRS
) -> PopulationGrid:
    """Sum point populations into the cells of a grid (points outside it are dropped).

    Parameters
    ----------
    points : GeoDataFrame
        Points already in ``crs``.
    field : str
        Column holding people per point.
    like, shape : Affine, (rows, cols)
        The grid to fill.
    """
    counts = np.zeros(shape, dtype="float64")
    _add_points(counts, like, points.geometry.x.to_numpy(), points.geometry.y.to_numpy(),
                points[field].to_numpy(dtype=float))
    return PopulationGrid(counts.astype("float32"), like, crs)


def grid_over(bounds: tuple[float, float, float, float], cell_m: float) -> tuple[Affine, tuple[int, int]]:
    """A north-up grid of ``cell_m`` cells covering ``bounds`` (left, bottom, right, top)."""
    left, bottom, right, top = bounds
    cols = max(1, int(np.ceil((right - left) / cell_m)))
    rows = max(1, int(np.ceil((top - bottom) / cell_m)))
    return Affine(cell_m, 0, left, 0, -cell_m, top), (rows, cols)


def check_population(grid: PopulationGrid, label: str) -> list[Problem]:
    """An error when a population grid holds nobody (all cells 0, negative, NaN or nodata)."""
    if grid.total > 0:
        return []
    msg = ("the population holds nobody (every cell is 0, negative, NaN or nodata); use a "
           "population count raster (people per cell, e.g. WorldPop) or points with people, or "
           "census totals above 0 in the units layer (without inputs.population)")
    return [Problem(label, msg)]


def dense_units(units: gpd.GeoDataFrame, field: str, label: str) -> list[Problem]:
    """Errors for census totals of more people per km2 than any place has (units in metres)."""
    import pandas as pd

    totals = pd.to_numeric(units[field], errors="coerce").to_numpy(dtype=float)
    km2 = np.maximum(units.geometry.area.to_numpy() / 1e6, 1e-6)
    return [Problem(label, f"{totals[i]:.3g} people in {km2[i]:.3g} km2 is more than "
                    f"{MAX_PEOPLE_PER_KM2:,.0f} people per km2; check the census value",
                    f"feature {i + 1}", field)
            for i in np.flatnonzero(np.nan_to_num(totals / km2) > MAX_PEOPLE_PER_KM2)]


def _window_over(src: Any, src_crs: CRS, crs: CRS, over: tuple[float, float, float, float]) -> Any:
    """The window of ``src`` cells touching ``over`` (in ``crs``); None when that is all of it."""
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    west, south, east, north = transform_bounds(crs, src_crs, *over, densify_pts=21)
    win = from_bounds(west, south, east, north, transform=src.transform)
    c0, r0 = max(int(np.floor(win.col_off + 1e-6)), 0), max(int(np.floor(win.row_off + 1e-6)), 0)
    c1 = min(int(np.ceil(win.col_off + win.width - 1e-6)), src.width)
    r1 = min(int(np.ceil(win.row_off + win.height - 1e-6)), src.height)
    if c1 <= c0 or r1 <= r0 or (c0, r0, c1, r1) == (0, 0, src.width, src.height):
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def _dense_cells(data: np.ndarray, transform: Affine, crs: CRS, mid_lat: float,
                 path: Path) -> list[Problem]:
    """An error naming the densest cell when a raster has more people per km2 than any place."""
    size_x, size_y = abs(transform.a), abs(transform.e)
    if crs.is_geographic:
        lat = np.radians(abs(mid_lat))
        size_x, size_y = size_x * 111_320.0 * np.cos(lat), size_y * 111_320.0
    km2 = max(size_x * size_y / 1e6, 1e-12)
    worst = np.unravel_index(int(np.argmax(data)), data.shape) if data.size else (0, 0)
    if not data.size or data[worst] / km2 <= MAX_PEOPLE_PER_KM2:
        return []
    msg = (f"{int((data / km2 > MAX_PEOPLE_PER_KM2).sum())} cells hold more than "
           f"{MAX_PEOPLE_PER_KM2:,.0f} people per km2 (up to {data[worst]:.3g} people in a cell of "
           f"{km2:.4g} km2, row {worst[0] + 1}, column {worst[1] + 1}); the raster must hold people "
           "per cell: check its nodata value and that it is not a density or a scaled product")
    return [Problem(str(path), msg)]


def population_from_census(
    units: gpd.GeoDataFrame, field: str, terrain: Terrain, settlements: gpd.GeoDataFrame | None,
    *, max_slope_deg: float = CENSUS_MAX_SLOPE_DEG, cell_m: float = 100.0,
) -> tuple[PopulationGrid, Note, list[Problem]]:
    """Spread the units' census totals over a grid of ``cell_m`` cells over the DEM.

    A unit's settlements (attributed by their unit code, else by position) keep the people they
    list (scaled down to the census total when they list more); what the census has beyond them
    (people in hamlets and houses the list does not name; all of it for a unit whose settlements
    list nobody) is spread evenly over the unit's cells (cell centres inside the unit, each cell in
    one unit), leaving out cells steeper than ``max_slope_deg`` (slope of the DEM under the cell
    centre; 0 keeps every cell), unless that leaves the unit no cell. So a layer of commune seats
    alone does not put a whole commune at its seat.

    Returns
    -------
    (PopulationGrid, Note, list of Problem)
        The grid, the ``population_census`` note saying what was done, and warnings (people that
        fell outside the DEM).
    """
    from netcover.data.units import unit_of_points, zone_raster

    transform, shape = grid_over(terrain.bounds, cell_m)
    totals = units[field].to_numpy(dtype=float)
    counts = np.zeros(shape, dtype="float64")
    listed: np.ndarray = np.zeros(len(units))
    zones = zone_raster(units, transform, shape)
    if settlements is not None and "population" in settlements.columns and len(settlements):
        unit = unit_of_points(settlements, units)
        people = settlements["population"].to_numpy(dtype=float)
        listed = np.bincount(unit[unit >= 0], weights=people[unit >= 0], minlength=len(units))
        take = (unit >= 0) & (listed[np.maximum(unit, 0)] > 0)
        scale = np.minimum(1.0, totals / np.maximum(listed, 1e-9))  # never more than the census
        pts = settlements[take]
        x, y = _into_own_unit(zones, transform, pts.geometry.x.to_numpy(),
                              pts.geometry.y.to_numpy(), unit[take])
        _add_points(counts, transform, x, y, people[take] * scale[unit[take]])
    by_points = listed > 0
    rest = np.maximum(totals - listed, 0.0)  # census people the settlements do not list
    steep = _steep_cells(terrain, transform, shape, max_slope_deg)
    flat_ok = np.bincount(zones[(zones >= 0) & ~steep], minlength=len(units)) > 0
    eligible = (zones >= 0) & ~(steep & flat_ok[np.maximum(zones, 0)])
    n_cells = np.bincount(zones[eligible], minlength=len(units))
    counts[eligible] += (rest / np.maximum(n_cells, 1))[zones[eligible]]
    tiny = (rest > 0) & (n_cells == 0)  # smaller than a cell, or outside the grid
    if tiny.any():
        rep = units.geometry[tiny].representative_point()
        _add_points(counts, transform, rep.x.to_numpy(), rep.y.to_numpy(), rest[tiny])
    problems = []
    lost = float(totals.sum() - counts.sum())
    if lost > 0.5:
        problems.append(Problem(field, f"{lost:,.0f} census people lie outside the DEM and are "
                                "not counted", severity="warning"))
    method = ("settlements" if by_points.any() else "area_slope" if max_slope_deg > 0 else "area")
    return (PopulationGrid(counts.astype("float32"), transform, terrain.crs),
            _census_note(method, field, max_slope_deg, int(by_points.sum()), len(units)), problems)


def _census_note(method: str, field: str, max_slope_deg: float, n_points: int, n: int) -> Note:
    area = "evenly over their area" + (f", leaving out slopes above {max_slope_deg:g} degrees"
                                       if max_slope_deg > 0 else "")
    if method == "settlements":
        how = (f"placed at their settlements as these list them ({n_points} of {n} units), the "
               f"rest of each total {area}")
    else:
        how = f"spread {area}"
    params: dict[str, object] = {"method": method, "field": field}
    if method != "area":
        params["max_slope_deg"] = max_slope_deg
    return Note("population_census", f"People come from the units' census totals (field "
                f"{field!r}), {how}; people per cell are an estimate.", params)


def _into_own_unit(zones: np.ndarray, transform: Affine, x: np.ndarray, y: np.ndarray,
                   unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points moved to the nearest cell centre of their own unit when their cell belongs to
    another (a seat attributed by code just across a coarse boundary), so each unit's cells hold
    its census total."""
    x, y = x.copy(), y.copy()
    cols = np.floor((x - transform.c) / transform.a).astype(int)
    rows = np.floor((y - transform.f) / transform.e).astype(int)
    inside = (rows >= 0) & (rows < zones.shape[0]) & (cols >= 0) & (cols < zones.shape[1])
    cell_zone = np.full(len(x), -1)
    cell_zone[inside] = zones[rows[inside], cols[inside]]
    for i in np.flatnonzero(cell_zone != unit):
        r, c = np.nonzero(zones == unit[i])
        if len(r) == 0:
            continue
        cx, cy = transform.c + (c + 0.5) * transform.a, transform.f + (r + 0.5) * transform.e
        k = int(np.argmin(np.hypot(cx - x[i], cy - y[i])))
        x[i], y[i] = cx[k], cy[k]
    return x, y


def _add_points(counts: np.ndarray, transform: Affine, x: np.ndarray, y: np.ndarray,
                people: np.ndarray) -> None:
    cols = np.floor((x - transform.c) / transform.a).astype(int)
    rows = np.floor((y - transform.f) / transform.e).astype(int)
    inside = (rows >= 0) & (rows < counts.shape[0]) & (cols >= 0) & (cols < counts.shape[1])
    np.add.at(counts, (rows[inside], cols[inside]), people[inside])


def _steep_cells(terrain: Terrain, transform: Affine, shape: tuple[int, int],
                 max_slope_deg: float) -> np.ndarray:
    """Cells of a grid whose centre lies on DEM slopes steeper than ``max_slope_deg``."""
    if max_slope_deg <= 0:
        return np.zeros(shape, bool)
    dz_dy, dz_dx = np.gradient(terrain.heights.astype("float64"), terrain.cell_size)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    xs = transform.c + (np.arange(shape[1]) + 0.5) * transform.a
    ys = transform.f + (np.arange(shape[0]) + 0.5) * transform.e
    left, top = terrain.origin_xy
    c = np.clip(((xs - left) // terrain.cell_size).astype(int), 0, terrain.shape[1] - 1)
    r = np.clip(((top - ys) // terrain.cell_size).astype(int), 0, terrain.shape[0] - 1)
    return np.asarray(slope[np.ix_(r, c)] > max_slope_deg)
