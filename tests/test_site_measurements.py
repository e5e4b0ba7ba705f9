"""Predicted against measured for one built site (``monitor measurements --site``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner, Result
from pyproj import Transformer

from netcover.app.cli.monitor import monitor
from netcover.config.scenario import load_scenario
from netcover.data.measurements import read_measurements
from netcover.errors import InputError
from netcover.monitor import site_folder, site_measurements
from netcover.monitor.compare import cell_levels_at_points
from netcover.monitor.site_compare import (
    BY_PREDICTION,
    BY_SERVING_CELL,
    SITE_COLUMNS,
    SiteComparison,
    band_stats,
    bearing_deg,
    compare_site,
    site_error_stats,
)

from .conftest import SAMPLE
from .test_monitor_support import Mini, build_mini

OFFSET = 4.0  # dB added to the points that S1 serves
NOISE = 2.0
FILES = ("site_comparison.csv", "site_summary.json", "site_discrepancy.gpkg", "site_errors.png")


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Mini:
    return build_mini(tmp_path_factory.mktemp("mini"))


def _drive(mini: Mini, seed: int = 7) -> pd.DataFrame:
    """Every 2nd DEM cell centre: the model's best server plus OFFSET where it is a cell of S1,
    plus noise; half the rows name the best cell. One row of each site names the other site's
    cell on purpose (the phone camped on it)."""
    inputs = mini.inputs
    cells = inputs.cells
    assert cells is not None
    left, bottom, right, top = inputs.terrain.bounds
    step = 2 * inputs.terrain.cell_size
    gx, gy = np.meshgrid(np.arange(left + step / 4, right, step), np.arange(bottom + step / 4, top, step))
    x, y = gx.ravel(), gy.ravel()
    levels = cell_levels_at_points(inputs, np.arange(len(cells)), x, y)
    filled = np.where(np.isnan(levels), -np.inf, levels)
    best = np.argmax(filled, axis=0)
    pred = filled[best, np.arange(len(x))]
    site = cells["site_id"].to_numpy()[best]
    rng = np.random.default_rng(seed)
    measured = pred + np.where(site == "S1", OFFSET, 0.0) + rng.normal(0.0, NOISE, len(x))
    ok = np.isfinite(pred) & (pred > -130) & (pred < -35)
    ids = np.where(rng.random(len(x)) < 0.5, cells["cell_id"].to_numpy()[best], "")
    lon, lat = Transformer.from_crs(inputs.crs, "EPSG:4326", always_xy=True).transform(x, y)
    # a point S2 serves in the prediction but whose phone was on S1-1: S1's, with S1-1's level
    s1_1 = int(np.flatnonzero(cells["cell_id"].to_numpy() == "S1-1")[0])
    k = np.flatnonzero(ok & (site == "S2") & (ids == "") & (levels[s1_1] > -130))[0]
    ids[k], site[k], pred[k] = "S1-1", "S1", levels[s1_1, k]
    measured[k] = pred[k] + OFFSET
    table = pd.DataFrame({"lon": np.round(lon, 7), "lat": np.round(lat, 7),
                          "time": "2026-11-20T10:00:00", "operator": "Viettel", "technology": "4G",
                          "rsrp_dbm": np.round(measured, 2), "cell_id": ids,
                          "_site": site, "_pred": pred})[ok].reset_index(drop=True)
    table["time"] = [f"2026-11-20T10:{k // 60 % 60:02d}:{k % 60:02d}" for k in range(len(table))]
    # a point S1 serves in the prediction but whose phone was on S2: not S1's
    s1 = np.flatnonzero((table["_site"] == "S1") & (table["cell_id"] == ""))[0]
    table.loc[s1, "cell_id"] = "S2-1"
    table.loc[s1, "_site"] = "S2"
    return table


@pytest.fixture(scope="module")
def drive(mini: Mini) -> tuple[Path, pd.DataFrame]:
    table = _drive(mini)
    path = mini.folder / "site_drive.csv"
    table.drop(columns=["_site", "_pred"]).to_csv(path, index=False)
    return path, table


@pytest.fixture(scope="module")
def s1(mini: Mini, drive: tuple[Path, pd.DataFrame],
       tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteComparison, Path]:
    out = tmp_path_factory.mktemp("measurements")
    return site_measurements(mini.inputs, drive[0], "S1", out), out


def test_the_offset_of_the_site_is_recovered(s1: tuple[SiteComparison, Path]) -> None:
    comparison, _ = s1
    s = comparison.summary
    assert abs(s["bias_db"] - OFFSET) < 0.5
    assert s["rmse_db"] == pytest.approx(np.hypot(OFFSET, NOISE), abs=0.6)
    assert s["points"] == len(comparison.points) > 50
    assert s["selected_by"][BY_SERVING_CELL] > 0 and s["selected_by"][BY_PREDICTION] > 0


def test_only_the_sites_points_and_its_own_cells(mini: Mini, drive: tuple[Path, pd.DataFrame],
                                                 s1: tuple[SiteComparison, Path]) -> None:
    comparison, _ = s1
    table = drive[1]
    pts = comparison.points
    assert set(pts["cell"]) <= {"S1-1", "S1-2", "S1-3"}
    rows = table.index.to_numpy() + 2  # the file's line numbers
    ours = set(rows[(table["_site"] == "S1").to_numpy()])
    assert set(pts["point"]) == ours  # every S1 point, and no point of S2 (nor the one on S2-1)
    named = pts[pts["selected_by"] == BY_SERVING_CELL]
    by_row = table.set_index(rows)
    assert (named["cell"].to_numpy() == by_row.loc[named["point"], "cell_id"].to_numpy()).all()
    np.testing.assert_allclose(pts["predicted_dbm"], by_row.loc[pts["point"], "_pred"], atol=1e-4)
    assert (pts["distance_m"] <= mini.scenario.coverage.radius_km * 1000).all()


def test_the_other_site_has_no_offset(mini: Mini, drive: tuple[Path, pd.DataFrame],
                                      tmp_path: Path) -> None:
    ms = read_measurements(drive[0], mini.inputs)
    other = compare_site(mini.inputs, ms, "S2")
    assert abs(other.summary["bias_db"]) < 0.6 and set(other.points["cell"]) == {"S2-1"}


def test_beyond_the_radius_only_named_rows_and_without_prediction(
        mini: Mini, drive: tuple[Path, pd.DataFrame]) -> None:
    sc = mini.inputs.scenario
    near = dataclasses.replace(mini.inputs, scenario=dataclasses.replace(
        sc, coverage=dataclasses.replace(sc.coverage, radius_km=0.8)))
    ms = read_measurements(drive[0], near)
    comparison = compare_site(near, ms, "S1")
    pts = comparison.points
    far = pts["distance_m"] > 800.0 + 30.0  # beyond the radius (and its DEM cell)
    assert far.any() and (pts.loc[far, "selected_by"] == BY_SERVING_CELL).all()
    assert pts.loc[far, "predicted_dbm"].isna().all()
    summary = comparison.summary
    assert summary["points_without_prediction"] == int(pts["error_db"].isna().sum()) > 0
    assert summary["points"] == int(pts["error_db"].notna().sum())


def test_files_are_written_with_crs_and_the_contract_keys(mini: Mini,
                                                        s1: tuple[SiteComparison, Path]) -> None:
    comparison, out = s1
    folder = site_folder(out, "S1")
    assert folder == out / "site_S1"
    for hostile in ("../../etc", "a/b\\c", "", "=HYPERLINK(1)"):
        inside = site_folder(out, hostile)
        assert inside.parent == out and inside.name.startswith("site_") and ".." not in inside.name
    # ids that differ only in unsafe characters get folders of their own
    names = {site_folder(out, i).name for i in ("A/1", "A 1", "A\\1", "A_1", "A:1")}
    assert len(names) == 5 and site_folder(out, "A_1").name == "site_A_1"
    assert sorted(p.name for p in comparison.files) == sorted(FILES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no temporary left
    summary = json.loads((folder / "site_summary.json").read_text(encoding="utf-8"))
    for key in ("site_id", "points", "bias_db", "rmse_db", "mae_db", "median_error_db",
                "p90_abs_error_db", "assumes"):
        assert key in summary, key
    assert summary["site_id"] == "S1" and summary["assumes"]["model"] == "p1812"
    assert summary["assumes"]["rx_height_m"] == 1.5
    assert summary["assumes"]["calibration"] == "uncalibrated"
    table = pd.read_csv(folder / "site_comparison.csv", encoding="utf-8-sig")
    for col in ("point", "distance_m", "bearing_deg", "cell", "predicted_dbm", "measured_dbm",
                "error_db", "landcover", "assumed_model"):
        assert col in table.columns, col
    assert len(table) == summary["points"]
    layers = {str(name) for name, _ in pyogrio.list_layers(folder / "site_discrepancy.gpkg")}
    assert layers == {"points", "site"}
    for layer in layers:
        crs = pyogrio.read_info(folder / "site_discrepancy.gpkg", layer=layer)["crs"]
        assert crs == str(mini.inputs.crs)
    assert (folder / "site_errors.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unknown_site_names_the_file_the_field_and_known_ids(mini: Mini,
                                                                drive: tuple[Path, pd.DataFrame],
                                                                tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"sites\.csv: no site with site_id 'S9' "
                                         r"\(field 'site_id'; known: S1, S2\)"):
        site_measurements(mini.inputs, drive[0], "S9", tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_site_without_points_gives_an_empty_table(mini: Mini,
                                                   drive: tuple[Path, pd.DataFrame]) -> None:
    ms = read_measurements(drive[0], mini.inputs)
    for points in (ms.points[ms.points["cell_id"] == "S2-1"], ms.points.iloc[:0]):
        empty = compare_site(mini.inputs, dataclasses.replace(ms, points=points), "S1")
        assert empty.points.empty and list(empty.points.columns) == list(SITE_COLUMNS)
        assert empty.summary["points"] == 0 and np.isnan(empty.summary["bias_db"])


def test_statistics_kernels() -> None:
    e = np.array([1.0, -1.0, 3.0, np.nan, -3.0])
    s = site_error_stats(e)
    assert s["points"] == 4 and s["bias_db"] == 0.0 and s["mae_db"] == 2.0
    assert s["rmse_db"] == pytest.approx(np.sqrt(5.0)) and s["median_error_db"] == 0.0
    assert s["p90_abs_error_db"] == pytest.approx(3.0)
    assert np.isnan(site_error_stats(np.array([np.nan]))["bias_db"])
    bands = band_stats(e, np.array([100.0, 600.0, 700.0, 50.0, 20000.0]))
    assert bands["band"].tolist() == ["0-500 m", "500-1000 m", ">= 10000 m"]
    assert bands["points"].tolist() == [1, 2, 1]
    np.testing.assert_allclose(bearing_deg(0.0, 0.0, np.array([0.0, 1.0, 0.0, -1.0]),
                                           np.array([1.0, 0.0, -1.0, 0.0])), [0, 90, 180, 270])


def invoke(*args: str) -> Result:
    return CliRunner().invoke(monitor, list(args), catch_exceptions=False)


def test_cli_site_option_and_exit_codes(mini: Mini, drive: tuple[Path, pd.DataFrame],
                                        tmp_path: Path) -> None:
    sc = str(mini.folder / "scenario.toml")
    out = tmp_path / "m"
    result = invoke("measurements", sc, str(drive[0]), "--site", "S1", "--site", "S2",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Site S1:" in result.output and "Site S2:" in result.output
    assert all((out / "site_S1" / f).is_file() and (out / "site_S2" / f).is_file() for f in FILES)
    unknown = invoke("measurements", sc, str(drive[0]), "--site", "NOPE", "--out", str(out))
    assert unknown.exit_code == 1 and "no site with site_id 'NOPE'" in unknown.stderr
    lonely = tmp_path / "lonely.csv"
    table = drive[1]
    table[table["cell_id"] == "S2-1"].drop(columns=["_site", "_pred"]).to_csv(lonely, index=False)
    empty = invoke("measurements", sc, str(lonely), "--site", "S1", "--out", str(tmp_path / "e"))
    assert empty.exit_code == 1 and "no point of site 'S1'" in empty.stderr
    assert not (tmp_path / "e" / "site_S1").exists()


def test_the_bundled_drive_test_around_one_site(tmp_path: Path) -> None:
    """The sample's drive test around one of its sites (radius cut to 5 km to keep it quick)."""
    sc = load_scenario(SAMPLE / "scenario.toml")
    sc = dataclasses.replace(sc, coverage=dataclasses.replace(sc.coverage, radius_km=5.0))
    comparison = site_measurements(sc, SAMPLE / "drive_test.csv", "VTL-QB-014", tmp_path)
    s = comparison.summary
    assert s["points"] > 5
    for key in ("bias_db", "rmse_db", "mae_db", "median_error_db", "p90_abs_error_db"):
        assert np.isfinite(s[key]), key
    assert s["rmse_db"] >= s["mae_db"] >= 0
    assert comparison.points["cell"].str.startswith("VTL-QB-014-").all()
