"""A planner's own data as it really comes (issue 12's acceptance case), built in code.

A coarse DEM in Web Mercator (EPSG:3857), commune polygons in lon/lat with census totals and
overlapping slivers (low-resolution boundaries), commune seats as settlements without household
counts, no roads, no population raster, no data network, and the operators' site list as an Excel
workbook. ``netcover validate`` then ``netcover run`` must complete, and the people per commune must
add up to the census totals.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer
from shapely.geometry import Point, box

from netcover.app.cli import cli

pytest.importorskip("openpyxl")

#: Three communes side by side (lon/lat), each 0.06 degrees wide, overlapping by 0.0008 degrees.
LON0, LAT0, LAT1, WIDTH, SLIVER = 104.95, 23.02, 23.10, 0.06, 0.0008
CENSUS = {"00877": ("Bát Đại Sơn", 3514), "00880": ("Nghĩa Thuận", 3897), "00883": ("Cán Tỷ", 5528)}


def _communes() -> gpd.GeoDataFrame:
    polys, codes, names, people = [], [], [], []
    for i, (code, (name, pop)) in enumerate(CENSUS.items()):
        west = LON0 + i * WIDTH - (SLIVER if i else 0.0)
        polys.append(box(west, LAT0, LON0 + (i + 1) * WIDTH, LAT1))
        codes.append(code)
        names.append(name)
        people.append(pop)
    return gpd.GeoDataFrame({"code": codes, "name": names, "population": people},
                            geometry=polys, crs="EPSG:4326")


def _write_dem(path: Path) -> None:
    """A rough karst-like surface at 250 m cells in EPSG:3857 (public global DEMs come so)."""
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x0, y1 = to_m.transform(LON0 - 0.12, LAT1 + 0.12)
    x1, y0 = to_m.transform(LON0 + 3 * WIDTH + 0.12, LAT0 - 0.12)
    cell = 250.0
    cols, rows = int((x1 - x0) / cell), int((y1 - y0) / cell)
    rng = np.random.default_rng(12)
    yy, xx = np.mgrid[0:rows, 0:cols]
    heights = 1100.0 + 250.0 * np.sin(xx / 9.0) * np.cos(yy / 11.0) + rng.normal(0, 30, (rows, cols))
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1,
                       dtype="float32", crs="EPSG:3857", nodata=-32768,
                       transform=Affine(cell, 0, x0, 0, -cell, y1)) as dst:
        dst.write(heights.astype("float32"), 1)


def _sites() -> pd.DataFrame:
    rows = []
    for k, (lon, lat) in enumerate(((104.98, 23.05), (105.04, 23.07), (105.10, 23.04),
                                    (105.14, 23.08))):
        for j, az in enumerate((0, 120, 240)):
            rows.append({
                "site_id": f"VTL-{k + 1:02d}", "cell_id": f"VTL-{k + 1:02d}-{j + 1}",
                "operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat,
                "height_m": 30, "azimuth_deg": az, "mech_tilt_deg": 2, "elec_tilt_deg": 2,
                "frequency_mhz": 900, "bandwidth_mhz": 10, "tx_power_dbm": 43,
                "antenna_gain_dbi": 16, "h_beamwidth_deg": 65, "v_beamwidth_deg": 8,
                "pattern_file": None,
            })
    return pd.DataFrame(rows)


def write_real_shaped(folder: Path) -> Path:
    """Write the scenario and its inputs; return the scenario file."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_dem(folder / "dem_3857.tif")
    communes = _communes()
    communes.to_file(folder / "communes.gpkg")
    seats = gpd.GeoDataFrame(
        {"name": [f"UBND {n}" for n, _ in CENSUS.values()], "commune_code": list(CENSUS),
         "population": [600, 550, 700]},
        geometry=[Point(LON0 + (i + 0.5) * WIDTH, 23.06) for i in range(3)], crs="EPSG:4326")
    seats.to_file(folder / "seats.geojson", driver="GeoJSON")
    _sites().to_excel(folder / "sites.xlsx", index=False)
    scenario = folder / "scenario.toml"
    scenario.write_text(
        '[scenario]\nname = "Quản Bạ, public layers"\nslug = "real-shaped"\n\n'
        '[inputs]\ndem = "dem_3857.tif"\nsites = "sites.xlsx"\nunits = "communes.gpkg"\n'
        'settlements = "seats.geojson"\n\n[coverage]\nradius_km = 6.0\n', encoding="utf-8")
    return scenario


@pytest.mark.slow
def test_validate_then_run_on_real_shaped_data(tmp_path: Path) -> None:
    scenario = write_real_shaped(tmp_path / "data")
    runner = CliRunner()
    checked = runner.invoke(cli, ["validate", str(scenario)])
    assert checked.exit_code == 0, checked.output
    assert "coarser" in checked.output  # the 250 m DEM is flagged as optimistic
    out = tmp_path / "out"
    ran = runner.invoke(cli, ["run", str(scenario), "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    table = pd.read_csv(out / "coverage" / "coverage_by_unit.csv", encoding="utf-8-sig",
                        dtype={"code": str})
    people = dict(zip(table["code"], table["people"], strict=True))
    for code, (_name, census) in CENSUS.items():
        assert people[code] == pytest.approx(census, abs=1.0), code
    notes = json.loads((out / "input_summary.json").read_text(encoding="utf-8"))["notes"]
    codes = {n["code"] for n in notes}
    assert {"coarse_dem", "population_census"} <= codes
    skipped = {n["params"].get("section") for n in notes if n["code"] == "skipped"}
    assert "links" not in skipped or any(n["params"].get("reason") == "no_roads" for n in notes)
    assert (out / "report_en.html").is_file() and (out / "report_vi.html").is_file()
