"""Coverage of the whole bundled sample: cold and warm loss cache, JIT compile time, peak memory.

Usage::

    python benchmarks/bench_sample_coverage.py

    python benchmarks/bench_sample_coverage.py --speedup-only --sites 12  # the thread pool only

Each phase runs in its own Python process so that its peak memory and its numba state are its own:

1. ``compile``: a fresh numba cache (``NUMBA_CACHE_DIR`` in a temporary folder) and a coverage run
   on a tiny scenario: the time is mostly JIT compilation, as on a fresh install;
2. ``multi1`` / ``multi``: the first ``--sites`` sites of the sample (default 12), empty loss cache,
   on one core (``NUMBA_NUM_THREADS=1``, the jobs one after the other), the jobs one after the other
   (``threads=1``: numba's own threads in each kernel) and then on a thread pool of the usable cores
   (the default): the multi-site speed-up of two cores over one, and of the thread pool;
3. ``cold``: the whole sample (every sector, best server, SINR, statistics) with an empty loss cache,
   in one process, the jobs on the thread pool; ``cold2`` the same with the losses computed in two
   worker processes;
4. ``warm``: the same after changing one sector's mechanical tilt, with the loss cache from phase 3:
   the changed group is folded again only in the box around that sector's window
   (:mod:`netcover.coverage.patch`) and the combined layers are combined again in that box
   (:mod:`netcover.coverage.stored`).

Wall times are the machine's: the load average before and after each phase is printed, and CPU
times beside them. Limits from the coverage issues: cold at most 30 s on 2 cores; warm under 3 s;
compile under 30 s; peak memory under 1 GB; the thread pool at least 1.7x on two cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "gis_data" / "quan_ba" / "scenario.toml"


def _phase(name: str, cache_dir: str, sites: int) -> dict[str, float]:
    """Run one phase in this process; return its figures."""
    from netcover.config.scenario import load_scenario
    from netcover.core.parallel import make_executor
    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.losscache import LossCache
    from netcover.coverage.write import coverage_tables
    from netcover.data.inputs import load_inputs

    if name == "compile":
        sys.path.insert(0, str(ROOT))
        from tests.conftest import write_mini_district

        scenario = write_mini_district(Path(cache_dir) / "mini")
    else:
        scenario = SCENARIO
    t0 = time.perf_counter()
    inputs = load_inputs(load_scenario(scenario))
    t_load = time.perf_counter() - t0
    if name.startswith("multi"):
        first = sorted(inputs.cells["site_id"].unique())[:sites]
        inputs = dataclasses.replace(inputs, cells=inputs.cells[inputs.cells["site_id"].isin(first)])
    if name == "warm":
        cells = inputs.cells.copy()
        cells.loc[cells.index[0], "mech_tilt_deg"] = float(cells["mech_tilt_deg"].iloc[0]) + 2.0
        inputs = dataclasses.replace(inputs, cells=cells)
    load0 = os.getloadavg()[0]
    cpu0 = time.process_time()
    t1 = time.perf_counter()
    workers = 2 if name == "cold2" else 1
    loss_dir = Path(cache_dir) / ("loss2" if name == "cold2" else name if name.startswith("multi")
                                  else "loss")
    threads = 1 if name == "multi1" else None
    with make_executor("", workers) as executor:
        result = compute_coverage(inputs, cache=LossCache(loss_dir), executor=executor,
                                  threads=threads)
    tables = coverage_tables(result, inputs, usable="fair")
    wall = time.perf_counter() - t1
    return {
        "load_s": t_load, "coverage_and_statistics_s": wall, "cpu_s": time.process_time() - cpu0,
        "load_before": load0, "load_after": os.getloadavg()[0],
        "loss_rasters": result.jobs, "losses_computed": result.losses_computed,
        "groups": result.groups, "groups_reused": result.groups_reused,
        "groups_patched": result.groups_patched, "combined_patched": result.combined == "patched",
        "sectors": len(result.cells),
        "share_people_covered": tables.district.get("share_people_covered", float("nan")),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "peak_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
    }


def _run(name: str, cache_dir: str, env: dict[str, str], sites: int = 0) -> dict[str, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--phase", name, cache_dir, str(sites)], env=env,
                         check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["process_s"] = time.perf_counter() - start
    return figures


def _load(figures: dict[str, float]) -> str:
    return f"load average {figures['load_before']:.1f} -> {figures['load_after']:.1f}"


def _speedup(tmp: str, env: dict[str, str], sites: int) -> None:
    (Path(tmp) / "core1").mkdir()  # each phase its own empty loss cache
    core1 = _run("multi1", str(Path(tmp) / "core1"), {**env, "NUMBA_NUM_THREADS": "1"}, sites)
    one = _run("multi1", tmp, env, sites)
    many = _run("multi", tmp, env, sites)
    ratio = one["coverage_and_statistics_s"] / many["coverage_and_statistics_s"]
    base = core1["coverage_and_statistics_s"] / many["coverage_and_statistics_s"]
    print(f"First {sites} sites ({many['loss_rasters']} loss rasters), empty loss cache: on one core "
          f"(NUMBA_NUM_THREADS=1, jobs one after the other) {core1['coverage_and_statistics_s']:.1f} s "
          f"wall ({core1['cpu_s']:.1f} s CPU; {_load(core1)}); jobs one after the other with numba's "
          f"threads in each kernel {one['coverage_and_statistics_s']:.1f} s wall ({one['cpu_s']:.1f} s "
          f"CPU; {_load(one)}); on the thread pool {many['coverage_and_statistics_s']:.1f} s wall "
          f"({many['cpu_s']:.1f} s CPU; {_load(many)}): {base:.2f}x over one core (goal >= 1.7x on "
          f"2 idle cores), {ratio:.2f}x over the kernels' own threads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=12,
                        help="sites of the multi-site speed-up figure (default 12)")
    parser.add_argument("--speedup-only", action="store_true",
                        help="only the multi-site speed-up of the thread pool")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import machine_description

    print(machine_description())
    print(f"Sample: {SCENARIO}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.speedup_only:  # the numba cache as it is (warm after any run)
            _speedup(tmp, dict(os.environ), args.sites)
            return
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
        first = _run("compile", tmp, env)
        again = _run("compile", tmp, env)
        print(f"JIT compile (fresh numba cache, tiny scenario): {first['process_s']:.1f} s per "
              f"process; with the numba cache warm: {again['process_s']:.1f} s "
              f"-> compile time about {first['process_s'] - again['process_s']:.1f} s (limit 30 s)")
        _speedup(tmp, env, args.sites)
        cold = _run("cold", tmp, env)
        print(f"Whole sample, empty loss cache: {cold['coverage_and_statistics_s']:.1f} s wall "
              f"({cold['cpu_s']:.1f} s CPU; {_load(cold)}) for {cold['sectors']} sectors / "
              f"{cold['loss_rasters']} loss rasters, plus {cold['load_s']:.1f} s reading inputs "
              f"(limit 30 s on 2 cores)")
        cold2 = _run("cold2", tmp, env)
        print(f"Whole sample, empty loss cache, losses in 2 worker processes: "
              f"{cold2['coverage_and_statistics_s']:.1f} s wall ({_load(cold2)})")
        warm = _run("warm", tmp, env)
        print(f"One sector re-tilted, warm loss cache: {warm['coverage_and_statistics_s']:.2f} s "
              f"wall ({warm['cpu_s']:.2f} s CPU; {_load(warm)}; {warm['losses_computed']} of "
              f"{warm['loss_rasters']} loss rasters computed; "
              f"{warm['groups'] - warm['groups_reused']} of {warm['groups']} operator/technology "
              f"layers recomputed, {warm['groups_patched']} of them only in the box around the "
              "changed sector; combined layers "
              f"{'patched in that box' if warm['combined_patched'] else 'combined whole'}) "
              "(limit 3 s)")
        print(f"Peak memory (max RSS of a phase): cold {cold['peak_rss_mb']:.0f} MB, re-tilt "
              f"{warm['peak_rss_mb']:.0f} MB (limit 1024 MB); with worker processes: main "
              f"{cold2['peak_rss_mb']:.0f} MB, each worker at most "
              f"{cold2['peak_worker_rss_mb']:.0f} MB")
        print(f"People covered (fair or better): {100 * cold['share_people_covered']:.1f}%")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--phase":
        print(json.dumps(_phase(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
