"""Shared fixtures: a miniature district built in code (DEM with a ridge, two sites, two communes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from hypothesis import settings
from shapely.geometry import LineString, Point, box

from netcover.data.sites import SITE_COLUMNS

if TYPE_CHECKING:
    from netcover.core.parallel import DaskExecutor

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "gis_data" / "quan_ba"

CRS = "EPSG:32648"
X0, Y0 = 500_000.0, 2_560_000.0  # upper-left corner, near Quản Bạ
CELL = 30.0
N = 80  # DEM is N x N cells (2.4 km)

# Property tests draw the same examples on every run (tests stay deterministic): a law that fails
# fails every time, not on one CI run in ten.
settings.register_profile("netcover", derandomize=True, print_blob=True)
settings.load_profile("netcover")


def write_dem(path: Path, heights: np.ndarray, *, transform: Affine | None = None,
              crs: str | None = CRS, nodata: float | None = -9999.0) -> Path:
    """Write a float32 GeoTIFF (default: the mini district's grid)."""
    transform = transform or Affine(CELL, 0, X0, 0, -CELL, Y0)
    profile = {"driver": "GTiff", "height": heights.shape[0], "width": heights.shape[1],
               "count": 1, "dtype": "float32", "transform": transform, "nodata": nodata}
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(heights.astype("float32"), 1)
    return path


def ridge_heights(n: int = N) -> np.ndarray:
    """1,000 m plateau with a north-south ridge (1,150 m) through the middle."""
    cols = np.arange(n)
    ridge = 150.0 * np.exp(-(((cols - n / 2) / 3.0) ** 2))
    return np.tile(1000.0 + ridge, (n, 1))


def site_rows() -> list[dict[str, object]]:
    """Two sites, three cells, in lon/lat near the mini DEM's west and east thirds."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    rows = []
    for sid, (x, y), cells in (("S1", (X0 + 600, Y0 - 1200), [0, 120, 240]),
                               ("S2", (X0 + 1800, Y0 - 1200), [90])):
        lon, lat = to_ll.transform(x, y)
        for k, az in enumerate(cells):
            rows.append({
                "site_id": sid, "cell_id": f"{sid}-{k + 1}", "operator": "Viettel",
                "technology": "4G", "lon": round(lon, 7), "lat": round(lat, 7), "height_m": 30,
                "azimuth_deg": az, "mech_tilt_deg": 2, "elec_tilt_deg": 2, "frequency_mhz": 1800,
                "bandwidth_mhz": 10, "tx_power_dbm": 43, "antenna_gain_dbi": 17,
                "h_beamwidth_deg": 65, "v_beamwidth_deg": 8, "pattern_file": "",
            })
    return rows


def write_sites(path: Path, rows: list[dict[str, object]] | None = None) -> Path:
    df = pd.DataFrame(rows if rows is not None else site_rows())
    df.to_csv(path, index=False, columns=[c for c in SITE_COLUMNS if c in df.columns])
    return path


def write_mini_district(folder: Path) -> Path:
    """Write every input of a tiny scenario into ``folder``; return the scenario file."""
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / "dem.tif", ridge_heights())
    write_sites(folder / "sites.csv")
    half = X0 + N * CELL / 2
    west, east = box(X0, Y0 - N * CELL, half, Y0), box(half, Y0 - N * CELL, X0 + N * CELL, Y0)
    gpd.GeoDataFrame({"code": ["001", "002"], "name": ["Tây", "Đông"], "population": [300, 200]},
                     geometry=[west, east], crs=CRS).to_file(folder / "communes.gpkg")
    villages = gpd.GeoDataFrame(
        {"settlement_id": ["001-1", "002-1"], "name": ["Thôn Một", "Bản Hai"],
         "commune_code": ["001", "002"], "population": [300, 200], "households": [60, 40],
         "fibre_households": [30, 0]},
        geometry=[Point(X0 + 500, Y0 - 700), Point(X0 + 2000, Y0 - 1800)], crs=CRS)
    villages.to_file(folder / "settlements.gpkg")
    pop = np.zeros((24, 24), dtype="float32")
    pop[7, 5], pop[18, 20] = 300, 200
    with rasterio.open(folder / "population.tif", "w", driver="GTiff", height=24, width=24,
                       count=1, dtype="float32", crs=CRS, nodata=-1,
                       transform=Affine(100, 0, X0, 0, -100, Y0)) as dst:
        dst.write(pop, 1)
    road = LineString([(X0 + 100, Y0 - 1200), (X0 + 2300, Y0 - 1200)])
    gpd.GeoDataFrame({"road_id": ["R1"], "name": ["QL4C"], "class": ["national"]},
                     geometry=[road], crs=CRS).to_file(folder / "roads.gpkg", layer="roads")
    net = gpd.GeoDataFrame(
        {"point_id": ["P1", "P2"], "name": ["UBND Tây", "UBND Đông"],
         "type": ["commune_office", "commune_office"], "commune_code": ["001", "002"],
         "connection": ["fibre", "none"]},
        geometry=[Point(X0 + 550, Y0 - 1150), Point(X0 + 1950, Y0 - 1250)], crs=CRS)
    net.to_file(folder / "network.gpkg", layer="points")
    fibre = gpd.GeoDataFrame({"route_id": ["F1"], "owner": ["VNPT"], "year": [2020]},
                             geometry=[LineString([(X0 + 100, Y0 - 1200), (X0 + 600, Y0 - 1200)])],
                             crs=CRS)
    fibre.to_file(folder / "network.gpkg", layer="fibre_routes")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        '[scenario]\nname = "Mini district"\nslug = "mini"\n\n'
        '[inputs]\ndem = "dem.tif"\nsites = "sites.csv"\npopulation = "population.tif"\n'
        'settlements = "settlements.gpkg"\nunits = "communes.gpkg"\nroads = "roads.gpkg"\n'
        'network = "network.gpkg"\n\n[coverage]\nradius_km = 2.0\n', encoding="utf-8")
    return scenario


@pytest.fixture(autouse=True)
def _private_loss_cache(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write to the user's loss cache."""
    monkeypatch.setenv("NETCOVER_CACHE_DIR", str(tmp_path_factory.mktemp("loss-cache")))
    monkeypatch.delenv("NETCOVER_TIMINGS", raising=False)  # runs write timings.json only if asked


@pytest.fixture(scope="session")
def dask_local() -> Iterator[DaskExecutor]:
    """One Dask LocalCluster of two single-threaded workers for the whole session."""
    pytest.importorskip("distributed")
    from netcover.core.parallel import DaskExecutor

    with DaskExecutor(None, 2) as executor:
        yield executor


@pytest.fixture
def mini_scenario(tmp_path: Path) -> Path:
    """Path of the miniature district's scenario.toml (all inputs valid)."""
    return write_mini_district(tmp_path / "mini")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes below ``folder``, to prove that nothing was changed."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}

