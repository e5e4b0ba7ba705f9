"""The synthetic province of the large-area benchmark (benchmarks/province.py), at a tiny size."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from netcover.config.scenario import load_scenario
from netcover.data.sites import read_sites

REPO = Path(__file__).resolve().parent.parent

AREA_KM2, N_SITES, CELL_M = 20.0, 5, 30.0


def _make_province() -> Callable[..., Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from province import make_province  # a script folder, not a package
    finally:
        sys.path.pop(0)
    return make_province


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("province")
    _make_province()(folder, area_km2=AREA_KM2, n_sites=N_SITES, cell_m=CELL_M, radius_km=3.0)
    return folder


def test_dem_is_a_utm_grid_of_believable_heights(province: Path) -> None:
    with rasterio.open(province / "dem.tif") as src:
        heights = src.read(1)
        assert src.crs.to_epsg() == 32648
        assert src.res == (CELL_M, CELL_M)
        assert src.transform.b == src.transform.d == 0.0 and src.transform.e < 0
        assert src.block_shapes == [(256, 256)]
        assert src.dtypes == ("float32",)
        assert src.compression is not None and src.compression.value == "DEFLATE"
        centre = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(
            (src.bounds.left + src.bounds.right) / 2, (src.bounds.bottom + src.bounds.top) / 2)
    side = round(np.sqrt(AREA_KM2) * 1000.0 / CELL_M)
    assert heights.shape == (side, side)
    assert np.isfinite(heights).all()
    assert heights.min() >= 100.0 and heights.max() <= 2000.0
    assert heights.std() > 5.0  # relief, not a plane
    assert abs(centre[0] - 105.0) < 0.01 and abs(centre[1] - 22.3) < 0.01


def test_sites_load_and_fall_inside_the_dem(province: Path) -> None:
    cells, problems = read_sites(province / "sites.csv")
    assert cells is not None and not [p for p in problems if p.severity == "error"]
    assert cells["site_id"].nunique() == N_SITES and len(cells) == 3 * N_SITES
    assert set(cells["azimuth_deg"]) == {0.0, 120.0, 240.0}
    assert set(cells["frequency_mhz"]) == {1800.0} and set(cells["technology"]) == {"4G"}
    assert cells["height_m"].between(25.0, 45.0).all()
    assert (cells.groupby("site_id")["height_m"].nunique() == 1).all()  # one loss job per site
    utm = cells.to_crs("EPSG:32648")
    with rasterio.open(province / "dem.tif") as src:
        b = src.bounds
    x, y = utm.geometry.x.to_numpy(), utm.geometry.y.to_numpy()
    assert ((x > b.left) & (x < b.right) & (y > b.bottom) & (y < b.top)).all()


def test_scenario_names_the_files_and_a_cache_inside_the_folder(province: Path) -> None:
    scenario = load_scenario(province / "scenario.toml")
    assert scenario.inputs.dem == province / "dem.tif"
    assert scenario.inputs.sites == province / "sites.csv"
    assert scenario.coverage.radius_km == 3.0
    assert scenario.coverage.cache_dir == province / "cache"
    assert scenario.execution.tile_size == 1024


def test_same_seed_same_bytes_other_seed_other_dem(province: Path, tmp_path: Path) -> None:
    make = _make_province()
    make(tmp_path / "again", area_km2=AREA_KM2, n_sites=N_SITES, cell_m=CELL_M, radius_km=3.0)
    for name in ("dem.tif", "sites.csv", "scenario.toml"):
        assert (tmp_path / "again" / name).read_bytes() == (province / name).read_bytes(), name
    make(tmp_path / "other", area_km2=AREA_KM2, n_sites=N_SITES, cell_m=CELL_M, radius_km=3.0,
         seed=9)
    assert (tmp_path / "other" / "dem.tif").read_bytes() != (province / "dem.tif").read_bytes()
