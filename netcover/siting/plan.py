"""The site plan: demand and gaps, candidates and their coverage, the solver, and the tables.

:func:`prepare` builds everything the choice needs (:class:`SitingProblem`); :func:`plan_sites`
solves it and tabulates the ranked sites and the coverage after the plan per commune. Proposal
scoring (:mod:`.proposals`) reuses the same :class:`SitingProblem`.

The choice is made on the 100 m *screening* grid (:mod:`netcover.siting.matrix`: the candidates'
coverage matrix and the solver); the figures of the chosen sites are full resolution
(:mod:`netcover.siting.fullres`: the coverage step's engine, grid and thresholds): ``site_plan.csv``'s
``new_people``, ``new_households``, ``cumulative_*``, ``cost_per_new_person`` and ``gaps_closed``
are each site's people beyond the existing network and the sites ranked before it, and
``coverage_after_plan.csv`` and the summary's ``new_people`` and ``share_covered_after`` add them
up. The chosen sites are ranked by those full-resolution figures (:func:`full_resolution_rank`:
at each step the site adding the most people). The solver's own (screening) figure of each site in
that order is kept as ``screening_new_people`` (and the summary's ``screening_new_people``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcover.config.siting import SitingSettings
from netcover.coverage import people as covered
from netcover.data.proposals import plan_sectors
from netcover.siting import gaps as gapmod
from netcover.siting.candidates import PlaceContext, candidate_table, generate_candidates
from netcover.siting.footprints import footprint_cache
from netcover.siting.fullres import FullResolution, Gain, NewSite, SiteCover, population_cells
from netcover.siting.matrix import DemandLookup, Screening, coverage_matrix, screening
from netcover.siting.solvers import SolveResult, solve

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.core.executor import Executor
    from netcover.coverage.engine import CoverageResult, Progress
    from netcover.coverage.losscache import LossCache
    from netcover.data.inputs import Inputs

__all__ = [
    "SitePlan",
    "SitingProblem",
    "demand_cells",
    "full_resolution_rank",
    "gaps_closed_by_people",
    "gaps_closed_by_steps",
    "plan_sites",
    "prepare",
    "ranked_table",
    "site_gains",
    "target_weight",
    "unit_table_after",
    "without_candidates",
]


@dataclass
class SitingProblem:
    """Demand, gaps, candidates and the candidates' coverage matrix of one scenario."""

    inputs: Inputs
    coverage: CoverageResult
    settings: SitingSettings
    demand: gapmod.Demand
    gap_labels: np.ndarray
    gaps: gpd.GeoDataFrame
    context: PlaceContext
    candidates: gpd.GeoDataFrame
    screen: Screening
    lookup: DemandLookup
    matrix: sp.csc_array
    seconds: dict[str, float] = field(default_factory=dict)
    #: Candidate footprints read from the cache (``cached``) and ``computed``.
    footprints: dict[str, int] = field(default_factory=dict)


@dataclass
class SitePlan:
    """A solved plan: the solver's answer and the tables planners read."""

    problem: SitingProblem
    result: SolveResult
    ranked: pd.DataFrame
    by_unit: pd.DataFrame | None
    summary: dict[str, Any]


def prepare(inputs: Inputs, coverage: CoverageResult, settings: SitingSettings, *,
            progress: Progress | None = None, with_matrix: bool = True,
            executor: Executor | None = None, cache: LossCache | None = None) -> SitingProblem:
    """Demand, gaps, candidates and the coverage matrix (see the package docstring).

    ``with_matrix=False`` skips the candidates and their coverage (none are kept): proposal scoring
    needs only the demand, the gaps and the screening grid. ``executor``: where the matrix's
    columns are computed (None: here; see :func:`~netcover.siting.matrix.coverage_matrix`).
    ``cache``: where candidate footprints are kept (None: the scenario's loss cache folder,
    :func:`~netcover.siting.footprints.footprint_cache`; ``LossCache(None)``: nowhere).
    """
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    demand = gapmod.uncovered_demand(inputs, coverage, settings)
    labels = gapmod.cluster_labels(demand.x, demand.y, demand.people, settings.cluster_distance_m)
    gap_layer = gapmod.gap_layer(demand, labels, inputs, coverage, settings)
    seconds["gaps"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ctx = PlaceContext(inputs, settings)
    cands = generate_candidates(inputs, demand, settings, ctx)
    seconds["candidates"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pop = inputs.population
    assert pop is not None  # uncovered_demand checked it
    screen = screening(inputs.scenario, inputs.terrain, pop.transform, pop.counts.shape, settings)
    lookup = DemandLookup(screen, demand.x, demand.y)
    sectors = plan_sectors(settings)
    chosen = cands if with_matrix else cands.iloc[:0]
    counts: dict[str, int] = {"cached": 0, "computed": 0}
    a = coverage_matrix(screen, lookup, chosen["x"].to_numpy(), chosen["y"].to_numpy(),
                        chosen["height_m"].to_numpy(), [sectors] * len(chosen), progress,
                        executor=executor, counts=counts,
                        cache=cache or footprint_cache(inputs.scenario))
    seconds["matrix"] = time.perf_counter() - t0
    return SitingProblem(inputs, coverage, settings, demand, labels, gap_layer, ctx, chosen,
                         screen, lookup, a, seconds, counts)


def without_candidates(problem: SitingProblem) -> SitingProblem:
    """The problem as ``prepare(..., with_matrix=False)`` makes it (no candidates, an empty
    matrix), from one prepared with them: proposal scoring after the site plan reuses its demand,
    gaps and screening grid instead of making them again."""
    return dataclasses.replace(problem, candidates=problem.candidates.iloc[:0],
                               matrix=problem.matrix[:, :0])


def target_weight(demand: gapmod.Demand, settings: SitingSettings) -> float:
    """Uncovered people the plan must add to reach ``target_share`` of all people."""
    return max(settings.target_share * demand.total_people - demand.covered_people, 0.0)


#: Shares closer than this count as equal (the target reached at full resolution).
_SHARE_EPS = 1e-9


def plan_sites(problem: SitingProblem, settings: SitingSettings | None = None, *,
               executor: Executor | None = None) -> SitePlan:
    """Solve the problem with ``settings`` (default: the problem's) and tabulate the plan.

    The solver works on the screening matrix; the tables' figures are full resolution
    (:func:`site_gains`; ``executor``: where the chosen sites' loss rasters are computed, None:
    here). With ``objective="target"`` the summary also has ``target_share`` and
    ``target_reached``: whether the full-resolution ``share_covered_after`` reaches it (the solver
    reached it on the screening grid, whose whole 100 m cells may count people the full
    resolution does not; :func:`~netcover.siting.output.target_text` says it).
    """
    s = settings or problem.settings
    d = problem.demand
    result = solve(problem.matrix, d.people, objective=s.objective, n_sites=s.n_sites,
                   costs=problem.candidates["cost"].to_numpy(), budget=s.budget,
                   target_weight=target_weight(d, s), required=d.required, solver=s.solver,
                   time_limit_s=s.time_limit_s, mip_gap=s.mip_gap, tie_weight=s.tie_people)
    t0 = time.perf_counter()
    result, gains = full_resolution_rank(problem, result, executor=executor)
    full_seconds = time.perf_counter() - t0
    ranked = ranked_table(problem, result, gains)
    by_unit = unit_table_after(problem, result, gains)
    new_people = sum(g.total for g in gains)
    covered_after = d.covered_people + new_people
    share_after = covered_after / d.total_people if d.total_people else 0.0
    summary = {
        "objective": s.objective, "solver": result.solver, "message": result.message,
        "optimal": result.optimal, "gap": result.gap, "time_limited": result.time_limited,
        "feasible": result.feasible, "solve_seconds": round(result.seconds, 3),
        "demand_cells": len(d), "candidates": len(problem.candidates), "gaps": len(problem.gaps),
        "matrix_nonzeros": int(problem.matrix.nnz), "people": round(d.total_people),
        "people_uncovered_before": round(float(d.people.sum())),
        "share_covered_before": d.covered_people / d.total_people if d.total_people else 0.0,
        "share_covered_after": share_after,
        "new_sites": len(result.chosen), "new_people": round(new_people),
        "screening_new_people": round(result.covered_weight),
        "total_cost": round(result.total_cost),
        "access": problem.context.access, "access_from": problem.context.access_from,
        **{f"{k}_seconds": round(v, 2) for k, v in problem.seconds.items()},
        "full_resolution_seconds": round(full_seconds, 2),
    }
    if s.objective == "target":
        summary.update(target_share=s.target_share,
                       target_reached=bool(result.feasible
                                           and share_after >= s.target_share - _SHARE_EPS))
    return SitePlan(problem, result, ranked, by_unit, summary)


def site_gains(problem: SitingProblem, result: SolveResult, *,
               executor: Executor | None = None) -> list[Gain]:
    """Full-resolution people of the chosen sites in rank order, each beyond the baseline
    (:func:`~netcover.siting.gaps.baseline_classes`) and the sites ranked before it
    (:meth:`~netcover.siting.fullres.FullResolution.gains_in_order`)."""
    full, covers, open_cells = _chosen_covers(problem, result, executor)
    return full.gains_in_order(covers, open_cells)


def full_resolution_rank(problem: SitingProblem, result: SolveResult, *,
                         executor: Executor | None = None) -> tuple[SolveResult, list[Gain]]:
    """``result`` with its chosen sites ranked by the people each adds at full resolution (the
    most first, beyond the baseline and the sites before it), not by the screening figures the
    solver chose them with (its ``gains``: the screening figures in that order), and the sites'
    full-resolution gains in that order (:func:`site_gains`)."""
    full, covers, open_cells = _chosen_covers(problem, result, executor)
    order, gains = full.greedy(covers, open_cells)
    chosen = np.asarray(result.chosen, dtype=np.int64)[order]
    a, open_rows = problem.matrix.tocsc(), np.ones(len(problem.demand), bool)
    screening = []
    for j in chosen:
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        screening.append(float(problem.demand.people[rows[open_rows[rows]]].sum()))
        open_rows[rows] = False
    return dataclasses.replace(result, chosen=chosen, gains=np.array(screening)), gains


def _chosen_covers(problem: SitingProblem, result: SolveResult, executor: Executor | None
                   ) -> tuple[FullResolution, list[SiteCover], np.ndarray]:
    """The chosen sites' full-resolution covers (loss rasters from the cache once computed) and
    the cells open before the plan."""
    full = FullResolution(problem.inputs, problem.coverage, problem.settings)
    cands = problem.candidates.iloc[result.chosen]
    sectors = plan_sectors(problem.settings)
    sites = [NewSite(float(x), float(y), float(h), sectors, str(cid)) for x, y, h, cid in
             zip(cands["x"], cands["y"], cands["height_m"], cands["candidate_id"], strict=True)]
    covers = full.covers(sites, executor=executor)
    baseline = gapmod.baseline_classes(problem.coverage, problem.settings)
    return full, covers, full.open_cells(baseline)


def demand_cells(problem: SitingProblem) -> np.ndarray:
    """Flat index on the population grid of each demand row's cell."""
    pop = problem.inputs.population
    assert pop is not None  # the demand was made from it
    return population_cells(pop, problem.demand.x, problem.demand.y)


def gaps_closed_by_people(problem: SitingProblem, steps: list[np.ndarray]) -> list[list[str]]:
    """Gap ids each step closes, when step k newly covers ``steps[k]`` people of each demand row
    (in order; a gap closes when ``gap_close_share`` of its people are reached)."""
    labels, people = problem.gap_labels, problem.demand.people
    n = len(problem.gaps)
    gap_people = np.bincount(labels, weights=people, minlength=n)
    reached = np.zeros(n)
    closed = np.zeros(n, bool)
    out = []
    for new in steps:
        reached += np.bincount(labels, weights=np.minimum(new, people), minlength=n)
        now = (reached >= problem.settings.gap_close_share * gap_people - 1e-9) & (gap_people > 0)
        out.append([str(problem.gaps["gap_id"].iloc[g]) for g in np.flatnonzero(now & ~closed)])
        closed |= now
    return out


def gaps_closed_by_steps(problem: SitingProblem, columns: list[np.ndarray]) -> list[list[str]]:
    """Gap ids each step closes, when the whole demand rows of ``columns`` are added in order."""
    people = problem.demand.people
    done = np.zeros(len(people), bool)
    steps = []
    for rows in columns:
        fresh = np.asarray(rows, dtype=np.int64)[~done[rows]]
        new = np.zeros(len(people))
        new[fresh] = people[fresh]
        done[rows] = True
        steps.append(new)
    return gaps_closed_by_people(problem, steps)


def ranked_table(problem: SitingProblem, result: SolveResult,
                 gains: list[Gain] | None = None) -> pd.DataFrame:
    """One row per chosen site in rank order (see the issue's list of columns).

    ``gains``: the sites' :func:`site_gains` (None: computed here).
    """
    d = problem.demand
    gains = site_gains(problem, result) if gains is None else gains
    cands = problem.candidates.iloc[result.chosen]
    table = candidate_table(cands).reset_index(drop=True)
    new = np.array([g.total for g in gains], dtype=np.float64)
    cum_people = np.cumsum(new)
    cost = cands["cost"].to_numpy()
    out = pd.DataFrame({"rank": np.arange(1, len(cands) + 1), "candidate_id": table["candidate_id"],
                        "source": table["source"], "name": table["name"],
                        "lon": table["lon"], "lat": table["lat"],
                        "commune": _communes(problem, cands)})
    out["new_people"] = new.round(1)
    out["new_households"] = (new / d.people_per_household).round(1)
    out["cumulative_people"] = cum_people.round(1)
    total = d.total_people or 1.0
    out["cumulative_share_covered"] = ((d.covered_people + cum_people) / total).round(4)
    out["cost"] = cost.round(0)
    out["cumulative_cost"] = np.cumsum(cost).round(0)
    out["cost_per_new_person"] = np.divide(cost, new, out=np.full(len(cost), np.nan),
                                           where=new > 0).round(0)
    cells = demand_cells(problem)
    out["gaps_closed"] = ["; ".join(g) for g in
                          gaps_closed_by_people(problem, [g.at(cells) for g in gains])]
    for c in ("ground_m", "rise_m", "road_distance_m", "backhaul_distance_m", "height_m"):
        out[c] = table[c].to_numpy()
    out["screening_new_people"] = np.asarray(result.gains, dtype=np.float64).round(1)
    return out


def _communes(problem: SitingProblem, cands: gpd.GeoDataFrame) -> list[str]:
    units = problem.inputs.units
    if units is None or len(cands) == 0:
        return [""] * len(cands)
    hit = cands[["geometry"]].sjoin(units[["name", "geometry"]], predicate="within", how="left")
    first = hit.groupby(level=0)["name"].first().reindex(cands.index)
    return [str(v) if isinstance(v, str) else "" for v in first]


def unit_table_after(problem: SitingProblem, result: SolveResult,
                     gains: list[Gain] | None = None) -> pd.DataFrame | None:
    """People covered per unit before and after the plan (full resolution: ``gains``, the sites'
    :func:`site_gains`, None: computed here), and the new sites in each unit."""
    inputs = problem.inputs
    pop = inputs.population
    if inputs.units is None or pop is None:
        return None
    gains = site_gains(problem, result) if gains is None else gains
    n = len(inputs.units)
    zones = covered.zone_raster(inputs.units, pop.transform, pop.counts.shape)
    share = gapmod.uncovered_share(inputs, problem.coverage, problem.settings)
    counts = pop.counts.astype(np.float64)
    inside = zones >= 0
    people = np.bincount(zones[inside], weights=counts[inside], minlength=n)
    before = people - np.bincount(zones[inside], weights=(counts * share)[inside], minlength=n)
    added = np.zeros(counts.size)
    for g in gains:
        added[g.cells] += g.people
    new = np.bincount(zones[inside], weights=added.reshape(counts.shape)[inside], minlength=n)
    sites = pd.Series(_communes(problem, problem.candidates.iloc[result.chosen])).value_counts()
    names = inputs.units["name"].astype(str).to_numpy()
    share_of = np.divide(1.0, people, out=np.zeros(n), where=people > 0)
    return pd.DataFrame({
        "code": inputs.units["code"].to_numpy(), "name": names, "people": people.round(0),
        "covered_before": before.round(0), "share_before": (before * share_of).round(4),
        "new_people": new.round(0), "covered_after": (before + new).round(0),
        "share_after": ((before + new) * share_of).round(4),
        "new_sites": [int(sites.get(nm, 0)) for nm in names]})
