"""Proposal scoring: the coarse-to-fine "better place" search against the exhaustive one.

Prints the machine, then for the bundled Quản Bạ sample's proposals: for each search, the places
whose coverage was computed, the wall and CPU time of :func:`~netcover.siting.score_proposals`
(CPU: this process plus its worker processes), and for each proposal the better place's new people
under both searches. The existing coverage comes through the loss cache (its time is printed but
is not part of the figures).

Run:  python benchmarks/bench_proposals.py [--workers N] [--skip-exhaustive]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_description

SAMPLE = Path(__file__).resolve().parent.parent / "gis_data" / "quan_ba" / "scenario.toml"


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (default 1: in this process)")
    parser.add_argument("--skip-exhaustive", action="store_true")
    args = parser.parse_args()

    from netcover.config.scenario import load_scenario
    from netcover.core.parallel import make_executor
    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.losscache import LossCache, default_cache_dir
    from netcover.data.inputs import load_inputs
    from netcover.siting import prepare, read_proposals, score_proposals

    print(machine_description())
    print(_load())
    scenario = load_scenario(SAMPLE)
    inputs = load_inputs(scenario)
    t0 = time.perf_counter()
    coverage = compute_coverage(inputs, cache=LossCache(default_cache_dir()))
    print(f"Sample: existing coverage {time.perf_counter() - t0:.1f} s through the loss cache "
          "(not part of the figures)")
    settings = scenario.siting
    assert scenario.inputs.proposals is not None
    proposals = read_proposals(scenario.inputs.proposals, settings, inputs.crs,
                               terrain=inputs.terrain)
    problem = prepare(inputs, coverage, settings, with_matrix=False)
    score_proposals(problem, proposals[:1], search="coarse_to_fine")  # JIT and caches warm
    searches = ["coarse_to_fine"] if args.skip_exhaustive else ["coarse_to_fine", "exhaustive"]
    found = {}
    for search in searches:
        wall, cpu = time.perf_counter(), _cpu()
        with make_executor("", args.workers) as executor:  # workers end (and count) in the timing
            scores = score_proposals(problem, proposals, executor=executor, search=search)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        s = scores.search
        print(f"  {search:15s}: {s['tried']:5,} of {s['places']:,} places, {wall:6.1f} s wall, "
              f"{cpu:6.1f} s CPU ({1000 * cpu / max(s['tried'], 1):.0f} ms per place), "
              f"{executor.describe()}; {_load()}")
        found[search] = scores.table.set_index("proposal_id")
    if len(found) == 2:
        fast, full = found["coarse_to_fine"], found["exhaustive"]
        for pid in full.index:
            a, b = fast.loc[pid], full.loc[pid]
            print(f"  {pid}: new people {b['new_people']:8,.1f}; better place coarse-to-fine "
                  f"{a['better_new_people']:8,.1f}, exhaustive {b['better_new_people']:8,.1f} "
                  f"({a['better_new_people'] - b['better_new_people']:+.1f})")


if __name__ == "__main__":
    main()
