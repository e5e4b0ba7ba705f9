"""Benchmark of the outputs stage of a run ("maps, report, print maps": ``build_outputs`` with the
interactive maps): cold, after one sector's tilt changed, and warm; and the hop-profile plots of
the link plan. Prints figures and the machine, asserts nothing.

1. Two results folders of ``netcover run``: BASE, and TILT made after the mechanical tilt of the
   first sector of ``sites.csv`` was raised by ``--tilt-step`` degrees (default: the bundled
   sample is copied and run twice into a temporary folder, with the loss cache of
   ``NETCOVER_CACHE_DIR``; its outputs are not timed). Then three builds, each in a fresh process
   as in ``netcover run``, with the input summary and the coverage rasters held in memory as the
   pipeline holds them, and a fresh cache folder for the overlays:

   - cold: the outputs of BASE into an empty folder (everything drawn);
   - tilt: the outputs of TILT, the cold folder as ``previous`` (what ``netcover run`` does after a
     tilt change);
   - warm: the outputs of TILT again, the tilt folder as ``previous`` (nothing changed).

   For each: wall and CPU time (``time.process_time``: the machine may be shared) of the process
   and of the worker processes it started to draw on the other cores, the peak resident memory of
   the process (and what it held before the build) and of the largest worker, and the outputs
   made and reused.
2. The sample's hop-profile PNGs: drawn, then taken from the previous folder.

Run: ``python benchmarks/bench_outputs.py [--base BASE --tilt TILT]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine_description

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "gis_data" / "quan_ba"


def _timed(label: str, action: object) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()  # type: ignore[operator]
    print(f"  {label:<34} {time.perf_counter() - wall:6.2f} s wall, "
          f"{time.process_time() - cpu:6.2f} s CPU")
    return result


def _size(folder: Path, pattern: str) -> str:
    files = list(folder.glob(pattern))
    return f"{pattern}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.2f} MB"


def _in_memory(folder: Path) -> object:
    """The results of ``folder`` as the pipeline hands them to the outputs: the input summary and
    every coverage raster in memory, the rest read from the folder."""
    import rasterio
    from pyproj import CRS

    from netcover.core.files import Raster, by_key
    from netcover.outputs.results import RunResults

    summary = by_key("input_summary")
    memory: dict[str, object] = {summary.relative: summary.read(summary.in_run(folder))}
    for tif in sorted((folder / "coverage").glob("*.tif")):
        with rasterio.open(tif) as src:
            memory[tif.relative_to(folder).as_posix()] = Raster(
                src.read(1), src.transform, CRS.from_user_input(src.crs), src.nodata)
    return RunResults(folder, memory)


def build_phase(results: Path, out: Path, previous: Path | None) -> dict[str, object]:
    """One build of the outputs (in this process and the worker processes it starts); its
    figures."""
    import folium  # noqa: F401  (imports outside the timing, as in a run)
    import matplotlib  # noqa: F401

    from netcover.app.pipeline import interactive_maps
    from netcover.outputs.report import build, build_outputs

    run = _in_memory(results)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sessions: list[object] = []

    class _Counted(build.Reuse):  # type: ignore[name-defined,misc]
        def __post_init__(self) -> None:
            super().__post_init__()
            sessions.append(self)

    build.Reuse = _Counted  # type: ignore[attr-defined,misc]
    wall, cpu = time.perf_counter(), time.process_time()
    build_outputs(run, out, map_builder=interactive_maps, previous=previous)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    session = sessions[0] if sessions else None
    return {"wall": wall, "cpu": cpu, "before_mb": before_mb,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "workers_cpu": workers.ru_utime + workers.ru_stime,
            "workers_peak_mb": workers.ru_maxrss / 1024,
            "made": getattr(session, "made", []), "reused": getattr(session, "reused", [])}


def _phase(case: str, results: Path, out: Path, previous: Path | None, cache: Path) -> None:
    cmd = [sys.executable, __file__, "--phase", str(results), str(out)]
    if previous is not None:
        cmd.append(str(previous))
    env = {**os.environ, "NETCOVER_CACHE_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    m = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {case:<5} {m['wall']:6.2f} s wall, {m['cpu']:6.2f} s CPU here + "
          f"{m['workers_cpu']:5.2f} s in worker processes; peak RSS {m['peak_mb']:5.0f} MB here "
          f"({m['before_mb']:.0f} MB before the build, +{m['peak_mb'] - m['before_mb']:.0f}), "
          f"{m['workers_peak_mb']:.0f} MB in the largest worker; {len(m['made'])} made, "
          f"{len(m['reused'])} reused")
    print("        made: " + ", ".join(sorted(m["made"])))


def bench_outputs(base: Path, tilt: Path, tmp: Path) -> None:
    print(f"outputs stage of {base} (cold) and {tilt} (tilt, warm); load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    cache = tmp / "overlay_cache"
    cold, after, warm = tmp / "o_cold", tmp / "o_tilt", tmp / "o_warm"
    _phase("cold", base, cold, None, cache)
    _phase("tilt", tilt, after, cold, cache)
    _phase("warm", tilt, warm, after, cache)
    for pattern in ("print/*.png", "print/*.pdf", "report_*.html", "map_*.html", "exports/*.kmz"):
        print(f"  {_size(cold, pattern)}")


def bench_hop_profiles(tmp: Path) -> None:
    from bench_links import load_sample

    from netcover.links import LinkSettings, plan_links, write_link_plan

    plan = plan_links(**load_sample(SAMPLE), settings=LinkSettings())  # type: ignore[arg-type]
    print(f"hop profiles of the sample ({len(plan.hop_profiles)} hops)")
    _timed("cold (drawn)", lambda: write_link_plan(plan, tmp / "links_cold"))
    _timed("warm (previous given)", lambda: write_link_plan(plan, tmp / "links_warm",
                                                            previous=tmp / "links_cold"))
    print(f"  {_size(tmp / 'links_cold', 'hop_profiles/*.png')}")


def _sample_results(tmp: Path, step_deg: float) -> tuple[Path, Path]:
    """The sample run before and after a tilt change (in fresh processes, not timed)."""
    from bench_sample_run import change_tilt, copy_sample

    scenario = copy_sample(ROOT, tmp / "sample")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    folders = []
    for name in ("base", "tilt"):
        if name == "tilt":
            print(f"tilt change: {change_tilt(tmp / 'sample' / 'sites.csv', step_deg)}")
        print(f"running the sample ({name}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "netcover", "run", str(scenario), "--out",
                        str(tmp / name)], env=env, check=True, capture_output=True)
        folders.append(tmp / name)
    return folders[0], folders[1]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        results, out, *previous = (Path(a) for a in sys.argv[2:])
        print(json.dumps(build_phase(results, out, previous[0] if previous else None)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="a `netcover run` output folder")
    parser.add_argument("--tilt", type=Path, help="the same run after one tilt changed")
    parser.add_argument("--tilt-step", type=float, default=2.0, help="degrees added to one tilt")
    parser.add_argument("--skip-hops", action="store_true", help="no hop-profile benchmark")
    args = parser.parse_args()
    print(machine_description())
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.base and args.tilt:
            base, tilt = args.base, args.tilt
        else:
            base, tilt = _sample_results(tmp, args.tilt_step)
        bench_outputs(base.resolve(), tilt.resolve(), tmp)
        if not args.skip_hops:
            bench_hop_profiles(tmp)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
