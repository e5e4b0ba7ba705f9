"""Population as a count raster in the working CRS, from a WorldPop-style raster or from points.

A raster is warped with the ``sum`` resampling so the district's total is kept; points (villages
with a population field) are summed into cells of the chosen size. Either way the result is a
:class:`PopulationGrid` of people per cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS

from .errors import Problem
from .io import open_raster

if TYPE_CHECKING:
    import geopandas as gpd

_VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".csv"}


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


def read_population_raster(path: str | Path, crs: CRS) -> tuple[PopulationGrid, list[Problem]]:
    """Read a population-count raster and warp it to ``crs``, keeping the total.

    Negative and nodata cells count as 0 (WorldPop uses a large negative nodata).
    """
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with open_raster(path, "population raster") as src:
        p = Path(src.name)
        data = src.read(1, masked=True).astype("float64").filled(0.0)
        src_crs, transform, bounds = CRS.from_user_input(src.crs), src.transform, src.bounds
    problems = []
    negative = int((data < 0).sum())
    data = np.where(np.isfinite(data) & (data > 0), data, 0.0)
    if negative:
        problems.append(Problem(str(p), f"{negative} negative cells counted as 0 people",
                                severity="warning"))
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
    xs, ys = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    cols = np.floor((xs - like.c) / like.a).astype(int)
    rows = np.floor((ys - like.f) / like.e).astype(int)
    inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    counts = np.zeros(shape, dtype="float64")
    np.add.at(counts, (rows[inside], cols[inside]),
              points[field].to_numpy(dtype=float)[inside])
    return PopulationGrid(counts.astype("float32"), like, crs)


def grid_over(bounds: tuple[float, float, float, float], cell_m: float) -> tuple[Affine, tuple[int, int]]:
    """A north-up grid of ``cell_m`` cells covering ``bounds`` (left, bottom, right, top)."""
    left, bottom, right, top = bounds
    cols = max(1, int(np.ceil((right - left) / cell_m)))
    rows = max(1, int(np.ceil((top - bottom) / cell_m)))
    return Affine(cell_m, 0, left, 0, -cell_m, top), (rows, cols)
