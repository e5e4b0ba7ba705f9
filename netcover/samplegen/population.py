"""A WorldPop-like population raster (people per 100 m cell) from the villages.

Most of each village's people are spread over a small Gaussian kernel around it (wider for the town
quarters); a thin share is scattered over the whole commune, favouring gentle slopes, as hamlets and
single farms. Kernels are cut at the commune boundary and renormalised, so the raster's total per
commune equals the villages' total (to float32 rounding).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from netcover.samplegen.facts import COMMUNES
from netcover.samplegen.grid import FloatArray, Grid

__all__ = ["SCATTER_SHARE", "population_raster"]

#: Share of every village's people scattered over its commune instead of around the village.
SCATTER_SHARE = 0.06
_SIGMA_VILLAGE_M = 140.0
_SIGMA_TOWN_M = 260.0
_KERNEL_HALF = 4


def population_raster(grid: Grid, elevation: FloatArray, label: NDArray[np.int64],
                      settlements: gpd.GeoDataFrame) -> NDArray[np.float32]:
    """People per cell on ``grid`` (float32; -1 outside the district).

    Parameters
    ----------
    grid : Grid
        The 100 m analysis grid.
    elevation : ndarray
        Elevation on ``grid`` (m), for the scattered share.
    label : ndarray of int
        Commune index of every cell, -1 outside the district.
    settlements : GeoDataFrame
        The ``settlements`` layer.
    """
    gy, gx = np.gradient(elevation, grid.cell)
    gentle = np.exp(-np.hypot(gx, gy) / 0.25)
    out = np.zeros(grid.shape)
    codes = [c.code for c in COMMUNES]
    town = {c.code for c in COMMUNES if c.is_town}
    xs = settlements.geometry.x.to_numpy()
    ys = settlements.geometry.y.to_numpy()
    rows, cols = grid.index(xs, ys)
    for i, (code, pop) in enumerate(zip(settlements["commune_code"], settlements["population"],
                                        strict=True)):
        k = codes.index(code)
        sigma = _SIGMA_TOWN_M if code in town else _SIGMA_VILLAGE_M
        _add_kernel(out, grid, label == k, float(xs[i]), float(ys[i]), int(rows[i]),
                    int(cols[i]), sigma, (1.0 - SCATTER_SHARE) * float(pop))
    for k, code in enumerate(codes):
        inside = label == k
        people = settlements.loc[settlements["commune_code"] == code, "population"].sum()
        w = np.where(inside, gentle, 0.0)
        out += SCATTER_SHARE * float(people) * w / w.sum()
    return np.where(label >= 0, out, -1.0).astype(np.float32)


def _add_kernel(out: FloatArray, grid: Grid, inside: NDArray[np.bool_], x: float, y: float,
                row: int, col: int, sigma: float, people: float) -> None:
    """Add ``people`` spread by a Gaussian around (x, y), limited to ``inside`` (accumulator)."""
    h = _KERNEL_HALF
    rs = slice(max(row - h, 0), min(row + h + 1, grid.ny))
    cs = slice(max(col - h, 0), min(col + h + 1, grid.nx))
    rr, cc = np.mgrid[rs, cs]
    cx, cy = grid.xy(rr, cc)
    w = np.exp(-((cx - x) ** 2 + (cy - y) ** 2) / (2.0 * sigma**2)) * inside[rs, cs]
    if w.sum() <= 0.0:
        out[row, col] += people
        return
    out[rs, cs] += people * w / w.sum()
