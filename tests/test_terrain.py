"""DEM loading: CRS handling, warping to UTM, SRTM .hgt, nodata holes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st

from netcover.data.terrain import fill_holes, read_dem, utm_crs_for
from netcover.errors import CRSError, DataFileError, ValidationError

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


def _raster(path: Path, bands: np.ndarray, *, dtype: str, nodata: float | None = None,
            driver: str = "GTiff", cell: float = CELL) -> Path:
    """Write (bands, rows, cols) values on the mini district's grid."""
    import rasterio

    profile = {"driver": driver, "height": bands.shape[1], "width": bands.shape[2],
               "count": bands.shape[0], "dtype": dtype, "crs": "EPSG:32648",
               "transform": Affine(cell, 0, X0, 0, -cell, Y0)}
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands.astype(dtype))
    return path


def _picture(n: int = 80) -> np.ndarray:
    """A greyscale rendering of the ridge: 0 (black) to 255 (white)."""
    h = ridge_heights(n)
    return np.round(255 * (h - h.min()) / (h.max() - h.min()))


@pytest.mark.parametrize(("name", "bands", "dtype", "driver", "why"), [
    ("rgb.tif", 3, "uint8", "GTiff", "3 bands of uint8"),
    ("map.png", 3, "uint8", "PNG", "3 bands"),
    ("grey.png", 1, "uint8", "PNG", "PNG image"),
    ("grey.tif", 1, "uint8", "GTiff", "8-bit values reaching 255"),
    ("grey16.tif", 1, "int16", "GTiff", "8-bit image stored as int16"),
])
def test_an_image_is_not_a_dem(tmp_path: Path, name: str, bands: int, dtype: str, driver: str,
                               why: str) -> None:
    """A rendered map or a three-band PNG is refused with the reason and the fix (issue 12)."""
    path = _raster(tmp_path / name, np.stack([_picture()] * bands), dtype=dtype, driver=driver)
    with pytest.raises(ValidationError, match="not a DEM") as info:
        read_dem(path)
    assert why in info.value.report() and "Int16 or Float32 GeoTIFF" in info.value.report()


def test_a_low_flat_area_in_8_bits_is_read_with_a_warning(tmp_path: Path) -> None:
    delta = 2.0 + 10.0 * np.random.default_rng(4).random((1, 80, 80))  # 2-12 m, a river delta
    terrain, warnings = read_dem(_raster(tmp_path / "delta.tif", delta, dtype="uint8"))
    assert terrain.heights.max() <= 12
    assert any("8-bit" in p.message and p.severity == "warning" for p in warnings)


def test_srtm_voids_and_float_spikes_are_nodata(tmp_path: Path) -> None:
    """-32768 without a nodata tag and 3.4e38 spikes are holes, filled with a warning (issue 17)."""
    h = ridge_heights()
    voids = h.copy()
    voids[5:8, 5:8] = -32768
    terrain, warnings = read_dem(_raster(tmp_path / "srtm.tif", voids[None], dtype="int16"))
    assert terrain.filled_cells == 9 and terrain.heights.min() >= 999
    assert any("SRTM void" in p.message and "-a_nodata -32768" in p.message for p in warnings)
    spikes = h.copy()
    spikes[40, 40] = np.finfo("float32").max
    spikes[41, 41] = -np.finfo("float32").max
    terrain, warnings = read_dem(_raster(tmp_path / "spike.tif", spikes[None], dtype="float32"))
    assert terrain.filled_cells == 2 and terrain.heights.max() <= 1151
    assert any("float maximum" in p.message for p in warnings)


def test_heights_no_dem_holds_are_refused(tmp_path: Path) -> None:
    h = ridge_heights()
    h[0, :3] = -9999.0  # a nodata value without its tag
    with pytest.raises(ValidationError, match=r"3 cells hold values outside -500\.\.9000 m") as info:
        read_dem(_raster(tmp_path / "dem.tif", h[None], dtype="float32"))
    assert "-a_nodata" in info.value.report() and "feet" in info.value.report()


def test_a_coarse_dem_is_warned_about_and_noted(tmp_path: Path) -> None:
    from netcover.data.terrain import dem_notes

    coarse = ridge_heights(10)[None]
    terrain, warnings = read_dem(_raster(tmp_path / "dem.tif", coarse, dtype="float32",
                                         cell=2400.0))
    assert any("coarser than 100 m" in p.message and "optimistic" in p.message for p in warnings)
    notes = dem_notes(terrain)
    assert [(n.code, dict(n.params)) for n in notes] == [("coarse_dem", {"cell_m": 2400})]
    fine, warnings = read_dem(write_dem(tmp_path / "fine.tif", ridge_heights()))
    assert dem_notes(fine) == [] and warnings == []


def test_only_the_window_around_the_area_is_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A DEM much larger than the sites plus the radius: only that window is read (issue 19)."""
    import rasterio
    from pyproj import Transformer

    n = 2000  # 60 km of 30 m cells
    rng = np.random.default_rng(19)
    big = (800 + 300 * rng.random((n // 50, n // 50))).repeat(50, 0).repeat(50, 1)
    path = _raster(tmp_path / "tile.tif", big[None], dtype="int16", nodata=-32768)
    whole, _ = read_dem(path)
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    x, y = X0 + 6_000.0, Y0 - 9_000.0  # a site in the north-west
    lon, lat = to_ll.transform(x, y)
    reads: list[object] = []
    original = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        reads.append(kwargs.get("window"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    part, warnings = read_dem(path, area=(lon, lat, lon, lat), radius_m=5_000.0)
    assert len(reads) == 1 and reads[0] is not None
    assert reads[0].width * reads[0].height < n * n / 15  # type: ignore[attr-defined]
    assert any("of the DEM's 2000 x 2000 cells" in p.message for p in warnings)
    left, bottom, right, top = part.bounds
    assert left <= max(x - 7_000, X0) and right >= x + 7_000 and bottom <= y - 7_000 and top >= y + 7_000
    r0, c0 = round((Y0 - top) / CELL), round((left - X0) / CELL)
    rows, cols = part.shape
    np.testing.assert_array_equal(part.heights, whole.heights[r0:r0 + rows, c0:c0 + cols])
    reads.clear()
    again, _ = read_dem(path, area=(lon - 0.3, lat - 0.3, lon + 0.3, lat + 0.3), radius_m=5_000.0)
    assert reads == [None] and again.shape == whole.shape  # not much smaller: read whole, as before
