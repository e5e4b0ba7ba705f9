"""The tiled large-area engine: windows, tiles, executors, and agreement with the one-piece engine."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer

from netcover.app.cli import cli
from netcover.config.scenario import Scenario, load_scenario
from netcover.core.parallel import DaskExecutor, InProcess, ProcessPool
from netcover.coverage.engine import compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.coverage.tiled import DemSource, Window, reaching_jobs, run_tiled
from netcover.coverage.write import layer_slug, raster_spec
from netcover.data.inputs import load_inputs
from netcover.data.terrain import read_dem
from netcover.errors import ValidationError

from .conftest import CELL, CRS, X0, Y0, snapshot, write_dem, write_sites

SIDE = 250  # cells: 7.5 km
TILE = 128  # 2 x 2 tiles, the last ones partial


def _relief(n: int, seed: int = 3) -> np.ndarray:
    """A plateau with a diagonal ridge and smooth seeded bumps (600-1,400 m)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:n, 0:n]
    ridge = 350.0 * np.exp(-(((r - c) / 12.0) ** 2))
    bumps = gaussian_filter(rng.normal(0.0, 1.0, (n, n)), 9.0)
    return (900.0 + ridge + 60.0 * bumps / bumps.std()).astype("float32")


def _province_sites() -> list[dict[str, object]]:
    """Five masts of two operators, 4G on all, 3G on one, spread over the area."""
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    places = [(1500, 1800), (5400, 1500), (3700, 3900), (1200, 6100), (6300, 6000)]
    rows: list[dict[str, object]] = []
    for k, (dx, dy) in enumerate(places):
        lon, lat = to_ll.transform(X0 + dx, Y0 - dy)
        operator = "Viettel" if k % 2 == 0 else "VNPT"
        bands = [("4G", 1800.0)] + ([("3G", 2100.0)] if k == 2 else [])
        for tech, freq in bands:
            for s, az in enumerate((0, 120, 240)):
                rows.append({
                    "site_id": f"P{k}", "cell_id": f"P{k}-{tech}-{s}", "operator": operator,
                    "technology": tech, "lon": round(lon, 7), "lat": round(lat, 7),
                    "height_m": 30 + 5 * k, "azimuth_deg": az + 10 * k, "mech_tilt_deg": 2,
                    "elec_tilt_deg": 3, "frequency_mhz": freq, "bandwidth_mhz": 10,
                    "tx_power_dbm": 43, "antenna_gain_dbi": 17, "h_beamwidth_deg": 65,
                    "v_beamwidth_deg": 8, "pattern_file": "",
                })
    return rows


def _province(folder: Path, *, cache: str = "cache", dem: np.ndarray | None = None,
              transform: Affine | None = None, crs: str = CRS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / "dem.tif", _relief(SIDE) if dem is None else dem, transform=transform,
              crs=crs)
    write_sites(folder / "sites.csv", _province_sites())
    path = folder / "scenario.toml"
    path.write_text('[scenario]\nname = "Province"\nslug = "province"\n\n'
                    '[inputs]\ndem = "dem.tif"\nsites = "sites.csv"\n\n'
                    f'[coverage]\nradius_km = 2.0\ncache_dir = "{cache}"\n\n'
                    '[execution]\ntile_size = 256\n', encoding="utf-8")
    return path


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def _rasters(folder: Path) -> dict[str, np.ndarray]:
    return {p.name: _read(p) for p in sorted((folder / "coverage").glob("*.tif"))}


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _province(tmp_path_factory.mktemp("province"))


@pytest.fixture(scope="module")
def tiled(province: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One in-process tiled run of the province, 2 x 2 tiles."""
    out = tmp_path_factory.mktemp("tiled")
    run_tiled(load_scenario(province), out, tile_size=TILE)
    return out


def test_windows_intersect_and_tiles_cover_the_grid(province: Path) -> None:
    a, b = Window(0, 0, 10, 10), Window(5, 8, 10, 10)
    assert a.intersection(b) == Window(5, 8, 5, 2)
    assert a.intersection(Window(10, 0, 3, 3)) is None
    dem = DemSource.open(province.with_name("dem.tif"))
    tiles = dem.tiles(TILE)
    assert len(tiles) == 4 and tiles[-1] == Window(TILE, TILE, SIDE - TILE, SIDE - TILE)
    assert sum(t.rows * t.cols for t in tiles) == SIDE * SIDE
    near_edge = dem.around(X0 + 100.0, Y0 - 100.0, 2000.0)
    assert (near_edge.row_off, near_edge.col_off) == (0, 0)  # clipped to the grid
    assert near_edge.rows == near_edge.cols == int(np.ceil(100 / CELL + 2000 / CELL + 4))


def test_reaching_jobs_lists_overlaps_in_job_order() -> None:
    tiles = [Window(0, 0, 10, 10), Window(0, 10, 10, 10)]
    windows = [Window(8, 8, 4, 4), Window(0, 15, 2, 2), Window(20, 20, 5, 5)]
    assert reaching_jobs(tiles, windows) == [[0], [0, 1]]
    assert reaching_jobs(tiles, []) == [[], []]


def test_window_reads_match_the_whole_dem(province: Path) -> None:
    dem = DemSource.open(province.with_name("dem.tif"))
    whole, _ = read_dem(province.with_name("dem.tif"))
    assert not dem.warp and dem.shape == whole.shape and dem.transform == whole.transform
    w = Window(40, 70, 90, 33)
    np.testing.assert_array_equal(dem.read(w), whole.heights[40:130, 70:103])
    part = dem.terrain(w)
    assert part.origin_xy == (X0 + 70 * CELL, Y0 - 40 * CELL)


def test_a_dem_in_degrees_is_warped_to_the_same_grid_as_read_dem(tmp_path: Path) -> None:
    """Windows of a geographic DEM come through a WarpedVRT on read_dem's grid."""
    step = 1.0 / 3600.0  # 1 arc-second
    heights = _relief(120)
    path = write_dem(tmp_path / "dem_ll.tif", heights,
                     transform=Affine(step, 0, 104.95, 0, -step, 23.10), crs="EPSG:4326")
    dem = DemSource.open(path)
    whole, _ = read_dem(path)
    assert dem.warp and dem.shape == whole.shape and dem.crs == whole.crs
    assert dem.transform.almost_equals(whole.transform)
    rows, cols = dem.shape
    inner = Window(5, 5, rows - 10, cols - 10)
    diff = np.abs(dem.read(inner) - whole.heights[5:rows - 5, 5:cols - 5])
    assert float(np.median(diff)) < 0.5 and float(diff.max()) < 20.0


def test_tiled_layers_match_the_one_piece_engine(province: Path, tiled: Path,
                                                 tmp_path: Path) -> None:

    """Every step is per cell and positions are measured in the whole grid: the same cells."""
    sc = load_scenario(province)
    result = compute_coverage(load_inputs(sc), cache=LossCache(tmp_path / "whole"))
    layers = _rasters(tiled)
    for tech, lay in result.technologies.items():
        np.testing.assert_array_equal(layers[f"signal_{tech}.tif"], lay.level_dbm)
        np.testing.assert_array_equal(layers[f"sinr_{tech}.tif"], lay.sinr_db)
        np.testing.assert_array_equal(layers[f"best_server_{tech}.tif"], lay.best_cell)
        np.testing.assert_array_equal(layers[f"servers_within_6db_{tech}.tif"], lay.server_count)
        np.testing.assert_array_equal(layers[f"class_{tech}.tif"], lay.classes)
    np.testing.assert_array_equal(layers["class.tif"], result.classes)
    for op, classes in result.operator_classes.items():
        np.testing.assert_array_equal(layers[f"class_{op.lower()}.tif"], classes)
    np.testing.assert_array_equal(layers["loss_min.tif"], result.min_loss_db)


def test_the_tile_size_does_not_change_any_cell(province: Path, tiled: Path, tmp_path: Path) -> None:
    run_tiled(load_scenario(province), tmp_path, tile_size=SIDE)  # one tile, warm cache
    one, four = _rasters(tmp_path), _rasters(tiled)
    assert one.keys() == four.keys()
    for name in one:
        np.testing.assert_array_equal(one[name], four[name], err_msg=name)


def test_outputs_carry_the_grid_and_the_areas_add_up(province: Path, tiled: Path) -> None:
    dem = DemSource.open(province.with_name("dem.tif"))
    names = {p.name for p in (tiled / "coverage").glob("*.tif")}
    assert {"class.tif", "class_viettel.tif", "class_vnpt.tif", "signal_3G.tif", "sinr_4G.tif",
            "best_server_4G.tif", "loss_min.tif"} <= names
    for name in names:
        with rasterio.open(tiled / "coverage" / name) as src:
            assert src.crs.to_epsg() == 32648 and src.transform == dem.transform
            assert (src.height, src.width) == dem.shape and src.block_shapes[0] == (256, 256)
    areas = pd.read_csv(tiled / "coverage" / "coverage_area.csv")
    total = SIDE * SIDE * CELL**2 / 1e6
    sums = areas[["none_km2", "weak_km2", "fair_km2", "good_km2"]].sum(axis=1)
    np.testing.assert_allclose(sums, total, atol=0.01)
    cls = _read(tiled / "coverage" / "class.tif")
    overall = areas.set_index("layer").loc["class", "covered_pct"]
    assert overall == pytest.approx(100.0 * np.mean(cls >= 2), abs=0.01)
    assert "Tiles: 4" in (tiled / "coverage" / "run.md").read_text(encoding="utf-8")
    cells = pd.read_csv(tiled / "coverage" / "cells.csv")
    assert len(cells) == 18 and cells["index"].tolist() == list(range(18))


def test_the_dem_is_never_read_whole(province: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory is bounded by the tile and the radius: every read is a tile or a site window."""
    reads: list[Window] = []
    original = DemSource.read

    def spy(self: DemSource, window: Window) -> np.ndarray:
        reads.append(window)
        return original(self, window)

    monkeypatch.setattr(DemSource, "read", spy)
    run_tiled(load_scenario(province), tmp_path, tile_size=TILE, executor=InProcess())
    site_side = int(np.ceil(2 * (2000 / CELL + 4))) + 1
    assert reads and max(max(w.rows, w.cols) for w in reads) <= max(TILE, site_side)
    assert max(w.rows * w.cols for w in reads) < SIDE * SIDE / 2


def test_the_cache_is_reused_and_a_failed_run_keeps_old_results(province: Path, tiled: Path,
                                                                tmp_path: Path) -> None:
    sc = load_scenario(province)
    run = run_tiled(sc, tmp_path, tile_size=TILE)
    assert run.jobs == 6 and run.losses_computed == 0  # the module's first run filled the cache
    before = snapshot(tmp_path)
    bad = [dict(r, lon=110.0) if r["site_id"] == "P1" else r for r in _province_sites()]
    write_sites(tmp_path / "sites_bad.csv", bad)
    broken = dataclasses.replace(sc, inputs=dataclasses.replace(
        sc.inputs, sites=tmp_path / "sites_bad.csv"))
    with pytest.raises(ValidationError, match=r"P1.*outside the DEM"):
        run_tiled(broken, tmp_path, tile_size=TILE)
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k != "sites_bad.csv"} == before


def test_process_pool_gives_identical_files(province: Path, tiled: Path, tmp_path: Path) -> None:
    """Cold cache computed by two spawned processes: the same bytes as in-process."""
    sc = load_scenario(province)
    sc = dataclasses.replace(sc, coverage=dataclasses.replace(sc.coverage,
                                                              cache_dir=tmp_path / "cache"))
    with ProcessPool(2) as pool:
        run = run_tiled(sc, tmp_path / "out", tile_size=TILE, executor=pool)
    assert run.losses_computed == run.jobs
    for name, data in snapshot(tiled / "coverage").items():
        assert (tmp_path / "out" / "coverage" / name).read_bytes() == data, name


def test_local_cluster_of_two_workers_gives_identical_files(province: Path, tiled: Path,
                                                            tmp_path: Path,
                                                            dask_local: DaskExecutor) -> None:
    """The issue's acceptance test: a Dask LocalCluster of 2 workers, cold cache, same bytes."""
    sc = load_scenario(province)
    sc = dataclasses.replace(sc, coverage=dataclasses.replace(sc.coverage,
                                                              cache_dir=tmp_path / "cache"))
    assert dask_local.workers == 2
    run = run_tiled(sc, tmp_path / "out", tile_size=TILE, executor=dask_local)
    assert len(dask_local.peak_memory_mb()) == 2
    assert run.losses_computed == run.jobs and "Dask" in run.executor
    for name, data in snapshot(tiled / "coverage").items():
        assert (tmp_path / "out" / "coverage" / name).read_bytes() == data, name


def test_large_area_command(province: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["large-area", str(province), "--out", str(tmp_path),
                                      "--tile-size", str(TILE)])
    assert result.exit_code == 0, result.output
    assert "4 tiles, 6 loss jobs" in result.output
    assert (tmp_path / "coverage" / "class.tif").exists()
    missing = CliRunner().invoke(cli, ["large-area", str(tmp_path / "nope.toml")])
    assert missing.exit_code != 0 and "nope.toml" in missing.output


def _with_population(province: Path, folder: Path, pop_path: Path) -> Scenario:
    sc = load_scenario(province)
    inputs = dataclasses.replace(sc.inputs, population=pop_path)
    return dataclasses.replace(sc, inputs=inputs)


def test_people_per_class_on_the_dem_grid_are_exact(province: Path, tiled: Path,
                                                    tmp_path: Path) -> None:
    """Population on the coverage grid itself: people per class is a weighted class count."""
    people = np.random.default_rng(5).gamma(0.5, 4.0, (SIDE, SIDE)).astype("float32")
    pop = write_dem(tmp_path / "pop.tif", people, nodata=-1.0)
    run = run_tiled(_with_population(province, tmp_path, pop), tmp_path / "out", tile_size=TILE)
    areas = run.areas.set_index("layer")
    for layer in ("class", "class_4G", "class_3G", "class_viettel"):
        classes = _read(tiled / "coverage" / f"{layer}.tif")
        expected = np.bincount(classes.ravel(), weights=people.ravel().astype(float), minlength=4)
        got = areas.loc[layer, ["people_none", "people_weak", "people_fair", "people_good"]]
        np.testing.assert_allclose(got.to_numpy(float), expected, atol=0.06)
    assert areas.loc["class", "people_covered_pct"] == pytest.approx(
        100.0 * people[_read(tiled / "coverage" / "class.tif") >= 2].sum() / people.sum(), abs=0.01)


def test_people_from_a_raster_in_degrees_are_all_counted_once(province: Path, tmp_path: Path) -> None:
    """A WorldPop-like raster (EPSG:4326, ~90 m): every cell lands in exactly one tile."""
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_ll.transform(X0 + 600.0, Y0 - 600.0)
    step = 3.0 / 3600.0
    people = np.random.default_rng(6).integers(0, 20, (70, 70)).astype("float32")
    pop = write_dem(tmp_path / "pop_ll.tif", people, nodata=-1.0, crs="EPSG:4326",
                    transform=Affine(step, 0, lon0, 0, -step, lat0))
    totals = []
    for size in (TILE, SIDE):
        run = run_tiled(_with_population(province, tmp_path, pop), tmp_path / f"out{size}",
                        tile_size=size)
        row = run.areas.set_index("layer").loc["class"]
        totals.append(row[["people_none", "people_weak", "people_fair", "people_good"]]
                      .to_numpy(float))
    np.testing.assert_allclose(totals[0], totals[1], atol=0.2)  # rounding to 0.1 per tile sum
    assert totals[0].sum() == pytest.approx(float(people.sum()), abs=0.5)


def test_people_from_points(province: Path, tiled: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    xy = [(X0 + 1500.0, Y0 - 1800.0), (X0 + 7400.0, Y0 - 200.0), (X0 + 3700.0, Y0 - 3900.0)]
    points = gpd.GeoDataFrame({"population": [100.0, 40.0, 7.0]},
                              geometry=[Point(x, y) for x, y in xy], crs=CRS)
    points.to_file(tmp_path / "people.gpkg")
    run = run_tiled(_with_population(province, tmp_path, tmp_path / "people.gpkg"),
                    tmp_path / "out", tile_size=TILE)
    classes = _read(tiled / "coverage" / "class.tif")
    expected = np.zeros(4)
    for (x, y), n in zip(xy, [100.0, 40.0, 7.0], strict=True):
        expected[classes[int((Y0 - y) // CELL), int((x - X0) // CELL)]] += n
    got = run.areas.set_index("layer").loc["class", ["people_none", "people_weak", "people_fair",
                                                     "people_good"]]
    np.testing.assert_allclose(got.to_numpy(float), expected)


def test_file_names_follow_the_one_piece_outputs() -> None:
    assert f"class_{layer_slug('Mobi Fone')}.tif" == "class_mobi_fone.tif"
    assert raster_spec("class_mobi_fone") == (255, "0 none, 1 weak, 2 fair, 3 good")
    assert raster_spec("signal_4G")[1] == "best-server level 4G (dBm)"


def test_district_and_large_area_runs_share_the_loss_cache(tmp_path: Path) -> None:
    """Issue 19: the district run's losses are found by large-area on the same DEM and settings
    (and the other way round), the message counts what was computed, the rasters are the same."""
    folder = tmp_path / "shared"
    _province(folder, cache=str(tmp_path / "cache"))
    scenario = str(folder / "scenario.toml")
    district = CliRunner().invoke(cli, ["coverage", scenario, "--out", str(tmp_path / "district")])
    assert district.exit_code == 0, district.output
    assert "6 loss rasters (6 computed, 0 from the cache)" in district.output
    large = CliRunner().invoke(cli, ["large-area", scenario, "--out", str(tmp_path / "large"),
                                     "--tile-size", str(TILE)])
    assert large.exit_code == 0, large.output
    assert "6 loss jobs (0 computed, 6 from the cache)" in large.output
    one_piece, tiles = _rasters(tmp_path / "district"), _rasters(tmp_path / "large")
    assert tiles.keys() <= one_piece.keys() and "class.tif" in tiles
    for name, data in tiles.items():
        np.testing.assert_array_equal(data, one_piece[name], err_msg=name)

    sc = load_scenario(folder / "scenario.toml")
    sc = dataclasses.replace(sc, coverage=dataclasses.replace(sc.coverage,
                                                              cache_dir=tmp_path / "cache2"))
    assert run_tiled(sc, tmp_path / "large2", tile_size=TILE).losses_computed == 6
    result = compute_coverage(load_inputs(sc), cache=LossCache(tmp_path / "cache2"))
    assert (result.jobs, result.losses_computed, result.losses_cached) == (6, 0, 6)
