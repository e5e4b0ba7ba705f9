"""Benchmark of the area engine: one site, 15 km at 30 m, ITU-R P.1812 (50 %, no clutter).

Prints the machine, the time of the first call (JIT compilation, or loading numba's cache) and of warm
calls on one and two threads, and the agreement with the per-profile model
(:func:`~netcover.radio.p1812.p1812_profile_loss` on each cell's own profile) on 1,000 random
cells. Uses the bundled sample DEM ``gis_data/quan_ba/dem.tif`` when it exists (site in its middle,
30 m above ground, 1800 MHz), else a seeded synthetic DEM of the same size.

Run: ``python benchmarks/bench_single_site.py [--cells 1000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_description

from netcover.radio.area import SiteLoss, profile_between, site_loss_grid
from netcover.radio.p1812 import p1812_profile_loss

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DEM = REPO / "gis_data" / "quan_ba" / "dem.tif"
TX_HEIGHT_M, RX_HEIGHT_M, F_MHZ, RADIUS_M = 30.0, 1.5, 1800.0, 15_000.0


def load_dem() -> tuple[np.ndarray, tuple[float, float], float, str]:
    """(heights, origin_xy, cell size, description): the sample DEM, or a synthetic stand-in."""
    if SAMPLE_DEM.exists():
        import rasterio

        with rasterio.open(SAMPLE_DEM) as src:
            band = src.read(1, masked=True).astype(np.float32)
            cell = float(src.transform.a)
            origin = (float(src.transform.c), float(src.transform.f))
        heights = band.filled(np.nan)
        if np.isnan(heights).any():  # holes: fill with the mean (enough for a benchmark)
            heights[np.isnan(heights)] = float(np.nanmean(heights))
        return heights, origin, cell, f"sample DEM {SAMPLE_DEM.relative_to(REPO)}"
    rng = np.random.default_rng(2026)
    n_rows, n_cols, cell = 1300, 1550, 30.0
    y, x = np.mgrid[0:n_rows, 0:n_cols] * cell
    z = 1000.0 + 200.0 * np.sin(x / 4000.0) * np.cos(y / 5000.0)
    for _ in range(300):
        cx, cy = rng.uniform(0, n_cols * cell), rng.uniform(0, n_rows * cell)
        r = rng.uniform(200.0, 800.0)
        z += rng.uniform(50.0, 300.0) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / r**2)
    return z.astype(np.float32), (500_000.0, 2_560_000.0), cell, "synthetic DEM (seed 2026)"


def run(dem: np.ndarray, origin: tuple[float, float], cell: float,
        site: tuple[float, float]) -> SiteLoss:
    return site_loss_grid(dem, origin, cell, site, TX_HEIGHT_M, RX_HEIGHT_M, F_MHZ, RADIUS_M)


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU times (s) of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def agreement(dem: np.ndarray, origin: tuple[float, float], cell: float, site: tuple[float, float],
              grid: SiteLoss, n_cells: int) -> np.ndarray:
    """Engine minus per-profile Lbd50 (dB) at ``n_cells`` random cells of the disc."""
    rng = np.random.default_rng(1812)
    rows, cols = np.nonzero(np.isfinite(grid.loss_db))
    diffs = []
    for i in rng.choice(rows.size, min(n_cells, rows.size), replace=False):
        r, c = rows[i] + grid.row_off, cols[i] + grid.col_off
        xy = (origin[0] + (c + 0.5) * cell, origin[1] - (r + 0.5) * cell)
        if math.hypot(xy[0] - site[0], xy[1] - site[1]) < cell:
            continue
        d_km, h_m = profile_between(dem, origin, cell, site, xy)
        ref = p1812_profile_loss(d_km, h_m, TX_HEIGHT_M, RX_HEIGHT_M, F_MHZ / 1000.0)["Lbd50"]
        diffs.append(float(grid.loss_db[rows[i], cols[i]]) - ref)
    return np.array(diffs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000, help="cells for the agreement figures")
    parser.add_argument("--repeat", type=int, default=5, help="warm calls per thread count")
    parser.add_argument("--first-call-only", action="store_true",
                        help="time one call and exit (used for the cold-cache measurement)")
    args = parser.parse_args()
    if args.first_call_only:
        dem, origin, cell, _ = load_dem()
        numba.set_num_threads(1)
        t0 = time.perf_counter()
        run(dem, origin, cell, (origin[0] + dem.shape[1] * cell / 2.0,
                                origin[1] - dem.shape[0] * cell / 2.0))
        print(f"{time.perf_counter() - t0:.2f}")
        return

    print(machine_description())
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    dem, origin, cell, what = load_dem()
    n_rows, n_cols = dem.shape
    site = (origin[0] + n_cols * cell / 2.0, origin[1] - n_rows * cell / 2.0)
    print(f"{what}: {n_rows} x {n_cols} cells of {cell:g} m; site at the centre "
          f"({site[0]:.0f}, {site[1]:.0f}), {TX_HEIGHT_M:g} m, {F_MHZ:g} MHz, radius {RADIUS_M:g} m, "
          f"receivers {RX_HEIGHT_M:g} m")

    max_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    t0 = time.perf_counter()
    grid = run(dem, origin, cell, site)
    first = time.perf_counter() - t0
    n_cells = int(np.isfinite(grid.loss_db).sum())
    print(f"cells in the disc: {n_cells:,}")
    print(f"first call in this process (numba cache load, or compile if no cache): {first:.2f} s")
    with tempfile.TemporaryDirectory() as cache_dir:  # an empty numba cache: a true compile
        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
        cold = subprocess.run([sys.executable, __file__, "--first-call-only"], env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
    print(f"first call with an empty numba cache (JIT compile + run, 1 thread): {cold} s")
    for threads in sorted({1, min(2, max_threads)}):
        numba.set_num_threads(threads)
        wall, cpu = timed(lambda: run(dem, origin, cell, site), args.repeat)
        print(f"warm call, {threads} thread(s): wall min {min(wall):.3f} s, median "
              f"{statistics.median(wall):.3f} s; process CPU min {min(cpu):.3f} s "
              f"({args.repeat} calls)")
    same = np.array_equal(run(dem, origin, cell, site).loss_db, grid.loss_db, equal_nan=True)
    print(f"same output with 1 and {threads} thread(s): {same}")

    diff = agreement(dem, origin, cell, site, grid, args.cells)
    a = np.abs(diff)
    print(f"agreement with p1812_profile_loss on {a.size} random cells: |diff| median "
          f"{np.median(a):.2f} dB, p95 {np.percentile(a, 95):.2f} dB, max {a.max():.2f} dB; "
          f"mean diff {diff.mean():+.2f} dB")


if __name__ == "__main__":
    main()
