"""Full-resolution figures of proposals and planned sites (issue 15).

On the walled district of ``test_siting_plan`` (one Viettel site in the west, a village behind a
wall in the east): a copy of the existing site adds nobody, the plan's people are what the coverage
step gives once its sites are built, and a proposal by another operator is scored for the market
and for its own network.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover.config.scenario import load_scenario
from netcover.coverage.engine import compute_coverage
from netcover.coverage.write import coverage_tables
from netcover.data.inputs import load_inputs
from netcover.data.proposals import plan_sectors
from netcover.siting import SitingSettings, plan_sites, prepare, read_proposals, score_proposals
from netcover.siting.fullres import FullResolution, NewSite

from .test_siting_plan import EAST, WEST, _proposals_csv, write_gap_district

#: The existing site S1's antenna, every sector field given (a copy of it is an exact duplicate).
S1_COPY = {"operator": "Viettel", "height_m": 30, "azimuths_deg": "0;120;240",
           "technology": "4G", "frequency_mhz": 1800, "bandwidth_mhz": 10, "tx_power_dbm": 43,
           "antenna_gain_dbi": 17, "h_beamwidth_deg": 65, "v_beamwidth_deg": 8,
           "mech_tilt_deg": 2, "elec_tilt_deg": 2}
#: Weak new sites (20 dBm): the plan needs several, each adding people beyond the ones before.
WEAK = SitingSettings(n_sites=3, candidate_spacing_m=200.0, hilltop_window_m=300.0,
                      max_gap_distance_km=3.0, proposal_search_radius_m=400.0,
                      proposal_search_spacing_m=200.0, tx_power_dbm=20.0, frequency_mhz=1800.0)


@pytest.fixture(scope="module")
def walled(tmp_path_factory: pytest.TempPathFactory):
    """The walled district with a row of hamlets at the foot of the wall's west face: the plain
    (covered from the west) and the steep face (in the site's shadow) share their 100 m cells."""
    import rasterio

    folder = tmp_path_factory.mktemp("walled_fullres")
    scenario = write_gap_district(folder)
    with rasterio.open(folder / "population.tif", "r+") as src:
        pop = src.read(1)
        pop[8:22, 13] += 10.0  # x 1,300-1,400 m: 30 m cells 43-44 plain, 45-46 the wall
        src.write(pop, 1)
    inputs = load_inputs(load_scenario(scenario))
    return inputs, compute_coverage(inputs)


def _scores(walled, tmp_path: Path, rows: list[dict[str, object]]) -> pd.DataFrame:
    inputs, coverage = walled
    problem = prepare(inputs, coverage, WEAK, with_matrix=False)
    path = _proposals_csv(tmp_path / "p.csv", rows)
    return score_proposals(problem, read_proposals(path, WEAK, inputs.crs)).table.set_index(
        "proposal_id")


def _covered_people(coverage, inputs) -> float:
    district = coverage_tables(coverage, inputs, usable="fair").district
    return float(district["people_fair"] + district["people_good"])


def test_a_copy_of_an_existing_site_adds_nobody(walled, tmp_path) -> None:
    row = _scores(walled, tmp_path, [{"proposal_id": "DUP", "x": WEST[0], "y": WEST[1],
                                      **S1_COPY}]).loc["DUP"]
    assert row["screening_new_people"] > 0  # what the 100 m screening grid said (issue 15)
    assert row["new_people"] == 0.0
    assert row["new_households"] == 0.0
    assert row["gaps_closed"] == ""
    assert row["people_in_footprint"] > 90  # it reaches the western hamlet, already covered
    assert row["overlap_share"] == 1.0
    assert row["extra_people"] == 0.0 or row["better_new_people"] > 0


def test_own_and_market_views_of_another_operators_area(walled, tmp_path) -> None:
    table = _scores(walled, tmp_path, [
        {"proposal_id": "MBF", "x": WEST[0], "y": WEST[1], **dict(S1_COPY, operator="MobiFone")},
        {"proposal_id": "VTL", "x": WEST[0], "y": WEST[1], **dict(S1_COPY, operator=" viettel")}])
    mbf, vtl = table.loc["MBF"], table.loc["VTL"]
    assert mbf["new_people"] == 0.0  # the market: Viettel covers them already
    assert mbf["new_people_own"] == pytest.approx(mbf["people_in_footprint"])  # MobiFone: no sites
    assert mbf["new_people_own"] > 90
    assert vtl["new_people_own"] == 0.0  # " viettel" is the sites' Viettel
    assert mbf["cost"] == vtl["cost"] > 0
    assert np.isnan(mbf["cost_per_new_person"])


def test_a_proposal_behind_the_wall_costs_per_new_person(walled, tmp_path) -> None:
    row = _scores(walled, tmp_path, [{"proposal_id": "E", "x": EAST[0], "y": EAST[1],
                                      **S1_COPY}]).loc["E"]
    gap = float(prepare(*walled, WEAK, with_matrix=False).gaps["people"].iloc[0])
    assert 0.9 * gap < row["new_people"] <= gap + 1e-6
    assert row["new_people_own"] == pytest.approx(row["new_people"])  # Viettel is the market
    assert row["gaps_closed"] == "G1"
    assert row["cost_per_new_person"] == pytest.approx(row["cost"] / row["new_people"], abs=1)


def test_the_plan_adds_what_the_coverage_step_finds_once_its_sites_are_built(walled) -> None:
    inputs, coverage = walled
    plan = plan_sites(prepare(inputs, coverage, WEAK))
    ranked = plan.ranked
    assert len(ranked) >= 2
    assert (ranked["new_people"] > 0).all()
    assert "screening_new_people" in ranked.columns
    # ranked by the people each adds at full resolution: most first
    assert (np.diff(ranked["new_people"].to_numpy()) <= 1e-9).all()
    cells = inputs.cells
    template = cells.iloc[0]
    rows = []
    chosen = plan.problem.candidates.iloc[plan.result.chosen]
    for k, (x, y, h) in enumerate(zip(chosen["x"], chosen["y"], chosen["height_m"], strict=True)):
        for j, sector in enumerate(plan_sectors(WEAK)):
            rows.append({**template.to_dict(), **sector.to_dict(), "site_id": f"NEW{k}",
                         "cell_id": f"NEW{k}-{j}", "operator": "Plan", "x": x, "y": y,
                         "height_m": h})
    new = pd.DataFrame(rows)
    built = pd.concat([cells, new.astype({c: cells[c].dtype for c in ("x", "y")})],
                      ignore_index=True)
    after_inputs = dataclasses.replace(inputs, cells=built.set_geometry("geometry"))
    after = _covered_people(compute_coverage(after_inputs), after_inputs)
    before = _covered_people(coverage, inputs)
    added = float(ranked["cumulative_people"].iloc[-1])
    assert after - before == pytest.approx(added, rel=0.02)
    assert plan.summary["new_people"] == round(added)
    u = plan.by_unit
    assert u is not None and float(u["new_people"].sum()) == pytest.approx(added, abs=1)


def test_gains_in_order_count_each_person_once(walled) -> None:
    inputs, coverage = walled
    full = FullResolution(inputs, coverage, WEAK)
    site = NewSite(EAST[0], EAST[1], 30.0, plan_sectors(WEAK))
    covers = full.covers([site, site])
    open_cells = full.open_cells(coverage.classes)
    first, second = full.gains_in_order(covers, open_cells)
    assert first.total > 0 and second.total == 0.0
    assert full.gain(covers[1], open_cells).total == first.total
    everyone = full.gain(covers[0], full.open_cells(None))
    assert everyone.total >= first.total
    assert everyone.at(everyone.cells).sum() == pytest.approx(everyone.total)


def test_proposal_footprints_are_the_full_resolution_cells(walled, tmp_path) -> None:
    from netcover.siting import proposal_footprints

    inputs, coverage = walled
    problem = prepare(inputs, coverage, WEAK, with_matrix=False)
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "E", "x": EAST[0], "y": EAST[1],
                                                **S1_COPY}])
    found = read_proposals(path, WEAK, inputs.crs)
    scores = score_proposals(problem, found)
    drawn = proposal_footprints(problem, found, scores)
    cells = int(scores.covers[0].covered.sum())
    assert cells > 0
    assert float(drawn.geometry.area.iloc[0]) == pytest.approx(cells * 30.0 * 30.0)
    again = proposal_footprints(problem, found)  # computed again: the same polygon
    assert again.geometry.iloc[0].equals(drawn.geometry.iloc[0])
    assert drawn.loc[0, "new_people"] == scores.table.loc[0, "new_people"]


def _brute_greedy(full: FullResolution, covers, open_cells) -> list[int]:
    """The greedy order as first written: every remaining site's gain again at each step."""
    still, left, order = open_cells.copy(), list(range(len(covers))), []
    while left:
        added = [full.gain(covers[k], still).total for k in left]
        k = left.pop(int(np.argmax(added)))
        order.append(k)
        still[covers[k].window] &= ~covers[k].covered
    return order


def test_the_incremental_greedy_order_is_the_full_recomputation(walled) -> None:
    from netcover.siting.fullres import SiteCover

    inputs, coverage = walled
    full = FullResolution(inputs, coverage, WEAK)
    rows, cols = coverage.classes.shape
    rng = np.random.default_rng(18)
    covers = []
    for _ in range(12):  # windows apart, overlapping and nested; some exact duplicates (ties)
        h, w = rng.integers(3, rows // 2), rng.integers(3, cols // 2)
        r0, c0 = rng.integers(0, rows - h), rng.integers(0, cols - w)
        covers.append(SiteCover(rng.random((h, w)) < 0.6, int(r0), int(c0)))
    covers += [covers[3], covers[7], SiteCover(np.zeros((0, 0), dtype=bool), 0, 0)]
    open_cells = full.open_cells(None)
    order, gains = full.greedy(covers, open_cells)
    assert order == _brute_greedy(full, covers, open_cells)
    assert full.greedy_order(covers, open_cells) == order
    expected = full.gains_in_order([covers[k] for k in order], open_cells)
    assert [g.total for g in gains] == [g.total for g in expected]
    assert all(np.array_equal(g.cells, e.cells) and np.array_equal(g.people, e.people)
               for g, e in zip(gains, expected, strict=True))
    assert gains[-1].total == 0.0 and gains[0].total > 0


def test_covers_are_kept_in_the_cache_and_read_back_equal(walled, tmp_path) -> None:
    from netcover.coverage.losscache import LossCache

    inputs, coverage = walled
    cache = LossCache(tmp_path / "cache")
    site = NewSite(EAST[0], EAST[1], 30.0, plan_sectors(WEAK))
    first = FullResolution(inputs, coverage, WEAK, cache=cache).covers([site])[0]
    entries = sorted((tmp_path / "cache").rglob("*.npz"))
    assert entries  # the cover (and the loss raster) are stored
    losses = sorted((tmp_path / "cache").rglob("*.npy"))
    assert losses
    for path in losses:  # without the loss rasters the cover is read back, not computed
        path.unlink()
    again = FullResolution(inputs, coverage, WEAK, cache=cache).covers([site])[0]
    assert not list((tmp_path / "cache").rglob("*.npy"))  # no loss raster computed again
    assert again.covered.any()
    assert np.array_equal(again.covered, first.covered)
    assert (again.row_off, again.col_off) == (first.row_off, first.col_off)
    taller = NewSite(EAST[0], EAST[1], 40.0, plan_sectors(WEAK))  # another key: computed
    other = FullResolution(inputs, coverage, WEAK, cache=cache).covers([taller])[0]
    assert other.covered.sum() >= first.covered.sum()
