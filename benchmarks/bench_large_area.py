"""Large areas on Dask: a synthetic province run tile by tile on 1 and 2 workers (issue 8).

Usage::

    python benchmarks/bench_large_area.py [--area-km2 8000] [--sites 1000] [--radius-km 10]
                                          [--workers 1,2] [--tile-size 1024] [--keep DIR]

1. makes the synthetic province (``benchmarks/province.py``: karst DEM at 30 m, sites of three
   4G sectors) in a temporary folder, or in ``--keep DIR`` (kept afterwards, with the results);
2. warms numba's on-disk cache with a tiny tiled run, so that no timed run pays for JIT compiling;
3. for every worker count, in a fresh Python process (so that its peak memory is its own): starts a
   Dask ``LocalCluster`` of that many single-threaded workers, runs
   :func:`netcover.coverage.tiled.run_tiled` with an empty loss cache (cold), and reports wall time per
   phase and peak memory per worker and of the client;
4. checks that every run wrote the same rasters, cell for cell, as the first;
5. prints an extrapolation to Tuyên Quang province and to a national run from the measured seconds
   per loss job and per tile.

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: (name, km2, sites) of the extrapolation.
TARGETS = (("Tuyên Quang province", 13_800.0, 3_000), ("national", 330_000.0, 100_000))
EXTRAPOLATION_WORKERS = (1, 2, 8, 32, 128)


def _ram_gb() -> float:
    """Total memory from /proc/meminfo (GB), NaN elsewhere."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024.0**2
    return float("nan")


def machine_line() -> str:
    """CPU, cores, RAM and the versions that matter here."""
    sys.path.insert(0, str(HERE))
    import dask
    import distributed
    from _machine import machine_description

    return (f"{machine_description()}; RAM {_ram_gb():.0f} GB; dask {dask.__version__}, "
            f"distributed {distributed.__version__}")


def source_digest() -> str:
    """Digest of netcover's Python sources (runs of different code are not comparable)."""
    import netcover

    h = hashlib.sha256()
    root = Path(netcover.__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def run_once(scenario_path: Path, out_dir: Path, cache_dir: Path, workers: int,
             tile_size: int) -> dict[str, Any]:
    """One cold tiled run on a fresh ``LocalCluster`` of ``workers`` (in this process)."""
    import dataclasses

    from netcover.config.scenario import load_scenario
    from netcover.core.parallel import DaskExecutor
    from netcover.coverage.tiled import run_tiled

    digest = source_digest()
    load_before = os.getloadavg()[0]
    scenario = load_scenario(scenario_path)
    scenario = dataclasses.replace(
        scenario, coverage=dataclasses.replace(scenario.coverage, cache_dir=cache_dir))
    t0 = time.perf_counter()
    executor = DaskExecutor(None, workers)
    started = time.perf_counter()
    try:
        run = run_tiled(scenario, out_dir, executor=executor, tile_size=tile_size)
        peaks = executor.peak_memory_mb()
        describe = executor.describe()
    finally:
        executor.close()
    return {
        "workers": workers, "executor": describe, "cluster_start_s": started - t0,
        "seconds": run.seconds, "shape": list(run.shape), "cell_m": run.cell_size_m,
        "tiles": run.tiles, "jobs": run.jobs, "cells": run.cells,
        "losses_computed": run.losses_computed, "client_peak_mb": run.client_peak_mb,
        "worker_peak_mb": peaks, "out_dir": str(out_dir), "source": digest,
        "load": [load_before, os.getloadavg()[0]],
        "cache_mb": _folder_mb(cache_dir), "out_mb": _folder_mb(out_dir),
    }


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _in_subprocess(scenario: Path, out_dir: Path, cache_dir: Path, workers: int,
                   tile_size: int) -> dict[str, Any]:
    """:func:`run_once` in a fresh Python process, with an empty cache and output folder."""
    for folder in (out_dir, cache_dir):
        shutil.rmtree(folder, ignore_errors=True)
    args = [str(a) for a in (scenario, out_dir, cache_dir, workers, tile_size)]
    out = subprocess.run([sys.executable, __file__, "--run", *args], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        msg = f"the run on {workers} worker(s) failed:\n{out.stderr[-4000:]}"
        raise SystemExit(msg)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _warm_up(folder: Path, tile_size: int) -> float:
    """Seconds of a tiny in-process tiled run (fills numba's on-disk cache)."""
    from province import make_province

    from netcover.config.scenario import load_scenario
    from netcover.coverage.tiled import run_tiled

    scenario = make_province(folder / "tiny", area_km2=25.0, n_sites=4, radius_km=2.0,
                             tile_size=tile_size)
    t0 = time.perf_counter()
    run_tiled(load_scenario(scenario), folder / "tiny-out", tile_size=256)
    return time.perf_counter() - t0


def same_rasters(a: Path, b: Path) -> tuple[bool, int, list[str]]:
    """Whether every GeoTIFF below ``a`` has a twin below ``b`` with the same grid and cells.

    Returns (identical, GeoTIFFs compared, what differs). Compared block by block.
    """
    import numpy as np
    import rasterio

    names = sorted(p.relative_to(a) for p in a.rglob("*.tif"))
    others = sorted(p.relative_to(b) for p in b.rglob("*.tif"))
    diffs = [f"{n}: only in one run" for n in sorted(set(names) ^ set(others))]
    for name in sorted(set(names) & set(others)):
        with rasterio.open(a / name) as x, rasterio.open(b / name) as y:
            grid = ("crs", "transform", "width", "height", "count", "dtypes")
            if any(getattr(x, k) != getattr(y, k) for k in grid) or not _same_nodata(x, y):
                diffs.append(f"{name}: grid or type differs")
                continue
            for _, window in x.block_windows(1):
                if not np.array_equal(x.read(window=window), y.read(window=window),
                                      equal_nan=x.dtypes[0].startswith("float")):
                    diffs.append(f"{name}: values differ")
                    break
    return not diffs, len(names), diffs


def client_write_seconds(out_dir: Path, scenario_path: Path, tile_size: int,
                         scratch: Path) -> float:
    """Seconds per million cells the client spends writing tiles (as :class:`TileWriter` does in
    a run): the rasters of ``out_dir`` read back tile by tile and written again into ``scratch``.
    Only the writes are timed."""
    import rasterio
    from rasterio.windows import Window as RioWindow

    from netcover.config.scenario import load_scenario
    from netcover.coverage.tiled import DemSource
    from netcover.coverage.tiled.jobs import TileLayers
    from netcover.coverage.tiled.output import TileWriter

    scenario = load_scenario(scenario_path)
    assert scenario.inputs.dem is not None
    dem = DemSource.open(scenario.inputs.dem, crs_setting=scenario.scenario.crs)
    files = sorted((out_dir / "coverage").glob("*.tif"))
    spent = 0.0
    with TileWriter(scratch, dem) as writer:
        for tile in dem.tiles(tile_size):
            window = RioWindow(tile.col_off, tile.row_off, tile.cols, tile.rows)
            arrays = {}
            for f in files:
                with rasterio.open(f) as src:
                    arrays[f.stem] = src.read(1, window=window)
            t0 = time.perf_counter()
            writer.write(TileLayers(tile, arrays))
            spent += time.perf_counter() - t0
        t0 = time.perf_counter()
    spent += time.perf_counter() - t0  # closing flushes the last blocks
    rows, cols = dem.shape
    return spent / (rows * cols / 1e6)


def _same_nodata(x: Any, y: Any) -> bool:
    a, b = x.nodata, y.nodata
    return bool(a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b)))


def _mb(value: float) -> str:
    return f"{value:,.0f} MB"


def _report_run(r: dict[str, Any]) -> None:
    s = r["seconds"]
    peaks = r["worker_peak_mb"]
    per_job, per_mcell = _per_worker(r)
    print(f"\n{r['workers']} worker{'s' * (r['workers'] != 1)} ({r['executor']}), empty loss cache:")
    print(f"  wall time: {s['total']:.1f} s in run_tiled = losses {s['losses']:.1f} s + tiles "
          f"{s['tiles']:.1f} s (+ {s['total'] - s['losses'] - s['tiles']:.1f} s other); "
          f"starting the LocalCluster {r['cluster_start_s']:.1f} s more")
    print(f"  {r['jobs']:,} loss jobs ({r['losses_computed']:,} computed): "
          f"{per_job:.3f} s per job per worker; {r['tiles']} tiles: {per_mcell:.2f} s per million "
          "cells per worker")
    each = ", ".join(_mb(v) for _, v in sorted(peaks.items()))
    print(f"  peak memory: workers max {_mb(max(peaks.values()))} (each: {each}); "
          f"client {_mb(r['client_peak_mb'])}")
    print(f"  on disk: loss cache {_mb(r['cache_mb'])} ({r['cache_mb'] / r['jobs']:.2f} MB per job), "
          f"results {_mb(r['out_mb'])}")
    print(f"  load average (1 min) at start / end: {r['load'][0]:.1f} / {r['load'][1]:.1f}")


def _per_worker(r: dict[str, Any]) -> tuple[float, float]:
    """(seconds per loss job, seconds per million cells of tiles) of one worker in run ``r``."""
    s = r["seconds"]
    rows, cols = r["shape"]
    return s["losses"] * r["workers"] / r["jobs"], s["tiles"] * r["workers"] / (rows * cols / 1e6)


def extrapolation(runs: list[dict[str, Any]], tile_size: int, sites: int,
                  write_s_per_mcell: float) -> list[str]:
    """Lines of the extrapolation table (Markdown), from the slowest per-worker figures measured.

    A tile's time grows with its cells and with the sectors whose discs reach them (here each cell
    is within the radius of dozens of sites), so the time per tile is the measured time per cell
    times the tile's cells, scaled by the target's sites per km2. The client writes every tile,
    so the tile phase takes at least the client's write time of the whole area.
    """
    per_job = max(_per_worker(r)[0] for r in runs)
    per_mcell = max(_per_worker(r)[1] for r in runs)
    first = runs[0]
    rows, cols = first["shape"]
    density = sites / (rows * cols * first["cell_m"] ** 2 / 1e6)
    jobs_per_site = first["jobs"] / sites
    tile_km2 = (tile_size * first["cell_m"] / 1000.0) ** 2
    lines = [
        f"Extrapolation from the measured per-worker times, not a measurement: {per_job:.3f} s per "
        f"loss job and {per_mcell:.2f} s per million tile cells at {density:.3f} sites/km2 (the "
        "slowest of the runs above); a tile's time = its cells x that, scaled by the sites per "
        "km2; both phases scaled linearly with workers: ceil(jobs / workers) x per job + "
        "max(ceil(tiles / workers) x per tile, the client's writing of every tile at "
        f"{write_s_per_mcell:.2f} s per million cells), tiles = ceil(area / tile area) of "
        f"{tile_size} x {tile_size} cells ({tile_km2:,.0f} km2); same radius and cell size; "
        "cluster start, reading inputs and the network ignored.",
        "",
        "| area | km2 | sites | loss jobs | tiles | s per tile | " + " | ".join(
            f"{w} worker{'s' * (w != 1)}" for w in EXTRAPOLATION_WORKERS) + " |",
        "|---|---:|---:|---:|---:|---:|" + "---:|" * len(EXTRAPOLATION_WORKERS),
    ]
    for name, km2, n in TARGETS:
        jobs = math.ceil(n * jobs_per_site)
        tiles = math.ceil(km2 / tile_km2)
        tile_s = per_mcell * tile_size**2 / 1e6 * (n / km2) / density
        floor = tiles * tile_size**2 / 1e6 * write_s_per_mcell
        times = [math.ceil(jobs / w) * per_job + max(math.ceil(tiles / w) * tile_s, floor)
                 for w in EXTRAPOLATION_WORKERS]
        lines.append(f"| {name} | {km2:,.0f} | {n:,} | {jobs:,} | {tiles:,} | {tile_s:.1f} | "
                     + " | ".join(_duration(t) for t in times) + " |")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area-km2", type=float, default=8000.0)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--radius-km", type=float, default=10.0)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--tile-size", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="make the province here and keep everything")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    sys.path.insert(0, str(HERE))
    from province import make_province

    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        t0 = time.perf_counter()
        scenario = make_province(folder / "province", area_km2=args.area_km2, n_sites=args.sites,
                                 radius_km=args.radius_km, tile_size=args.tile_size)
        made = time.perf_counter() - t0
        warm = _warm_up(folder, args.tile_size)
        runs = []
        for n in counts:
            runs.append(_in_subprocess(scenario, folder / f"out-{n}w", folder / f"cache-{n}w", n,
                                       args.tile_size))
        first = runs[0]
        rows, cols = first["shape"]
        cell = first["cell_m"]
        print(f"Province: {rows * cols * cell**2 / 1e6:,.0f} km2 = {rows:,} x {cols:,} cells of "
              f"{cell:g} m ({rows * cols / 1e6:.1f} M cells); {args.sites:,} sites, "
              f"{first['cells']:,} cells (sectors), {first['jobs']:,} loss jobs; radius "
              f"{args.radius_km:g} km; {first['tiles']} tiles of {args.tile_size} x "
              f"{args.tile_size} cells; generated in {made:.1f} s")
        print(f"Warm-up (tiny tiled run in-process, fills numba's on-disk cache): {warm:.1f} s")
        for r in runs:
            _report_run(r)
        print()
        if len({r["source"] for r in runs}) > 1:
            print("WARNING: netcover's source changed between the runs; they are not comparable")
        for r in runs[1:]:
            a, b = first["seconds"], r["seconds"]
            print(f"Speed-up {r['workers']} vs {first['workers']} worker(s): total "
                  f"{a['total'] / b['total']:.2f}x (losses {a['losses'] / b['losses']:.2f}x, tiles "
                  f"{a['tiles'] / b['tiles']:.2f}x)")
            same, n_tifs, diffs = same_rasters(Path(first["out_dir"]), Path(r["out_dir"]))
            print(f"Rasters of {r['workers']} vs {first['workers']} worker(s), {n_tifs} GeoTIFFs "
                  f"compared cell by cell: identical: {'yes' if same else 'no'}")
            for d in diffs:
                print(f"  {d}")
        write = client_write_seconds(Path(first["out_dir"]), scenario, args.tile_size,
                                     folder / "rewrite")
        slowest = max(_per_worker(r)[1] for r in runs)
        print(f"Client writing the tiles (GeoTIFF windows, deflate): {write:.2f} s per million "
              f"cells, against {slowest:.2f} s per million cells of tile work per worker: the "
              f"client keeps up with about {slowest / write:.0f} workers in the tile phase")
        print()
        print("\n".join(extrapolation(runs, args.tile_size, args.sites, write)))


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--run":
        scen, out, cache, n, size = sys.argv[2:]
        print(json.dumps(run_once(Path(scen), Path(out), Path(cache), int(n), int(size))))
    else:
        main()
