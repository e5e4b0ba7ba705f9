"""Administrative units (communes) as zones: which unit a point or a cell belongs to.

Units are attributed by their code where points carry one, else by position; where unit polygons
overlap, the lower code takes the shared cells and points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine

__all__ = ["UNIT_CODE_COLUMNS", "unit_of_points", "unknown_unit_codes", "zone_raster"]


def zone_raster(units: gpd.GeoDataFrame, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """Index of the unit covering each cell centre (-1 outside all units).

    Where units overlap, the cell goes to the unit with the lowest code (as text; row order without
    a ``code`` column), as :func:`unit_of_points` does for points.
    """
    from rasterio.features import rasterize

    order = _priority(units)[::-1]  # painted last wins: the lowest code is painted last
    geoms = units.geometry.to_numpy()
    shapes = ((geoms[i], int(i)) for i in order)
    return rasterize(shapes, out_shape=shape, transform=transform, fill=-1, dtype="int32")


def _priority(units: gpd.GeoDataFrame) -> np.ndarray:
    """Row indices of ``units``, the unit that wins an overlap first."""
    if "code" not in units.columns:
        return np.arange(len(units))
    return np.argsort(units["code"].astype(str).to_numpy(), kind="stable")


#: Columns of a point layer that name the unit (by its code) a point belongs to.
UNIT_CODE_COLUMNS = ("unit_code", "commune_code")


def unit_of_points(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Index (row of ``units``) of the unit each point belongs to, -1 for none.

    A point whose ``unit_code``/``commune_code`` names a unit's code (leading zeros and a ".0" of a
    spreadsheet ignored) belongs to that unit, wherever it lies (boundaries are approximate); any
    other point belongs to the unit it lies in or on, the lowest code where units overlap.
    """
    import geopandas as gpd

    out = np.full(len(points), -1, dtype=np.int64)
    column = next((c for c in UNIT_CODE_COLUMNS if c in points.columns), None)
    if column is not None and "code" in units.columns:
        index: dict[str, int] = {}
        for i in _priority(units)[::-1]:
            index[_code_key(units["code"].iloc[i])] = int(i)
        out[:] = [index.get(_code_key(v), -1) for v in points[column]]
    todo = np.flatnonzero(out < 0)
    if len(todo) == 0 or len(units) == 0:
        return out
    pts = gpd.GeoDataFrame(geometry=points.geometry.to_numpy()[todo], crs=points.crs)
    rank = np.empty(len(units), dtype=np.int64)
    rank[_priority(units)] = np.arange(len(units))
    polys = gpd.GeoDataFrame({"rank": rank}, geometry=units.geometry.to_numpy(), crs=units.crs)
    if polys.crs is not None and pts.crs is not None and polys.crs != pts.crs:
        polys = polys.to_crs(pts.crs)
    hit = gpd.sjoin(pts, polys, how="inner", predicate="intersects")
    best = hit.groupby(level=0)["rank"].min()
    out[todo[best.index.to_numpy()]] = _priority(units)[best.to_numpy()]
    return out


def unknown_unit_codes(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    """(row, code) of points whose unit code names no unit (they are placed by position)."""
    column = next((c for c in UNIT_CODE_COLUMNS if c in points.columns), None)
    if column is None or "code" not in units.columns:
        return []
    known = {_code_key(c) for c in units["code"]}
    return [(i, str(v)) for i, v in enumerate(points[column])
            if _code_key(v) not in known and _code_key(v) != _code_key(None)]


def _code_key(value: object) -> str:
    """A unit code as text for matching: no spaces, no ".0" of a spreadsheet, no leading zeros."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "\0none"
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text.lstrip("0") or text
