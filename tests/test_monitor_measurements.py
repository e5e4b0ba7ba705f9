"""Measurements: bad rows counted not fatal, predictions at points, calibration, discrepancy map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcover.config.scenario import load_scenario
from netcover.data.measurements import check_measurements, read_measurements
from netcover.errors import InputError
from netcover.monitor.calibrate import (
    Calibration,
    calibrate,
    cross_validated_residuals,
    fit,
    fold_ids,
    write_calibrated_scenario,
)
from netcover.monitor.compare import (
    cell_levels_at_points,
    comparison_tables,
    error_stats,
    predict,
    write_discrepancy,
)
from netcover.samplegen.history import drive_test

from .test_monitor_support import Mini, build_mini

BIAS = -4.0


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Mini:
    return build_mini(tmp_path_factory.mktemp("mini"))


@pytest.fixture(scope="module")
def drive_csv(mini: Mini) -> Path:
    table = drive_test(mini.inputs, n_points=400, seed=3, bias_db={"4G": BIAS}, noise_db=3.0,
                       along_roads=False)
    path = mini.folder / "drive.csv"
    table.to_csv(path, index=False)
    return path


def test_bad_rows_are_counted_with_reasons_not_fatal(mini: Mini, drive_csv: Path) -> None:
    ms = read_measurements(drive_csv, mini.inputs)
    counts = ms.counts().set_index(["what", "reason"])["rows"]
    for reason in ("no position", "outside the DEM", "unknown technology", "no level",
                   "level out of range", "operator not in the inventory", "duplicate"):
        assert counts["dropped", reason] == 1, reason
    assert counts["flagged", "time unreadable"] == 1
    assert counts["flagged", "cell id not in the inventory"] == 1
    raw = pd.read_csv(drive_csv)
    assert counts["kept", ""] == len(raw) - 7 == len(ms.points)
    assert (ms.points["cell_id"] != "NO-SUCH-CELL").all()  # unusable ids are not used


def test_every_row_bad_is_still_not_an_error(mini: Mini) -> None:
    raw = pd.DataFrame({"lon": ["x", "200"], "lat": ["1", "1"], "time": ["", ""],
                        "operator": ["A", "B"], "technology": ["5G", "4G"],
                        "rsrp_dbm": ["", "-80"]})
    ms = check_measurements(raw, mini.inputs)
    assert ms.points.empty and ms.dropped["reason"].tolist() == ["no position", "no position"]


def test_operator_names_match_without_case(mini: Mini) -> None:
    cell = mini.inputs.cells.iloc[0]  # type: ignore[union-attr]
    raw = pd.DataFrame({"lon": [str(cell["lon"])] * 2, "lat": [str(cell["lat"])] * 2,
                        "time": ["2024-09-01"] * 2, "operator": [" viettel ", "Vinaphone"],
                        "technology": ["lte", "4G"], "rsrp_dbm": ["-80", "-81"]})
    ms = check_measurements(raw, mini.inputs)
    assert ms.points["operator"].tolist() == ["Viettel"]
    assert ms.points["technology"].tolist() == ["4G"]
    assert ms.dropped["reason"].tolist() == ["operator not in the inventory"]
    raw["cell_id"] = "S1-1"
    raw["technology"] = ["3G", "4G"]
    raw["rscp_dbm"] = ["-70", ""]
    raw["operator"] = "Viettel"
    ms = check_measurements(raw, mini.inputs)
    assert ms.points["flags"].tolist() == ["cell id of another operator or technology", ""]
    assert ms.points["cell_id"].tolist() == ["", "S1-1"]


def test_missing_columns_are_one_clear_error(mini: Mini, tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text("lon,lat,operator\n105,23,Viettel\n", encoding="utf-8")
    with pytest.raises(InputError, match="time, technology, rsrp_dbm or rscp_dbm"):
        read_measurements(bad, mini.inputs)


def test_predictions_match_the_coverage_engine(mini: Mini, drive_csv: Path) -> None:
    ms = read_measurements(drive_csv, mini.inputs)
    compared = predict(mini.inputs, ms)
    no_id = compared[compared["cell_id"] == ""]
    t = mini.coverage.transform
    col = np.floor((no_id["x"] - t.c) / t.a).astype(int)
    row = np.floor((no_id["y"] - t.f) / t.e).astype(int)
    engine = mini.coverage.operator_levels[("Viettel", "4G")][row, col]
    np.testing.assert_allclose(no_id["predicted_dbm"], engine, atol=1e-4)
    stats = error_stats(compared["error_db"].to_numpy())
    assert abs(stats["bias_db"] - BIAS) < 0.5 and stats["n"] == len(ms.points)
    tables = comparison_tables(compared)
    assert set(tables["by_site"]["site_id"]) <= {"S1", "S2"}
    assert tables["by_unit"]["n"].sum() == stats["n"]


def test_a_named_cell_is_compared_with_that_cell(mini: Mini) -> None:
    x = np.array([mini.inputs.cells["x"].iloc[3] + 300.0])  # type: ignore[index]
    y = np.array([mini.inputs.cells["y"].iloc[3]])  # type: ignore[index]
    levels = cell_levels_at_points(mini.inputs, np.arange(4), x, y)[:, 0]
    weakest = int(np.nanargmin(levels))
    raw = pd.DataFrame({"lon": [0.0], "lat": [0.0], "time": ["2024-09-01T10:00"],
                        "operator": ["Viettel"], "technology": ["4G"], "rsrp_dbm": ["-90"],
                        "cell_id": [f"S{1 if weakest < 3 else 2}-{weakest % 3 + 1}"]})
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(mini.inputs.crs, "EPSG:4326", always_xy=True).transform(x, y)
    raw[["lon", "lat"]] = [[str(lon[0]), str(lat[0])]]
    compared = predict(mini.inputs, check_measurements(raw, mini.inputs))
    assert compared["predicted_dbm"].iloc[0] == pytest.approx(levels[weakest], abs=1e-4)
    assert compared["predicted_dbm"].iloc[0] < np.nanmax(levels)


def test_calibration_recovers_an_injected_bias(mini: Mini, drive_csv: Path) -> None:
    compared = predict(mini.inputs, read_measurements(drive_csv, mini.inputs))
    result = calibrate(compared, folds=5, seed=1)
    row = result.table.set_index("technology").loc["4G"]
    corr = result.corrections["4G"].correction(compared["distance_m"].to_numpy() / 1000)
    assert abs(float(np.mean(corr)) - BIAS) < 0.5
    assert abs(row["bias_after_db"]) < 1e-6
    assert row["rmse_after_db"] < row["rmse_before_db"]
    assert row["rmse_cv_db"] == pytest.approx(3.0, abs=0.6)  # the injected noise


def test_fit_recovers_offset_and_slope() -> None:
    rng = np.random.default_rng(5)
    d = 10 ** rng.uniform(-0.7, 1.0, 2000)
    e = 6.0 - 3.0 * np.log10(d) + rng.normal(0, 4.0, d.size)
    cal = fit(e, d)
    assert cal.offset_db == pytest.approx(6.0, abs=0.5)
    assert cal.slope_db_per_decade == pytest.approx(-3.0, abs=0.5)
    cv = cross_validated_residuals(e, d, folds=5, seed=2)
    assert np.sqrt(np.mean(cv ** 2)) == pytest.approx(4.0, abs=0.3)
    assert fit(e, d, slope=False) == Calibration(float(e.mean()), 0.0)


@given(st.integers(1, 300), st.integers(2, 10), st.integers(0, 10_000))
def test_folds_partition_evenly(n: int, folds: int, seed: int) -> None:
    ids = fold_ids(n, folds, seed)
    sizes = np.bincount(ids)
    assert len(ids) == n and len(sizes) == min(n, folds)
    assert sizes.max() - sizes.min() <= 1
    np.testing.assert_array_equal(ids, fold_ids(n, folds, seed))


def test_calibrated_scenario_carries_the_correction(mini: Mini, drive_csv: Path,
                                                   tmp_path: Path) -> None:
    compared = predict(mini.inputs, read_measurements(drive_csv, mini.inputs))
    result = calibrate(compared)
    out = write_calibrated_scenario(mini.scenario, result, tmp_path / "elsewhere" / "cal.toml")
    sc = load_scenario(out)
    assert sc.inputs.dem == mini.scenario.inputs.dem and sc.inputs.sites == mini.scenario.inputs.sites
    assert sc.coverage == mini.scenario.coverage
    assert sc.calibration["4G"] == result.corrections["4G"]
    assert sc.thresholds == mini.scenario.thresholds


def test_discrepancy_layers(mini: Mini, drive_csv: Path, tmp_path: Path) -> None:
    compared = predict(mini.inputs, read_measurements(drive_csv, mini.inputs))
    path = write_discrepancy(compared, mini.inputs.crs, tmp_path / "d.gpkg", cell_m=500.0)
    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    assert layers == {"points", "grid"}
    grid = pyogrio.read_dataframe(path, layer="grid")
    points = pyogrio.read_dataframe(path, layer="points")
    assert grid["n"].sum() == len(points) == int(np.isfinite(compared["error_db"]).sum())
    weighted = float((grid["bias_db"] * grid["n"]).sum() / grid["n"].sum())
    assert weighted == pytest.approx(float(points["error_db"].mean()))
