"""Busy-hour demand, the load-coupling fixed point and the capacity tables on synthetic cases."""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS
from scipy.optimize import brentq
from shapely.geometry import box

from netcover.config.capacity import CapacitySettings, busy_hour_users, offered_mbps
from netcover.config.scenario import Scenario
from netcover.core import files
from netcover.coverage.capacity import capacity_tables, write_capacity
from netcover.coverage.combine import CoverageResult, TechnologyLayers
from netcover.coverage.loadcoupling import coupling_from_best_cell, load_fixed_point
from netcover.data.population import PopulationGrid
from netcover.errors import ScenarioError
from netcover.radio.throughput import LTE_DL

UTM = CRS.from_epsg(32648)


def test_demand_arithmetic() -> None:
    s = CapacitySettings(active_share=0.3, busy_hour_mb=140.0)
    users = busy_hour_users(np.array([1000.0, 0.0]), 0.7, s)
    assert users.tolist() == pytest.approx([210.0, 0.0])  # 1000 x 0.7 x 0.3
    assert float(offered_mbps(210.0, s)) == pytest.approx(210 * 140 * 8 / 3600)  # 65.33 Mb/s
    with pytest.raises(ScenarioError, match="share"):
        CapacitySettings(active_share=1.5)
    with pytest.raises(ScenarioError, match="positive"):
        CapacitySettings(busy_hour_mb=0.0)


def test_capacity_section_of_a_scenario() -> None:
    from netcover.config.scenario import scenario_from_dict

    sc = scenario_from_dict({"capacity": {"busy_hour_mb": 100.0, "target_mbps": 30.0}})
    assert sc.capacity == CapacitySettings(busy_hour_mb=100.0, target_mbps=30.0)
    assert Scenario().capacity == CapacitySettings()


def test_coupling_from_best_server_boundaries() -> None:
    best = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [-1, -1, 2, 2]])
    w = coupling_from_best_cell(best, np.array([1800.0, 1800.0, 1800.0]))
    # cell 0 borders only cell 1 (2 edges); cell 1 borders 0 (2) and 2 (2); cell 2 borders 1 (2)
    assert w.tolist() == [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]
    w = coupling_from_best_cell(best, np.array([1800.0, 900.0, 900.0]))
    assert w.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def _two_cells(demand: tuple[float, float]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    arrays = {"cell": np.array([0, 1]), "signal_mw": np.array([1e-9, 1e-9]),
              "interference_mw": np.array([1e-10, 1e-10]), "noise_mw": np.array([1e-12, 1e-12]),
              "demand_mbps": np.array(demand), "rate_per_se": np.array([9.0, 9.0])}
    return arrays, np.array([[0.0, 1.0], [1.0, 0.0]])


def test_two_cell_fixed_point_matches_the_scalar_equation() -> None:
    arrays, coupling = _two_cells((12.0, 12.0))
    res = load_fixed_point(**arrays, coupling=coupling, model=LTE_DL, iterations=200, tolerance=1e-12)
    s, i, n, d, r = 1e-9, 1e-10, 1e-12, 12.0, 9.0

    def gap(rho: float) -> float:  # symmetric: rho = d / (r * SE(S / (rho I + N)))
        return rho - d / (r * float(LTE_DL.efficiency(10 * math.log10(s / (rho * i + n)))))

    rho = brentq(gap, 1e-6, 1.0)
    assert res.converged
    assert res.load.tolist() == pytest.approx([rho, rho], rel=1e-9)
    assert res.sinr_db[0] == pytest.approx(10 * math.log10(s / (rho * i + n)), rel=1e-9)
    assert 0.4 < rho < 1.0  # full load would have needed more than the fixed point


def test_an_idle_neighbour_causes_no_interference() -> None:
    arrays, coupling = _two_cells((12.0, 0.0))
    res = load_fixed_point(**arrays, coupling=coupling, model=LTE_DL, iterations=50, tolerance=1e-12)
    snr_db = 10 * math.log10(1e-9 / 1e-12)  # 30 dB: above SINR_MAX, so Thr_MAX = 4.4
    assert res.load[1] == 0.0
    assert res.load[0] == pytest.approx(12.0 / (9.0 * float(LTE_DL.efficiency(snr_db))))
    assert res.load[0] == pytest.approx(12.0 / (9.0 * 4.4))


def _coverage() -> tuple[CoverageResult, SimpleNamespace]:
    """A 4 x 6 grid of 100 m: cell 0 serves the west half, cell 1 the east; two communes."""
    t = Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 2_500_000.0)
    shape = (4, 6)
    best = np.zeros(shape, dtype=np.int32)
    best[:, 3:] = 1
    best[3, 0] = -1  # a place nobody reaches
    level = np.where(best >= 0, -90.0, np.nan).astype(np.float32)
    sinr = np.where(best >= 0, 5.0, np.nan).astype(np.float32)
    cells = pd.DataFrame({"cell_id": ["A", "B"], "site_id": ["S1", "S2"], "operator": ["Op"] * 2,
                          "technology": ["4G"] * 2, "frequency_mhz": [1800.0] * 2,
                          "azimuth_deg": [90.0, 270.0]})
    classes = np.where(best >= 0, 2, 0).astype(np.uint8)
    layers = TechnologyLayers(level, best, (best >= 0).astype(np.uint8), sinr, classes)
    result = CoverageResult(t, UTM, cells, {"4G": layers}, {"Op": classes}, classes,
                            np.zeros(shape, np.float32), {("Op", "4G"): level},
                            {("Op", "4G"): best})
    units = gpd.GeoDataFrame({"code": ["01", "02"], "name": ["West", "East"]},
                             geometry=[box(500_000, 2_499_600, 500_300, 2_500_000),
                                       box(500_300, 2_499_600, 500_600, 2_500_000)], crs=UTM)
    pop = PopulationGrid(np.full(shape, 100.0), t, UTM)
    site_rows = pd.DataFrame({"cell_id": ["A", "B"], "bandwidth_mhz": [10.0, 20.0]})
    inputs = SimpleNamespace(scenario=Scenario(), population=pop, units=units, cells=site_rows)
    return result, inputs


def test_capacity_tables_sum_per_commune_and_per_cell(tmp_path) -> None:
    result, inputs = _coverage()
    reported = pd.DataFrame({"unit_code": ["01", "01", "district"], "period": ["2023", "2024", "2024"],
                             "indicator": ["share_adults_with_smartphone"] * 3,
                             "value": [0.2, 0.5, 0.6]})
    s = CapacitySettings(active_share=0.5, busy_hour_mb=9.0)
    cap = capacity_tables(result, inputs, settings=s, reported=reported)
    units = cap.units.set_index("code")
    # West takes its latest reported share (0.5), East the district's (0.6): 12 cells x 100 people
    assert units.loc["01", "busy_hour_users"] == pytest.approx(1200 * 0.5 * 0.5)
    assert units.loc["02", "busy_hour_users"] == pytest.approx(1200 * 0.6 * 0.5)
    # one West cell is reached by no cell: its users are unserved
    assert units.loc["01", "users_unserved"] == pytest.approx(100 * 0.5 * 0.5)
    per = units.drop(index="district")
    for col in ("people", "busy_hour_users", "users_4G", "users_unserved"):
        assert units.loc["district", col] == pytest.approx(per[col].sum())
    assert (per["users_4G"] + per["users_5G"] + per["users_unserved"]).tolist() == pytest.approx(
        per["busy_hour_users"].tolist())
    # per cell: the served users, their traffic, and throughput = peak x (1 - load)
    cells = cap.cells.set_index("cell_id")
    assert cells["busy_hour_users"].sum() == pytest.approx(per["users_4G"].sum())
    assert cells.loc["A", "offered_mbps"] == pytest.approx(11 * 100 * 0.5 * 0.5 * 9 * 8 / 3600)
    for cid in ("A", "B"):
        row = cells.loc[cid]
        assert 0.0 < row["prb_load"] < 1.0
        assert row["user_mbps"] == pytest.approx(row["peak_mbps"] * (1.0 - row["prb_load"]))
    assert cells.loc["B", "peak_mbps"] > cells.loc["A", "peak_mbps"]  # 20 MHz against 10
    raster = cap.throughput["4G"]
    reached = result.operator_best_cell[("Op", "4G")] >= 0
    assert np.isnan(raster[3, 0]) and np.all(np.isfinite(raster[reached]))
    paths = write_capacity(tmp_path, cap)
    assert {p.name for p in paths} == {"capacity_by_cell.csv", "capacity_by_unit.csv", "throughput_4G.tif"}
    back = files.by_key("throughput").of(tech="4G").read(tmp_path / "throughput_4G.tif")
    assert back.crs == UTM and np.allclose(back.values, raster, equal_nan=True)
    units = pd.read_csv(tmp_path / "capacity_by_unit.csv", encoding="utf-8-sig")
    assert units["assumed_busy_hour_mb"].eq(cap.settings.busy_hour_mb).all()
    assert units["assumed_smartphone_share"].eq(cap.settings.smartphone_share).all()


def test_sinr_of_an_operator_that_is_not_the_best_server_is_estimated() -> None:
    from netcover.coverage.loadcoupling import full_load_sinr as _full_load_sinr

    result, _ = _coverage()
    best = result.operator_best_cell[("Op", "4G")]
    # a second operator, one cell everywhere, 3 dB under Op: never the technology's best server
    level = np.where(best >= 0, -93.0, np.nan).astype(np.float32)
    other = np.where(best >= 0, 2, -1).astype(np.int32)  # its own cell, row 2 of the cells table
    result.cells = pd.concat([result.cells, pd.DataFrame([{
        "cell_id": "X", "site_id": "S3", "operator": "Other", "technology": "4G",
        "frequency_mhz": 1800.0, "azimuth_deg": 0.0}])], ignore_index=True)
    result.operator_levels[("Other", "4G")] = level
    result.operator_best_cell[("Other", "4G")] = other
    notes: list[str] = []
    noise = np.array([1e-13, 1e-13, 1e-13])
    sinr = _full_load_sinr(result, "Other", "4G", noise, notes)
    # no place where it is known: no interference estimate, so SINR = S / N
    reached = best >= 0
    assert np.allclose(sinr[reached], -93.0 - 10 * np.log10(1e-13), atol=1e-4)
    assert notes and "median interference" in notes[0]
    # with the per-operator SINR stored on the result, it is used as given
    result.operator_sinr = {("Other", "4G"): np.full(best.shape, 2.0, np.float32)}  # type: ignore[attr-defined]
    assert np.all(_full_load_sinr(result, "Other", "4G", noise, []) == 2.0)
    # the operator's own best server: the technology's SINR where they agree
    assert np.allclose(_full_load_sinr(result, "Op", "4G", noise, [])[reached], 5.0)


def test_the_estimate_takes_the_median_interference_of_the_serving_cell() -> None:
    from netcover.coverage.loadcoupling import full_load_sinr as _full_load_sinr

    result, _ = _coverage()
    best = result.operator_best_cell[("Op", "4G")]
    result.cells = pd.concat([result.cells, pd.DataFrame([{
        "cell_id": "X", "site_id": "S3", "operator": "Other", "technology": "4G",
        "frequency_mhz": 1800.0, "azimuth_deg": 0.0}])], ignore_index=True)
    result.operator_levels[("Other", "4G")] = np.where(best >= 0, -93.0, np.nan).astype(np.float32)
    result.operator_best_cell[("Other", "4G")] = np.where(best >= 0, 2, -1).astype(np.int32)
    layers = result.technologies["4G"]
    layers.best_cell[:, 3:] = 2  # Other is the technology's best server in the east, at 0 dB
    layers.sinr_db[:, 3:] = 0.0
    sinr = _full_load_sinr(result, "Other", "4G", np.full(3, 1e-13), [])
    # east: I = S - N; west: S / (median I + N) = S / S = 0 dB
    assert np.allclose(sinr[best >= 0], 0.0, atol=1e-4)


def test_a_sectors_carriers_are_pooled_or_kept_apart() -> None:
    from netcover.coverage.sectorpool import serving_units

    cells = pd.DataFrame({"cell_id": ["L18-1", "L09-1", "L18-2", "other"],
                          "site_id": ["S", "S", "S", "T"], "operator": ["Op", "Op", "Op", "B"],
                          "technology": ["4G"] * 4, "azimuth_deg": [0.0, 0.2, 120.0, 0.0],
                          "frequency_mhz": [1800.0, 900.0, 1800.0, 1800.0],
                          "bandwidth_mhz": [20.0, 5.0, 20.0, 10.0],
                          "rate_per_se": [18.0, 4.5, 18.0, 9.0]})
    pooled = serving_units(cells, np.array([0, 1, 2]), pool=True)
    assert pooled.of_cell.tolist() == [0, 0, 1, -1]
    assert pooled.rate_per_se.tolist() == [22.5, 18.0]
    assert pooled.table["cell_id"].tolist() == ["L18-1+L09-1", "L18-2"]
    assert pooled.table["bandwidth_mhz"].tolist() == [25.0, 20.0]
    apart = serving_units(cells, np.array([0, 1, 2]), pool=False)
    assert apart.of_cell.tolist() == [0, 1, 2, -1] and apart.rate_per_se.tolist() == [18.0, 4.5, 18.0]


def test_median_by_key_is_pandas_group_median():
    """The full-load SINR's median interference per serving cell, sorted once: pandas' group
    median, value for value (NaN left out, NaN for a cell with none, even counts averaged)."""
    from netcover.coverage.loadcoupling import median_by_cell as _median_by

    rng = np.random.default_rng(7)
    for trial in range(60):
        n = int(rng.integers(0, 400))
        keys = rng.integers(0, 30, n).astype(np.int32)
        values = np.round(rng.normal(size=n) * 10.0 ** int(rng.integers(-4, 4)), trial % 4)
        values[rng.random(n) < 0.1 * (trial % 3)] = np.nan
        values[keys == 5] = np.nan  # a cell with no known interference at all
        expected = pd.Series(values).groupby(keys).median()
        cells, median = _median_by(keys, values)
        assert cells.tolist() == expected.index.tolist()
        np.testing.assert_array_equal(median, expected.to_numpy(float))
