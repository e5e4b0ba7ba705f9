"""Accuracy and speed of the area engine against the exact straight profile, on a rough synthetic karst.

The terrain is NOT the bundled sample: a seeded synthetic karst of 30 m cells (fractal relief with a
power-law spectrum, karst towers and dolines shaped as raised cosines, 1 m of cell-scale roughness).
For random cells of a 15 km disc around a site 30 m above ground, with receivers 1.5 m above ground,
it compares :func:`~netcover.radio.area.site_loss_grid` with
:func:`~netcover.radio.p1812.p1812_profile_loss` on the cell's exact straight profile
(:func:`~netcover.radio.area.profile_between`, step = cell size), at 900, 1800 and 2600 MHz, and
prints the distribution of the absolute difference (median, p90, p95, p99, max, share above 1 dB).

As a yardstick it also prints how much the reference itself moves when the same straight line is
sampled with one point more (spacing d / (n + 1) instead of d / n): no engine sampling the terrain at
cell spacing can be expected to agree with the reference much better than that.

Speed: one site, 15 km at 30 m, one thread (``numba.set_num_threads(1)``), JIT excluded (a first
call is made and not timed), process CPU time, the minimum of ``--repeat`` calls, without and with a
clutter layer (15 m forest on half of the cells, in patches), and the clutter's cost in %. With
``--before PATH`` (another checkout, e.g. ``git worktree add /tmp/old 41e0cad``) it also times that
engine, each engine in its own process, alternately for ``--rounds`` rounds so both see the same
load, and prints the ratios of the minima (bare earth, with clutter) and each round's clutter cost;
an engine without ``clutter_m`` skips the clutter timing.
Running the script with ``PYTHONPATH=/path/to/other/checkout`` measures that checkout alone.
With ``--rusage`` it also prints the bare-earth call's user and system CPU seconds and minor page
faults (``getrusage``, means of ``--repeat`` calls after two untimed ones): the system time is the
kernel's, mostly giving fresh pages to the call's large arrays.

Run: ``python benchmarks/bench_area_accuracy.py [--cells 5000] [--repeat 5] [--speed-only]
[--before PATH [--rounds 3]] [--rusage]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_description

from netcover.radio.area import profile_between, site_loss_grid
from netcover.radio.p1812 import p1812_profile_loss

CELL_M, N_CELLS_SIDE, RADIUS_M = 30.0, 1040, 15_000.0
TX_HEIGHT_M, RX_HEIGHT_M = 30.0, 1.5
ORIGIN = (500_000.0, 2_560_000.0)
FREQS_MHZ = (900.0, 1800.0, 2600.0)
#: Accuracy target of issue #13 against the exact straight profile: (p95, p99) of |difference|, dB.
TARGET_DB = (0.3, 1.0)


def rough_karst(n: int, cell: float, seed: int) -> np.ndarray:
    """Seeded synthetic karst (float32 heights, n x n cells of ``cell`` metres)."""
    rng = np.random.default_rng(seed)
    kx, ky = np.fft.fftfreq(n)[None, :], np.fft.fftfreq(n)[:, None]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    amp = k ** -1.6
    amp[0, 0] = 0.0
    relief = np.real(np.fft.ifft2(amp * np.exp(2j * np.pi * rng.uniform(size=(n, n)))))
    z = 1000.0 + 60.0 * relief / relief.std()
    yy, xx = np.mgrid[0:n, 0:n]
    for _ in range(int(3.0 * (n * cell / 1000.0) ** 2)):  # 3 towers or dolines per km2
        cr, cc = rng.uniform(0, n, 2)
        rad = rng.uniform(120.0, 350.0) / cell
        height = rng.uniform(40.0, 220.0) * (1.0 if rng.uniform() < 0.8 else -0.4)
        r0, r1 = max(int(cr - rad), 0), min(int(cr + rad) + 2, n)
        c0, c1 = max(int(cc - rad), 0), min(int(cc + rad) + 2, n)
        rr = np.minimum(np.hypot(yy[r0:r1, c0:c1] - cr, xx[r0:r1, c0:c1] - cc) / rad, 1.0)
        z[r0:r1, c0:c1] += height * 0.5 * (1.0 + np.cos(np.pi * rr))
    fine = rng.normal(0.0, 1.0, (n, n))
    fine = (fine + np.roll(fine, 1, 0) + np.roll(fine, 1, 1) + np.roll(fine, (1, 1), (0, 1))) / 2.0
    return (z + fine).astype(np.float32)


def forest(dem: np.ndarray, seed: int) -> np.ndarray:
    """A clutter layer for the timing: 15 m forest on about half of the cells, in patches."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(size=(dem.shape[0] // 20 + 1, dem.shape[1] // 20 + 1)) < 0.5
    patches = np.kron(coarse, np.ones((20, 20)))[:dem.shape[0], :dem.shape[1]]
    return (15.0 * patches).astype(np.float32)


def distribution(diff: np.ndarray) -> str:
    a = np.abs(diff)
    return (f"median {np.median(a):.2f}, p90 {np.percentile(a, 90):.2f}, p95 "
            f"{np.percentile(a, 95):.2f}, p99 {np.percentile(a, 99):.2f}, max {a.max():.2f} dB; "
            f"> 1 dB {100.0 * np.mean(a > 1.0):.1f}%")


def accuracy(dem: np.ndarray, site: tuple[float, float], f_mhz: float, n_cells: int,
             ) -> tuple[np.ndarray, np.ndarray]:
    """(engine - reference, reference with one more point - reference) at random cells (dB)."""
    grid = site_loss_grid(dem, ORIGIN, CELL_M, site, TX_HEIGHT_M, RX_HEIGHT_M, f_mhz, RADIUS_M)
    rng = np.random.default_rng(1812)
    rows, cols = np.nonzero(np.isfinite(grid.loss_db))
    diff, floor = [], []
    for i in rng.choice(rows.size, n_cells, replace=False):
        r, c = rows[i] + grid.row_off, cols[i] + grid.col_off
        xy = (ORIGIN[0] + (c + 0.5) * CELL_M, ORIGIN[1] - (r + 0.5) * CELL_M)
        length = math.hypot(xy[0] - site[0], xy[1] - site[1])
        if length < 2.0 * CELL_M:  # below P.1812's range: no intermediate point to speak of
            continue
        d_km, h_m = profile_between(dem, ORIGIN, CELL_M, site, xy)
        ref = p1812_profile_loss(d_km, h_m, TX_HEIGHT_M, RX_HEIGHT_M, f_mhz / 1000.0)["Lb_noduct"]
        d2, h2 = profile_between(dem, ORIGIN, CELL_M, site, xy, step_m=length / d_km.size)
        ref2 = p1812_profile_loss(d2, h2, TX_HEIGHT_M, RX_HEIGHT_M, f_mhz / 1000.0)["Lb_noduct"]
        diff.append(float(grid.loss_db[rows[i], cols[i]]) - ref)
        floor.append(ref2 - ref)
    return np.array(diff), np.array(floor)


def cpu_times(fns: list[object], repeat: int) -> list[float]:
    """Minimum process CPU time (s) of ``repeat`` calls of each of ``fns`` (after one untimed call
    each), the functions called in turn so that each sees the same load."""
    for fn in fns:
        fn()  # type: ignore[operator]
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            c0 = time.process_time()
            fn()  # type: ignore[operator]
            best[i] = min(best[i], time.process_time() - c0)
    return best


def site_times(dem: np.ndarray, site: tuple[float, float], repeat: int) -> tuple[float, float | None]:
    """(bare, with clutter) CPU seconds per site on one thread, the two timed alternately; None
    for an engine without clutter."""
    clutter = forest(dem, 7)

    def bare() -> object:
        return site_loss_grid(dem, ORIGIN, CELL_M, site, TX_HEIGHT_M, RX_HEIGHT_M, 1800.0, RADIUS_M)

    def wooded() -> object:
        return site_loss_grid(dem, ORIGIN, CELL_M, site, TX_HEIGHT_M, RX_HEIGHT_M, 1800.0, RADIUS_M,
                              clutter_m=clutter)

    numba.set_num_threads(1)
    try:
        try:
            wooded()
        except TypeError:  # an engine before clutter_m
            return cpu_times([bare], repeat)[0], None
        plain, with_clutter = cpu_times([bare, wooded], repeat)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return plain, with_clutter


def print_rusage(dem: np.ndarray, site: tuple[float, float], repeat: int) -> None:
    """User and system CPU seconds and minor page faults of a bare-earth call, one thread."""
    numba.set_num_threads(1)
    try:
        for _ in range(2):
            site_loss_grid(dem, ORIGIN, CELL_M, site, TX_HEIGHT_M, RX_HEIGHT_M, 1800.0, RADIUS_M)
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        for _ in range(repeat):
            site_loss_grid(dem, ORIGIN, CELL_M, site, TX_HEIGHT_M, RX_HEIGHT_M, 1800.0, RADIUS_M)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    print(f"per bare-earth call (mean of {repeat}): user {(r1.ru_utime - r0.ru_utime) / repeat:.3f} s, "
          f"system {(r1.ru_stime - r0.ru_stime) / repeat:.3f} s, "
          f"{(r1.ru_minflt - r0.ru_minflt) / repeat:,.0f} minor page faults")


def print_times(label: str, plain: float, wooded: float | None, repeat: int) -> None:
    print(f"{label}speed, one site, 1 thread, JIT excluded: {plain:.3f} s CPU (min of {repeat})")
    if wooded is None:
        print(f"{label}the same with a clutter layer: not supported by this engine")
    else:
        print(f"{label}the same with a clutter layer: {wooded:.3f} s CPU "
              f"(clutter cost {100 * (wooded / plain - 1):+.0f}%)")


def engine_times(path: str, repeat: int) -> tuple[float, float | None]:
    """Times of the engine at checkout ``path`` (this script in a process with PYTHONPATH=path)."""
    env = {**os.environ, "PYTHONPATH": path}
    run = subprocess.run([sys.executable, __file__, "--times-json", "--repeat", str(repeat)],
                         env=env, capture_output=True, text=True, check=True, cwd="/")
    plain, wooded, engine = json.loads(run.stdout.strip().splitlines()[-1])
    if Path(engine).resolve() != Path(path).resolve():
        msg = f"the engine timed for {path} was imported from {engine}"
        raise SystemExit(msg)
    return plain, wooded


def compare_before(before: str, rounds: int, repeat: int) -> None:
    """This engine and the one at ``before``, alternately in fresh processes; minima and ratios."""
    if not (Path(before) / "netcover" / "radio" / "area.py").is_file():
        msg = f"--before {before}: not a checkout of netcover (no netcover/radio/area.py there)"
        raise SystemExit(msg)
    here = str(Path(__file__).resolve().parents[1])
    best: dict[str, list[float]] = {"before": [math.inf, math.inf], "this": [math.inf, math.inf]}
    costs: dict[str, list[str]] = {"before": [], "this": []}
    for _ in range(rounds):
        for name, path in (("before", before), ("this", here)):
            plain, wooded = engine_times(path, repeat)
            best[name][0] = min(best[name][0], plain)
            best[name][1] = min(best[name][1], math.inf if wooded is None else wooded)
            if wooded is not None:
                costs[name].append(f"{100 * (wooded / plain - 1):+.0f}%")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"A/B, {rounds} alternate rounds of {repeat} calls each (load average now {load}):")
    for name, path in (("before", before), ("this", here)):
        wooded = best[name][1] if math.isfinite(best[name][1]) else None
        print_times(f"  {name} ({path}): ", best[name][0], wooded, repeat)
    ratio = best["this"][0] / best["before"][0]
    print(f"  this engine / before, bare earth: {ratio:.3f} ({100 * (ratio - 1):+.0f}%)")
    if math.isfinite(best["before"][1]) and math.isfinite(best["this"][1]):
        ratio = best["this"][1] / best["before"][1]
        print(f"  this engine / before, with clutter: {ratio:.3f} ({100 * (ratio - 1):+.0f}%)")
    for name in ("before", "this"):  # each round's own minima: the spread the load leaves
        if costs[name]:
            print(f"  clutter cost of {name} in each round: {', '.join(costs[name])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=5000, help="random cells per frequency")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls")
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy figures")
    parser.add_argument("--before", metavar="PATH", help="checkout of the engine to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="alternate rounds with --before")
    parser.add_argument("--rusage", action="store_true",
                        help="also user and system time and page faults of a bare-earth call")
    parser.add_argument("--times-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    dem = rough_karst(N_CELLS_SIDE, CELL_M, 2026)
    n = N_CELLS_SIDE
    site = (ORIGIN[0] + n * CELL_M / 2 + 7.0, ORIGIN[1] - n * CELL_M / 2 - 11.0)
    if args.times_json:  # one engine's times for compare_before, as the last line
        import netcover

        engine = str(Path(netcover.__file__).resolve().parents[1])
        print(json.dumps([*site_times(dem, site, args.repeat), engine]))
        return
    print(machine_description())
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    import netcover.radio.area as area

    print(f"engine: {Path(area.__file__).resolve().parents[2]}; tail steps: "
          f"{getattr(area, 'TAIL_STEPS', 'none (nearest radial only)')}")
    print(f"rough synthetic karst (seed 2026): {n} x {n} cells of {CELL_M:g} m, heights "
          f"{dem.min():.0f}-{dem.max():.0f} m; site at the centre, {TX_HEIGHT_M:g} m, receivers "
          f"{RX_HEIGHT_M:g} m, radius {RADIUS_M:g} m")
    print_times("", *site_times(dem, site, args.repeat), args.repeat)
    if args.rusage:
        print_rusage(dem, site, args.repeat)
    if args.before:
        compare_before(args.before, args.rounds, args.repeat)
    if args.speed_only:
        return

    for f_mhz in FREQS_MHZ:
        diff, floor = accuracy(dem, site, f_mhz, args.cells)
        print(f"{f_mhz:g} MHz, |engine - exact straight profile| on {diff.size} cells: "
              f"{distribution(diff)}; mean {diff.mean():+.2f} dB")
        print(f"{f_mhz:g} MHz, yardstick |reference with one more point - reference|: "
              f"{distribution(floor)}")
        a = np.abs(diff)
        met = np.percentile(a, 95) <= TARGET_DB[0] and np.percentile(a, 99) <= TARGET_DB[1]
        print(f"{f_mhz:g} MHz, target of #13 (p95 <= {TARGET_DB[0]:g} dB, p99 <= {TARGET_DB[1]:g} dB): "
              f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
