"""Input validation: each case gives its own message (file, row, field, fix) and changes no file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from netcover.config.scenario import load_scenario
from netcover.data.inputs import check_inputs, load_inputs
from netcover.data.sites import SITE_COLUMNS, read_sites
from netcover.errors import Problem, ValidationError

from .conftest import CRS, site_rows, snapshot, write_sites


def messages(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def sites_problems(tmp_path: Path, rows: list[dict[str, object]]) -> str:
    path = write_sites(tmp_path / "sites.csv", rows)
    before = snapshot(tmp_path)
    _cells, problems = read_sites(path)
    assert snapshot(tmp_path) == before
    assert problems, "expected a problem"
    return messages(problems)


def test_valid_sites_read(tmp_path: Path) -> None:
    cells, problems = read_sites(write_sites(tmp_path / "sites.csv"))
    assert problems == []
    assert cells is not None and len(cells) == 4
    assert cells.crs.to_epsg() == 4326
    assert set(cells["technology"]) == {"4G"}


def test_missing_column_lists_found_columns(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "azimuth_deg"} for r in site_rows()]
    text = sites_problems(tmp_path, rows)
    assert "required column(s) missing: azimuth_deg" in text
    assert "columns found: site_id, cell_id" in text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("height_m", 0, "row 2, field 'height_m': 0 is out of range"),
        ("height_m", 350, "row 2, field 'height_m': 350 is out of range"),
        ("height_m", "tall", "row 2, field 'height_m': 'tall' is not a number"),
        ("azimuth_deg", 360, "field 'azimuth_deg': 360 is out of range; give the degrees clockwise"),
        ("azimuth_deg", -5, "field 'azimuth_deg': -5 is out of range"),
        ("frequency_mhz", 20, "field 'frequency_mhz': 20 is out of range; give the carrier in MHz"),
        ("frequency_mhz", 7000, "field 'frequency_mhz': 7000 is out of range"),
        ("mech_tilt_deg", 50, "field 'mech_tilt_deg': 50 is out of range; give the downtilt in degrees"),
        ("elec_tilt_deg", -25, "field 'elec_tilt_deg': -25 is out of range"),
        ("technology", "6G", "unknown technology '6G'; use 4G (LTE), 5G (NR) or 3G"),
        ("lat", 95, "field 'lat': 95 is out of range"),
        ("tx_power_dbm", "", "field 'tx_power_dbm': is empty"),
        ("pattern_file", "missing.msi", "field 'pattern_file': pattern file"),
        ("bandwidth_mhz", 7, "field 'bandwidth_mhz': 7 MHz is not an LTE channel bandwidth"),
    ],
)
def test_bad_value_is_reported_with_row_and_field(
    tmp_path: Path, field: str, value: object, expected: str
) -> None:
    rows = site_rows()
    rows[0][field] = value
    assert expected in sites_problems(tmp_path, rows)


def test_duplicate_cell_ids(tmp_path: Path) -> None:
    rows = site_rows()
    rows[1]["cell_id"] = rows[0]["cell_id"]
    text = sites_problems(tmp_path, rows)
    assert "cell_id 'S1-1' is used more than once (row 2, row 3)" in text


def test_one_site_id_in_two_places(tmp_path: Path) -> None:
    rows = site_rows()
    rows[3]["site_id"] = "S1"
    assert "site_id 'S1' is used for places" in sites_problems(tmp_path, rows)


def test_site_id_places_each_id_once_and_not_where_a_position_is_unreadable(tmp_path: Path) -> None:
    rows = site_rows()
    rows.append({**rows[3], "cell_id": "S2-2"})
    rows[3]["site_id"] = rows[4]["site_id"] = "S1"  # two more rows of S1 elsewhere
    text = sites_problems(tmp_path, rows)
    assert text.count("site_id 'S1' is used for places") == 1
    rows[3]["lon"] = "east"  # S1's extent is unknown: only the bad value is reported
    text = sites_problems(tmp_path, rows)
    assert "used for places" not in text and "east" in text


def test_all_problems_at_once(tmp_path: Path) -> None:
    rows = site_rows()
    rows[0]["height_m"] = -1
    rows[2]["frequency_mhz"] = 1
    rows[3]["azimuth_deg"] = 400
    text = sites_problems(tmp_path, rows)
    assert "row 2" in text and "row 4" in text and "row 5" in text


def test_technology_aliases(tmp_path: Path) -> None:
    rows = site_rows()
    rows[0]["technology"], rows[1]["technology"] = "LTE", "wcdma"
    cells, problems = read_sites(write_sites(tmp_path / "sites.csv", rows))
    assert problems == [] and cells is not None
    assert list(cells["technology"][:2]) == ["4G", "3G"]


def test_sites_as_vector_in_another_crs(tmp_path: Path) -> None:
    cells, _ = read_sites(write_sites(tmp_path / "sites.csv"))
    assert cells is not None
    gpkg = tmp_path / "sites.gpkg"
    cells.drop(columns=["lon", "lat"]).to_crs(CRS).to_file(gpkg)
    again, problems = read_sites(gpkg)
    assert problems == [] and again is not None
    assert again["lon"].to_numpy() == pytest.approx(cells["lon"].to_numpy(), abs=1e-7)
    assert list(SITE_COLUMNS[:4]) == list(again.columns[:4])


def test_site_outside_dem(mini_scenario: Path) -> None:
    rows = site_rows()
    rows[3]["lon"] = float(rows[3]["lon"]) + 0.5  # type: ignore[arg-type]
    write_sites(mini_scenario.parent / "sites.csv", rows)
    before = snapshot(mini_scenario.parent)
    with pytest.raises(ValidationError) as info:
        load_inputs(load_scenario(mini_scenario))
    assert snapshot(mini_scenario.parent) == before
    assert "site 'S2'" in info.value.report() and "lies outside the DEM" in info.value.report()
    assert "row 5" in info.value.report()


def test_valid_mini_district(mini_scenario: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    assert inputs.crs.to_epsg() == 32648
    assert inputs.cells is not None and len(inputs.cells) == 4
    assert inputs.units is not None and list(inputs.units["name"]) == ["Tây", "Đông"]
    assert inputs.population is not None and inputs.population.total == pytest.approx(500)
    assert inputs.fibre_routes is not None and len(inputs.fibre_routes) == 1
    assert inputs.warnings == []


def test_invalid_geometry_names_the_feature(mini_scenario: Path) -> None:
    bowtie = Polygon([(500000, 2560000), (501000, 2559000), (501000, 2560000), (500000, 2559000)])
    units = gpd.read_file(mini_scenario.parent / "communes.gpkg")
    units.loc[1, "geometry"] = bowtie
    units.to_file(mini_scenario.parent / "communes.gpkg")
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    text = messages(problems)
    assert "communes.gpkg, feature 2, field 'geometry': invalid geometry (Self-intersection" in text
    assert "Fix geometries" in text


def test_missing_field_lists_fields(mini_scenario: Path) -> None:
    villages = gpd.read_file(mini_scenario.parent / "settlements.gpkg")
    villages.drop(columns="population").to_file(mini_scenario.parent / "settlements.gpkg")
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    text = messages(problems)
    assert "settlements.gpkg, field 'population': required field(s) missing: population" in text
    assert "fields found: settlement_id, name" in text


def test_empty_and_unreadable_files_are_collected_together(mini_scenario: Path) -> None:
    (mini_scenario.parent / "roads.gpkg").write_bytes(b"")
    (mini_scenario.parent / "settlements.gpkg").write_text("garbage")
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    text = messages(problems)
    assert "roads.gpkg: the roads file is empty" in text
    assert "settlements.gpkg: cannot read the settlements layer" in text


def test_missing_crs_on_a_vector(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    (folder / "roads.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"road_id": "R9", "class": "track"}, "geometry": {"type": "LineString", '
        '"coordinates": [[0, 0], [1, 1]]}}]}')
    text = mini_scenario.read_text().replace('roads = "roads.gpkg"', 'roads = "roads.geojson"')
    mini_scenario.write_text(text)
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    # GeoJSON defaults to WGS84 by specification, so the layer is read; a shapefile without .prj is not
    assert not any("roads.geojson" in str(p) and p.severity == "error" for p in problems)
    gdf = gpd.read_file(folder / "roads.gpkg").set_crs(None, allow_override=True)
    gdf.to_file(folder / "roads.shp")
    mini_scenario.write_text(text.replace("roads.geojson", "roads.shp"))
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert "roads.shp: the roads layer has no CRS; assign one" in messages(problems)
