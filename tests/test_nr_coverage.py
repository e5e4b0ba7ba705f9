"""5G NR through the coverage step: SS-RSRP by hand, noise per resource element, mixed tables,
capacity and a 5G siting plan."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from netcover.config.scenario import Scenario, load_scenario
from netcover.config.siting import SitingSettings
from netcover.coverage.capacity import capacity_tables, write_capacity
from netcover.coverage.engine import compute_coverage
from netcover.coverage.groups import group_noise_dbm
from netcover.coverage.sectors import carrier_noise_dbm, fixed_budget_db, sector_scs_khz
from netcover.data.inputs import load_inputs
from netcover.data.proposals import plan_sectors
from netcover.errors import ModelError, ScenarioError
from netcover.radio.servers import ServerAccumulator
from netcover.radio.throughput import LTE_DL, NR_DL, lte_rate_mbps, nr_rate_mbps

from .conftest import CELL, CRS, X0, Y0, N, site_rows, write_dem, write_sites

_TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _nr_row(cell_id: str, col: int, row: int, **over: object) -> dict[str, object]:
    """A 5G n78 omni cell (100 MHz at 30 kHz, 46 dBm, 18 dBi) at the centre of grid cell
    (row, col) of the mini DEM, 30 m up, untilted, with a 180-degree vertical beam (flat)."""
    lon, lat = _TO_LL.transform(X0 + (col + 0.5) * CELL, Y0 - (row + 0.5) * CELL)
    base: dict[str, object] = {
        "site_id": f"N{cell_id}", "cell_id": cell_id, "operator": "Viettel", "technology": "5G",
        "lon": round(lon, 9), "lat": round(lat, 9), "height_m": 30, "azimuth_deg": 0,
        "mech_tilt_deg": 0, "elec_tilt_deg": 0, "frequency_mhz": 3500, "bandwidth_mhz": 100,
        "tx_power_dbm": 46, "antenna_gain_dbi": 18, "h_beamwidth_deg": 360,
        "v_beamwidth_deg": 180, "pattern_file": ""}
    base.update(over)
    return base


def _write_sites(scenario: Path, rows: list[dict[str, object]]) -> None:
    df = pd.DataFrame(rows)
    df.to_csv(scenario.parent / "sites.csv", index=False)


def _fspl_flat(scenario: Path) -> Path:
    """The mini district on flat ground (1,000 m) with the free-space model."""
    write_dem(scenario.parent / "dem.tif", np.full((N, N), 1000.0))
    scenario.write_text(scenario.read_text(encoding="utf-8") + 'model = "fspl"\n', encoding="utf-8")
    return scenario


def test_ss_rsrp_of_a_5g_cell_by_hand(mini_scenario: Path) -> None:
    scenario = _fspl_flat(mini_scenario)
    _write_sites(scenario, [_nr_row("NR1", col=20, row=40)])
    result = compute_coverage(load_inputs(load_scenario(scenario)))
    level = result.technologies["5G"].level_dbm
    # SS-RSRP = 46 dBm - 10 log10(12 x 273 RE) = 46 - 35.1534 = 10.8466 dBm per RE (30 kHz)
    per_re = 46.0 - 10.0 * math.log10(12 * 273)
    assert per_re == pytest.approx(10.8466, abs=1e-4)
    for k in (10, 40):  # cells 300 m and 1,200 m east of the mast, on its row
        # slant distance: horizontal k x 30 m, vertical 30 m mast - 1.5 m receiver
        d_km = math.hypot(k * 30.0, 30.0 - 1.5) / 1000.0
        fspl = 32.45 + 20.0 * math.log10(3500.0) + 20.0 * math.log10(d_km)  # P.525
        # + 18 dBi antenna, 0 dBi receiver, - 0.5 dB feeder, - 3 dB body loss (receiver defaults)
        expected = per_re + 18.0 + 0.0 - 0.5 - 3.0 - fspl
        assert float(level[40, 20 + k]) == pytest.approx(expected, abs=0.01)
    # k = 40: FSPL = 32.45 + 70.8814 + 1.5860 = 104.917 dB, SS-RSRP = -79.57 dBm
    assert float(level[40, 60]) == pytest.approx(-79.57, abs=0.01)
    # one cell, no interference: SINR = SS-RSRP - noise per 30 kHz RE (-174 + 44.77 + 7 dB NF)
    sinr = result.technologies["5G"].sinr_db
    assert float(sinr[40, 60]) == pytest.approx(-79.57 + 122.229, abs=0.01)


def test_noise_per_resource_element_follows_the_spacing() -> None:
    sc = Scenario()
    n30, n15 = group_noise_dbm(sc, "5G", 30.0), group_noise_dbm(sc, "5G", 15.0)
    assert n30 - n15 == pytest.approx(10.0 * math.log10(2.0), abs=1e-9)  # 3.0103 dB
    assert n15 == group_noise_dbm(sc, "4G")  # one LTE RE is 15 kHz too
    cells = pd.DataFrame({"operator": ["A", "A", "A", "B"], "technology": ["5G", "5G", "4G", "5G"],
                          "frequency_mhz": [3500.0, 700.0, 1800.0, 3500.0],
                          "scs_khz": [np.nan, 15.0, np.nan, 30.0]})
    # carriers in group_frequencies' order (700, 3500): 15 kHz given, 30 kHz the n78 default
    assert carrier_noise_dbm(sc, ("A", "5G"), cells) == [n15, n30]
    assert carrier_noise_dbm(sc, ("A", "4G"), cells) == group_noise_dbm(sc, "4G")
    cells.loc[3, ["operator", "scs_khz"]] = ["A", 60.0]
    with pytest.raises(ModelError, match="3500 MHz have subcarrier spacings 30, 60 kHz"):
        carrier_noise_dbm(sc, ("A", "5G"), cells)


def test_accumulator_noise_per_carrier() -> None:
    acc = ServerAccumulator((1, 2), [700.0, 3500.0])
    acc.add(0, 700.0, 0, 0, np.array([[-100.0, np.nan]]))
    acc.add(1, 3500.0, 0, 0, np.array([[np.nan, -100.0]]))
    sinr = acc.sinr_db([-125.0, -122.0])  # each cell's own carrier's noise
    assert sinr[0].tolist() == pytest.approx([25.0, 22.0], abs=1e-4)
    assert acc.sinr_db(-125.0)[0].tolist() == pytest.approx([25.0, 25.0], abs=1e-4)
    with pytest.raises(ModelError, match="one per carrier"):
        acc.sinr_db([-125.0])


def _mixed_rows() -> list[dict[str, object]]:
    """The mini district's 4G cells, then two 5G n78 cells of the same operator (rows 4, 5)."""
    return [*site_rows(), _nr_row("NR1", col=20, row=40, h_beamwidth_deg=65, v_beamwidth_deg=7,
                                  azimuth_deg=90, elec_tilt_deg=2),
            _nr_row("NR2", col=60, row=40, h_beamwidth_deg=65, v_beamwidth_deg=7,
                    azimuth_deg=270, elec_tilt_deg=2)]


def test_4g_and_5g_cells_run_together(mini_scenario: Path) -> None:
    alone = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    _write_sites(mini_scenario, _mixed_rows())
    inputs = load_inputs(load_scenario(mini_scenario))
    both = compute_coverage(inputs)
    assert set(both.technologies) == {"4G", "5G"}
    a, b = alone.technologies["4G"], both.technologies["4G"]
    for name in ("level_dbm", "best_cell", "server_count", "sinr_db", "classes"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(alone.operator_levels[("Viettel", "4G")],
                                  both.operator_levels[("Viettel", "4G")])
    nr = both.technologies["5G"]
    assert set(np.unique(nr.best_cell)) == {4, 5}  # rows of the 5G cells in cells.csv
    assert np.isfinite(nr.level_dbm).all() and nr.classes.max() == 3
    # the two 5G cells share their carrier: where both reach within a few dB, they interfere
    level, sinr = nr.level_dbm.astype(np.float64), nr.sinr_db.astype(np.float64)
    noise = group_noise_dbm(inputs.scenario, "5G", 30.0)
    alone_sinr = level - noise
    assert np.all(sinr <= alone_sinr + 1e-3)
    assert (sinr < alone_sinr - 3.0).any() and (nr.server_count >= 2).any()
    assert both.cells["technology"].tolist() == ["4G"] * 4 + ["5G"] * 2


def test_5g_sector_changes_are_cached_and_patched(mini_scenario: Path, tmp_path: Path) -> None:
    from netcover.coverage.losscache import LossCache

    rows = _mixed_rows()
    _write_sites(mini_scenario, rows)
    first = compute_coverage(load_inputs(load_scenario(mini_scenario)),
                             cache=LossCache(tmp_path / "c"))
    rows[-1] = {**rows[-1], "scs_khz": 30}  # the same as the band's default: nothing changes
    _write_sites(mini_scenario, rows)
    again = compute_coverage(load_inputs(load_scenario(mini_scenario)),
                             cache=LossCache(tmp_path / "c"))
    assert again.groups_reused == again.groups == 2
    rows[-1]["bandwidth_mhz"] = 50  # 133 RB at 30 kHz: 3.1 dB more per RE
    _write_sites(mini_scenario, rows)
    changed = compute_coverage(load_inputs(load_scenario(mini_scenario)),
                               cache=LossCache(tmp_path / "c"))
    assert changed.groups_reused == 1  # the 4G group
    fresh = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    for res in (first, changed):
        np.testing.assert_array_equal(res.technologies["4G"].level_dbm,
                                      fresh.technologies["4G"].level_dbm)
    np.testing.assert_array_equal(changed.technologies["5G"].level_dbm,
                                  fresh.technologies["5G"].level_dbm)
    np.testing.assert_array_equal(changed.technologies["5G"].sinr_db,
                                  fresh.technologies["5G"].sinr_db)
    step = 10 * math.log10(273 / 133)
    assert float(np.nanmax(fresh.technologies["5G"].level_dbm
                           - first.technologies["5G"].level_dbm)) == pytest.approx(step, abs=0.02)


def test_capacity_of_a_5g_cell(mini_scenario: Path, tmp_path: Path) -> None:
    # at one SINR, 100 MHz of NR at 30 kHz carries more than 10 MHz of LTE
    for sinr in (0.0, 10.0, 20.0):
        nr = float(nr_rate_mbps(NR_DL.efficiency(sinr), 100.0, 30.0))
        lte = float(lte_rate_mbps(LTE_DL.efficiency(sinr), 10.0))
        assert nr > lte > 0.0
    _write_sites(mini_scenario, _mixed_rows())
    inputs = load_inputs(load_scenario(mini_scenario))
    result = compute_coverage(inputs)
    cap = capacity_tables(result, inputs)
    assert set(cap.throughput) == {"4G", "5G"}
    t5, t4 = cap.throughput["5G"], cap.throughput["4G"]
    both = np.isfinite(t5) & np.isfinite(t4)
    assert both.any() and np.all(t5[both] > t4[both])
    cells = cap.cells.set_index("cell_id")
    assert cells.loc[["NR1", "NR2"], "technology"].eq("5G").all()
    # the 5G cells' mean peak rate tops the 10 MHz LTE carrier's highest (4.4 x 50 x 0.18 MHz)
    assert cells.loc[["NR1", "NR2"], "peak_mbps"].min() > float(lte_rate_mbps(LTE_DL.thr_max, 10.0))
    units = cap.units.set_index("code")
    assert units.loc["district", "users_5G"] > 0
    written = {p.name for p in write_capacity(tmp_path, cap)}
    assert {"throughput_5G.tif", "throughput_4G.tif"} <= written


def test_a_5g_siting_plan() -> None:
    s = SitingSettings(technology="5G", frequency_mhz=3500.0, bandwidth_mhz=100.0)
    assert s.sector_scs_khz == 30.0
    sectors = plan_sectors(s)
    assert [r["scs_khz"] for r in sectors] == [30.0] * 3
    assert sector_scs_khz(sectors[0]) == 30.0
    # the fixed budget: 43 dBm - 10 log10(3276) + 16 dBi - 0.5 - 3 = 20.3466 dBm
    rx = Scenario().receiver
    assert fixed_budget_db(sectors[0], rx) == pytest.approx(43 - 35.1534 + 16 - 3.5, abs=1e-3)
    assert "scs_khz" not in plan_sectors(SitingSettings())[0]  # 4G rows as before
    # a planned sector without the column takes its band's spacing
    assert sector_scs_khz(sectors[0].drop("scs_khz")) == 30.0
    assert SitingSettings(technology="5G", frequency_mhz=700.0, bandwidth_mhz=20.0).sector_scs_khz == 15.0
    with pytest.raises(ScenarioError, match="NR channel bandwidth at 15 kHz"):
        SitingSettings(technology="5G", frequency_mhz=3500.0, bandwidth_mhz=100.0, scs_khz=15.0)
    with pytest.raises(ScenarioError, match="LTE channel bandwidth"):
        SitingSettings(technology="4G", bandwidth_mhz=100.0)


def test_a_5g_plan_closes_the_walled_gap(tmp_path: Path) -> None:
    import dataclasses

    from netcover.siting import plan_sites, prepare

    from .test_siting_plan import SETTINGS, write_gap_district

    inputs = load_inputs(load_scenario(write_gap_district(tmp_path / "walled")))
    coverage = compute_coverage(inputs)
    n78 = dataclasses.replace(SETTINGS, technology="5G", frequency_mhz=3500.0,
                              bandwidth_mhz=100.0, tx_power_dbm=49.0, antenna_gain_dbi=18.0)
    problem = prepare(inputs, coverage, n78)
    assert problem.screen.threshold_dbm == inputs.scenario.thresholds["5G"].fair  # SS-RSRP
    plan = plan_sites(problem)
    assert len(plan.ranked) == 1
    assert plan.ranked.loc[0, "new_people"] == pytest.approx(360.0)


def test_tiled_5g_layers_match_the_one_piece_engine(tmp_path: Path) -> None:
    """Two 5G carriers of one operator at 15 and 30 kHz (n28, n78): the tiled engine's layers are
    the district engine's, cell for cell (the per-carrier noise in both)."""
    from netcover.coverage.losscache import LossCache
    from netcover.coverage.tiled import run_tiled

    from .test_tiling import TILE, _province, _province_sites, _rasters

    scenario = _province(tmp_path / "p")
    rows = _province_sites()
    nr = [dict(r, cell_id=f"{r['cell_id']}-NR", technology="5G", frequency_mhz=freq)
          for r in rows for site, freq in (("P0", 700.0), ("P4", 3500.0))
          if r["site_id"] == site and r["technology"] == "4G"]
    write_sites(scenario.parent / "sites.csv", rows + nr)
    sc = load_scenario(scenario)
    inputs = load_inputs(sc)
    assert inputs.cells is not None
    assert sorted(set(inputs.cells["scs_khz"].dropna())) == [15.0, 30.0]
    result = compute_coverage(inputs, cache=LossCache(tmp_path / "whole"))
    assert carrier_noise_dbm(sc, ("Viettel", "5G"), inputs.cells) == [
        group_noise_dbm(sc, "5G", 15.0), group_noise_dbm(sc, "5G", 30.0)]
    run_tiled(sc, tmp_path / "tiled", tile_size=TILE)
    layers = _rasters(tmp_path / "tiled")
    lay = result.technologies["5G"]
    np.testing.assert_array_equal(layers["signal_5G.tif"], lay.level_dbm)
    np.testing.assert_array_equal(layers["sinr_5G.tif"], lay.sinr_db)
    np.testing.assert_array_equal(layers["class_5G.tif"], lay.classes)
    assert np.isfinite(lay.sinr_db).any()


def test_5g_proposals_are_checked_and_planned(tmp_path: Path) -> None:
    from pyproj import CRS as ProjCRS

    from netcover.data.proposals import check_proposals

    lon, lat = _TO_LL.transform(X0 + 600.0, Y0 - 600.0)
    path = tmp_path / "proposals.csv"
    pd.DataFrame({"proposal_id": ["A", "B", "C"], "lon": [lon] * 3,
                  "lat": [lat + 0.01 * k for k in range(3)], "technology": ["NR", "", "4G"],
                  "bandwidth_mhz": [100.0, 7.0, 20.0]}).to_csv(path, index=False)
    n78 = SitingSettings(technology="5G", frequency_mhz=3500.0, bandwidth_mhz=100.0)
    found, problems = check_proposals(path, n78, ProjCRS.from_epsg(32648))
    (problem,) = problems  # B: 5G by the plan, 7 MHz is no NR channel
    assert problem.where == "row 3" and "7 MHz is not an NR channel bandwidth at 30 kHz" in problem.message
    path.write_text(path.read_text().replace(",7.0", ",40.0"))
    found, problems = check_proposals(path, n78, ProjCRS.from_epsg(32648))
    assert problems == [] and found is not None
    assert [p.sectors[0].get("scs_khz") for p in found][:2] == [30.0, 30.0]
    assert "scs_khz" not in found[2].sectors[0]  # the 4G proposal
