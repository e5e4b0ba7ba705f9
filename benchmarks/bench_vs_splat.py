"""SPLAT! HD and gdal_viewshed side by side with netcover's area engine: one site, 15 km, 30 m.

On held-in terrain, not the bundled sample: the rough synthetic karst of the area-accuracy benchmark
(:func:`bench_area_accuracy.rough_karst`, seed 2026, 1040 x 1040 cells of 30 m, placed in UTM 48N
near Hà Giang and written as a GeoTIFF; ``--sample`` uses the sample DEM
``gis_data/quan_ba/dem.tif`` instead), for one site at the centre of the DEM's middle cell (30 m
mast, receivers 1.5 m above ground, 1800 MHz, radius 15 km), the script times

* netcover: :func:`~netcover.radio.area.site_loss_grid` (ITU-R P.1812, 50 %) warm on one and two
  threads, and :func:`~netcover.radio.visibility.line_of_sight_grid`;
* ``gdal_viewshed`` (line of sight only) on the GeoTIFF itself;
* ``splat-hd`` (SPLAT! HD, 1 arc-second): path-loss map (``-L``) of its default model (ITWOM 3.0; the
  classic Longley-Rice ITM with ``--olditm``), on SPLAT data files made from the DEM (reprojected to
  SRTM-1 ``.hgt`` tiles, converted by ``srtm2sdf-hd``), and the same run without ``-L`` (loading the
  tiles and writing the map only) to separate SPLAT!'s fixed costs;

and prints the machine, each tool's CPU time (external tools: ``getrusage(RUSAGE_CHILDREN)`` deltas;
netcover: process CPU time, all threads), the ratios, the line-of-sight agreement of gdal_viewshed and
of SPLAT! with netcover (share of the disc's cells, or of SPLAT!'s points, with the same verdict, and
the confusion counts), and the difference of SPLAT!'s loss from netcover's P.1812 loss. The models
differ (ITWOM / ITM versus P.1812 delta-Bullington), so the loss figures describe how far apart two
common tools are, not an error of either.

Each external tool is skipped, with a printed line, when it is not installed (``which splat-hd
srtm2sdf-hd gdal_viewshed``). To install them
(Debian/Ubuntu)::

    sudo apt-get install splat gdal-bin

Run: ``python benchmarks/bench_vs_splat.py [--repeat 5] [--olditm] [--workdir DIR]``
(about a minute, most of it SPLAT!; the SPLAT! files take about 0.6 GB in a temporary directory
unless ``--workdir`` is given).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
from rasterio.crs import CRS
from rasterio.transform import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_single_site
from _machine import machine_description
from _splat import AnoPoints, LongleyRice, read_ano, write_hgt_tiles, write_lrp, write_qth
from bench_area_accuracy import CELL_M, N_CELLS_SIDE, ORIGIN, rough_karst
from bench_single_site import F_MHZ, RADIUS_M, REPO, RX_HEIGHT_M, SAMPLE_DEM, TX_HEIGHT_M

from netcover.radio.area import SiteLoss, site_loss_grid
from netcover.radio.basic import free_space_loss
from netcover.radio.visibility import Visibility, line_of_sight_grid

#: gdal_viewshed's default curvature coefficient: heights drop by cc d^2 / (2 R), i.e. k = 1 / cc.
GDAL_CC = 0.85714
#: SPLAT! checks obstructions of its path-loss maps over a four-thirds earth.
SPLAT_K = 4.0 / 3.0


@dataclass(frozen=True)
class Dem:
    heights: np.ndarray  # float32, no holes
    transform: Affine
    crs: CRS
    path: Path

    @property
    def origin(self) -> tuple[float, float]:
        return float(self.transform.c), float(self.transform.f)

    @property
    def cell(self) -> float:
        return float(self.transform.a)


@dataclass(frozen=True)
class Timing:
    cpu_s: float  # smallest CPU time of the runs
    wall_s: float  # smallest wall-clock time of the runs


#: Where the synthetic karst is placed (UTM 48N: its ORIGIN lies near 23.1 N, 105 E, Hà Giang).
KARST_CRS = "EPSG:32648"
KARST_SEED = 2026


def load_dem() -> Dem:
    """The sample DEM (holes filled as in bench_single_site) with its transform and CRS."""
    import rasterio

    heights, _, _, _ = bench_single_site.load_dem()
    with rasterio.open(SAMPLE_DEM) as src:
        return Dem(heights, src.transform, src.crs, SAMPLE_DEM)


def karst_dem(folder: Path) -> Dem:
    """The held-in rough synthetic karst written as ``folder/karst.tif`` (float32 GeoTIFF)."""
    import rasterio

    heights = rough_karst(N_CELLS_SIDE, CELL_M, KARST_SEED)
    transform = Affine(CELL_M, 0.0, ORIGIN[0], 0.0, -CELL_M, ORIGIN[1])
    crs = CRS.from_string(KARST_CRS)
    path = folder / "karst.tif"
    with rasterio.open(path, "w", driver="GTiff", height=heights.shape[0], width=heights.shape[1],
                       count=1, dtype="float32", crs=crs, transform=transform) as dst:
        dst.write(heights, 1)
    return Dem(heights, transform, crs, path)


def _where(dem: Dem) -> str:
    if dem.path == SAMPLE_DEM:
        return str(dem.path.relative_to(REPO))
    return f"rough synthetic karst (seed {KARST_SEED}, bench_area_accuracy.rough_karst), {KARST_CRS}"


def timed(fn: Callable[[], object], repeat: int) -> Timing:
    """Smallest process CPU and wall-clock times of ``repeat`` calls."""
    wall, cpu = bench_single_site.timed(fn, repeat)
    return Timing(min(cpu), min(wall))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tool(cmd: list[str], cwd: Path, repeat: int = 1) -> Timing:
    """Run an external command ``repeat`` times; smallest CPU (user + system) and wall times."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = _children_cpu(), time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        wall.append(time.perf_counter() - w0)
        cpu.append(_children_cpu() - c0)
        if done.returncode != 0:
            msg = f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            raise RuntimeError(msg)
    return Timing(min(cpu), min(wall))


def confusion(other: str, ref: np.ndarray, ours: np.ndarray) -> str:
    """Agreement of two boolean verdicts (True = visible) and the confusion counts."""
    both = int(np.sum(ref & ours))
    neither = int(np.sum(~ref & ~ours))
    only_ref = int(np.sum(ref & ~ours))
    only_ours = int(np.sum(~ref & ours))
    return (f"same verdict {(both + neither) / ref.size:.1%} of {ref.size:,}; visible in both {both:,}, "
            f"hidden in both {neither:,}, visible only in {other} {only_ref:,}, visible only in "
            f"netcover {only_ours:,}")


def _cell_of(dem: Dem, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x0, y0 = dem.origin
    return (np.floor((y0 - y) / dem.cell).astype(np.int64),
            np.floor((x - x0) / dem.cell).astype(np.int64))


@dataclass(frozen=True)
class NetcoverRun:
    grid: SiteLoss  # P.1812 loss
    p1812: dict[int, Timing]  # by thread count
    los: Timing  # line_of_sight_grid, one thread
    vis_gdal: Visibility  # k = 1 / GDAL_CC
    vis_splat: Visibility  # k = SPLAT_K


def bench_netcover(dem: Dem, site: tuple[float, float], repeat: int) -> NetcoverRun:
    print("\n== netcover ==")

    def p1812() -> SiteLoss:
        return site_loss_grid(dem.heights, dem.origin, dem.cell, site, TX_HEIGHT_M, RX_HEIGHT_M, F_MHZ,
                              RADIUS_M)

    def los(k: float) -> Visibility:
        return line_of_sight_grid(dem.heights, dem.origin, dem.cell, site, TX_HEIGHT_M, RX_HEIGHT_M,
                                  RADIUS_M, k_factor=k)

    max_threads = numba.get_num_threads()
    p1812_times = {}
    for threads in sorted({1, min(2, max_threads)}):
        numba.set_num_threads(threads)
        grid = p1812()  # warm-up (JIT compile or cache load)
        t = timed(p1812, repeat)
        p1812_times[threads] = t
        print(f"site_loss_grid P.1812, {threads} thread(s): CPU {t.cpu_s:.3f} s, wall {t.wall_s:.3f} s "
              f"(min of {repeat} warm calls)")
    numba.set_num_threads(1)
    vis_gdal, vis_splat = los(1.0 / GDAL_CC), los(SPLAT_K)
    t_los = timed(lambda: los(SPLAT_K), repeat)
    print(f"line_of_sight_grid, 1 thread: CPU {t_los.cpu_s:.3f} s, wall {t_los.wall_s:.3f} s "
          f"(min of {repeat} warm calls)")
    numba.set_num_threads(max_threads)
    return NetcoverRun(grid, p1812_times, t_los, vis_gdal, vis_splat)


def bench_viewshed(dem: Dem, site: tuple[float, float], disc: np.ndarray, offsets: tuple[int, int],
                   ours: Visibility, work: Path, repeat: int) -> Timing | None:
    print("\n== gdal_viewshed ==")
    exe = shutil.which("gdal_viewshed")
    if exe is None:
        print("gdal_viewshed not found: skipped (install gdal-bin)")
        return None
    import rasterio

    out = work / "viewshed.tif"
    cmd = [exe, "-q", "-ox", f"{site[0]}", "-oy", f"{site[1]}", "-oz", f"{TX_HEIGHT_M}",
           "-tz", f"{RX_HEIGHT_M}", "-md", f"{RADIUS_M}", "-cc", f"{GDAL_CC}", str(dem.path), str(out)]
    t = run_tool(cmd, work, repeat)
    print(" ".join(Path(c).name if c.startswith("/") else c for c in cmd))
    print(f"gdal_viewshed: CPU {t.cpu_s:.3f} s, wall {t.wall_s:.3f} s (min of {repeat} runs)")
    with rasterio.open(out) as src:
        seen = src.read(1) == 255
        row_shift = round((dem.origin[1] - src.transform.f) / dem.cell)
        col_shift = round((src.transform.c - dem.origin[0]) / dem.cell)
    # the netcover window in the viewshed raster's indices
    r0, c0 = offsets[0] - row_shift, offsets[1] - col_shift
    rows, cols = np.nonzero(disc)
    rr, cc = rows + r0, cols + c0
    inside = (rr >= 0) & (rr < seen.shape[0]) & (cc >= 0) & (cc < seen.shape[1])
    if not inside.all():
        print(f"note: {int((~inside).sum())} cells of the disc lie outside the viewshed raster (hidden)")
    ref = np.zeros(rows.size, dtype=bool)
    ref[inside] = seen[rr[inside], cc[inside]]
    print(f"line of sight, gdal_viewshed (cc {GDAL_CC}) vs netcover (k = 1/cc = {1 / GDAL_CC:.4f}), "
          f"cells of the disc: {confusion('gdal_viewshed', ref, ours.visible[rows, cols])}")
    return t


def _sdf_files(dem: Dem, work: Path) -> float | None:
    """Make SPLAT! data files in ``work``; CPU time of srtm2sdf-hd, or None without it."""
    exe = shutil.which("srtm2sdf-hd")
    if exe is None:
        print("srtm2sdf-hd not found: SPLAT! skipped (install splat)")
        return None
    tiles = write_hgt_tiles(dem.heights, dem.transform, dem.crs, work)
    cpu = 0.0
    for tile in tiles:  # -d /dev/null: no replacement of voids from older data files
        cpu += run_tool([exe, "-d", "/dev/null", tile.name], work).cpu_s
        tile.unlink()
    print(f"{len(tiles)} SRTM-1 tiles ({', '.join(t.name for t in tiles)}) converted by srtm2sdf-hd "
          f"in {cpu:.2f} s CPU (not counted below)")
    return cpu


def bench_splat(dem: Dem, site: tuple[float, float], loss: np.ndarray, offsets: tuple[int, int],
                ours: Visibility, work: Path, olditm: bool) -> Timing | None:
    print("\n== SPLAT! HD ==")
    exe = shutil.which("splat-hd")
    if exe is None:
        print("splat-hd not found: skipped (install splat)")
        return None
    if _sdf_files(dem, work) is None:
        return None
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True).transform(*site)
    write_qth(work / "site.qth", "site", lat, lon, TX_HEIGHT_M)
    write_lrp(work / "site.lrp", LongleyRice(F_MHZ))
    radius_km = f"{RADIUS_M / 1000.0:g}"
    model = ["-olditm"] if olditm else []
    loss_cmd = [exe, "-t", "site.qth", "-L", f"{RX_HEIGHT_M}", "-metric", "-R", radius_km, "-N",
                "-ano", "loss.ano", "-o", "loss.ppm", *model]
    t = run_tool(loss_cmd, work)
    base = run_tool([exe, "-t", "site.qth", "-metric", "-R", radius_km, "-N", "-o", "topo.ppm"], work)
    print(" ".join(Path(c).name if c.startswith("/") else c for c in loss_cmd))
    print(f"splat-hd path-loss map ({'ITM' if olditm else 'ITWOM 3.0'}): CPU {t.cpu_s:.2f} s, "
          f"wall {t.wall_s:.2f} s (one run)")
    print(f"splat-hd without -L (load the data files, write the map): CPU {base.cpu_s:.2f} s, "
          f"wall {base.wall_s:.2f} s; difference {t.cpu_s - base.cpu_s:.2f} s CPU")

    splat_agreement(dem, site, read_ano(work / "loss.ano"), loss, offsets, ours)
    return t


def splat_agreement(dem: Dem, site: tuple[float, float], pts: AnoPoints, loss: np.ndarray,
                    offsets: tuple[int, int], ours: Visibility) -> None:
    """Print SPLAT!'s line of sight and loss against netcover's, point by point (nearest cell)."""
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(pts.lon_east, pts.lat)
    x, y = np.asarray(x), np.asarray(y)
    rows, cols = _cell_of(dem, x, y)
    rows, cols = rows - offsets[0], cols - offsets[1]
    ok = (rows >= 0) & (rows < loss.shape[0]) & (cols >= 0) & (cols < loss.shape[1])
    ok[ok] = np.isfinite(loss[rows[ok], cols[ok]])
    dist_m = np.hypot(x - site[0], y - site[1])
    ok &= dist_m > 2.0 * dem.cell  # the site's own cells: distance and angle ill-defined
    print(f"SPLAT! points: {pts.lat.size:,} in loss.ano, {int(ok.sum()):,} in netcover's disc "
          f"(nearest cell)")
    rows, cols = rows[ok], cols[ok]
    splat_los = ~pts.obstructed[ok]
    nc_los = ours.visible[rows, cols]
    print(f"line of sight, SPLAT! (no '*', four-thirds earth) vs netcover (k = 4/3), points: "
          f"{confusion('SPLAT!', splat_los, nc_los)}")
    splat_db, nc_db = pts.loss_db[ok], loss[rows, cols].astype(np.float64)
    free_db = free_space_loss(dist_m[ok] / 1000.0, F_MHZ)  # over the horizontal distance
    for what, sel in (("all points", np.ones(splat_db.size, dtype=bool)),
                      ("line of sight in both", splat_los & nc_los),
                      ("obstructed in both", ~splat_los & ~nc_los)):
        if not sel.any():
            continue
        d = splat_db[sel] - nc_db[sel]
        a = np.abs(d)
        print(f"SPLAT! loss minus netcover P.1812 loss, {what} ({int(sel.sum()):,}): median "
              f"{np.median(d):+.1f} dB; |diff| median {np.median(a):.1f} dB, p95 "
              f"{np.percentile(a, 95):.1f} dB; median excess over free space: SPLAT! "
              f"{np.median(splat_db[sel] - free_db[sel]):+.1f} dB, netcover "
              f"{np.median(nc_db[sel] - free_db[sel]):+.1f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm calls / gdal_viewshed runs")
    parser.add_argument("--olditm", action="store_true",
                        help="SPLAT!'s classic Longley-Rice ITM instead of its default ITWOM 3.0")
    parser.add_argument("--workdir", type=Path, help="keep SPLAT!'s and gdal's files here")
    parser.add_argument("--sample", action="store_true",
                        help="the bundled sample DEM instead of the held-in synthetic karst")
    args = parser.parse_args()
    if args.sample and not SAMPLE_DEM.exists():
        print(f"{SAMPLE_DEM} not found: --sample needs the sample DEM (netcover sample)")
        return

    print(machine_description())
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("installed: " + ", ".join(f"{exe} {'yes' if shutil.which(exe) else 'NO (skipped)'}"
                                    for exe in ("splat-hd", "srtm2sdf-hd", "gdal_viewshed")))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        dem = load_dem() if args.sample else karst_dem(work)
        compare(dem, work, args.repeat, args.olditm)


def compare(dem: Dem, work: Path, repeat: int, olditm: bool) -> None:
    """Time netcover, gdal_viewshed and SPLAT! on ``dem`` (files in ``work``); print the ratios."""
    n_rows, n_cols = dem.heights.shape
    # centre of the DEM's middle cell: gdal_viewshed puts its observer at a cell centre
    site = (dem.origin[0] + (n_cols // 2 + 0.5) * dem.cell, dem.origin[1] - (n_rows // 2 + 0.5) * dem.cell)
    print(f"{_where(dem)}: {n_rows} x {n_cols} cells of {dem.cell:g} m; site "
          f"({site[0]:.0f}, {site[1]:.0f}), {TX_HEIGHT_M:g} m above ground, {F_MHZ:g} MHz, radius "
          f"{RADIUS_M / 1000:g} km, receivers {RX_HEIGHT_M:g} m above ground")

    nc = bench_netcover(dem, site, repeat)
    loss, offsets = nc.grid.loss_db, (nc.grid.row_off, nc.grid.col_off)
    disc = np.isfinite(loss)
    in_disc = int(disc.sum())
    print(f"cells in the disc: {in_disc:,}; visible from the site (netcover): "
          f"{int(nc.vis_splat.visible.sum()) / in_disc:.1%} at k = 4/3, "
          f"{int(nc.vis_gdal.visible.sum()) / in_disc:.1%} at k = {1 / GDAL_CC:.4f}")

    t_view = bench_viewshed(dem, site, disc, offsets, nc.vis_gdal, work, repeat)
    t_splat = bench_splat(dem, site, loss, offsets, nc.vis_splat, work, olditm)

    print("\n== ratios (CPU time) ==")
    p1, los_t = nc.p1812[1], nc.los
    if t_splat is not None:
        print(f"SPLAT! HD / netcover P.1812 (1 thread): {t_splat.cpu_s / p1.cpu_s:,.0f}")
    if t_view is not None:
        print(f"gdal_viewshed / netcover line of sight: {t_view.cpu_s / los_t.cpu_s:.2f}")
        print(f"gdal_viewshed / netcover P.1812 (1 thread): {t_view.cpu_s / p1.cpu_s:.2f}")


if __name__ == "__main__":
    main()
