"""Site-planning speed: the sample with 1,000 candidates, and synthetic instances up to 20,000 x 2,000.

Prints the machine, then for the bundled Quản Bạ sample: the time to compute the coverage matrix of
1,000 candidates with a fresh footprint cache (limit 10 s on 2 cores) and again from the cache (no
footprint computed), greedy + 1-swap (limit 2 s), the exact MILP (optimal or
within 0.5 % in 60 s) and how far greedy is from the exact optimum (limit 1 %); then how the solvers'
time grows on random geometric instances. The existing coverage comes through the loss cache (its
time is printed but is not part of the limits).

Run:  python benchmarks/bench_siting.py [--skip-sample] [--workers N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_description

SAMPLE = Path(__file__).resolve().parent.parent / "gis_data" / "quan_ba" / "scenario.toml"
N_CANDIDATES = 1_000


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def _solvers(a: sp.csc_array, w: np.ndarray, n_sites: int, costs: np.ndarray | None = None,
             time_limit_s: float = 60.0) -> None:
    from netcover.siting import solve

    g = solve(a, w, n_sites=n_sites, costs=costs)
    e = solve(a, w, n_sites=n_sites, costs=costs, solver="exact", time_limit_s=time_limit_s)
    ratio = g.covered_weight / e.covered_weight if e.covered_weight else 1.0
    print(f"  N={n_sites:3d}: greedy+swap {g.seconds:7.3f} s -> {g.covered_weight:12,.1f} | "
          f"exact {e.seconds:7.2f} s -> {e.covered_weight:12,.1f} (optimal={e.optimal}, "
          f"gap {e.gap:.3%}, time limit hit={e.time_limited}) | greedy/exact {ratio:.4f}")


def bench_sample(workers: int) -> None:
    from netcover.config.scenario import load_scenario
    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.losscache import LossCache, default_cache_dir
    from netcover.data.inputs import load_inputs
    from netcover.data.proposals import plan_sectors
    from netcover.siting import SitingSettings, generate_candidates, plan_sites, prepare

    inputs = load_inputs(load_scenario(SAMPLE))
    t0 = time.perf_counter()
    coverage = compute_coverage(inputs, cache=LossCache(default_cache_dir()))
    print(f"Sample: existing coverage {time.perf_counter() - t0:.1f} s through the loss cache "
          "(not part of the limits)")
    # denser candidates than the default so the sample offers at least 1,000
    settings = SitingSettings(candidate_spacing_m=150.0, min_rise_m=3.0, hilltop_window_m=450.0,
                              max_road_m=2_000.0, max_candidates=N_CANDIDATES,
                              max_gap_distance_km=10.0)
    problem = prepare(inputs, coverage, settings, with_matrix=False)
    t0 = time.perf_counter()
    cands = generate_candidates(inputs, problem.demand, settings, problem.context)
    cands = cands.iloc[:N_CANDIDATES]
    print(f"  {len(problem.demand):,} demand cells ({problem.demand.people.sum():,.0f} uncovered "
          f"people, {len(problem.gaps)} gaps); {len(cands):,} candidates in "
          f"{time.perf_counter() - t0:.2f} s")
    print(f"  {_load()} before the matrix")
    a = _matrix_cold_and_warm(problem, cands, plan_sectors(settings), workers)
    problem = dataclasses.replace(problem, candidates=cands, matrix=a, settings=settings)
    w = problem.demand.people
    for n in (5, 10, 20):
        _solvers(a, w, n)
    for objective, extra in (("budget", {"budget": 1_000_000.0}),
                             ("target", {"target_share": 0.99})):
        for solver in ("greedy", "exact"):
            s = dataclasses.replace(settings, objective=objective, solver=solver, **extra)
            plan = plan_sites(problem, s)
            r = plan.result
            print(f"  {objective:6s} {solver:6s}: {r.seconds:7.3f} s, {len(r.chosen)} sites, "
                  f"{r.covered_weight:,.0f} people, cost {r.total_cost:,.0f} USD, "
                  f"feasible={r.feasible}, optimal={r.optimal}, gap {r.gap:.3%}")


def _matrix_cold_and_warm(problem: Any, cands: Any, sectors: list[Any], workers: int) -> sp.csc_array:
    """The candidates' coverage matrix with a fresh footprint cache (cold), then again (warm), on
    one long-lived worker pool; wall time, the pool's starts and the footprints computed/read."""
    import tempfile

    from netcover.core.parallel import make_executor
    from netcover.coverage.losscache import LossCache
    from netcover.siting.matrix import coverage_matrix

    args = (problem.screen, problem.lookup, cands["x"].to_numpy(), cands["y"].to_numpy(),
            cands["height_m"].to_numpy(), [sectors] * len(cands))
    children = _children_cpu_s()
    with tempfile.TemporaryDirectory(prefix="bench-footprints-") as folder, \
            make_executor("", workers) as executor:
        for run in ("cold", "warm"):
            counts: dict[str, int] = {}
            t0, c0 = time.perf_counter(), time.process_time()
            a = coverage_matrix(*args, executor=executor, cache=LossCache(Path(folder)),
                                counts=counts)
            print(f"  coverage matrix {a.shape[0]:,} x {a.shape[1]:,} ({a.nnz:,} non-zeros), "
                  f"{run}: {time.perf_counter() - t0:.1f} s with {workers} worker process(es) "
                  f"(this process {time.process_time() - c0:.1f} s CPU), {counts['computed']} "
                  f"footprints computed, {counts['cached']} from the cache, pool started "
                  f"{getattr(executor, 'starts', 0)} time(s) [limit 10 s cold]")
    print(f"  worker processes: {_children_cpu_s() - children:.1f} s CPU in all (start-up "
          f"included): {1e3 * (_children_cpu_s() - children) / max(len(cands), 1):.1f} ms per "
          "footprint computed")
    return a


def _children_cpu_s() -> float:
    """CPU seconds of this process's ended child processes (the worker pool's, once closed)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def random_instance(n_demand: int, n_cand: int, seed: int = 5) -> tuple[sp.csc_array, np.ndarray]:
    """Demand and candidates uniform on a 40 km square; each candidate covers a 1.5-3.5 km disc."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    side = 40_000.0
    demand = rng.random((n_demand, 2)) * side
    cand = rng.random((n_cand, 2)) * side
    radius = rng.uniform(1_500.0, 3_500.0, n_cand)
    tree = cKDTree(demand)
    cols = [np.sort(np.asarray(tree.query_ball_point(c, r), dtype=np.int64))
            for c, r in zip(cand, radius, strict=True)]
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in cols])])
    a = sp.csc_array((np.ones(indptr[-1], bool), np.concatenate(cols), indptr),
                     shape=(n_demand, n_cand))
    return a, rng.lognormal(2.0, 1.0, n_demand)


def bench_synthetic() -> None:
    for n_demand, n_cand in ((5_000, 500), (10_000, 1_000), (20_000, 2_000)):
        a, w = random_instance(n_demand, n_cand)
        print(f"Synthetic {n_demand:,} x {n_cand:,} ({a.nnz:,} non-zeros):")
        for n in (20, 50):
            _solvers(a, w, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true",
                        help="only the sample's matrix and solvers, not the synthetic instances")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes for the matrix (default: usable cores)")
    args = parser.parse_args()
    from netcover.core.parallel import usable_cores

    print(machine_description())
    print(_load())
    if not args.skip_sample:
        bench_sample(args.workers or usable_cores())
    if not args.skip_synthetic:
        bench_synthetic()
    print(_load())


if __name__ == "__main__":
    main()
