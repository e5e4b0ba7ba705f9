"""Dense terrain profiles of a microwave hop, optionally with clutter (trees, buildings) on top.

:func:`netcover.links.hops.check_hops` samples a hop once per DEM cell (bilinear heights), so a crest
one cell wide between two samples is seen at half its height or less. The functions here are the
finer alternatives (not yet used by the link plan):

- :func:`dense_profile`: bilinear heights at least twice per cell (``samples_per_cell``);
- :func:`max_cell_profile`: the conservative step profile, each point at the highest of the cells
  the ray touches there, found by walking the ray through every cell boundary it crosses.

Both take an optional ``clutter`` grid (metres above ground on the DEM's grid, e.g. tree height)
added to the interior points. The two end points stay bare ground: the mast heights of
:func:`netcover.links.microwave.min_clearance` are measured from them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from netcover.errors import ModelError
from netcover.radio.area import profile_between

__all__ = ["dense_profile", "max_cell_profile"]

_F64 = NDArray[np.float64]


def _check_clutter(clutter: np.ndarray | None, dem: np.ndarray) -> _F64 | None:
    if clutter is None:
        return None
    arr = np.asarray(clutter, dtype=np.float64)
    if arr.shape != dem.shape:
        msg = f"clutter grid must have the DEM's shape {dem.shape}, got {arr.shape}"
        raise ModelError(msg)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
        msg = "clutter heights must be finite and >= 0 m above ground (0 where there is none)"
        raise ModelError(msg)
    return arr


def dense_profile(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                  a_xy: tuple[float, float], b_xy: tuple[float, float], *,
                  samples_per_cell: int = 2,
                  clutter: np.ndarray | None = None) -> tuple[_F64, _F64]:
    """Terrain profile of a hop with bilinear heights sampled ``samples_per_cell`` times per cell.

    Parameters
    ----------
    dem, origin_xy, cell_size_m
        The DEM grid (north-up, heights in m), the (x, y) of its upper-left corner and its cell
        size, as in :func:`netcover.radio.area.profile_between`.
    a_xy, b_xy : tuple of float
        Hop ends (m, the DEM's CRS), inside the DEM.
    samples_per_cell : int, optional
        Profile points per cell length along the path, >= 2 (default 2).
    clutter : numpy.ndarray, optional
        Heights above ground (m) on the DEM's grid, sampled bilinearly and added to the interior
        points.

    Returns
    -------
    d_km, h_m : numpy.ndarray
        Distances from ``a_xy`` (km) and heights (m), ready for
        :func:`netcover.links.microwave.min_clearance`.
    """
    if int(samples_per_cell) != samples_per_cell or samples_per_cell < 2:
        msg = f"samples_per_cell must be an integer >= 2, got {samples_per_cell!r}"
        raise ModelError(msg)
    extra = _check_clutter(clutter, dem)
    step = cell_size_m / samples_per_cell
    d_km, h_m = profile_between(dem, origin_xy, cell_size_m, a_xy, b_xy, step_m=step)
    if extra is not None:
        _, above = profile_between(extra, origin_xy, cell_size_m, a_xy, b_xy, step_m=step)
        h_m = h_m.copy()
        h_m[1:-1] += above[1:-1]
    return d_km, h_m


def _fractional(origin_xy: tuple[float, float], cell_size_m: float,
                xy: tuple[float, float]) -> tuple[float, float]:
    """(row, col) of a point as a fractional cell index, cell centres at integers."""
    return ((origin_xy[1] - xy[1]) / cell_size_m - 0.5, (xy[0] - origin_xy[0]) / cell_size_m - 0.5)


def _crossings(start: float, end: float) -> _F64:
    """Path parameters t in (0, 1) where a coordinate going from ``start`` to ``end`` (fractional
    cell index, centres at integers) crosses a cell boundary (half-integers)."""
    if start == end:
        return np.empty(0)
    lo, hi = min(start, end), max(start, end)
    bounds = np.arange(math.floor(lo + 0.5) + 0.5, hi, 1.0)
    bounds = bounds[(bounds > lo) & (bounds < hi)]
    return np.asarray((bounds - start) / (end - start), dtype=np.float64)


def max_cell_profile(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                     a_xy: tuple[float, float], b_xy: tuple[float, float], *,
                     clutter: np.ndarray | None = None) -> tuple[_F64, _F64]:
    """Conservative profile: the highest cell (plus its clutter) the ray touches, at every crossing.

    The ray from ``a_xy`` to ``b_xy`` is cut where it crosses a cell boundary; each piece lies in
    one cell. The profile has a point at each crossing, at the height of the higher of the two
    cells it separates (cell value plus clutter: a DEM cell is taken as flat at its value), and the
    two ends at their bilinear ground height as in :func:`dense_profile`. Parameters and returns
    as in :func:`dense_profile` (no ``samples_per_cell``).
    """
    extra = _check_clutter(clutter, dem)
    # profile_between validates the DEM and the ends and gives the ends' bilinear heights.
    _, h_ends = profile_between(dem, origin_xy, cell_size_m, a_xy, b_xy, step_m=None)
    length = math.hypot(b_xy[0] - a_xy[0], b_xy[1] - a_xy[1])
    ra, ca = _fractional(origin_xy, cell_size_m, a_xy)
    rb, cb = _fractional(origin_xy, cell_size_m, b_xy)
    t = np.unique(np.concatenate([[0.0, 1.0], _crossings(ra, rb), _crossings(ca, cb)]))
    mid = 0.5 * (t[:-1] + t[1:])
    rows = np.clip(np.rint(ra + mid * (rb - ra)), 0, dem.shape[0] - 1).astype(np.intp)
    cols = np.clip(np.rint(ca + mid * (cb - ca)), 0, dem.shape[1] - 1).astype(np.intp)
    top = np.asarray(dem, dtype=np.float64)[rows, cols]
    if extra is not None:
        top = top + extra[rows, cols]
    if not np.all(np.isfinite(top)):
        msg = "dem contains NaN or infinite heights on the hop's path; fill the holes first"
        raise ModelError(msg)
    h = np.empty(t.size)
    h[1:-1] = np.maximum(top[:-1], top[1:])
    h[0], h[-1] = h_ends[0], h_ends[-1]
    if t.size == 2:  # the whole hop inside one cell: one interior point at its middle
        t = np.array([0.0, 0.5, 1.0])
        h = np.array([h_ends[0], top[0], h_ends[-1]])
    return t * (length / 1000.0), h
