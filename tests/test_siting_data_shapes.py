"""Siting on data shaped like a planner's own: no roads layer, a population raster smaller than the
DEM, nobody left uncovered (on the walled district of :mod:`tests.test_siting_plan`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from affine import Affine

from netcover.data.population import PopulationGrid
from netcover.siting import plan_sites, prepare, run_siting

from .conftest import X0, Y0
from .test_siting_plan import SETTINGS, walled  # noqa: F401  (module fixture)


def test_without_roads_candidates_are_still_made_and_the_plan_says_how(walled, tmp_path) -> None:  # noqa: F811
    _, inputs, coverage = walled
    no_roads = dataclasses.replace(inputs, roads=None)
    problem = prepare(no_roads, coverage, SETTINGS)
    assert len(problem.candidates) > 0
    assert (problem.context.access, problem.context.access_from) == ("straight_line", "settlements")
    # access distance: straight line to the nearest village (not "no road", not infinite)
    assert np.isfinite(problem.candidates["road_distance_m"]).all()
    plan = plan_sites(problem)
    assert plan.ranked.loc[0, "new_people"] == pytest.approx(360.0)
    assert plan.summary["access"] == "straight_line"
    lines: list[str] = []
    run_siting(no_roads, coverage, SETTINGS, tmp_path / "siting", lines.append)
    text = (tmp_path / "siting" / "site_plan.md").read_text(encoding="utf-8")
    assert "no roads layer" in text and "straight-line distance" in text
    assert any("no roads layer" in line for line in lines)


def test_a_population_raster_smaller_than_the_dem(walled) -> None:  # noqa: F811
    """People only on the east third: candidates on the wall (outside that raster) are evaluated
    on the whole DEM and the plan is the one of the full raster."""
    _, inputs, coverage = walled
    pop = inputs.population
    assert pop is not None
    east = PopulationGrid(pop.counts[:, 20:].copy(), Affine(100, 0, X0 + 2000, 0, -100, Y0),
                          pop.crs)
    full = plan_sites(prepare(inputs, coverage, SETTINGS))
    small = plan_sites(prepare(dataclasses.replace(inputs, population=east), coverage, SETTINGS))
    assert small.ranked.loc[0, "new_people"] == pytest.approx(360.0)
    assert small.ranked.loc[0, "new_people"] == full.ranked.loc[0, "new_people"]
    assert small.summary["share_covered_after"] == pytest.approx(1.0)


@pytest.mark.parametrize("solver", ["greedy", "exact"])
@pytest.mark.parametrize("objective", ["count", "budget", "target"])
def test_no_gaps_is_nothing_to_plan(walled, tmp_path, solver, objective) -> None:  # noqa: F811
    """Everyone covered (people only next to the site): a valid, empty plan that says so."""
    _, inputs, coverage = walled
    pop = inputs.population
    assert pop is not None
    near = pop.counts.copy()
    near[:, 10:] = 0.0
    settings = dataclasses.replace(SETTINGS, solver=solver, objective=objective, budget=1e6,
                                   target_share=0.9)
    few = dataclasses.replace(inputs, population=dataclasses.replace(pop, counts=near),
                              settlements=None)
    lines: list[str] = []
    files = run_siting(few, coverage, settings, tmp_path / "siting", lines.append).files
    assert {p.name for p in files} >= {"siting.gpkg", "site_plan.csv", "site_plan.md"}
    assert any("nothing to plan: no gaps" in line for line in lines)
    assert "nothing to plan: no gaps" in (tmp_path / "siting" / "site_plan.md").read_text("utf-8")


@pytest.mark.parametrize("settlements", ["households_nan", "none"])
def test_gap_and_plan_households_are_no_data_without_household_figures(walled, settlements) -> None:  # noqa: F811
    """No households figures (NaN column, or no settlements): gap and plan households are empty
    (NaN), not a count from an assumed people-per-household ratio."""
    _, inputs, coverage = walled
    s = None
    if settlements == "households_nan":
        s = inputs.settlements.copy()
        s["households"] = np.nan
    problem = prepare(dataclasses.replace(inputs, settlements=s), coverage, SETTINGS)
    assert problem.gaps["people"].iloc[0] == pytest.approx(360.0)
    assert problem.gaps["households"].isna().all()
    assert plan_sites(problem).ranked["new_households"].isna().all()
