"""The drainage network of the synthetic district: main rivers, tributaries and valley carving.

Main rivers follow hand-placed control points (lon, lat, bed elevation) chosen to match the district's
layout: a main stream from the north through the Tam Sơn basin, then west and south through Tùng Vài
and Tả Ván; an eastern stream through Cán Tỷ and Đông Hà; the Quyết Tiến valley south of the pass
(followed by QL4C); a stream past Lùng Tám and Thái An. Tributaries are drawn at random from plateau
points to the nearest lower point of a main river. Beds fall monotonically downstream and every main
river leaves the raster extent, so after pit filling all water reaches an edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from netcover.samplegen.grid import FloatArray, Grid, smooth_noise_1d, to_utm

__all__ = ["River", "distance_to_rivers", "main_rivers", "tributaries", "valley_surface"]

#: (name, floor half-width m, [(lon, lat, bed elevation m), ...]) from source to outlet.
_MAIN_RIVERS: tuple[tuple[str, float, tuple[tuple[float, float, float], ...]], ...] = (
    ("Sông Miện", 140.0, (
        (104.986, 23.190, 1280.0), (104.975, 23.145, 1200.0), (104.962, 23.105, 1150.0),
        (104.967, 23.078, 1125.0), (104.952, 23.066, 1115.0), (104.915, 23.068, 990.0),
        (104.885, 23.072, 860.0), (104.870, 23.045, 760.0), (104.860, 23.012, 640.0),
        (104.855, 22.975, 520.0), (104.850, 22.930, 420.0), (104.845, 22.880, 340.0),
    )),
    ("suối Nghĩa Thuận", 90.0, (
        (104.925, 23.180, 1150.0), (104.905, 23.140, 1080.0), (104.872, 23.116, 1000.0),
        (104.846, 23.101, 950.0), (104.868, 23.082, 890.0), (104.884, 23.073, 861.0),
    )),
    ("suối Cán Tỷ", 110.0, (
        (105.072, 23.165, 1150.0), (105.046, 23.110, 1050.0), (105.031, 23.070, 960.0),
        (105.020, 23.040, 880.0), (105.026, 23.013, 760.0), (105.010, 22.975, 600.0),
        (104.995, 22.935, 480.0), (104.990, 22.880, 370.0),
    )),
    ("suối Quyết Tiến", 90.0, (
        (104.976, 23.036, 1250.0), (104.969, 23.006, 900.0), (104.964, 22.965, 640.0),
        (104.975, 22.925, 470.0), (104.985, 22.880, 380.0),
    )),
    ("suối Lùng Tám", 90.0, (
        (105.112, 23.095, 1100.0), (105.091, 23.046, 1000.0), (105.084, 23.012, 900.0),
        (105.097, 22.979, 810.0), (105.106, 22.930, 600.0), (105.112, 22.880, 440.0),
    )),
)

_STEP_M = 15.0
_MAX_TRIBUTARIES = 400
_MAX_GAP_M = 1900.0
_BED_SMOOTH_M = 250.0


@dataclass(frozen=True)
class River:
    """A river as a dense polyline with its bed elevation.

    Attributes
    ----------
    name : str
        Name (tributaries get an empty name).
    x, y : ndarray
        Vertices every ~15 m (UTM metres), source first.
    bed : ndarray
        Bed elevation at each vertex (m), non-increasing.
    floor_m : float
        Half-width of the flat valley floor (m).
    main : bool
        True for the main rivers.
    """

    name: str
    x: FloatArray
    y: FloatArray
    bed: FloatArray
    floor_m: float
    main: bool


def _densify(xs: FloatArray, ys: FloatArray, zs: FloatArray
             ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    seg = np.hypot(np.diff(xs), np.diff(ys))
    s_ctrl = np.concatenate([[0.0], np.cumsum(seg)])
    s = np.arange(0.0, s_ctrl[-1], _STEP_M)
    s = np.append(s, s_ctrl[-1])
    return (np.interp(s, s_ctrl, xs), np.interp(s, s_ctrl, ys), np.interp(s, s_ctrl, zs), s)


def _meander(rng: np.random.Generator, x: FloatArray, y: FloatArray, s: FloatArray,
             amplitude_m: float, wavelength_m: float) -> tuple[FloatArray, FloatArray]:
    """Offset a polyline sideways by smooth noise, zero at both ends."""
    dx = np.gradient(x)
    dy = np.gradient(y)
    norm = np.hypot(dx, dy) + 1e-9
    nx_, ny_ = -dy / norm, dx / norm
    taper = np.clip(np.minimum(s, s[-1] - s) / 600.0, 0.0, 1.0)
    off = amplitude_m * taper * smooth_noise_1d(rng, s, wavelength_m)
    off = ndimage.gaussian_filter1d(off, 8.0)
    return x + off * nx_, y + off * ny_


def main_rivers(rng: np.random.Generator) -> list[River]:
    """The main rivers with gentle meanders."""
    rivers = []
    for name, floor_m, pts in _MAIN_RIVERS:
        arr = np.asarray(pts, dtype=float)
        xs, ys = to_utm(arr[:, 0], arr[:, 1])
        x, y, z, s = _densify(xs, ys, arr[:, 2])
        x, y = _meander(rng, x, y, s, 220.0, 2400.0)
        rivers.append(River(name, x, y, z, floor_m, True))
    return rivers


def tributaries(rng: np.random.Generator, guide: FloatArray, guide_grid: Grid,
                mains: list[River], avoid: NDArray[np.bool_]) -> list[River]:
    """A space-filling network of tributaries joining the main rivers.

    Heads are put, one after another, near the point farthest from every river drawn so far, until
    no point of the extent is more than ``_MAX_GAP_M`` from a river; each tributary runs (with
    meanders) to the nearest vertex of an existing river whose bed is lower, so the network is a tree.

    Parameters
    ----------
    guide : ndarray
        A coarse plateau surface on ``guide_grid`` (m): the heads' beds sit below it.
    avoid : ndarray of bool
        Cells of ``guide_grid`` no tributary may cross (the ridge of the pass).
    """
    xs = [r.x[::4] for r in mains]
    ys = [r.y[::4] for r in mains]
    zs = [r.bed[::4] for r in mains]
    out: list[River] = []
    blocked = np.zeros(guide_grid.shape, dtype=bool)
    for _ in range(_MAX_TRIBUTARIES):
        vx = np.concatenate(xs)
        vy = np.concatenate(ys)
        vz = np.concatenate(zs)
        mask = np.ones(guide_grid.shape, dtype=bool)
        rr, cc = guide_grid.index(vx, vy)
        mask[rr, cc] = False
        dist = ndimage.distance_transform_edt(mask, sampling=guide_grid.cell)
        dist[avoid | blocked] = 0.0
        if dist.max() < _MAX_GAP_M:
            break
        cand = np.flatnonzero(dist.ravel() > 0.8 * dist.max())
        k = int(cand[rng.integers(len(cand))])
        hr, hc = divmod(k, guide_grid.nx)
        hx, hy = guide_grid.xy(np.array(hr), np.array(hc))
        d = np.hypot(vx - hx, vy - hy)
        j = int(np.argmin(d))
        length = float(d[j])
        head_z = max(float(guide[hr, hc]) - 300.0, float(vz[j]) + 5.0 + 0.008 * length)
        x, y, z, s = _densify(np.array([float(hx), vx[j]]), np.array([float(hy), vy[j]]),
                              np.array([head_z, float(vz[j]) + 0.5]))
        x, y = _meander(rng, x, y, s, min(300.0, 0.12 * length), 1600.0)
        if avoid[guide_grid.index(x, y)].any():
            blocked[hr, hc] = True
            continue
        trib = River("", x, y, z, 20.0, False)
        out.append(trib)
        xs.append(x[::4])
        ys.append(y[::4])
        zs.append(z[::4])
    return out


def valley_surface(grid: Grid, rivers: list[River], relief: FloatArray) -> FloatArray:
    """A surface that rises from every river bed towards the interfluves.

    Each cell takes the bed of its nearest river vertex, smoothed (Gaussian, ``_BED_SMOOTH_M``) so
    that it does not jump where two rivers' zones meet, plus a wall
    ``relief * (1 - exp(-d' / 550)) + 0.05 * d'`` with ``d' = max(d - floor, 0)``: flat valley
    floors, steep lower slopes, gentle rise further away, so the surface drains to the rivers.
    """
    mask = np.ones(grid.shape, dtype=bool)
    bed = np.full(grid.shape, np.inf)
    floor = np.zeros(grid.shape)
    for r in rivers:
        rr, cc = grid.index(r.x, r.y)
        cur = bed[rr, cc]
        lower = r.bed < cur
        bed[rr[lower], cc[lower]] = r.bed[lower]
        floor[rr[lower], cc[lower]] = r.floor_m
        mask[rr, cc] = False
    dist, (ir, ic) = ndimage.distance_transform_edt(mask, sampling=grid.cell,
                                                      return_indices=True)
    near_bed = ndimage.gaussian_filter(bed[ir, ic], _BED_SMOOTH_M / grid.cell, mode="nearest")
    d = np.maximum(dist - floor[ir, ic], 0.0)
    return near_bed + relief * (1.0 - np.exp(-d / 550.0)) + 0.05 * d


def distance_to_rivers(grid: Grid, rivers: list[River], *, main_only: bool = False) -> FloatArray:
    """Distance (m) from every cell to the nearest river (or main river) vertex."""
    mask = np.ones(grid.shape, dtype=bool)
    for r in rivers:
        if r.main or not main_only:
            rr, cc = grid.index(r.x, r.y)
            mask[rr, cc] = False
    return ndimage.distance_transform_edt(mask, sampling=grid.cell)
