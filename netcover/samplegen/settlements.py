"""Villages (thôn, bản) and town quarters as points, with people, households and fibre households.

Each commune's households (from :func:`.communes.households`) are split among villages of 20-150
households (the commune's centre village larger; quarters of the town larger still). Villages sit
in valleys and on gentle slopes: cells are drawn with weights favouring low slope and nearness to a
stream, at least ``_MIN_SPACING_M`` apart. Fibre households concentrate in the town and commune
centres and fall off with distance from the commune seat; the district total is
:data:`FIBRE_HOUSEHOLDS`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from netcover.samplegen.facts import COMMUNES, CRS_UTM, FIBRE_HOUSEHOLDS, Commune, largest_remainder
from netcover.samplegen.grid import FloatArray, Grid, stream, to_utm

__all__ = ["make_settlements"]

_LAYER = 5
_MIN_SPACING_M = 650.0
_TOWN_QUARTERS = 7
_MIN_HH, _MAX_HH = 20, 150
_MEAN_HH = 78.0

_FIRST = ("Lùng", "Sủng", "Lũng", "Khâu", "Nà", "Nậm", "Pả", "Mỏ", "Xín", "Phìn", "Séo", "Tả",
          "Há", "Lao", "Ma", "Cốc", "Thèn", "Chúng", "Pó", "Sán", "Vàng", "Lủng", "Tùng", "Nặm",
          "Bó", "Khuổi", "Pài", "Chín", "Mào", "Súng")
_SECOND = ("Cáng", "Chư", "Phìn", "Hồ", "Chải", "Tủng", "Sán", "Mười", "Pa", "Lẻng", "Vàng", "Sảng",
           "Chá", "Quáng", "Thàng", "Pao", "Sì", "Lử", "Mồ", "Trá", "Khế", "Nùng", "Đăm", "Vai",
           "Tỉnh", "Cuôn", "Chang", "Hấu", "Lình", "Tràng", "Nhù", "Dìn", "Cái", "Pờ", "Khá")


def _names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct village names (Thôn/Bản + two syllables) not in ``taken``."""
    out: list[str] = []
    while len(out) < n:
        a = _FIRST[int(rng.integers(len(_FIRST)))]
        b = _SECOND[int(rng.integers(len(_SECOND)))]
        if a == b:
            continue
        stem = f"{a} {b}"
        if stem in taken:
            continue
        taken.add(stem)
        prefix = "Bản" if rng.uniform() < 0.2 else "Thôn"
        out.append(f"{prefix} {stem}")
    return out


def _split_households(rng: np.random.Generator, total: int, town: bool) -> list[int]:
    """Village sizes summing to ``total``; the first is the centre (largest)."""
    if town:
        quarters = largest_remainder(list(rng.uniform(0.8, 1.2, _TOWN_QUARTERS)),
                                     int(total * 0.8))
        rest = total - sum(quarters)
        return quarters + _split_households(rng, rest, town=False)
    n = max(1, round(total / _MEAN_HH))
    for _ in range(500):
        w = rng.lognormal(0.0, 0.45, n)
        w[0] = max(w) * 1.3
        sizes = largest_remainder(list(w), total)
        if _MIN_HH <= min(sizes) and max(sizes) <= _MAX_HH:
            return sizes
        if max(sizes) > _MAX_HH:
            n += 1
        elif n > 1:
            n -= 1
    msg = f"cannot split {total} households into villages of {_MIN_HH}-{_MAX_HH}"
    raise ValueError(msg)


def _place(rng: np.random.Generator, grid: Grid, weight: FloatArray, n: int,
           first_xy: tuple[float, float], spread_m: float) -> list[tuple[float, float]]:
    """Draw ``n`` points: the first at ``first_xy``, the others from ``weight`` with spacing."""
    pts = [first_xy]
    flat = weight.ravel()
    cells = np.flatnonzero(flat > 0)
    p = flat[cells] / flat[cells].sum()
    spacing = spread_m
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries % 400 == 0:
            spacing *= 0.85
        k = int(cells[rng.choice(len(cells), p=p)])
        r, c = divmod(k, grid.nx)
        cx, cy = grid.xy(np.array(r), np.array(c))
        x = float(cx) + float(rng.uniform(-0.3, 0.3)) * grid.cell
        y = float(cy) + float(rng.uniform(-0.3, 0.3)) * grid.cell
        if min(np.hypot(x - a, y - b) for a, b in pts) < spacing:
            continue
        pts.append((x, y))
    return pts


def _fibre(hh: NDArray[np.int64], share: FloatArray, total: int) -> NDArray[np.int64]:
    """Split ``total`` as ``k * share * hh`` capped by ``hh`` (``k`` found by bisection)."""
    lo, hi = 0.0, 10.0
    for _ in range(60):
        k = 0.5 * (lo + hi)
        if np.minimum(hh, k * share * hh).sum() < total:
            lo = k
        else:
            hi = k
    exact = np.minimum(hh, hi * share * hh)
    out = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - out), kind="stable")
    short = total - int(out.sum())
    for i in order:
        if short <= 0:
            break
        if out[i] < hh[i]:
            out[i] += 1
            short -= 1
    return out


def make_settlements(grid: Grid, elevation: FloatArray, stream_dist: FloatArray,
                     label: NDArray[np.int64], communes: gpd.GeoDataFrame, seed: int
                     ) -> gpd.GeoDataFrame:
    """The ``settlements`` layer.

    Parameters
    ----------
    grid : Grid
        The 100 m analysis grid.
    elevation, stream_dist : ndarray
        Elevation (m) and distance to the nearest stream (m) on ``grid``.
    label : ndarray of int
        Commune index of every cell (position in :data:`COMMUNES`), -1 outside the district.
    communes : GeoDataFrame
        The ``communes`` layer (its populations and households are shared out).
    seed : int
        Random seed.
    """
    rng = stream(seed, _LAYER)
    gy, gx = np.gradient(elevation, grid.cell)
    slope = np.hypot(gx, gy)
    suit = np.exp(-slope / 0.18) * (0.25 + np.exp(-stream_dist / 500.0))
    rows: list[dict[str, object]] = []
    for k, com in enumerate(COMMUNES):
        rec = communes.iloc[k]
        poly = rec.geometry
        inside = (label == k) & _inside_mask(grid, poly)
        sizes = _split_households(rng, int(rec["households"]), com.is_town)
        sx, sy = to_utm(com.lon, com.lat)
        pts = _place(rng, grid, np.where(inside, suit, 0.0), len(sizes),
                     (float(sx), float(sy)), 280.0 if com.is_town else _MIN_SPACING_M)
        rows.extend(_village_rows(rng, com, sizes, pts, int(rec["population"]), grid, elevation))
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_UTM)
    share = _fibre_share(gdf)
    town = gdf["commune_code"].isin([c.code for c in COMMUNES if c.is_town]).to_numpy()
    hh = gdf["households"].to_numpy(np.int64)
    cap = np.floor(hh * np.where(town, _FIBRE_CAP_TOWN, _FIBRE_CAP)).astype(np.int64)
    gdf["fibre_households"] = _fibre(cap, share * hh / np.maximum(cap, 1), FIBRE_HOUSEHOLDS)
    remote = (share < 0.15) & (gdf["households"].to_numpy() < 70)
    idx = np.flatnonzero(remote)
    off = rng.choice(idx, size=min(len(idx), 7), replace=False) if len(idx) else idx
    electrified = np.ones(len(gdf), dtype=bool)
    electrified[off] = False
    gdf["electrified"] = electrified
    cols = ["settlement_id", "name", "commune_code", "commune", "population", "households",
            "fibre_households", "electrified", "elevation_m", "geometry"]
    return gdf[cols]


def _inside_mask(grid: Grid, poly: shapely.Geometry) -> NDArray[np.bool_]:
    """Cells whose centre (and a 60 m margin) lies inside ``poly``."""
    x, y = grid.mesh()
    inner = poly.buffer(-60.0)
    return shapely.contains_xy(inner, x, y)


def _village_rows(rng: np.random.Generator, com: Commune, sizes: list[int],
                  pts: list[tuple[float, float]], population: int, grid: Grid,
                  elevation: FloatArray) -> list[dict[str, object]]:
    hh_size = rng.uniform(0.85, 1.15, len(sizes)) * np.array(sizes, dtype=float)
    people = largest_remainder(list(hh_size), population)
    taken: set[str] = set()
    if com.is_town:
        names = [f"Tổ {i + 1}" for i in range(_TOWN_QUARTERS)]
        names += _names(rng, len(sizes) - _TOWN_QUARTERS, taken)
    else:
        names = _names(rng, len(sizes), taken)
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    elev = grid.sample(elevation, xs, ys)
    out = []
    for i, (hh, pop) in enumerate(zip(sizes, people, strict=True)):
        out.append({
            "settlement_id": f"{com.code}-{i + 1:02d}",
            "name": names[i],
            "commune_code": com.code,
            "commune": com.name,
            "population": int(pop),
            "households": int(hh),
            "elevation_m": round(float(elev[i])),
            "geometry": shapely.Point(float(xs[i]), float(ys[i])),
        })
    return out


def _fibre_share(gdf: gpd.GeoDataFrame) -> FloatArray:
    """Relative fibre take-up: high in the town and at commune centres, falling with distance."""
    seats = {c.code: to_utm(c.lon, c.lat) for c in COMMUNES}
    town = {c.code for c in COMMUNES if c.is_town}
    share = np.empty(len(gdf))
    for i, (code, geom) in enumerate(zip(gdf["commune_code"], gdf.geometry, strict=True)):
        sx, sy = seats[code]
        d = float(np.hypot(geom.x - sx, geom.y - sy))
        share[i] = 1.0 if code in town else 0.05 + 0.95 * np.exp(-d / 2500.0)
    return share


#: Highest take-up of fibre in a village (the town, elsewhere).
_FIBRE_CAP_TOWN = 0.9
_FIBRE_CAP = 0.8
