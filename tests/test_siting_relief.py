"""Capacity relief of capacity proposals (netcover.siting.relief) on the miniature district."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from netcover.config.capacity import CapacitySettings, busy_hour_users
from netcover.config.scenario import load_scenario
from netcover.config.siting import SitingSettings
from netcover.coverage.capacity import capacity_tables
from netcover.coverage.engine import compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.data.inputs import load_inputs
from netcover.data.proposals import Proposal, plan_sectors
from netcover.siting.colocate import SAME_SECTOR_DEG, host_site, next_channel, same_sector
from netcover.siting.relief import capacity_relief, proposal_cells, relief_sentence

from .conftest import CRS, X0, Y0, write_mini_district

# S1-1 (azimuth 0, 1,800 MHz) serves two villages of 300 people north of S1; at 170 MB per active
# user in the busy hour it is overloaded. A 900 MHz sector 100 m south of the northern village,
# facing north, takes that village's users; a weak sector in the far corner takes none.
CAP = CapacitySettings(busy_hour_mb=170.0)
PLAN = SitingSettings(frequency_mhz=900.0)


def two_villages_north(folder: Path) -> Path:
    """The miniature district with a second village of 300 people north of S1; its scenario."""
    path = write_mini_district(folder)
    pop = np.zeros((24, 24), dtype="float32")
    pop[7, 5], pop[2, 6], pop[18, 20] = 300, 300, 200
    with rasterio.open(folder / "population.tif", "w", driver="GTiff", height=24, width=24,
                       count=1, dtype="float32", crs=CRS, nodata=-1,
                       transform=Affine(100, 0, X0, 0, -100, Y0)) as dst:
        dst.write(pop, 1)
    return path


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    inputs = load_inputs(load_scenario(two_villages_north(tmp_path_factory.mktemp("relief") / "mini")))
    return inputs, compute_coverage(inputs)


def _proposal(pid: str, x: float, y: float, azimuth: float, purpose: str = "capacity",
              **radio: object) -> Proposal:
    return Proposal(pid, "Viettel", x, y, 30.0, plan_sectors(PLAN, azimuths=[azimuth], **radio),
                    purpose=purpose)


def test_a_capacity_site_next_to_an_overloaded_cell_relieves_it(network: tuple) -> None:
    inputs, coverage = network
    before = capacity_tables(coverage, inputs, settings=CAP).cells.set_index("cell_id")
    assert before.loc["S1-1", "offered_load"] > 1.0  # the case: S1-1 is overloaded
    near = _proposal("CAP", X0 + 650, Y0 - 350, 0.0)
    far = _proposal("FAR", X0 + 2300, Y0 - 100, 45.0, tx_power_dbm=10.0)
    cover = _proposal("COV", X0 + 650, Y0 - 350, 0.0, purpose="coverage")
    table = capacity_relief(inputs, coverage, [near, far, cover], capacity_settings=CAP)
    assert list(table.index) == ["CAP", "FAR"]  # coverage proposals are not scored by relief
    row = table.loc["CAP"]
    # one operator (all the users): the northern village's 300 x smartphone x active share
    users = float(busy_hour_users(np.array(300.0), CAP.smartphone_share, CAP))
    assert row["users_offloaded"] == pytest.approx(users, rel=1e-6)
    assert row["cells_offloaded"] == "S1-1"
    assert row["load_before"] == pytest.approx(1.0)
    assert row["load_after"] < row["load_before"]
    assert row["throughput_after_mbps"] > row["throughput_before_mbps"]
    nothing = table.loc["FAR"]
    assert nothing["users_offloaded"] == 0 and nothing["cells_offloaded"] == ""
    assert np.isnan(nothing["load_before"])
    assert "no busy-hour users" in relief_sentence(nothing.to_dict())
    text = relief_sentence(row.to_dict())
    assert "off 1 existing cell(s)" in text and "S1-1, goes from 100%" in text


def test_the_proposal_cells_have_the_inventory_columns(network: tuple) -> None:
    inputs, _ = network
    cells = proposal_cells(inputs, _proposal("CAP", X0 + 650, Y0 - 350, 0.0, mech_tilt_deg=5.0))
    assert list(cells.columns) == list(inputs.cells.columns)
    assert cells.loc[0, "cell_id"] == "CAP-P1" and cells.loc[0, "site_id"] == "CAP"
    assert (cells.loc[0, "frequency_mhz"], cells.loc[0, "mech_tilt_deg"]) == (900.0, 5.0)
    assert cells.loc[0, "x"] == X0 + 650 and cells.crs == inputs.cells.crs


def test_relief_sentence_needs_no_throughput() -> None:
    row = {"users_offloaded": 12.4, "cells_offloaded": "A-1;A-2", "load_before": 0.9,
           "load_after": 0.6, "throughput_before_mbps": np.nan, "throughput_after_mbps": np.nan}
    assert relief_sentence(row) == ("capacity site: it takes 12 busy-hour users off 2 existing "
                                    "cell(s); the busiest, A-1, goes from 90% to 60% PRB load")


# A capacity carrier added to S1's mast (20 m away, within sharing_distance_m): 1,800 MHz like S1-1
# but 6 dB weaker, so it is nowhere the best server; facing 10 degrees, inside S1-1's 65 degree beam.
def _added() -> Proposal:
    return _proposal("ADD", X0 + 620, Y0 - 1200, 10.0, frequency_mhz=1800.0, tx_power_dbm=37.0)


def test_a_capacity_proposal_on_its_operators_mast_is_another_carrier_of_its_sector(
        network: tuple) -> None:
    inputs, _ = network
    cells = proposal_cells(inputs, _added())
    s1 = inputs.cells.set_index("cell_id").loc["S1-1"]
    assert cells.loc[0, "site_id"] == "S1" and cells.loc[0, "cell_id"] == "ADD-P1"
    assert (cells.loc[0, "x"], cells.loc[0, "y"]) == (s1["x"], s1["y"])  # the mast's position
    assert cells.loc[0, "azimuth_deg"] == 0.0  # S1-1's azimuth: pooled with it
    assert cells.loc[0, "frequency_mhz"] == 1810.0  # the band's next 10 MHz channel, not co-channel
    # a coverage proposal, or one beyond sharing_distance_m, is a new site
    assert proposal_cells(inputs, dataclasses.replace(_added(), purpose="coverage")
                          ).loc[0, "site_id"] == "ADD"
    assert proposal_cells(inputs, _added(), sharing_distance_m=10.0).loc[0, "site_id"] == "ADD"


def test_pooling_the_added_carrier_relieves_the_sector(network: tuple) -> None:
    inputs, coverage = network
    pooled = capacity_relief(inputs, coverage, [_added()], capacity_settings=CAP).loc["ADD"]
    alone = capacity_relief(inputs, coverage, [_added()], capacity_settings=dataclasses.replace(
        CAP, pool_sector_carriers=False)).loc["ADD"]
    assert pooled["added_to_site"] == alone["added_to_site"] == "S1"
    # alone, the weaker carrier serves no one: S1-1 keeps its users and its load
    assert alone["users_offloaded"] == 0 and alone["cells_offloaded"] == ""
    # pooled, S1-1's sector has twice the bandwidth: half its users go on the new carrier
    before = capacity_tables(coverage, inputs, settings=CAP).cells.set_index("cell_id")
    assert pooled["cells_offloaded"] == "S1-1"
    assert pooled["users_offloaded"] == pytest.approx(before.loc["S1-1", "busy_hour_users"] / 2,
                                                      rel=1e-6)
    assert pooled["load_before"] == pytest.approx(1.0)
    assert pooled["load_after"] < 0.8 * min(1.0, before.loc["S1-1", "offered_load"])
    assert pooled["throughput_after_mbps"] > pooled["throughput_before_mbps"]
    text = relief_sentence(pooled.to_dict())
    assert text.startswith("capacity added to site S1")


def test_colocation_rules() -> None:
    sectors = pd.DataFrame({"azimuth_deg": [30.0, 150.0, 270.0], "h_beamwidth_deg": [65.0, 65.0, 33.0]})
    assert same_sector(0.0, sectors) == 0  # 30 degrees off, inside the 65 degree beam
    assert same_sector(90.0, sectors) is None  # a new sector between two
    assert same_sector(250.0, sectors) is None  # 20 degrees off a 33 degree beam
    assert same_sector(358.0, sectors.drop(columns="h_beamwidth_deg")) == 0  # 32 across north
    assert same_sector(310.0, sectors.drop(columns="h_beamwidth_deg")) is None  # 40 off
    assert SAME_SECTOR_DEG == 32.5
    assert next_channel(1800.0, 10.0, [(900.0, 5.0)]) == 1800.0  # another band: unchanged
    assert next_channel(1800.0, 10.0, [(1800.0, 20.0), (1815.0, 10.0)]) == 1825.0
    cells = pd.DataFrame({"site_id": ["A", "B"], "operator": ["Viettel", "MobiFone"],
                          "technology": ["4G", "4G"], "x": [0.0, 10.0], "y": [0.0, 0.0]})
    prop = Proposal("P", "viettel ", 50.0, 0.0, 30.0, plan_sectors(PLAN, azimuths=[0.0]))
    assert host_site(cells, prop, 100.0) == ("A", 0.0, 0.0)  # operator names compared loosely
    assert host_site(cells, prop, 40.0) is None
    assert host_site(cells, dataclasses.replace(prop, operator="Vinaphone"), 100.0) is None


@pytest.mark.parametrize("radius_km", [2.0, 0.7])
@pytest.mark.parametrize("where", ["a new site", "on S1's mast"])
def test_the_coverage_with_a_proposal_gives_the_capacity_of_a_whole_recomputation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, radius_km: float, where: str) -> None:
    """The relief computes the coverage with a proposal for its operator's cells only, from the
    run's layers folded again in the box around the proposal's windows (with a 0.7 km radius;
    2 km: the box is most of the grid, folded whole), and takes the technology's best server from
    the other operators' levels of the run's coverage: the capacity figures and throughput maps of
    a whole recomputation with every operator's cells."""
    from netcover.coverage import engine
    from netcover.siting.relief import _capacity_rows, _coverage_after, _operator_capacity

    scenario = two_villages_north(tmp_path / "mini")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        "radius_km = 2.0", f"radius_km = {radius_km}"), encoding="utf-8")
    inputs = load_inputs(load_scenario(scenario))
    cells = inputs.cells
    rival = cells.assign(operator="MobiFone", cell_id=cells["cell_id"] + "-M",
                         tx_power_dbm=cells["tx_power_dbm"] - 4.0,
                         azimuth_deg=(cells["azimuth_deg"] + 60.0) % 360.0)
    both = dataclasses.replace(inputs, cells=pd.concat([rival, cells], ignore_index=True))
    coverage = compute_coverage(both)
    prop = _proposal("CAP", X0 + 650, Y0 - 350, 0.0) if where == "a new site" else _added()
    added = proposal_cells(both, prop)
    assert (added["site_id"].iloc[0] == "S1") == (where != "a new site")
    every = dataclasses.replace(both, cells=pd.concat([both.cells, added], ignore_index=True))
    whole = _operator_capacity(compute_coverage(every), every, "Viettel", CAP, None, None)
    source = np.flatnonzero(_capacity_rows(every.cells, "Viettel"))
    mine = dataclasses.replace(both, cells=every.cells.iloc[source].reset_index(drop=True))
    source[source >= len(both.cells)] = -1
    patches: list[int] = []
    fold = engine.fold_groups

    def spy(*args: object, **kwargs: object) -> object:
        patches.append(len(args[1]))  # type: ignore[arg-type]
        return fold(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "fold_groups", spy)
    after = _coverage_after(mine, coverage, "Viettel", (both.cells, source), None, None)
    assert patches == [1 if radius_km < 1 else 0]  # the Viettel 4G group: patched, or whole
    shares = {"MobiFone": 0.5, "Viettel": 0.5}
    slim = _operator_capacity(after, mine, "Viettel", CAP, None, shares)
    columns = ["cell_id", "busy_hour_users", "prb_load", "user_mbps"]
    pd.testing.assert_frame_equal(slim.cells[columns], whole.cells[columns])
    assert whole.cells["busy_hour_users"].sum() > 0
    for tech, raster in whole.throughput.items():
        np.testing.assert_array_equal(slim.throughput[tech], raster)
    # the whole fold of the operator's cells (no run's layers): the same layers
    alone = _coverage_after(mine, coverage, "Viettel", None, None, None)
    for key, level in alone.operator_levels.items():
        np.testing.assert_array_equal(after.operator_levels[key], level, strict=True)
        np.testing.assert_array_equal(after.operator_best_cell[key],
                                      alone.operator_best_cell[key], strict=True)


def test_the_relief_leaves_the_runs_cache_records(tmp_path: Path) -> None:
    """The relief's coverage stores no group layers or records of its own: after it, a run with
    one sector tilted patches its group from the first run's layers (the relief's table, with
    another operator's rows first, shares no row with the run's: a record of its would make the
    next run fold the group whole)."""
    scenario = two_villages_north(tmp_path / "mini")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        "radius_km = 2.0", "radius_km = 0.7"), encoding="utf-8")
    inputs = load_inputs(load_scenario(scenario))
    cells = inputs.cells
    rival = cells.assign(operator="MobiFone", cell_id=cells["cell_id"] + "-M")
    inputs = dataclasses.replace(inputs, cells=pd.concat([rival, cells], ignore_index=True))
    cache = tmp_path / "cache"
    coverage = compute_coverage(inputs, cache=LossCache(cache))
    table = capacity_relief(inputs, coverage, [_proposal("CAP", X0 + 650, Y0 - 350, 0.0)],
                            capacity_settings=CAP, cache=LossCache(cache))
    assert list(table.index) == ["CAP"]
    tilted = inputs.cells.copy()
    tilted.loc[tilted["cell_id"] == "S2-1", "mech_tilt_deg"] = 9
    again = compute_coverage(dataclasses.replace(inputs, cells=tilted), cache=LossCache(cache))
    assert (again.groups_patched, again.combined) == (1, "patched")


def test_the_proposals_losses_are_computed_by_the_workers_with_the_same_figures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the run's worker pool, the relief has the proposal's missing loss computed by a worker
    (the run's process then folds without the kernel's temporaries): the same figures as here."""
    from netcover.core.parallel import ProcessPool
    from netcover.coverage import engine

    scenario = two_villages_north(tmp_path / "mini")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        "radius_km = 2.0", "radius_km = 0.7"), encoding="utf-8")
    inputs = load_inputs(load_scenario(scenario))
    proposal = [_proposal("CAP", X0 + 650, Y0 - 350, 0.0)]
    here = capacity_relief(inputs, compute_coverage(inputs), proposal, capacity_settings=CAP)
    filled: list[int] = []
    fill = engine.fill_loss_cache
    monkeypatch.setattr(engine, "fill_loss_cache",
                        lambda *a, **k: filled.append(fill(*a, **k)) or filled[-1])
    cache = LossCache(tmp_path / "cache")
    coverage = compute_coverage(inputs, cache=cache)
    filled.clear()
    with ProcessPool(2) as pool:
        there = capacity_relief(inputs, coverage, proposal, capacity_settings=CAP,
                                cache=LossCache(tmp_path / "cache"), executor=pool)
    assert filled == [1]  # the proposal's one loss raster, by a worker
    pd.testing.assert_frame_equal(there, here)
