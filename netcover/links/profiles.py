"""Dense terrain profiles of a microwave hop, optionally with clutter (trees, buildings) on top.

Sampled once per DEM cell (bilinear heights), a crest one cell wide between two samples is seen at
half its height or less. :func:`netcover.links.hops.check_hops` uses :func:`hop_terrain`, with one of:

- ``"dense"`` (:func:`dense_profile`, the default): bilinear heights at least twice per cell
  (``samples_per_cell``). The DEM's values are samples of the ground at the cell centres, and the
  bilinear surface through them is the ground model of the whole package (and of ITU-R P.1812's
  profile extraction); at half a cell every cell centre lies within a quarter cell of a sample;
- ``"max_cell"`` (:func:`max_cell_profile`): the conservative step profile, each point at the
  highest of the cells the ray touches there, found by walking the ray through every cell boundary
  it crosses. It treats each cell as flat at its value, so on a slope every point is up to a cell's
  rise too high (8-17 m on 15-30 degree slopes of a 30 m DEM): an upper bound, not an estimate.

Both take an optional ``clutter`` grid (metres above ground on the DEM's grid, e.g. tree height)
added to the interior points. The two end points stay bare ground: the mast heights of
:func:`netcover.links.microwave.min_clearance` are measured from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from netcover.errors import ModelError
from netcover.radio._sampling import bilinear_height
from netcover.radio.area import profile_between

__all__ = ["HopTerrain", "check_clutter", "dense_profile", "hop_terrain", "max_cell_profile"]

_F64 = NDArray[np.float64]


@dataclass(frozen=True)
class HopTerrain:
    """A hop's profile: distances (km), bare ground (m) and clutter above it (m; zeros without a
    land-cover layer, and at the two ends). ``h_m`` (ground plus clutter) is what the clearance
    check uses."""

    d_km: _F64
    ground_m: _F64
    clutter_m: _F64

    @property
    def h_m(self) -> _F64:
        """Ground plus clutter: the obstacle heights of the clearance check."""
        return np.asarray(self.ground_m + self.clutter_m, dtype=np.float64)


@njit(cache=True, nogil=True)
def _line_heights(grid: np.ndarray, ra: float, ca: float, rb: float, cb: float,
                  t: np.ndarray) -> np.ndarray:
    """Bilinear heights of ``grid`` at the path parameters ``t`` of the line (ra, ca)-(rb, cb)."""
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        out[i] = bilinear_height(grid, ra + t[i] * (rb - ra), ca + t[i] * (cb - ca))
    return out


def check_clutter(clutter: np.ndarray | None, shape: tuple[int, ...]) -> _F64 | None:
    """Clutter heights on a DEM grid of ``shape`` as contiguous float64, checked (None: no layer).

    Raises
    ------
    ModelError
        The grid's shape differs from the DEM's, or a height is negative or not finite.
    """
    if clutter is None:
        return None
    arr = np.ascontiguousarray(clutter, dtype=np.float64)
    if arr.shape != shape:
        msg = f"clutter grid must have the DEM's shape {shape}, got {arr.shape}"
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

    The points are those of :func:`netcover.radio.area.profile_between` with ``step_m = cell_size_m
    / samples_per_cell`` (the same heights, computed by one compiled loop).

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
    extra = check_clutter(clutter, dem.shape)
    # profile_between validates the DEM and the ends (its three points cost nothing).
    profile_between(dem, origin_xy, cell_size_m, a_xy, b_xy, step_m=None)
    hop = _dense(dem, extra, origin_xy, cell_size_m, a_xy, b_xy, samples_per_cell)
    return hop.d_km, hop.h_m


def _dense(dem: np.ndarray, clutter: np.ndarray | None, origin_xy: tuple[float, float],
           cell_size_m: float, a_xy: tuple[float, float], b_xy: tuple[float, float],
           samples_per_cell: int) -> HopTerrain:
    """:func:`dense_profile` without the checks (the caller made them)."""
    if int(samples_per_cell) != samples_per_cell or samples_per_cell < 2:
        msg = f"samples_per_cell must be an integer >= 2, got {samples_per_cell!r}"
        raise ModelError(msg)
    length = math.hypot(b_xy[0] - a_xy[0], b_xy[1] - a_xy[1])
    n_seg = max(math.ceil(length / (cell_size_m / samples_per_cell) - 1e-9), 2)
    t = np.linspace(0.0, 1.0, n_seg + 1)
    ra, ca = _fractional(origin_xy, cell_size_m, a_xy)
    rb, cb = _fractional(origin_xy, cell_size_m, b_xy)
    ground = _sample(dem, ra, ca, rb, cb, t)
    above = np.zeros_like(ground)
    if clutter is not None:
        above[1:-1] = _sample(clutter, ra, ca, rb, cb, t)[1:-1]
    return HopTerrain(t * (length / 1000.0), ground, above)


def _sample(grid: np.ndarray, ra: float, ca: float, rb: float, cb: float,
            t: np.ndarray) -> _F64:
    """Bilinear values of ``grid`` along the line, on the float64 window around it (as
    :func:`netcover.radio.area.profile_between` reads it, so the values are the same)."""
    nr, nc = grid.shape
    r0 = max(math.floor(min(ra, rb)) - 2, 0)
    c0 = max(math.floor(min(ca, cb)) - 2, 0)
    r1 = min(math.ceil(max(ra, rb)) + 3, nr)
    c1 = min(math.ceil(max(ca, cb)) + 3, nc)
    if r1 - r0 < 2 or c1 - c0 < 2:  # at the grid's edge: widen inwards
        r0, c0 = max(min(r0, nr - 2), 0), max(min(c0, nc - 2), 0)
        r1, c1 = max(r1, r0 + 2), max(c1, c0 + 2)
    window = np.ascontiguousarray(grid[r0:r1, c0:c1], dtype=np.float64)
    return np.asarray(_line_heights(window, ra - r0, ca - c0, rb - r0, cb - c0, t))


def hop_terrain(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                a_xy: tuple[float, float], b_xy: tuple[float, float], *,
                method: str = "dense", samples_per_cell: int = 2,
                clutter: np.ndarray | None = None) -> HopTerrain:
    """The hop's profile by ``method`` ("dense" or "max_cell"), ground and clutter apart.

    For the link planner's inner loop: the ends must lie inside the DEM, the DEM be free of holes
    and ``clutter`` (if given) be finite and >= 0 on the DEM's grid; nothing is checked here (see
    :func:`dense_profile` and :func:`max_cell_profile` for the checked versions).
    """
    if method == "dense":
        return _dense(dem, clutter, origin_xy, cell_size_m, a_xy, b_xy, samples_per_cell)
    if method == "max_cell":
        d_km, ground = max_cell_profile(dem, origin_xy, cell_size_m, a_xy, b_xy)
        if clutter is None:
            return HopTerrain(d_km, ground, np.zeros_like(ground))
        _, top = max_cell_profile(dem, origin_xy, cell_size_m, a_xy, b_xy, clutter=clutter)
        return HopTerrain(d_km, ground, top - ground)
    msg = f"unknown profile method {method!r}: use 'dense' or 'max_cell'"
    raise ModelError(msg)


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
    extra = check_clutter(clutter, dem.shape)
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
