"""The public API (``import netcover as nc``): objects and files give the same results, the same
checks refuse bad objects with netcover errors, and the outputs carry their CRS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr

import netcover as nc
from netcover.errors import CRSError, NetcoverError, ValidationError

from .conftest import CELL, CRS, X0, Y0, N, ridge_heights, site_rows, write_dem, write_mini_district


def dem_array(heights: np.ndarray | None = None, *, crs: str | None = CRS) -> xr.DataArray:
    """The mini district's DEM as a DataArray of cell centres (a ``crs`` attribute)."""
    h = ridge_heights() if heights is None else heights
    rows, cols = h.shape
    x = X0 + CELL * (np.arange(cols) + 0.5)
    y = Y0 - CELL * (np.arange(rows) + 0.5)
    return xr.DataArray(h, coords={"y": y, "x": x}, dims=("y", "x"),
                        attrs={"crs": crs} if crs else {})


def site_frame(rows: list[dict[str, object]] | None = None) -> gpd.GeoDataFrame:
    """The mini district's cells as a GeoDataFrame in the working CRS, without lon/lat."""
    df = pd.DataFrame(rows if rows is not None else site_rows())
    gdf = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]),
                           geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    return gdf.to_crs(CRS)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return write_mini_district(tmp_path / "mini").parent


def test_import_netcover_is_cheap_and_lists_the_api() -> None:
    code = ("import sys, netcover; heavy = [m for m in ('numpy', 'pandas', 'geopandas', 'numba', "
            "'rasterio', 'xarray') if m in sys.modules]; print(heavy, 'compute_coverage' in "
            "dir(netcover), sorted(netcover.__all__) == sorted(set(netcover.__all__)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert out.stdout.split() == ["[]", "True", "True"]
    for name in ("read_dem", "read_sites", "compute_coverage", "plan_sites", "evaluate",
                 "plan_links", "load_scenario", "run"):
        assert name in nc.__all__ and callable(getattr(nc, name))
    with pytest.raises(AttributeError):
        _ = nc.no_such_function


def test_compute_coverage_stays_a_function_once_the_subpackage_is_imported() -> None:
    import netcover.coverage.engine  # noqa: F401  (binds netcover.coverage, the subpackage)

    assert callable(nc.compute_coverage)


def test_objects_and_files_give_the_same_coverage(mini: Path) -> None:
    files = nc.compute_coverage(mini / "sites.csv", mini / "dem.tif", radius_km=2)
    objects = nc.compute_coverage(site_frame(), dem_array(), radius_km=2)
    assert files.crs == objects.crs and files.transform == objects.transform
    assert files.classes.any()
    np.testing.assert_array_equal(files.classes, objects.classes)
    for tech, layers in files.result.technologies.items():
        np.testing.assert_array_equal(layers.level_dbm, objects.result.technologies[tech].level_dbm)
    with rasterio.open(mini / "dem.tif") as src:  # a rasterio dataset gives the same again
        dataset = nc.compute_coverage(site_frame(), src, radius_km=2)
    np.testing.assert_array_equal(dataset.classes, files.classes)


def test_scenario_gives_the_same_coverage_as_its_files(mini: Path) -> None:
    from_scenario = nc.compute_coverage(nc.load_scenario(mini / "scenario.toml"))
    from_files = nc.compute_coverage(mini / "sites.csv", mini / "dem.tif", radius_km=2)
    np.testing.assert_array_equal(from_scenario.classes, from_files.classes)
    assert from_scenario.by_unit()["people"].sum() == pytest.approx(500)


def test_a_lon_lat_dataarray_dem_is_warped_like_a_file(tmp_path: Path) -> None:
    lon = 105.0 + 0.0003 * (np.arange(90) + 0.5)
    lat = 23.13 - 0.0003 * (np.arange(90) + 0.5)
    heights = np.full((90, 90), 700.0)
    da = xr.DataArray(heights, coords={"lat": lat, "lon": lon}, dims=("lat", "lon"))
    from rasterio.transform import from_origin

    path = write_dem(tmp_path / "ll.tif", heights, transform=from_origin(105.0, 23.13, 0.0003, 0.0003),
                     crs="EPSG:4326")
    from_file, from_array = nc.read_dem(path), nc.read_dem(da, crs="EPSG:4326")
    assert from_array.crs == from_file.crs and from_array.transform == from_file.transform
    np.testing.assert_array_equal(from_array.heights, from_file.heights)
    assert from_file.source == path and from_array.source is None


def test_a_dataarray_without_a_crs_is_refused_with_the_fix() -> None:
    with pytest.raises(CRSError, match=r"has no CRS; give crs="):
        nc.read_dem(dem_array(crs=None))
    assert nc.read_dem(dem_array(crs=None), crs=CRS).crs.to_epsg() == 32648


def test_bad_dataarray_dems_get_the_file_checks() -> None:
    heights = ridge_heights()
    heights[:40] = np.nan  # half the DEM: far above max_nodata_share
    with pytest.raises(ValidationError, match="nodata") as info:
        nc.read_dem(dem_array(heights))
    assert info.value.problems[0].source == "<DataArray>"  # not a temporary file
    with pytest.raises(ValidationError, match=r"not a DEM|outside"):
        nc.read_dem(dem_array(np.full((N, N), 20_000.0)))


def test_technology_spellings_are_accepted_and_stored_canonical() -> None:
    rows = site_rows()
    for row, tech in zip(rows, ["LTE", "lte", "4g", "WCDMA"], strict=False):
        row["technology"] = tech
    rows[3]["bandwidth_mhz"] = 5
    cells = nc.read_sites(site_frame(rows))
    assert list(cells["technology"]) == ["4G", "4G", "4G", "3G"]


def test_empty_or_nan_pattern_file_means_no_pattern() -> None:
    frame = site_frame()
    frame["pattern_file"] = [np.nan, "", None, "nan"]
    cells = nc.read_sites(frame)
    assert list(cells["pattern_file"]) == ["", "", "", ""]
    cov = nc.compute_coverage(frame, dem_array(), radius_km=2)  # crashed with FileNotFoundError
    assert cov.classes.any()


def test_no_sites_is_a_netcover_error_not_an_assertion() -> None:
    empty = site_frame().iloc[:0]
    with pytest.raises(ValidationError, match="no rows"):
        nc.compute_coverage(empty, dem_array(), radius_km=2)
    with pytest.raises(ValidationError, match="required column"):
        nc.read_sites(gpd.GeoDataFrame(geometry=[], crs=CRS))


def test_object_sites_get_the_row_checks_of_a_file(tmp_path: Path) -> None:
    rows = site_rows()
    rows[1]["technology"] = "6G"
    rows[2]["height_m"] = -3
    with pytest.raises(ValidationError) as from_object:
        nc.read_sites(site_frame(rows))
    path = tmp_path / "sites.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(ValidationError) as from_file:
        nc.read_sites(path)
    def strip(problems: list) -> list:
        return [(p.where, p.field, p.message) for p in problems]
    assert strip(from_object.value.problems) == strip(from_file.value.problems)
    assert {p.field for p in from_object.value.problems} == {"technology", "height_m"}
    off = site_frame()
    off["geometry"] = off.geometry.translate(50_000, 0)
    with pytest.raises(ValidationError, match=r"outside|off"):
        nc.compute_coverage(off, dem_array(), radius_km=2)
    with pytest.raises(NetcoverError):
        nc.compute_coverage(site_frame().set_crs(None, allow_override=True), dem_array())


def test_to_xarray_has_the_crs_and_the_cell_centres_of_the_geotiffs(tmp_path: Path) -> None:
    cov = nc.compute_coverage(site_frame(), dem_array(), radius_km=2)
    ds = cov.to_xarray()
    files = cov.write(tmp_path / "coverage")
    assert tmp_path / "coverage" / "class.tif" in files
    with rasterio.open(tmp_path / "coverage" / "class.tif") as src:
        assert src.crs.to_epsg() == 32648
        np.testing.assert_array_equal(src.read(1), ds["class"].to_numpy())
        cols, rows = np.arange(src.width), np.arange(src.height)
        xs = [src.xy(0, c)[0] for c in cols]
        ys = [src.xy(r, 0)[1] for r in rows]
    np.testing.assert_allclose(ds.x, xs)
    np.testing.assert_allclose(ds.y, ys)
    ref = ds["spatial_ref"].attrs
    from pyproj import CRS as ProjCRS

    assert ProjCRS.from_wkt(ref["crs_wkt"]).to_epsg() == 32648
    assert ProjCRS.from_wkt(ref["spatial_ref"]).to_epsg() == 32648
    assert [float(v) for v in ref["GeoTransform"].split()] == [X0, CELL, 0.0, Y0, 0.0, -CELL]
    assert all(ds[v].attrs["grid_mapping"] == "spatial_ref" for v in ds.data_vars)
    assert {"class", "class_viettel", "signal_4G", "sinr_4G", "loss_min"} <= set(ds.data_vars)


def test_a_to_xarray_layer_reads_back_with_its_crs_and_grid() -> None:
    cov = nc.compute_coverage(site_frame(), dem_array(), radius_km=2)
    ds = cov.to_xarray()
    again = nc.read_dem(ds["loss_min"].fillna(0.0) * 0 + 100.0)  # its CRS is found in spatial_ref
    assert again.crs == cov.crs and again.transform == cov.transform


def test_write_files_open_with_rasterio_and_carry_the_crs(mini: Path, tmp_path: Path) -> None:
    cov = nc.compute_coverage(nc.load_scenario(mini / "scenario.toml"))
    files = cov.write(tmp_path / "out")
    names = {p.name for p in files}
    assert {"class.tif", "cells.csv", "coverage_by_unit.csv", "coverage.gpkg"} <= names
    for p in files:
        assert p.is_file()
        if p.suffix == ".tif":
            with rasterio.open(p) as src:
                assert src.crs is not None and src.crs.to_epsg() == 32648


def test_by_unit_adds_up_to_the_population(mini: Path) -> None:
    cov = nc.compute_coverage(site_frame(), dem_array(), radius_km=2,
                              population=mini / "population.tif")
    units = gpd.read_file(mini / "communes.gpkg").to_crs("EPSG:4326")  # any CRS
    table = cov.by_unit(units)
    assert list(table["code"]) == ["001", "002"]
    assert table["people"].sum() == pytest.approx(500)
    by_class = table.filter(regex="^all_people_").sum(axis=1)
    np.testing.assert_allclose(by_class, table["people"])
    np.testing.assert_allclose(table.filter(regex="^Viettel_people_").sum(axis=1), table["people"])
    same = nc.compute_coverage(nc.load_scenario(mini / "scenario.toml")).by_unit()
    np.testing.assert_allclose(same["all_people_good"], table["all_people_good"])


def test_settings_are_checked_as_in_a_scenario_file() -> None:
    with pytest.raises(NetcoverError, match="model"):
        nc.compute_coverage(site_frame(), dem_array(), model="okumura")
    cov = nc.compute_coverage(site_frame(), dem_array(), radius_km=1.5, model="fspl",
                              settings={"coverage": {"rx_height_m": 2.0}})
    sc = cov.inputs.scenario
    assert (sc.coverage.radius_km, sc.coverage.model, sc.coverage.rx_height_m) == (1.5, "fspl", 2.0)


def test_by_unit_spreads_census_totals_without_a_population() -> None:
    """Units with census totals and no population raster: people by class per unit add up to the
    census, as ``netcover run`` counts them; without either, an error says what to give."""
    import geopandas as gpd
    from shapely.geometry import box

    from netcover.data.examples import example_dem, example_sites

    cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
    halves = gpd.GeoDataFrame(
        {"name": ["west", "east"], "population": [900.0, 600.0]},
        geometry=[box(500_000, 2_557_000, 501_500, 2_560_000), box(501_500, 2_557_000, 503_000, 2_560_000)],
        crs="EPSG:32648")
    table = cov.by_unit(halves)
    by_class = table.filter(regex="^all_people_").sum(axis=1).to_numpy()
    assert by_class == pytest.approx([900.0, 600.0], rel=1e-4)
    with pytest.raises(ValueError, match="census="):
        cov.by_unit(halves.drop(columns="population"))


def test_summary_says_what_it_assumes() -> None:
    from netcover.data.examples import example_dem, example_sites

    figures = nc.compute_coverage(example_sites(), example_dem(), radius_km=2, model="hata").summary()
    assert "Hata" in str(figures["assumes"]) and "50% of locations" in str(figures["assumes"])


def test_land_cover_given_as_a_file_matches_the_scenario_with_it(mini: Path) -> None:
    from .test_landcover import GRID, west_forest, write_classes

    write_classes(mini / "lc.tif", west_forest(), GRID)
    text = (mini / "scenario.toml").read_text()
    (mini / "scenario.toml").write_text(text.replace('network = "network.gpkg"\n',
                                                     'network = "network.gpkg"\nlandcover = "lc.tif"\n'))
    scenario = nc.compute_coverage(nc.load_scenario(mini / "scenario.toml"))
    objects = nc.compute_coverage(site_frame(), dem_array(), radius_km=2, landcover=mini / "lc.tif")
    bare = nc.compute_coverage(site_frame(), dem_array(), radius_km=2)
    for tech, layers in objects.result.technologies.items():
        level = layers.level_dbm
        np.testing.assert_array_equal(level, scenario.result.technologies[tech].level_dbm)
        assert np.nanmean(level) < np.nanmean(bare.result.technologies[tech].level_dbm)
    assert objects.inputs.terrain.landcover is not None
    assert "lc.tif" in objects.summary()["assumes"]
    with pytest.raises(TypeError, match="landcover_table"):
        nc.compute_coverage(site_frame(), dem_array(), radius_km=2, landcover_table=mini / "x.csv")
    with pytest.raises(TypeError, match="land cover"):
        nc.compute_coverage(nc.load_scenario(mini / "scenario.toml"), landcover=mini / "lc.tif")


def test_links_of_a_coverage_know_the_4g_at_their_terminals(mini: Path) -> None:
    scenario = nc.load_scenario(mini / "scenario.toml")
    cov = nc.compute_coverage(scenario)
    with_cov = nc.plan_links(cov).terminals
    without = nc.plan_links(scenario).terminals
    assert len(with_cov) and with_cov["rsrp_dbm"].notna().any()
    assert without["rsrp_dbm"].isna().all()
