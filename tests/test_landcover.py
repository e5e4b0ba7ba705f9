"""Land cover as an input (#13): class table, reader, engine (terminal loss, keys), siting, tiles."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from netcover.config.landcover import (
    P1812_TABLE2_HEIGHT_M,
    WORLDCOVER,
    LandCoverClass,
    LandCoverTable,
    read_landcover_table,
)
from netcover.config.scenario import load_scenario
from netcover.config.sections import CoverageSettings
from netcover.coverage.losscache import LossCache
from netcover.coverage.losses import LossJob, job_loss, site_loss_key, site_terrain
from netcover.data.inputs import load_inputs
from netcover.data.landcover import landcover_on_grid, with_landcover
from netcover.data.terrain import Terrain, read_dem
from netcover.errors import ScenarioError, ValidationError
from netcover.radio.p2108 import terminal_clutter_loss

from .conftest import CELL, CRS, SAMPLE, X0, Y0, N, ridge_heights, write_mini_district

GRID = Affine(CELL, 0, X0, 0, -CELL, Y0)


def write_classes(path: Path, codes: np.ndarray, transform: Affine, *, crs: str = CRS,
                  nodata: int | None = 0) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=codes.shape[0], width=codes.shape[1],
                       count=1, dtype="uint8", crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(codes.astype("uint8"), 1)
    return path


def west_forest(n: int = N) -> np.ndarray:
    """Tree cover (10) in the west half of the mini grid, cropland (40) in the east."""
    codes = np.full((n, n), 40, dtype=np.uint8)
    codes[:, : n // 2] = 10
    return codes


def mini_terrain(heights: np.ndarray | None = None) -> Terrain:
    return Terrain((ridge_heights() if heights is None else heights).astype(np.float32), GRID,
                   ProjCRS.from_user_input(CRS))


# --- class table -------------------------------------------------------------------------------

def test_worldcover_table_follows_p1812_table2():
    assert WORLDCOVER.codes == (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)
    for c in WORLDCOVER.classes:
        assert c.height_m == P1812_TABLE2_HEIGHT_M[c.category]
        assert "P.1812-6 Table 2" in c.source
    assert WORLDCOVER.by_code(10).height_m == 15.0
    assert WORLDCOVER.by_code(80).category == "water/sea"
    assert WORLDCOVER.by_code(WORLDCOVER.nodata_code).height_m == 0.0


def test_user_table_with_band_losses(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text("code,name,height_m,category,loss_db_900,loss_db_1800\n"
                    "1,forest,12,urban/trees/forest,2,3.5\n2,paddy,0,open/rural,,\n",
                    encoding="utf-8")
    table = read_landcover_table(path)
    assert table.codes == (1, 2)
    forest = table.by_code(1)
    assert forest.height_m == 12.0 and forest.loss_db == ((900.0, 2.0), (1800.0, 3.5))
    assert forest.extra_loss_db(950.0) == 2.0 and forest.extra_loss_db(1842.5) == 3.5
    assert forest.extra_loss_db(2600.0) == 0.0  # no band within 10 %
    assert table.by_code(2).loss_db == ()


@pytest.mark.parametrize(("row", "field"), [
    ("1,forest,-3,urban/trees/forest", "height_m"),
    ("1,forest,15,jungle", "category"),
    ("x,forest,15,open/rural", "code"),
    ("1,forest,15,open/rural,abc", "loss_db_900"),
])
def test_user_table_errors_name_file_row_and_field(tmp_path, row, field):
    path = tmp_path / "classes.csv"
    path.write_text(f"code,name,height_m,category,loss_db_900\n2,ok,0,open/rural,\n{row}\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_landcover_table(path)
    text = str(info.value)
    assert str(path) in text and "row 3" in text and repr(field) in text


def test_user_table_duplicate_codes_and_missing_columns(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text("code,name,height_m,category\n1,a,0,open/rural\n1,b,0,open/rural\n")
    with pytest.raises(ScenarioError, match="more than once"):
        read_landcover_table(path)
    path.write_text("code,name,height\n1,a,0\n")
    with pytest.raises(ScenarioError, match="height_m"):
        read_landcover_table(path)


def test_fingerprint_follows_every_value():
    changed = LandCoverTable((dataclasses.replace(WORLDCOVER.classes[0], height_m=20.0),
                              *WORLDCOVER.classes[1:]))
    assert changed.fingerprint() != WORLDCOVER.fingerprint()
    assert LandCoverTable(WORLDCOVER.classes).fingerprint() == WORLDCOVER.fingerprint()


# --- reader ------------------------------------------------------------------------------------

def test_reader_in_another_crs_and_coarser(tmp_path):
    """A lon/lat raster of ~100 m cells onto the 30 m UTM grid: each cell takes the class of the
    source cell its centre falls in (west forest, east cropland, the edge within one source cell)."""
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    west, north = to_ll.transform(X0 - 500, Y0 + 500)
    east, _ = to_ll.transform(X0 + N * CELL + 500, Y0)
    mid, _ = to_ll.transform(X0 + N * CELL / 2, Y0 - N * CELL / 2)
    step = 0.001  # about 100 m
    cols = int(np.ceil((east - west) / step))
    rows = int(np.ceil(3500 / 110_000 / step))
    lon = west + (np.arange(cols) + 0.5) * step
    codes = np.where(lon < mid, 10, 40).astype(np.uint8)[None, :].repeat(rows, 0)
    path = write_classes(tmp_path / "lc.tif", codes, Affine(step, 0, west, 0, -step, north),
                         crs="EPSG:4326")
    got, clutter, problems = landcover_on_grid(path, WORLDCOVER, GRID, (N, N),
                                               ProjCRS.from_user_input(CRS))
    assert got.dtype == np.int16 and clutter.dtype == np.float32 and problems == []
    x = X0 + (np.arange(N) + 0.5) * CELL
    far = np.abs(x - (X0 + N * CELL / 2)) > 150  # more than a source cell from the edge
    expect = np.where(x < X0 + N * CELL / 2, 10, 40)
    assert (got[:, far] == expect[far]).all()
    np.testing.assert_array_equal(clutter, np.where(got == 10, 15.0, 0.0))


def test_reader_finer_source_takes_the_mode(tmp_path):
    """10 m source cells: each 30 m cell takes the class of most of its nine source cells."""
    fine = np.full((N * 3, N * 3), 40, dtype=np.uint8)
    fine[0::3, :] = 10  # one row in three is forest: cropland wins everywhere
    fine[:, : N * 3 // 2] = 10  # west half all forest
    path = write_classes(tmp_path / "lc.tif", fine, Affine(10, 0, X0, 0, -10, Y0))
    got, _, _ = landcover_on_grid(path, WORLDCOVER, GRID, (N, N), ProjCRS.from_user_input(CRS))
    expect = np.full((N, N), 40)
    expect[:, : N // 2] = 10
    np.testing.assert_array_equal(got, expect)


def test_unknown_codes_are_an_error_naming_file_codes_and_fix(tmp_path):
    codes = west_forest()
    codes[5, 5], codes[6, 6] = 13, 201
    path = write_classes(tmp_path / "lc.tif", codes, GRID)
    with pytest.raises(ValidationError) as info:
        landcover_on_grid(path, WORLDCOVER, GRID, (N, N), ProjCRS.from_user_input(CRS))
    text = str(info.value.problems[0])
    assert str(path) in text and "13, 201" in text and "landcover_table" in text


@pytest.mark.parametrize("values", [[], [5, 3, 3, 0], [-2, 7, 7], [70000, 1, 70000], "random"])
def test_the_codes_found_are_those_of_numpy_unique(values):
    from netcover.data.landcover import _codes_present

    array = (np.random.default_rng(7).integers(0, 250, 5000) if values == "random"
             else np.array(values, dtype=np.int64))
    assert _codes_present(array).tolist() == np.unique(array).tolist()


def test_nodata_cells_get_the_default_class_with_a_warning(tmp_path):
    codes = west_forest()
    codes[:10, :] = 0  # WorldCover's "no data"
    path = write_classes(tmp_path / "lc.tif", codes, GRID)
    got, clutter, problems = landcover_on_grid(path, WORLDCOVER, GRID, (N, N),
                                               ProjCRS.from_user_input(CRS))
    assert (got[:10] == WORLDCOVER.nodata_code).all() and (clutter[:10] == 0.0).all()
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert "800 DEM cells" in problems[0].message


def test_load_inputs_puts_land_cover_on_the_terrain(tmp_path):
    scenario = write_mini_district(tmp_path / "mini")
    write_classes(scenario.parent / "lc.tif", west_forest(), GRID)
    text = scenario.read_text().replace('network = "network.gpkg"\n',
                                        'network = "network.gpkg"\nlandcover = "lc.tif"\n')
    scenario.write_text(text)
    inputs = load_inputs(load_scenario(scenario))
    t = inputs.terrain
    assert t.landcover is not None and t.clutter_m is not None
    assert t.landcover_classes is WORLDCOVER
    np.testing.assert_array_equal(t.landcover, west_forest())
    from netcover.app.summary import format_summary, summarize

    summary = summarize(inputs)
    assert summary["landcover"]["share_pct"] == {"10 tree cover": 50.0, "40 cropland": 50.0}
    assert "Land cover: ESA WorldCover (default) classes" in format_summary(summary)


def test_bad_table_is_reported_by_validation(tmp_path):
    scenario = write_mini_district(tmp_path / "mini")
    write_classes(scenario.parent / "lc.tif", west_forest(), GRID)
    (scenario.parent / "classes.csv").write_text("code,name,height_m,category\n10,f,-1,x\n")
    text = scenario.read_text().replace(
        'network = "network.gpkg"\n',
        'network = "network.gpkg"\nlandcover = "lc.tif"\nlandcover_table = "classes.csv"\n')
    scenario.write_text(text)
    with pytest.raises(ValidationError) as info:
        load_inputs(load_scenario(scenario))
    fields = {p.field for p in info.value.problems}
    assert "inputs.landcover_table" in fields


# --- engine ------------------------------------------------------------------------------------

def _job(x: float, y: float, f: float = 900.0) -> LossJob:
    return LossJob("S1", x, y, 30.0, f, (0,))


def test_terminal_loss_is_added_per_class_and_band():
    """Without clutter heights (only the classes), the loss grows by the P.2108 terminal loss of
    each cell's class plus the class's extra loss for the band, and nowhere else."""
    table = LandCoverTable((
        LandCoverClass(1, "forest", 15.0, "urban/trees/forest", ((900.0, 3.0),)),
        LandCoverClass(2, "field", 0.0, "open/rural"),
    ), nodata_code=2)
    codes = np.where(np.arange(N)[None, :] < N // 2, 1, 2).astype(np.int16).repeat(N, 0)
    bare = mini_terrain()
    classed = dataclasses.replace(bare, landcover=codes, landcover_classes=table)
    cov = CoverageSettings(radius_km=1.0)
    for f, extra in ((900.0, 3.0), (1800.0, 0.0)):
        job = _job(X0 + 1200, Y0 - 1200, f)
        cache = LossCache(None)
        site = site_terrain(classed, job, cov)
        a = job_loss(site_terrain(bare, job, cov), job, "a", cov, cache, [])
        b = job_loss(site, job, "b", cov, cache, [])
        assert (a.row_off, a.col_off) == (b.row_off, b.col_off)
        rows, cols = a.loss_db.shape
        r0, c0 = a.row_off + site.offset[0], a.col_off + site.offset[1]
        cls = codes[r0:r0 + rows, c0:c0 + cols]
        forest = float(terminal_clutter_loss(f / 1000, 1.5, 15.0, False)) + extra
        diff = (b.loss_db - a.loss_db)[np.isfinite(a.loss_db)]
        want = np.where(cls == 1, forest, 0.0)[np.isfinite(a.loss_db)]
        np.testing.assert_allclose(diff, want, atol=0.02)  # the cache's 0.01 dB steps


def test_loss_key_changes_with_land_cover_only_when_present():
    cov = CoverageSettings(radius_km=1.0)
    job = _job(X0 + 1200, Y0 - 1200)
    bare = mini_terrain()
    key = site_loss_key(site_terrain(bare, job, cov), job, cov)
    codes = west_forest().astype(np.int16)
    clutter = np.where(codes == 10, 15.0, 0.0).astype(np.float32)
    lc = dataclasses.replace(bare, landcover=codes, clutter_m=clutter,
                             landcover_classes=WORLDCOVER)
    key_lc = site_loss_key(site_terrain(lc, job, cov), job, cov)
    assert key_lc != key
    other = dataclasses.replace(lc, clutter_m=clutter * 2)
    assert site_loss_key(site_terrain(other, job, cov), job, cov) != key_lc
    table2 = LandCoverTable((dataclasses.replace(WORLDCOVER.classes[0], category="dense urban"),
                             *WORLDCOVER.classes[1:]))
    renamed = dataclasses.replace(lc, landcover_classes=table2)
    assert site_loss_key(site_terrain(renamed, job, cov), job, cov) != key_lc
    p2108 = dataclasses.replace(cov, terminal_clutter="p2108")
    assert site_loss_key(site_terrain(lc, job, p2108), job, p2108) != key_lc
    assert site_loss_key(site_terrain(bare, job, p2108), job, p2108) == key
    # no land cover: the key of a terrain without the layers, as before #13
    assert site_loss_key(site_terrain(dataclasses.replace(lc, landcover=None, clutter_m=None,
                                                          landcover_classes=None), job, cov),
                         job, cov) == key


# --- siting and tiles --------------------------------------------------------------------------

def test_siting_screening_grid_carries_coarsened_land_cover():
    from netcover.siting.matrix import _coarse_landcover

    codes = np.full((N, N), 40, dtype=np.int16)
    codes[:, :10] = 10  # three 30 m columns... of every 100 m cell in the first 300 m: forest
    codes[:, 10] = 10
    clutter = np.where(codes == 10, 15.0, 0.0).astype(np.float32)
    t = dataclasses.replace(mini_terrain(), landcover=codes, clutter_m=clutter,
                            landcover_classes=WORLDCOVER)
    like = Affine(120.0, 0, X0, 0, -120.0, Y0)  # 4 x 4 DEM cells per screening cell
    layers = _coarse_landcover(t, like, (N // 4, N // 4), LossCache(None))
    assert layers["landcover"].dtype == np.int16
    np.testing.assert_array_equal(layers["landcover"][:, :2], 10)
    np.testing.assert_array_equal(layers["landcover"][:, 2], 10)  # 3 of 4 columns forest
    np.testing.assert_array_equal(layers["landcover"][:, 3:], 40)
    np.testing.assert_allclose(layers["clutter_m"][:, 2], 15.0 * 3 / 4)  # mean height
    assert _coarse_landcover(mini_terrain(), like, (N // 4, N // 4), LossCache(None)) == {}


def test_tiles_read_the_land_cover_of_the_whole_grid(tmp_path):
    from netcover.data.window import DemSource, Window

    from .conftest import write_dem

    dem_path = write_dem(tmp_path / "dem.tif", ridge_heights())
    rng = np.random.default_rng(3)
    fine = rng.choice(np.array([10, 30, 40], dtype=np.uint8), size=(N * 3, N * 3))
    lc_path = write_classes(tmp_path / "lc.tif", fine, Affine(10, 0, X0, 0, -10, Y0))
    terrain, _ = read_dem(dem_path)
    whole, _ = with_landcover(terrain, lc_path, None)
    src = DemSource.open(dem_path).with_landcover(lc_path, None)
    tile = src.terrain(Window(17, 23, 30, 41))
    assert whole.landcover is not None and tile.landcover is not None
    np.testing.assert_array_equal(tile.landcover, whole.landcover[17:47, 23:64])
    np.testing.assert_array_equal(tile.clutter_m, whole.clutter_m[17:47, 23:64])


def test_sample_loads_its_land_cover():
    scenario = load_scenario(SAMPLE / "scenario.toml")
    assert scenario.inputs.landcover == SAMPLE / "landcover.tif"
    terrain, _ = read_dem(SAMPLE / "dem.tif")
    t, problems = with_landcover(terrain, SAMPLE / "landcover.tif", None)
    assert problems == []
    assert t.landcover is not None and t.clutter_m is not None
    with rasterio.open(SAMPLE / "landcover.tif") as src:
        np.testing.assert_array_equal(t.landcover, src.read(1))  # same grid as the DEM
    assert set(np.unique(t.landcover).tolist()) == {10, 20, 30, 40, 50, 80}
    assert 0.4 < float((t.landcover == 10).mean()) < 0.7


@pytest.mark.parametrize("terminal", ["auto", "p2108"])
def test_forest_strip_raises_the_loss_as_the_per_profile_model_says(terminal):
    """Engine (:func:`grid_loss` on a Terrain with land cover) against
    :func:`p1812_profile_loss` with ``r_m`` on the engine's own profile of each cell, plus the
    P.2108 terminal loss where the receiver stands in the forest when ``terminal_clutter`` is
    "p2108" ("auto" leaves it out: the forest around the receiver is in the profile): behind a
    15 m forest strip the loss rises, exactly as the per-profile model says."""
    from netcover.coverage.losses import grid_loss
    from netcover.radio.p1812 import p1812_profile_loss

    from .area_profiles import engine_profile

    n = 61
    dem = np.full((n, n), 300.0, dtype=np.float32) + np.linspace(0, 6, n, dtype=np.float32)[None]
    codes = np.full((n, n), 40, dtype=np.int16)
    codes[:, 38:44] = 10  # forest strip 8-13 cells east of the site
    t = Terrain(dem, GRID, ProjCRS.from_user_input(CRS))
    wooded = dataclasses.replace(t, landcover=codes, landcover_classes=WORLDCOVER,
                                 clutter_m=np.where(codes == 10, 15.0, 0.0).astype(np.float32))
    cov = CoverageSettings(radius_km=0.9, terminal_clutter=terminal)
    site = (X0 + 30.5 * CELL, Y0 - 30.5 * CELL)
    job = LossJob("S1", *site, 25.0, 1800.0, (0,))
    bare = grid_loss(t, job, cov, LossCache(None), [])
    wood = grid_loss(wooded, job, cov, LossCache(None), [])
    r = 30 - wood.row_off
    behind = [c for c in range(44, 58)]
    checked = 0
    for c in [*behind, *range(38, 44), *range(32, 37)]:
        got = float(wood.loss_db[r, c - wood.col_off])
        d_km, h_m, r_m = engine_profile(dem, (X0, Y0), CELL, site, 900.0, 30, c,
                                        wooded.clutter_m)
        ref = p1812_profile_loss(d_km, h_m, 25.0, 1.5, 1.8, r_m=r_m)["Lb_noduct"]
        if codes[30, c] == 10 and terminal == "p2108":
            ref += float(terminal_clutter_loss(1.8, 1.5, 15.0, False))
        assert got == pytest.approx(ref, abs=0.006), c  # the loss cache's 0.01 dB steps
        checked += 1
    assert checked == len(behind) + 11
    assert np.all(wood.loss_db[r, [c - wood.col_off for c in behind]]
                  > bare.loss_db[r, [c - bare.col_off for c in behind]] + 3.0)


def test_open_ground_land_cover_gives_the_bare_loss():
    """Cropland everywhere (R = 0 m, open/rural: no profile clutter, no terminal loss): the very
    loss of the terrain without land cover, for every model."""
    from netcover.coverage.losses import grid_loss

    t = mini_terrain()
    codes = np.full((N, N), 40, dtype=np.int16)
    open_ground = dataclasses.replace(t, landcover=codes, landcover_classes=WORLDCOVER,
                                      clutter_m=np.zeros((N, N), dtype=np.float32))
    job = _job(X0 + 600, Y0 - 1200, 1800.0)
    for model in ("p1812", "hata", "fspl"):
        for terminal in ("auto", "p2108"):
            cov = CoverageSettings(radius_km=1.5, model=model, terminal_clutter=terminal)
            a = grid_loss(t, job, cov, LossCache(None), [])
            b = grid_loss(open_ground, job, cov, LossCache(None), [])
            np.testing.assert_array_equal(a.loss_db, b.loss_db)


def test_scenario_keys():
    from netcover.config.scenario import scenario_from_dict

    sc = scenario_from_dict({"inputs": {"landcover": "lc.tif", "landcover_table": "c.csv"},
                             "coverage": {"terminal_clutter": "p2108"}})
    assert sc.inputs.landcover is not None and sc.inputs.landcover.name == "lc.tif"
    assert sc.coverage.terminal_clutter == "p2108"
    assert scenario_from_dict({}).coverage.terminal_clutter == "auto"
    with pytest.raises(ScenarioError, match="terminal_clutter"):
        scenario_from_dict({"coverage": {"terminal_clutter": "always"}})
