"""A synthetic province for the large-area benchmark: a karst DEM, a thousand sites, a scenario.

Usage::

    python benchmarks/province.py FOLDER [--area-km2 8000] [--sites 1000] [--cell-m 30]
                                         [--radius-km 10] [--seed 8] [--tile-size 1024]

writes into ``FOLDER``:

- ``dem.tif``: a square of ``area_km2`` centred on about 105.0E, 22.3N (between Tuyên Quang and
  Hà Giang), EPSG:32648 (UTM 48N), square north-up cells, float32, tiled 256 x 256, deflate.
  The heights (100-2,000 m) rise from the southern lowlands to the northern plateau: seeded noise
  octaves, ridged mountain chains where a broad mask says "mountains", river valleys along the
  zero lines of a noise field, and clusters of steep karst cones (fengcong) away from the valleys.
  Every height is a function of the cell's coordinates alone (noise lattices interpolated with
  cubic splines prepared once), so the DEM is computed and written one row of 256-row blocks at a
  time: the generator holds one such strip and its temporaries, never the whole DEM (at 8,000 km2
  its arrays peak at about 75 MB, against 36 MB for the whole DEM in float32: the strips are what
  keeps it bounded at national sizes);
- ``sites.csv`` in the layout of ``gis_data/quan_ba/sites.csv``: ``n_sites`` sites of three
  operators, each with three 4G 1800 MHz sectors at 0/120/240 degrees, masts 25-45 m, at least a
  minimum spacing apart and denser in the valleys (where villages and roads are);
- ``scenario.toml`` naming them, with ``[coverage] radius_km``, ``cache_dir = "cache"`` and
  ``[execution] tile_size``.

Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage

from netcover.data.sites import SITE_COLUMNS
from netcover.samplegen.grid import Grid, stream, to_lonlat, to_utm

FloatArray = NDArray[np.float64]

#: Centre of the province (lon, lat): between Tuyên Quang and Hà Giang.
CENTRE_LONLAT = (105.0, 22.3)
CRS_UTM = "EPSG:32648"
LOW_M, HIGH_M = 100.0, 2000.0
BLOCK = 256

#: (name, id prefix, share of the sites).
OPERATORS = (("Viettel", "VTL", 0.45), ("VNPT", "VNP", 0.30), ("MobiFone", "MBF", 0.25))
_LAYER_NOISE, _LAYER_CONES, _LAYER_SITES, _LAYER_CELLS = 81, 82, 83, 84
#: (wavelength m, amplitude m) of the rolling base surface.
_OCTAVES = ((16_000.0, 150.0), (6_000.0, 120.0), (2_000.0, 60.0), (700.0, 18.0), (250.0, 5.0))
#: (wavelength m, half-width in noise units, share of the height above 120 m cut away) of the
#: river networks: main valleys and tributaries.
_RIVERS = ((14_000.0, 0.9, 0.5), (5_000.0, 0.6, 0.3))
_CONE_SPACING_M = 600.0


@dataclass(frozen=True)
class _Noise:
    """Band-limited noise of unit scale at one wavelength, defined at any point of a box.

    ``coeffs`` are the cubic-spline coefficients of a lattice of white noise spaced half a
    wavelength apart, anchored at (``x0``, ``y1``), the box's north-west corner.
    """

    coeffs: FloatArray
    x0: float
    y1: float
    spacing: float

    @classmethod
    def make(cls, rng: np.random.Generator, grid: Grid, wavelength_m: float) -> _Noise:
        """A new lattice over ``grid`` (plus a margin of two nodes) drawn from ``rng``."""
        spacing = wavelength_m / 2.0
        ny = int(np.ceil(grid.ny * grid.cell / spacing)) + 4
        nx = int(np.ceil(grid.nx * grid.cell / spacing)) + 4
        lattice = rng.standard_normal((ny, nx))
        coeffs = ndimage.spline_filter(lattice, order=3, mode="nearest")
        return cls(coeffs, grid.x0, grid.y1, spacing)

    def at(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """The noise at points (any shape; UTM metres)."""
        cols = (np.asarray(x) - self.x0) / self.spacing + 1.5
        rows = (self.y1 - np.asarray(y)) / self.spacing + 1.5
        out = ndimage.map_coordinates(self.coeffs, [rows.ravel(), cols.ravel()], order=3,
                                      mode="nearest", prefilter=False)
        return out.reshape(np.shape(x)) / 0.86  # the spline of white noise has a std of ~0.86


def _smoothstep(e0: float, e1: float, v: FloatArray) -> FloatArray:
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _soft_range(z: FloatArray, lo: float, hi: float) -> FloatArray:
    """Squash heights above ``hi - 250`` and below ``lo + 100`` smoothly into (lo, hi)."""
    top, bot = hi - 250.0, lo + 100.0
    out = np.where(z > top, top + 250.0 * np.tanh((z - top) / 250.0), z)
    return np.where(out < bot, bot - 100.0 * np.tanh((bot - out) / 100.0), out)


@dataclass(frozen=True)
class _Cones:
    """Karst cones: centres (UTM m), heights and radii (m), sorted by northing."""

    x: FloatArray
    y: FloatArray
    height: FloatArray
    radius: FloatArray


@dataclass(frozen=True)
class Relief:
    """The province's heights as a function of position (see the module docstring)."""

    grid: Grid
    yc: float
    octaves: tuple[tuple[_Noise, float], ...]
    mountains: _Noise
    ridges: _Noise
    rivers: tuple[tuple[_Noise, float, float], ...]
    karst: _Noise
    cones: _Cones

    @classmethod
    def make(cls, grid: Grid, seed: int) -> Relief:
        """The relief of ``grid`` drawn from ``seed`` (noise lattices and cones; no heights yet)."""
        rng = stream(seed, _LAYER_NOISE)
        octaves = tuple((_Noise.make(rng, grid, w), a) for w, a in _OCTAVES)
        mountains = _Noise.make(rng, grid, 30_000.0)
        ridges = _Noise.make(rng, grid, 8_000.0)
        rivers = tuple((_Noise.make(rng, grid, w), half, cut) for w, half, cut in _RIVERS)
        karst = _Noise.make(rng, grid, 16_000.0)
        yc = grid.y1 - grid.ny * grid.cell / 2.0
        relief = cls(grid, yc, octaves, mountains, ridges, rivers, karst,
                     _Cones(*(np.zeros(0),) * 4))
        return dataclasses.replace(relief, cones=relief._place_cones(stream(seed, _LAYER_CONES)))

    def _valleys(self, x: FloatArray, y: FloatArray) -> list[tuple[FloatArray, float]]:
        """(V-shaped weight, 1 on the river line and 0 beyond the valley; depth share) per network."""
        return [(np.clip(1.0 - np.abs(noise.at(x, y)) / half, 0.0, 1.0) ** 1.5, cut)
                for noise, half, cut in self.rivers]

    def valley(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """1 on a river line, falling to 0 on the valley sides (about 1-3 km away)."""
        return np.maximum.reduce([v for v, _ in self._valleys(x, y)])

    def _karstness(self, x: FloatArray, y: FloatArray) -> FloatArray:
        return _smoothstep(-0.3, 0.6, self.karst.at(x, y))

    def base(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Heights without the karst cones (m, before the final squash into 100-2,000 m)."""
        z = 725.0 + 375.0 * (y - self.yc) / 45_000.0
        for noise, amp in self.octaves:
            z = z + amp * noise.at(x, y)
        chains = _smoothstep(-0.4, 1.0, self.mountains.at(x, y))
        crest = np.clip(1.0 - np.abs(self.ridges.at(x, y)), 0.0, 1.0) ** 2.5
        z = z + 700.0 * chains * crest
        for v, cut in self._valleys(x, y):
            z = z - v * cut * np.maximum(z - 120.0, 0.0)
        return z

    def _place_cones(self, rng: np.random.Generator) -> _Cones:
        """One candidate cone per lattice cell, jittered; kept with the local karst probability."""
        g = self.grid
        xs = g.x0 + np.arange(0.5, g.nx * g.cell / _CONE_SPACING_M, 1.0) * _CONE_SPACING_M
        ys = g.y1 - np.arange(0.5, g.ny * g.cell / _CONE_SPACING_M, 1.0) * _CONE_SPACING_M
        x, y = (a.ravel() for a in np.meshgrid(xs, ys))
        x = x + rng.uniform(-0.4, 0.4, x.size) * _CONE_SPACING_M
        y = y + rng.uniform(-0.4, 0.4, y.size) * _CONE_SPACING_M
        height = rng.uniform(60.0, 260.0, x.size)
        radius = rng.uniform(220.0, 520.0, x.size)
        draw = rng.uniform(size=x.size)
        keep = (draw < self._karstness(x, y)) & (self.valley(x, y) < 0.3)
        order = np.argsort(-y[keep], kind="stable")
        return _Cones(*(a[keep][order] for a in (x, y, height, radius)))

    def _cone_heights(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Sum of the cones over a strip of the grid (``x``, ``y`` from :meth:`Grid.mesh` rows)."""
        out = np.zeros(x.shape)
        cell = self.grid.cell
        top, bottom = float(y[0, 0]) + cell / 2, float(y[-1, 0]) - cell / 2
        c = self.cones
        near = np.flatnonzero((c.y - c.radius < top) & (c.y + c.radius > bottom))
        left = float(x[0, 0]) - cell / 2
        for k in near:
            r0 = max(int((top - c.y[k] - c.radius[k]) // cell), 0)
            r1 = min(int((top - c.y[k] + c.radius[k]) // cell) + 1, x.shape[0])
            c0 = max(int((c.x[k] - c.radius[k] - left) // cell), 0)
            c1 = min(int((c.x[k] + c.radius[k] - left) // cell) + 1, x.shape[1])
            if r1 <= r0 or c1 <= c0:
                continue
            d = np.hypot(x[r0:r1, c0:c1] - c.x[k], y[r0:r1, c0:c1] - c.y[k])
            t = np.clip(1.0 - d / c.radius[k], 0.0, 1.0)
            out[r0:r1, c0:c1] += c.height[k] * t**1.3 * (1.0 - 0.3 * t**6)
        return out

    def strip(self, row_off: int, rows: int) -> NDArray[np.float32]:
        """float32 heights of grid rows ``row_off`` to ``row_off + rows``."""
        g = self.grid
        xs, ys = g.centres()
        x, y = np.meshgrid(xs, ys[row_off:row_off + rows])
        z = self.base(x, y) + self._cone_heights(x, y) * (1.0 - self.valley(x, y))
        return _soft_range(z, LOW_M, HIGH_M).astype(np.float32)

    def strips(self) -> Iterator[tuple[int, NDArray[np.float32]]]:
        """(row offset, heights) of every strip of :data:`BLOCK` rows, north to south."""
        for r in range(0, self.grid.ny, BLOCK):
            yield r, self.strip(r, min(BLOCK, self.grid.ny - r))


def province_grid(area_km2: float, cell_m: float) -> Grid:
    """The square grid of about ``area_km2`` centred on :data:`CENTRE_LONLAT`, edges on whole cells."""
    if area_km2 <= 0 or cell_m <= 0:
        msg = f"area_km2={area_km2} and cell_m={cell_m} must both be > 0"
        raise ValueError(msg)
    n = max(round(math.sqrt(area_km2) * 1000.0 / cell_m), 8)
    cx, cy = (float(v) for v in to_utm(*CENTRE_LONLAT))
    x0 = math.floor((cx - n * cell_m / 2.0) / cell_m) * cell_m
    y1 = math.floor((cy + n * cell_m / 2.0) / cell_m) * cell_m
    return Grid(float(x0), float(y1), float(cell_m), n, n)


def write_dem(path: Path, relief: Relief) -> Path:
    """Write the DEM strip by strip (tiled 256 x 256, deflate, float32, EPSG:32648)."""
    import rasterio
    from rasterio.windows import Window

    g = relief.grid
    profile = {
        "driver": "GTiff", "width": g.nx, "height": g.ny, "count": 1, "dtype": "float32",
        "crs": CRS_UTM, "transform": g.transform, "nodata": -9999.0, "tiled": True,
        "blockxsize": BLOCK, "blockysize": BLOCK, "compress": "deflate", "predictor": 3,
    }
    tmp = path.with_name(path.name + ".tmp")
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(tmp, "w", **profile) as dst:
        for row_off, heights in relief.strips():
            dst.write(heights, 1, window=Window(0, row_off, g.nx, heights.shape[0]))
        dst.set_band_description(1, "elevation")
        dst.update_tags(1, units="m")
    os.replace(tmp, path)
    return path


def place_sites(relief: Relief, n_sites: int, rng: np.random.Generator) -> FloatArray:
    """(n_sites, 2) UTM positions: random, at least a spacing apart, denser in the valleys.

    The spacing is half the mean distance between sites, ``0.5 * sqrt(area / n_sites)``; sites keep
    a margin of the same size (at most 1 km) from the edge of the DEM. A candidate is accepted with
    probability 0.3 in the hills rising to 1 on a river line.
    """
    g = relief.grid
    side = g.nx * g.cell
    spacing = 0.5 * side / math.sqrt(n_sites)
    margin = min(spacing, 1000.0, side / 4.0)
    chosen = np.zeros((0, 2))
    for _ in range(200):
        x = rng.uniform(g.x0 + margin, g.x0 + side - margin, 4 * n_sites)
        y = rng.uniform(g.y1 - side + margin, g.y1 - margin, 4 * n_sites)
        accept = rng.uniform(size=x.size) < 0.3 + 0.7 * relief.valley(x, y)
        for px, py in zip(x[accept], y[accept], strict=True):
            if chosen.size == 0 or np.min(np.hypot(chosen[:, 0] - px, chosen[:, 1] - py)) >= spacing:
                chosen = np.vstack([chosen, [px, py]])
                if len(chosen) == n_sites:
                    return chosen
    msg = f"could not place {n_sites} sites {spacing:.0f} m apart; ask for fewer sites"
    raise ValueError(msg)


def cells_table(xy: FloatArray, rng: np.random.Generator) -> pd.DataFrame:
    """One row per sector in the layout of ``sites.csv``: three 4G 1800 MHz sectors per site."""
    shares = np.array([s for _, _, s in OPERATORS])
    which = rng.choice(len(OPERATORS), size=len(xy), p=shares / shares.sum())
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    counts = dict.fromkeys(range(len(OPERATORS)), 0)
    rows = []
    for i, op in enumerate(which):
        name, prefix, _ = OPERATORS[int(op)]
        counts[int(op)] += 1
        site_id = f"{prefix}-TQ-{counts[int(op)]:04d}"
        height = float(rng.integers(25, 46))
        bandwidth = float(rng.choice([10.0, 20.0]))
        power = float(rng.choice([43.0, 46.0]))
        for sector, azimuth in enumerate((0.0, 120.0, 240.0)):
            rows.append({
                "site_id": site_id, "cell_id": f"{site_id}-L18-{sector + 1}", "operator": name,
                "technology": "4G", "lon": round(float(lon[i]), 6), "lat": round(float(lat[i]), 6),
                "height_m": height, "azimuth_deg": azimuth,
                "mech_tilt_deg": float(rng.integers(2, 7)),
                "elec_tilt_deg": float(rng.integers(0, 5)), "frequency_mhz": 1800.0,
                "bandwidth_mhz": bandwidth, "tx_power_dbm": power,
                "antenna_gain_dbi": 17.5 + float(rng.choice([-0.5, 0.0, 0.5])),
                "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 7.0, "pattern_file": "",
            })
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))


def scenario_text(area_km2: float, n_sites: int, radius_km: float, tile_size: int) -> str:
    """The ``scenario.toml`` of the province."""
    return (
        "# Synthetic province for the large-area benchmark (benchmarks/province.py).\n\n"
        "[scenario]\n"
        f'name = "Synthetic province, {area_km2:g} km2, {n_sites} sites"\n'
        'slug = "province"\n'
        f'crs = "{CRS_UTM}"\n\n'
        "[inputs]\n"
        'dem = "dem.tif"\n'
        'sites = "sites.csv"\n\n'
        "[coverage]\n"
        f"radius_km = {float(radius_km)!r}\n"
        'cache_dir = "cache"\n\n'
        "[execution]\n"
        f"tile_size = {int(tile_size)}\n"
    )


def make_province(folder: Path, *, area_km2: float = 8000.0, n_sites: int = 1000,
                  cell_m: float = 30.0, radius_km: float = 10.0, seed: int = 8,
                  tile_size: int = 1024) -> Path:
    """Write the synthetic province into ``folder``; return its ``scenario.toml``.

    Parameters
    ----------
    folder : Path
        Created if needed; ``dem.tif``, ``sites.csv`` and ``scenario.toml`` are replaced.
    area_km2 : float
        Area of the square DEM (rounded to whole cells).
    n_sites : int
        Sites (three sectors each).
    cell_m : float
        DEM cell size in metres.
    radius_km : float
        ``[coverage] radius_km`` of the scenario.
    seed : int
        Seed of every random draw: same arguments, same bytes.
    tile_size : int
        ``[execution] tile_size`` of the scenario (cells per tile side).
    """
    if n_sites < 1:
        msg = f"n_sites={n_sites}: use 1 or more"
        raise ValueError(msg)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    relief = Relief.make(province_grid(area_km2, cell_m), seed)
    write_dem(folder / "dem.tif", relief)
    xy = place_sites(relief, n_sites, stream(seed, _LAYER_SITES))
    cells = cells_table(xy, stream(seed, _LAYER_CELLS))
    cells.to_csv(folder / "sites.csv", index=False, lineterminator="\n", encoding="utf-8")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(area_km2, n_sites, radius_km, tile_size), encoding="utf-8")
    return scenario


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--area-km2", type=float, default=8000.0)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--cell-m", type=float, default=30.0)
    parser.add_argument("--radius-km", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--tile-size", type=int, default=1024)
    args = parser.parse_args(argv)
    scenario = make_province(args.folder, area_km2=args.area_km2, n_sites=args.sites,
                             cell_m=args.cell_m, radius_km=args.radius_km, seed=args.seed,
                             tile_size=args.tile_size)
    print(scenario)


if __name__ == "__main__":
    main()
