"""Vector layers prepared for maps: sector wedges, sites with what they serve, popups.

Geometry is built in the working (metric) CRS and returned in EPSG:4326, as web maps and KML want.
:func:`wedge_ring` is pure: a site's position and a sector's direction in, the ring's coordinates out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.core.palette import OPERATOR_COLOURS
from netcover.core.textsafe import html_text

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from netcover.outputs.results import RunFolder

__all__ = ["geo_json", "operator_colours", "people_served", "popup_table", "sector_wedges", "site_table",
           "wedge_ring"]



def geo_json(geometry: Any) -> Any:
    """``geometry.__geo_interface__``: the same mapping (coordinates as tuples of floats), the
    coordinates of a polygon's or line's rings read as one array each rather than point by point
    (a commune's outline has thousands of points)."""
    import shapely

    def ring(part: Any) -> tuple[tuple[float, ...], ...]:
        return tuple(map(tuple, shapely.get_coordinates(part).tolist()))

    def rings(polygon: Any) -> tuple[tuple[tuple[float, ...], ...], ...]:
        return (ring(polygon.exterior), *(ring(hole) for hole in polygon.interiors))

    kind = geometry.geom_type
    if geometry.is_empty or geometry.has_z or kind not in _RINGED:
        return geometry.__geo_interface__
    if kind == "LineString":
        return {"type": kind, "coordinates": ring(geometry)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": tuple(ring(line) for line in geometry.geoms)}
    if kind == "Polygon":
        return {"type": kind, "coordinates": rings(geometry)}
    return {"type": kind, "coordinates": [rings(polygon) for polygon in geometry.geoms]}


#: Geometry types :func:`geo_json` reads ring by ring.
_RINGED = ("LineString", "MultiLineString", "Polygon", "MultiPolygon")


def operator_colours(operators: Iterable[str]) -> dict[str, str]:
    """A colour per operator (sorted by name, cycling through :data:`OPERATOR_COLOURS`)."""
    names = sorted({str(o) for o in operators})
    return {n: OPERATOR_COLOURS[k % len(OPERATOR_COLOURS)] for k, n in enumerate(names)}


def wedge_ring(x: float, y: float, azimuth_deg: float, beamwidth_deg: float, radius: float,
               steps: int = 12) -> np.ndarray:
    """(steps + 3, 2) closed ring of a sector wedge: apex at (x, y), arc of ``radius`` around the
    azimuth (clockwise from north), ``beamwidth_deg`` wide (capped to 360)."""
    width = min(float(beamwidth_deg), 360.0)
    angles = np.radians(azimuth_deg - width / 2 + width * np.arange(steps + 1) / steps)
    arc = np.column_stack([x + radius * np.sin(angles), y + radius * np.cos(angles)])
    return np.vstack([[x, y], arc, [x, y]])


def sector_wedges(cells: gpd.GeoDataFrame, radius: float) -> gpd.GeoDataFrame:
    """One wedge polygon per cell (EPSG:4326) with site_id, cell_id, operator and technology."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    width = cells["h_beamwidth_deg"] if "h_beamwidth_deg" in cells else 65.0
    widths = np.broadcast_to(np.asarray(width, dtype="float64"), (len(cells),))
    polys = [Polygon(wedge_ring(p.x, p.y, az, bw, radius))
             for p, az, bw in zip(cells.geometry, cells["azimuth_deg"], widths, strict=True)]
    keep = [c for c in ("site_id", "cell_id", "operator", "technology", "azimuth_deg")
            if c in cells]
    return gpd.GeoDataFrame(cells[keep].reset_index(drop=True), geometry=polys,
                            crs=cells.crs).to_crs("EPSG:4326")


def people_served(results: RunFolder) -> dict[str, float]:
    """People of the villages whose best server (4G, else 3G) is a cell of each site.

    Empty when the run has no settlements, no best-server raster or no cells table.
    """
    import rasterio.transform

    villages, cells = results.settlements(), results.cells()
    if villages is None or cells is None or "population" not in villages:
        return {}
    site_of = dict(zip(cells["index"].astype(int), cells["site_id"].astype(str), strict=True))
    site = np.full(len(villages), "", dtype=object)
    for tech in results.technologies():
        raster = results.best_server(tech)
        if raster is None:
            continue
        rows, cols = rasterio.transform.rowcol(raster.transform, villages.geometry.x.to_numpy(),
                                               villages.geometry.y.to_numpy())
        rows, cols = np.asarray(rows), np.asarray(cols)
        h, w = raster.values.shape
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        index = np.full(len(villages), -1)
        index[inside] = raster.values[rows[inside], cols[inside]]
        for k in np.flatnonzero((site == "") & (index >= 0)):
            site[k] = site_of.get(int(index[k]), "")
    people = villages["population"].to_numpy(dtype="float64")
    out: dict[str, float] = {}
    for s, p in zip(site, people, strict=True):
        if s:
            out[s] = out.get(s, 0.0) + float(p)
    return out


def _join(values: pd.Series, fmt: str = "{:g}") -> str:
    return ", ".join(fmt.format(v) for v in sorted(set(values.dropna().tolist())))


def site_table(cells: gpd.GeoDataFrame, served: Mapping[str, float]) -> gpd.GeoDataFrame:
    """One row per site (EPSG:4326 point): operator, heights, azimuths, frequencies, technologies
    and, when known, people served."""
    import geopandas as gpd

    rows = []
    for site_id, group in cells.groupby("site_id", sort=True):
        rows.append({
            "site_id": str(site_id), "operator": str(group["operator"].iloc[0]),
            "height_m": _join(group["height_m"]), "azimuths": _join(group["azimuth_deg"], "{:.0f}"),
            "frequencies": _join(group["frequency_mhz"]),
            "technologies": ", ".join(sorted(set(group["technology"].astype(str)))),
            "people_served": served.get(str(site_id)), "geometry": group.geometry.iloc[0],
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs).to_crs("EPSG:4326")


def popup_table(pairs: Iterable[tuple[str, object]]) -> str:
    """An HTML table of (label, value) rows; values None are left out, floats get separators."""
    body = []
    for name, value in pairs:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        text = f"{value:,.0f}" if isinstance(value, float) and abs(value) >= 100 else (
            f"{value:,.2f}" if isinstance(value, float) else str(value))
        body.append(f"<tr><th style='text-align:left;padding-right:6px'>{html_text(name)}</th>"
                    f"<td>{html_text(text)}</td></tr>")
    return "<table>" + "".join(body) + "</table>"
