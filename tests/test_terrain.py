"""DEM loading: CRS handling, warping to UTM, SRTM .hgt, nodata holes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st

from netcover.errors import CRSError, DataFileError, ValidationError
from netcover.terrain import fill_holes, read_dem, utm_crs_for

from .conftest import CELL, X0, Y0, ridge_heights, write_dem


def test_utm_geotiff_is_read_as_is(tmp_path: Path) -> None:
    path = write_dem(tmp_path / "dem.tif", ridge_heights())
    terrain, warnings = read_dem(path)
    assert warnings == []
    assert terrain.crs.to_epsg() == 32648
    assert terrain.cell_size == CELL
    assert terrain.origin_xy == (X0, Y0)
    np.testing.assert_array_equal(terrain.heights, ridge_heights().astype("float32"))


def test_geographic_dem_is_warped_to_its_utm_zone(tmp_path: Path) -> None:
    heights = np.full((120, 120), 800.0)
    heights[:, 60:] = 1200.0  # a step at 105.0 E
    transform = Affine(1 / 1200, 0, 104.95, 0, -1 / 1200, 23.10)  # 3 arc-seconds
    path = write_dem(tmp_path / "geo.tif", heights, transform=transform, crs="EPSG:4326")
    terrain, _ = read_dem(path)
    assert terrain.crs.to_epsg() == 32648  # 105 E, 23 N is UTM 48N
    assert 80 <= terrain.cell_size <= 95  # 3" of longitude at 23 N is ~85 m
    assert np.isfinite(terrain.heights).all()
    assert 790 <= terrain.heights.min() and terrain.heights.max() <= 1210
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", terrain.crs, always_xy=True).transform(104.97, 23.05)
    assert terrain.sample(np.array([x]), np.array([y]))[0] == pytest.approx(800, abs=1)


def test_scenario_crs_overrides_auto(tmp_path: Path) -> None:
    path = write_dem(tmp_path / "dem.tif", ridge_heights())
    terrain, _ = read_dem(path, crs_setting="EPSG:3405")  # VN-2000 / UTM 48N
    assert terrain.crs.to_epsg() == 3405
    with pytest.raises(CRSError, match="not a projected CRS in metres"):
        read_dem(path, crs_setting="EPSG:4326")


def test_srtm_hgt_tile(tmp_path: Path) -> None:
    n = 1201  # SRTM3: 3 arc-seconds, big-endian int16, named by its south-west corner
    lat = np.linspace(24, 23, n)[:, None]
    lon = np.linspace(104, 105, n)[None, :]
    heights = (500 + 1000 * (lat - 23) + 200 * (lon - 104)).astype(">i2")
    path = tmp_path / "N23E104.hgt"
    heights.tofile(path)
    terrain, _ = read_dem(path)
    assert terrain.crs.to_epsg() == 32648
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", terrain.crs, always_xy=True).transform(104.5, 23.5)
    assert terrain.sample(np.array([x]), np.array([y]))[0] == pytest.approx(1100, abs=3)


def test_missing_crs_is_an_error(tmp_path: Path) -> None:
    path = write_dem(tmp_path / "nocrs.tif", ridge_heights(), crs=None)
    with pytest.raises(CRSError, match=r"nocrs\.tif: the DEM has no CRS; assign one"):
        read_dem(path)


def test_holes_are_filled_with_a_warning(tmp_path: Path) -> None:
    heights = ridge_heights()
    heights[10:13, 10:13] = -9999.0
    terrain, warnings = read_dem(write_dem(tmp_path / "dem.tif", heights))
    assert terrain.filled_cells == 9
    assert len(warnings) == 1 and "filled 9 nodata cells" in str(warnings[0])
    assert warnings[0].severity == "warning"
    assert np.allclose(terrain.heights[10:13, 10:13], 1000.0, atol=1.0)


def test_too_many_holes_is_an_error(tmp_path: Path) -> None:
    heights = ridge_heights()
    heights[:20, :] = -9999.0
    with pytest.raises(ValidationError, match=r"25\.0% of the DEM is nodata"):
        read_dem(write_dem(tmp_path / "dem.tif", heights), max_nodata_share=0.05)


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    with pytest.raises(DataFileError, match="empty"):
        read_dem(empty)
    junk = tmp_path / "junk.tif"
    junk.write_text("not a raster")
    with pytest.raises(DataFileError, match="cannot read the DEM"):
        read_dem(junk)
    with pytest.raises(DataFileError, match="not found"):
        read_dem(tmp_path / "missing.tif")


def test_fill_holes_keeps_valid_cells() -> None:
    rng = np.random.default_rng(2841)
    heights = rng.uniform(300, 1900, (30, 30)).astype("float32")
    holed = heights.copy()
    holed[rng.uniform(size=heights.shape) < 0.1] = np.nan
    filled = fill_holes(holed)
    valid = np.isfinite(holed)
    np.testing.assert_array_equal(filled[valid], heights[valid])
    assert np.isfinite(filled).all()
    assert filled.min() >= 300 and filled.max() <= 1900


@given(st.floats(-179.9, 179.9), st.floats(-79.9, 83.9))
def test_utm_zone_contains_the_point(lon: float, lat: float) -> None:
    crs = utm_crs_for(lon, lat)
    zone = crs.to_epsg() % 100
    west = -180 + (zone - 1) * 6
    assert west - 1e-9 <= lon < west + 6 + 1e-9
    assert (crs.to_epsg() // 100 == 326) == (lat >= 0)


def test_terrain_sample_round_trip(tmp_path: Path) -> None:
    terrain, _ = read_dem(write_dem(tmp_path / "dem.tif", ridge_heights()))
    rows, cols = np.array([5, 40, 79]), np.array([0, 40, 79])
    x = X0 + (cols + 0.5) * CELL
    y = Y0 - (rows + 0.5) * CELL
    np.testing.assert_allclose(terrain.sample(x, y), terrain.heights[rows, cols], rtol=1e-6)
    assert np.isnan(terrain.sample(np.array([X0 - 10]), np.array([Y0 - 10])))[0]
