"""The synthetic DEM: a karst plateau with drained river valleys, ridges and fengcong cones.

Built with numpy/scipy only, in this order: a drainage network (:mod:`.rivers`: main rivers along
hand-placed courses, space-filling tributaries); a surface rising from every river bed to the
interfluves, with seeded noise octaves and ridged noise away from the streams; a monotone map of
the heights to the district's hypsometry (:data:`_HYPSOMETRY`, mean about 1,000 m), which keeps the
drainage; the Tam Sơn basin, level with the river through it (about 1,000 m); the ridge of the
Quản Bạ pass south of the town with its saddle at 1,500 m; clusters of steep karst cones (fengcong)
and the twin hills of the basin; rounding to whole metres and a priority-flood pit fill, except
inside the cone clusters where closed depressions between cones are kept as dolines.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy import ndimage

from netcover.samplegen.facts import DISTRICT_BBOX_LONLAT, PASS_ELEVATION_M, PASS_LONLAT, TOWN_LONLAT
from netcover.samplegen.grid import FloatArray, Grid, smooth_noise, stream, to_utm
from netcover.samplegen.rivers import River, distance_to_rivers, main_rivers, tributaries, valley_surface

__all__ = ["Terrain", "district_box_mask", "fill_pits", "make_terrain"]

_LAYER_NOISE, _LAYER_RIVERS, _LAYER_CONES = 1, 2, 3

#: (wavelength m, amplitude m) of the noise octaves of the plateau.
_OCTAVES = ((14_000.0, 120.0), (6_000.0, 90.0), (2_500.0, 35.0), (1_000.0, 16.0), (300.0, 4.0))
_N_CLUSTERS = 9
#: (percentile, elevation m) of the district before cones, pass and basin are added.
_HYPSOMETRY = ((0.0, 360.0), (2.0, 500.0), (10.0, 675.0), (25.0, 840.0), (50.0, 975.0),
               (75.0, 1110.0), (90.0, 1290.0), (98.0, 1560.0), (100.0, 1840.0))


@dataclass(frozen=True)
class Terrain:
    """The generated terrain.

    Attributes
    ----------
    grid : Grid
        The DEM grid.
    dem : ndarray of int16
        Elevation in whole metres.
    rivers : list of River
        Main rivers and tributaries used for carving.
    karst : ndarray of bool
        Cells of the fengcong clusters (where dolines are kept).
    """

    grid: Grid
    dem: NDArray[np.int16]
    rivers: list[River]
    karst: NDArray[np.bool_]


def district_box_mask(grid: Grid) -> NDArray[np.bool_]:
    """Cells inside the district's lon/lat bounding box (approximated in UTM)."""
    west, south, east, north = DISTRICT_BBOX_LONLAT
    xw, ys = to_utm(np.array([west, west]), np.array([south, north]))
    xe, _ = to_utm(np.array([east, east]), np.array([south, north]))
    x, y = grid.mesh()
    return (x > xw.max()) & (x < xe.min()) & (y > ys.min()) & (y < ys.max())


def _smoothstep(e0: float, e1: float, v: FloatArray) -> FloatArray:
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _guide(grid: Grid, rng: np.random.Generator) -> FloatArray:
    """The broad plateau surface (trend plus the longest noise octaves) the rivers are cut into."""
    x, y = grid.mesh()
    tx, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
    z = 930.0 + 80.0 * (y - ty) / 13_000.0 + 60.0 * (x - tx) / 18_000.0
    for wavelength, amp in _OCTAVES[:2]:
        z = z + amp * smooth_noise(rng, grid, wavelength)
    return z


def _relief(grid: Grid, rng: np.random.Generator) -> FloatArray:
    """Height (m) the valley walls rise to above the nearest bed: larger in the north."""
    _, y = grid.mesh()
    _, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
    relief = 230.0 + 60.0 * (y - ty) / 13_000.0 + 140.0 * smooth_noise(rng, grid, 9_000.0)
    return np.clip(relief, 100.0, 600.0)


def _detail(grid: Grid, rng: np.random.Generator, dist: FloatArray) -> FloatArray:
    """Short noise octaves and ridged noise, fading to nothing at the rivers (``dist`` m away)."""
    away = 1.0 - np.exp(-dist / 450.0)
    z = np.zeros(grid.shape)
    for wavelength, amp in _OCTAVES[2:]:
        z += amp * smooth_noise(rng, grid, wavelength)
    ridged = 1.0 - np.abs(smooth_noise(rng, grid, 3_000.0))
    z += 50.0 * (ridged - 0.45)
    return z * away


def _ridge_frame(grid: Grid) -> tuple[FloatArray, FloatArray]:
    """Coordinates along and across the pass ridge (m), origin at the pass."""
    px, py = to_utm(PASS_LONLAT[0], PASS_LONLAT[1])
    x, y = grid.mesh()
    along = x - px
    return along, y - (py - 0.08 * along)


def _ridge_zone(grid: Grid) -> NDArray[np.bool_]:
    """Cells of the pass ridge that tributaries must not cross."""
    along, across = _ridge_frame(grid)
    return (np.abs(along) < 4300.0) & (np.abs(across) < 1800.0)


def _pass_ridge(grid: Grid, z: FloatArray, dist: FloatArray,
                rng: np.random.Generator) -> FloatArray:
    """Blend in the east-west ridge south of the town, its saddle at the pass.

    Streams crossing the ridge's flanks keep their gorges (the blend fades within ~300 m of them).
    """
    along, across = _ridge_frame(grid)
    crest = PASS_ELEVATION_M + np.minimum(0.11 * np.abs(along), 330.0)
    crest = crest + 45.0 * smooth_noise(rng, grid, 1_100.0) * _smoothstep(250.0, 1200.0,
                                                                         np.abs(along))
    w = np.exp(-((across / 1300.0) ** 2)) * _smoothstep(4000.0, 2500.0, np.abs(along))
    w = w * (1.0 - np.exp(-((dist / 300.0) ** 2)))
    return (1.0 - w) * z + w * np.maximum(crest, z)


def _basin(grid: Grid, z: FloatArray, rng: np.random.Generator, bed: FloatArray,
           dist: FloatArray) -> FloatArray:
    """Flatten the Tam Sơn basin around the town: a floor rising gently from the main river.

    ``bed`` is the elevation of the nearest main-river cell and ``dist`` the distance to it, so the
    floor drains to the river and stays level with it.
    """
    tx, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
    x, y = grid.mesh()
    r = np.hypot((x - tx) / 1.0, (y - ty - 300.0) / 1.35)
    w = _smoothstep(3300.0, 1500.0, r)
    bumps = 6.0 * smooth_noise(rng, grid, 900.0) * (1.0 - np.exp(-dist / 250.0))
    floor = bed + 4.0 + 0.025 * dist + bumps
    return (1.0 - w) * z + w * np.minimum(floor, z)


def _cone(grid: Grid, z: FloatArray, cx: float, cy: float, h: float, radius: float) -> None:
    """Add one karst cone to ``z`` in place (a local accumulator)."""
    r0, c0 = grid.index(np.array([cx]), np.array([cy]))
    half = int(np.ceil(radius / grid.cell)) + 1
    rs = slice(max(int(r0[0]) - half, 0), min(int(r0[0]) + half + 1, grid.ny))
    cs = slice(max(int(c0[0]) - half, 0), min(int(c0[0]) + half + 1, grid.nx))
    rr, cc = np.mgrid[rs, cs]
    x, y = grid.xy(rr, cc)
    t = np.clip(1.0 - np.hypot(x - cx, y - cy) / radius, 0.0, 1.0)
    z[rs, cs] += h * t**1.35 * (1.0 - 0.25 * t**6)


def _cones(grid: Grid, dist: FloatArray, allowed: NDArray[np.bool_],
           seed: int) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Heights of the fengcong clusters (placed where ``allowed``, away from the main rivers at
    ``dist``) and of the twin hills of the basin, and the mask of the clusters."""
    rng = stream(seed, _LAYER_CONES)
    out = np.zeros(grid.shape)
    ok = allowed & (dist > 1500.0)
    rows, cols = np.nonzero(ok)
    karst = np.zeros(grid.shape, dtype=bool)
    x, y = grid.mesh()
    centres: list[tuple[float, float]] = []
    tries = 0
    while len(centres) < _N_CLUSTERS and tries < 500 and len(rows):
        tries += 1
        k = int(rng.integers(len(rows)))
        cx, cy = grid.xy(rows[k], cols[k])
        if any(np.hypot(cx - a, cy - b) < 5000.0 for a, b in centres):
            continue
        centres.append((float(cx), float(cy)))
        radius = float(rng.uniform(1500.0, 2600.0))
        n = int(rng.integers(25, 50))
        for _ in range(n):
            rad = radius * np.sqrt(rng.uniform())
            ang = rng.uniform(0.0, 2.0 * np.pi)
            px, py = cx + rad * np.cos(ang), cy + rad * np.sin(ang)
            pr, pc = grid.index(np.array([px]), np.array([py]))
            radius_m = float(rng.uniform(280.0, 620.0))
            height_m = float(rng.uniform(80.0, 260.0))
            if dist[pr[0], pc[0]] < radius_m + 250.0:
                continue
            _cone(grid, out, float(px), float(py), height_m, radius_m)
        karst |= np.hypot(x - cx, y - cy) < radius * 0.9
    # the twin hills of the Tam Sơn basin
    tx, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
    for dx in (-260.0, 260.0):
        _cone(grid, out, float(tx) - 900.0 + dx, float(ty) - 1100.0, 75.0, 330.0)
    return out, karst & (dist > 250.0)


def _hypsometry(z: FloatArray, box: NDArray[np.bool_]) -> FloatArray:
    """Map elevations monotonically so that the district's quantiles hit :data:`_HYPSOMETRY`.

    An increasing map keeps every flow path and divide where it was, so drainage is preserved;
    beyond the district's extremes the end segments are extended linearly.
    """
    pct = np.array([p for p, _ in _HYPSOMETRY])
    target = np.array([t for _, t in _HYPSOMETRY])
    q = np.percentile(z[box], pct)
    out = np.interp(z, q, target)
    lo_slope = (target[1] - target[0]) / (q[1] - q[0])
    hi_slope = (target[-1] - target[-2]) / (q[-1] - q[-2])
    out = np.where(z < q[0], target[0] + (z - q[0]) * lo_slope, out)
    return np.where(z > q[-1], target[-1] + (z - q[-1]) * hi_slope, out)


def _compress_range(z: FloatArray, lo: float, hi: float) -> FloatArray:
    """Squash elevations above ``hi - 200`` and below ``lo + 80`` smoothly into [lo, hi]."""
    top = hi - 200.0
    out = np.where(z > top, top + 200.0 * np.tanh((z - top) / 200.0), z)
    bot = lo + 80.0
    return np.where(out < bot, bot - 80.0 * np.tanh((bot - out) / 80.0), out)


@njit(cache=True)
def _on_edge(r: int, c: int, ny: int, nx: int) -> bool:  # pragma: no cover - numba
    return r == 0 or c == 0 or r == ny - 1 or c == nx - 1


@njit(cache=True)
def _inside(r: int, c: int, ny: int, nx: int) -> bool:  # pragma: no cover - numba
    return 0 <= r < ny and 0 <= c < nx


@njit(cache=True)
def _priority_flood(dem: NDArray[np.int16]) -> NDArray[np.int16]:  # pragma: no cover - numba
    """Fill every closed depression (Barnes et al. 2014 priority-flood), edges as outlets."""
    ny, nx = dem.shape
    out = dem.copy()
    done = np.zeros((ny, nx), dtype=np.bool_)
    heap = [(np.int64(0), np.int64(0))]
    heap.pop()
    for r in range(ny):
        for c in range(nx):
            if _on_edge(r, c, ny, nx):
                heapq.heappush(heap, (np.int64(out[r, c]), np.int64(r * nx + c)))
                done[r, c] = True
    while heap:
        z, idx = heapq.heappop(heap)
        r = idx // nx
        c = idx % nx
        for dr in range(-1, 2):
            for dc in range(-1, 2):
                rr = r + dr
                cc = c + dc
                if not _inside(rr, cc, ny, nx) or done[rr, cc]:
                    continue
                done[rr, cc] = True
                if out[rr, cc] < z:
                    out[rr, cc] = z
                heapq.heappush(heap, (np.int64(out[rr, cc]), np.int64(rr * nx + cc)))
    return out


def fill_pits(dem: NDArray[np.int16]) -> NDArray[np.int16]:
    """Return ``dem`` with every closed depression filled to its spill level."""
    return _priority_flood(np.ascontiguousarray(dem))


def _keep_dolines(raw: NDArray[np.int16], filled: NDArray[np.int16],
                  karst: NDArray[np.bool_]) -> NDArray[np.int16]:
    """Filled surface, except closed depressions lying wholly inside the karst clusters."""
    labels, n = ndimage.label(filled > raw, structure=np.ones((3, 3)))
    if n == 0:
        return filled
    outside = ndimage.sum_labels(~karst, labels, index=np.arange(1, n + 1)) > 0
    keep = np.concatenate([[False], ~outside])[labels]
    return np.where(keep, raw, filled).astype(np.int16)


def make_terrain(grid: Grid, seed: int) -> Terrain:
    """Build the DEM on ``grid``.

    Parameters
    ----------
    grid : Grid
        Target grid (30 m for the bundled sample; coarser for quick runs).
    seed : int
        Random seed.
    """
    rng = stream(seed, _LAYER_RIVERS)
    coarse = Grid.on_extent(300.0)
    guide = _guide(coarse, stream(seed, _LAYER_NOISE))
    rivers = main_rivers(rng)
    rivers += tributaries(rng, guide, coarse, rivers, _ridge_zone(coarse))
    dist = distance_to_rivers(grid, rivers)
    noise_rng = stream(seed, _LAYER_NOISE + 10)
    z = valley_surface(grid, rivers, _relief(grid, noise_rng))
    z += _detail(grid, noise_rng, dist)
    box = district_box_mask(grid)
    z = _hypsometry(z, box)
    main = np.ones(grid.shape, dtype=bool)
    for r in rivers:
        if r.main:
            main[grid.index(r.x, r.y)] = False
    main_dist, (ir, ic) = ndimage.distance_transform_edt(main, sampling=grid.cell,
                                                          return_indices=True)
    z = _basin(grid, z, noise_rng, z[ir, ic], main_dist)
    z = _pass_ridge(grid, z, dist, noise_rng)
    tx, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
    px, py = to_utm(PASS_LONLAT[0], PASS_LONLAT[1])
    x, y = grid.mesh()
    far = (np.hypot(x - tx, y - ty) > 4500.0) & (np.hypot(x - px, y - py) > 3500.0)
    cones, karst = _cones(grid, main_dist, box & far, seed)
    z = z + cones * (1.0 - np.exp(-((dist / 160.0) ** 2)))
    z = _compress_range(z, 330.0, 1900.0)
    raw = np.round(z).astype(np.int16)
    dem = _keep_dolines(raw, fill_pits(raw), karst)
    return Terrain(grid, dem, rivers, karst)
