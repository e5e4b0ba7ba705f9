"""The coverage engine end to end on the miniature district: determinism, cache, physics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

from netcover.app.cli import cli
from netcover.config.scenario import load_scenario
from netcover.core.parallel import ProcessPool
from netcover.coverage.engine import compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.coverage.losses import loss_jobs
from netcover.data.inputs import load_inputs

from .conftest import CELL, N, site_rows, write_sites


def test_jobs_group_cells_by_mast_and_band(mini_scenario: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    assert inputs.cells is not None
    jobs = loss_jobs(inputs.cells)
    assert [(j.site_id, j.cells) for j in jobs] == [("S1", (0, 1, 2)), ("S2", (3,))]


def test_cached_and_fresh_runs_are_identical(mini_scenario: Path, tmp_path: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    cache = LossCache(tmp_path / "cache")
    cold = compute_coverage(inputs, cache=cache)
    assert (cold.cache_hits, cold.cache_misses, cold.groups_reused) == (0, 2, 0)
    warm = compute_coverage(inputs, cache=LossCache(tmp_path / "cache"))
    assert (warm.cache_misses, warm.groups_reused, warm.groups) == (0, 1, 1)
    uncached = compute_coverage(inputs)
    for a, b in ((cold, warm), (cold, uncached)):
        np.testing.assert_array_equal(a.technologies["4G"].level_dbm, b.technologies["4G"].level_dbm)
        np.testing.assert_array_equal(a.technologies["4G"].best_cell, b.technologies["4G"].best_cell)
        np.testing.assert_array_equal(a.classes, b.classes)


def test_changing_a_tilt_reuses_the_loss(mini_scenario: Path, tmp_path: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    before = compute_coverage(inputs, cache=LossCache(tmp_path / "c"))
    rows = site_rows()
    rows[3]["mech_tilt_deg"] = 10
    write_sites(mini_scenario.parent / "sites.csv", rows)
    after = compute_coverage(load_inputs(load_scenario(mini_scenario)),
                             cache=LossCache(tmp_path / "c"))
    assert (after.cache_hits, after.cache_misses, after.groups_reused) == (2, 0, 0)
    east = np.s_[:, 50:]
    assert not np.array_equal(before.technologies["4G"].level_dbm[east],
                              after.technologies["4G"].level_dbm[east])
    np.testing.assert_array_equal(before.min_loss_db, after.min_loss_db)


def test_the_ridge_casts_a_shadow(mini_scenario: Path) -> None:
    """S2 looks east from x = 60 cells; the ridge at x = 40 hides the west from it."""
    rows = [r for r in site_rows() if r["site_id"] == "S2"]
    rows[0]["h_beamwidth_deg"] = 360  # omni, so only terrain matters
    write_sites(mini_scenario.parent / "sites.csv", rows)
    result = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    loss = result.min_loss_db
    row = 40  # the site's row
    site_col = 60
    for k in (25, 30):  # same distance west (behind the ridge) and east (open)
        assert loss[row, site_col - k] > loss[row, site_col + min(k, N - 1 - site_col)] + 10


def test_every_cell_in_the_disc_has_a_value(mini_scenario: Path) -> None:
    result = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    level = result.technologies["4G"].level_dbm
    assert np.isfinite(level).all()  # 2 km radius covers the 2.4 km square from both sites
    assert set(np.unique(result.technologies["4G"].best_cell)) == {0, 1, 2, 3}
    count = result.technologies["4G"].server_count
    assert count.min() >= 1
    sinr = result.technologies["4G"].sinr_db
    assert np.nanmax(sinr) < 70 and np.nanmin(sinr) > -20


def test_run_writes_georeferenced_layers(mini_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(mini_scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| code | unit" in result.output
    for name in ("signal_4G", "best_server_4G", "sinr_4G", "class_4G", "class", "loss_min",
                 "servers_within_6db_4G", "class_viettel"):
        with rasterio.open(out / "coverage" / f"{name}.tif") as src:
            assert src.crs.to_epsg() == 32648
            assert src.res == (CELL, CELL)
    table = (out / "coverage" / "coverage_by_unit.csv").read_text(encoding="utf-8-sig")
    assert table.splitlines()[0].startswith("code,name,people,all_people_none")
    import geopandas as gpd

    units = gpd.read_file(out / "coverage" / "coverage.gpkg", layer="units")
    assert units.crs.to_epsg() == 32648 and "all_share_covered" in units.columns


def test_quick_coverage_cli(mini_scenario: Path, tmp_path: Path) -> None:
    folder = mini_scenario.parent
    runner = CliRunner()
    ok = runner.invoke(cli, ["coverage", "--dem", str(folder / "dem.tif"), "--sites",
                             str(folder / "sites.csv"), "--radius-km", "1", "--model", "fspl",
                             "--out", str(tmp_path / "q")])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "q" / "coverage" / "signal_4G.tif").is_file()
    bad = runner.invoke(cli, ["coverage", "--dem", str(folder / "dem.tif")])
    assert bad.exit_code == 2 and "give a SCENARIO, or both --dem and --sites" in bad.output


@pytest.mark.parametrize("model", ["fspl", "hata"])
def test_terrain_free_models_fall_with_distance(mini_scenario: Path, model: str) -> None:
    text = mini_scenario.read_text().replace("radius_km = 2.0", f'radius_km = 2.0\nmodel = "{model}"')
    mini_scenario.write_text(text)
    result = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    loss = result.min_loss_db[40, 61:]  # east of S2 along its row
    assert np.all(np.diff(loss) > 0)


def test_loss_cache_round_trip(tmp_path: Path) -> None:
    from netcover.coverage.losscache import CachedLoss, quantize

    rng = np.random.default_rng(5)
    loss = rng.uniform(60, 250, (7, 9)).astype(np.float32)
    loss[0, 0] = np.nan
    cache = LossCache(tmp_path)
    key = LossCache.key("dem", x=1.0, f=900.0)
    assert cache.get(key) is None
    cache.put(key, CachedLoss(loss, 70_000, 3))
    back = cache.get(key)
    assert back is not None and (back.row_off, back.col_off) == (70_000, 3)
    np.testing.assert_array_equal(back.loss_db, quantize(loss))
    assert np.nanmax(np.abs(back.loss_db - loss)) <= 0.005 + 1e-4
    assert LossCache.key("dem", x=1.0, f=900.0) != LossCache.key("dem", x=1.0, f=1800.0)


def test_derived_entries_are_keyed_by_the_code_and_losses_by_the_engine_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Other code (an upgrade, an edited checkout) never re-uses a derived figure; the per-site
    losses stay until ENGINE_VERSION changes."""
    from netcover.coverage import losscache

    derived, loss = LossCache.key("dem", kind="group", x=1.0), LossCache.loss_key("dem", x=1.0)
    monkeypatch.setattr(losscache, "code_digest", lambda: "0.0+other")
    assert LossCache.key("dem", kind="group", x=1.0) != derived
    assert LossCache.loss_key("dem", x=1.0) == loss
    monkeypatch.setattr(losscache, "ENGINE_VERSION", "older")
    assert LossCache.loss_key("dem", x=1.0) != loss


def test_tabulated_antenna_gain_matches_the_pattern() -> None:
    """The per-sector gain table reproduces the exact pattern within 0.3 dB off the mast's cell."""
    import pandas as pd

    from netcover.coverage._geometry_kernels import mast_geometry, sector_level
    from netcover.coverage.sectors import gain_table
    from netcover.radio.antenna import ParametricPattern, relative_gain_db

    rng = np.random.default_rng(11)
    ground = (1000 + rng.normal(0, 80, (121, 121))).astype(np.float32)
    site_amsl = 1000.0 + 35.0
    ae = 8_500_000.0
    bearing, elev_row = mast_geometry(ground, 60.0, 60.0, site_amsl, 1.5, 30.0, ae)
    rows, cols = np.mgrid[0:121, 0:121]
    dx, dy = (cols - 60.0) * 30.0, (60.0 - rows) * 30.0
    d = np.maximum(np.hypot(dx, dy), 1.0)
    dz = ground + 1.5 - d**2 / (2 * ae) - site_amsl
    exact_b = np.degrees(np.arctan2(dx, dy)) % 360
    exact_e = np.degrees(np.arctan2(dz, d))
    np.testing.assert_allclose(bearing, exact_b, atol=1e-3)
    pattern = ParametricPattern(65.0, 8.0)
    row = pd.Series({"azimuth_deg": 130.0, "mech_tilt_deg": 4.0, "elec_tilt_deg": 3.0})
    zero_loss = np.zeros_like(ground)
    table_gain = sector_level(zero_loss, bearing, elev_row, gain_table(pattern, row), 0.0)
    exact_gain = relative_gain_db(pattern, exact_b, exact_e, azimuth_deg=130.0, mech_tilt_deg=4.0,
                                  elec_tilt_deg=3.0)
    err = np.abs(table_gain - exact_gain)[d > 45.0]  # not the mast's own cell (straight down)
    assert err.max() < 0.3  # at the kinks of the 3GPP pattern (the front-to-back cap)
    assert np.percentile(err, 99) < 0.1
    assert np.median(err) < 0.02


def test_calibration_shifts_levels_by_its_correction(mini_scenario: Path) -> None:
    base = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    text = mini_scenario.read_text() + "\n[calibration.4G]\noffset_db = -4.0\nslope_db_per_decade = 2.0\n"
    mini_scenario.write_text(text)
    calibrated = compute_coverage(load_inputs(load_scenario(mini_scenario)))
    # S2 alone serves the east edge: there the correction at its distance applies exactly
    row, col = 40, 79
    d_km = ((col + 0.5) * CELL - 1800.0) / 1000.0  # S2 stands 1,800 m east of the west edge
    expected = base.technologies["4G"].level_dbm[row, col] - 4.0 + 2.0 * np.log10(d_km)
    assert calibrated.technologies["4G"].level_dbm[row, col] == pytest.approx(expected, abs=0.01)


def test_losses_in_worker_processes_give_the_same_result(mini_scenario: Path, tmp_path: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    alone = compute_coverage(inputs, cache=LossCache(tmp_path / "a"))
    pooled = compute_coverage(inputs, cache=LossCache(tmp_path / "b"), executor=ProcessPool(2))
    assert pooled.cache_misses == 0  # the workers filled the cache before the main pass
    assert (pooled.losses_computed, pooled.losses_cached) == (2, 0)  # what the run reports
    np.testing.assert_array_equal(alone.technologies["4G"].level_dbm,
                                  pooled.technologies["4G"].level_dbm)
    np.testing.assert_array_equal(alone.min_loss_db, pooled.min_loss_db)
