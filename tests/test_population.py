"""People from census totals, bad population rasters, and which unit a cell or a point belongs to."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from netcover.config.scenario import load_scenario
from netcover.coverage.people import unit_table
from netcover.data.inputs import check_inputs
from netcover.data.layers import check_units_tiling
from netcover.data.population import PopulationGrid
from netcover.data.units import zone_raster

from .conftest import CELL, CRS, X0, Y0, N

SIDE = N * CELL


def _without_population_raster(scenario: Path) -> Path:
    text = scenario.read_text(encoding="utf-8").replace('population = "population.tif"\n', "")
    scenario.write_text(text, encoding="utf-8")
    return scenario


def _errors(problems: list) -> str:
    return "\n".join(str(p) for p in problems if p.severity == "error")


def _census_communes(folder: Path, totals: list[object]) -> None:
    """Three communes of a real-shaped layer: census totals, the third a thin strip."""
    third = X0 + SIDE * 0.9
    gpd.GeoDataFrame({"code": ["001", "002", "003"], "name": ["Tây", "Đông", "Dải"],
                      "population": totals},
                     geometry=[box(X0, Y0 - SIDE, X0 + SIDE / 2, Y0),
                               box(X0 + SIDE / 2, Y0 - SIDE, third, Y0),
                               box(third, Y0 - SIDE, X0 + SIDE, Y0)], crs=CRS).to_file(
        folder / "communes.gpkg")


def test_census_totals_are_spread_over_settlements_and_areas(mini_scenario: Path) -> None:
    """No population raster: each commune's census total, at its settlements as they list them
    and the rest over its area; per-commune people add up to the census totals (issue 12)."""
    folder = _without_population_raster(mini_scenario).parent
    _census_communes(folder, [1_234, 2_345, 456])  # settlements list 300 and 200 people
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert inputs is not None and _errors(problems) == ""
    assert inputs.population is not None
    table = unit_table(inputs.units, inputs.population, None, {"all": np.zeros((N, N), "uint8")},
                       inputs.terrain.transform, usable=2)
    np.testing.assert_allclose(table["people"], [1_234, 2_345, 456], rtol=1e-5)
    pop = inputs.population
    x, _ = pop.cell_centres()
    west = pop.counts[x < X0 + SIDE / 2]
    village = pop.counts[7, 5] - np.median(west)  # the village's own people above the spread rest
    assert village == pytest.approx(300, rel=1e-3)  # Tây's village keeps the 300 it lists
    assert (west > 0).sum() > 10  # the other 934 of Tây's census are spread over its area
    strip = pop.counts[x > X0 + SIDE * 0.9]
    assert strip.sum() == pytest.approx(456, rel=1e-5) and (strip > 0).sum() > 10  # spread out
    note = next(n for n in inputs.notes if n.code == "population_census")
    assert note.params["method"] == "settlements" and note.params["field"] == "population"
    assert any("census" in p.message and p.severity == "warning" for p in problems)


def test_census_over_the_area_leaves_out_steep_slopes(mini_scenario: Path) -> None:
    _without_population_raster(mini_scenario)
    text = mini_scenario.read_text(encoding="utf-8").replace('settlements = "settlements.gpkg"\n', "")
    mini_scenario.write_text(text.replace("[inputs]\n", "[inputs]\ncensus_max_slope_deg = 25.0\n"),
                             encoding="utf-8")
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert inputs is not None and inputs.population is not None and _errors(problems) == ""
    pop = inputs.population
    x, _ = pop.cell_centres()
    ridge = np.abs(x - (X0 + SIDE / 2)) < 60  # the ridge's steep flanks
    assert pop.counts[ridge].sum() == 0 and pop.total == pytest.approx(500, rel=1e-5)
    note = next(n for n in inputs.notes if n.code == "population_census")
    assert dict(note.params) == {"method": "area_slope", "field": "population",
                                 "max_slope_deg": 25.0}


def test_bad_census_values_and_a_missing_census_field(mini_scenario: Path) -> None:
    folder = _without_population_raster(mini_scenario).parent
    _census_communes(folder, ["many", -5, 1e12])
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    text = _errors(problems)
    assert "communes.gpkg, feature 1, field 'population'" in text
    assert "communes.gpkg, feature 2, field 'population'" in text
    assert "feature 3" in text and "people per km2" in text
    mini_scenario.write_text(mini_scenario.read_text(encoding="utf-8").replace(
        "[inputs]\n", '[inputs]\nunit_population_field = "dan_so"\n'), encoding="utf-8")
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert "no field 'dan_so' (inputs.unit_population_field)" in _errors(problems)


def test_no_population_at_all_is_noted(mini_scenario: Path) -> None:
    folder = _without_population_raster(mini_scenario).parent
    units = gpd.read_file(folder / "communes.gpkg").drop(columns="population")
    units.to_file(folder / "communes.gpkg")
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert inputs is not None and inputs.population is None and _errors(problems) == ""
    assert [n.code for n in inputs.notes] == ["population_none"]


def _population(folder: Path, values: np.ndarray, nodata: float | None = -1.0) -> None:
    profile = {"driver": "GTiff", "height": 24, "width": 24, "count": 1, "dtype": "float32",
               "crs": CRS, "transform": Affine(100, 0, X0, 0, -100, Y0)}
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(folder / "population.tif", "w", **profile) as dst:
        dst.write(values.astype("float32"), 1)


@pytest.mark.parametrize(("fill", "nodata"), [(0.0, -1.0), (np.nan, None), (-3.0, None)])
def test_a_population_raster_without_people_is_refused(mini_scenario: Path, fill: float,
                                                       nodata: float | None) -> None:
    """All-zero, NaN or negative population: refused with the file and the fix (issue 17)."""
    _population(mini_scenario.parent, np.full((24, 24), fill), nodata)
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert "population.tif: the population holds nobody" in _errors(problems)


def test_a_trillion_people_in_a_cell_is_refused(mini_scenario: Path) -> None:
    values = np.ones((24, 24))
    values[3, 4] = 1e12
    _population(mini_scenario.parent, values)
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    text = _errors(problems)
    assert "population.tif" in text and "more than 200,000 people per km2" in text
    assert "row 4, column 5" in text


def _overlapping_units() -> gpd.GeoDataFrame:
    """Two communes whose low-resolution boundaries overlap in a 300 m sliver."""
    return gpd.GeoDataFrame({"code": ["001", "002"], "name": ["Tây", "Đông"]},
                            geometry=[box(X0, Y0 - 1200, X0 + 1350, Y0),
                                      box(X0 + 1050, Y0 - 1200, X0 + 2400, Y0)], crs=CRS)


def test_cells_and_points_in_an_overlap_go_to_one_unit() -> None:
    from netcover.data.units import unit_of_points

    units = _overlapping_units()
    zones = zone_raster(units, Affine(100, 0, X0, 0, -100, Y0), (12, 24))
    assert (zones[:, 11:13] == 0).all()  # centres at 1,150 and 1,250 m: in both, given to 001
    pts = gpd.GeoDataFrame(geometry=[Point(X0 + 1200, Y0 - 600), Point(X0 + 2000, Y0 - 600)],
                           crs=CRS)
    assert unit_of_points(pts, units).tolist() == [0, 1]
    pop = PopulationGrid(np.ones((12, 24), "float32"), Affine(100, 0, X0, 0, -100, Y0), CRS)
    table = unit_table(units, pop, None, {"all": np.zeros((40, 80), "uint8")},
                       Affine(30, 0, X0, 0, -30, Y0), usable=2)
    assert table["people"].sum() == pytest.approx(12 * 24)  # nobody counted twice
    warning = check_units_tiling(units, "communes.gpkg")[0]
    assert "counted once, in 'Tây' (code 001" in warning.message
    assert "counted in both" not in warning.message


def test_points_with_a_unit_code_follow_the_code() -> None:
    """A commune seat just across a coarse boundary keeps its commune (issue 12)."""
    from netcover.data.units import unit_of_points

    units = _overlapping_units()
    pts = gpd.GeoDataFrame({"commune_code": ["002", "2", None, "099"]},
                           geometry=[Point(X0 + 300, Y0 - 600), Point(X0 + 300, Y0 - 600),
                                     Point(X0 + 300, Y0 - 600), Point(X0 + 2000, Y0 - 600)],
                           crs=CRS)
    assert unit_of_points(pts, units).tolist() == [1, 1, 0, 1]
    villages = pts.assign(settlement_id=["a", "b", "c", "d"], name=list("ABCD"),
                          population=[10.0] * 4, households=[2.0, 3.0, 4.0, 5.0],
                          fibre_households=[0.0] * 4)
    table = unit_table(units, None, villages, {"all": np.zeros((40, 80), "uint8")},
                       Affine(30, 0, X0, 0, -30, Y0), usable=2)
    assert table["households"].tolist() == [4.0, 10.0]


def test_overlaps_are_noted_and_units_outside_the_dem_refused(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    far = box(X0 + 50_000, Y0 - 1000, X0 + 51_000, Y0)
    units = _overlapping_units()
    units = gpd.GeoDataFrame({"code": ["001", "002", "003"], "name": ["Tây", "Đông", "Xa"]},
                             geometry=[*units.geometry, far], crs=CRS)
    units.to_file(folder / "communes.gpkg")
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert "1 unit(s) lie wholly outside the DEM: 'Xa' (003)" in _errors(problems)
    assert inputs is not None
    note = next(n for n in inputs.notes if n.code == "units_overlap")
    assert note.params == {"pairs": 1, "km2": 0.36}


def test_messy_real_shaped_district_people_add_up_to_the_census(tmp_path: Path) -> None:
    """A coarse DEM in EPSG:3857, communes in lon/lat with census totals and overlapping slivers,
    no population raster: every figure rests on notes, and per-commune people are the census."""
    from pyproj import Transformer

    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.write import coverage_tables

    from .conftest import site_rows, write_sites

    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    left, top = to_merc.transform(104.85, 23.20)
    rng = np.random.default_rng(2025)
    hills = 900 + 500 * rng.random((14, 14))
    rasterio_profile = {"driver": "GTiff", "height": 14, "width": 14, "count": 1,
                        "dtype": "float32", "crs": "EPSG:3857",
                        "transform": Affine(2400, 0, left, 0, -2400, top)}
    with rasterio.open(tmp_path / "dem.tif", "w", **rasterio_profile) as dst:
        dst.write(hills.astype("float32"), 1)
    edges = [104.90, 104.965, 105.03, 105.10]  # each commune 0.004 degrees into the next
    census = [8_410, 3_514, 2_805]
    gpd.GeoDataFrame({"code": ["00904", "00877", "00910"],
                      "name": ["Quyết Tiến", "Bát Đại Sơn", "Thái An"], "population": census},
                     geometry=[box(edges[i] - 0.002 * (i > 0), 23.0, edges[i + 1] + 0.002, 23.12)
                               for i in range(3)], crs="EPSG:4326").to_file(
        tmp_path / "communes.gpkg")
    rows = [dict(r, lon=105.0, lat=23.06) for r in site_rows() if r["site_id"] == "S1"]
    write_sites(tmp_path / "sites.csv", rows)
    (tmp_path / "scenario.toml").write_text(
        '[inputs]\ndem = "dem.tif"\nsites = "sites.csv"\nunits = "communes.gpkg"\n\n'
        '[coverage]\nradius_km = 8.0\n', encoding="utf-8")
    inputs, problems = check_inputs(load_scenario(tmp_path / "scenario.toml"))
    assert inputs is not None and _errors(problems) == ""
    assert {n.code for n in inputs.notes} == {"coarse_dem", "population_census", "units_overlap"}
    result = compute_coverage(inputs)
    table = coverage_tables(result, inputs, usable="fair").units
    assert table is not None
    np.testing.assert_allclose(table["people"], census, rtol=1e-5)
    people = table[[f"all_people_{c}" for c in ("none", "weak", "fair", "good")]].sum(axis=1)
    np.testing.assert_allclose(people, census, rtol=1e-5)


def test_a_point_naming_an_unknown_unit_is_warned_about(mini_scenario: Path) -> None:
    villages = gpd.read_file(mini_scenario.parent / "settlements.gpkg")
    villages.loc[1, "commune_code"] = "099"
    villages.to_file(mini_scenario.parent / "settlements.gpkg")
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    found = [p for p in problems if "'099' is not a code of the units layer" in p.message]
    assert len(found) == 1 and found[0].where == "feature 2" and found[0].severity == "warning"


def test_a_population_raster_larger_than_the_dem_is_read_over_the_dem(mini_scenario: Path) -> None:
    """A country's WorldPop for a district: only the part over the DEM is read and counted."""
    big = np.ones((24 + 40, 24 + 40))  # 2 km beyond the DEM on every side, 1 person per cell
    big[20:44, 20:44] = 0.0
    big[20 + 7, 20 + 5], big[20 + 18, 20 + 20] = 300, 200
    with rasterio.open(mini_scenario.parent / "population.tif", "w", driver="GTiff", height=64,
                       width=64, count=1, dtype="float32", crs=CRS, nodata=-1,
                       transform=Affine(100, 0, X0 - 2000, 0, -100, Y0 + 2000)) as dst:
        dst.write(big.astype("float32"), 1)
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert inputs is not None and inputs.population is not None
    assert inputs.population.total == pytest.approx(500)
    assert inputs.population.counts.shape == (24, 24)
    assert any("only its 24 x 24 cells over the DEM are read" in p.message for p in problems)


def test_census_people_of_a_seat_across_a_boundary_stay_in_its_commune(mini_scenario: Path) -> None:
    """A seat attributed by code but lying 50 m inside the neighbour: its commune keeps its people."""
    folder = _without_population_raster(mini_scenario).parent
    _census_communes(folder, [1_234, 2_345, 456])
    villages = gpd.read_file(folder / "settlements.gpkg")
    seat = villages.iloc[[1]].assign(settlement_id="002-2", name="UBND Đông", population=50,
                                     geometry=[Point(X0 + SIDE / 2 - 50, Y0 - 1100)])
    gpd.GeoDataFrame(pd.concat([villages, seat], ignore_index=True), crs=villages.crs).to_file(
        folder / "settlements.gpkg")
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert inputs is not None and _errors(problems) == ""
    table = unit_table(inputs.units, inputs.population, inputs.settlements,
                       {"all": np.zeros((N, N), "uint8")}, inputs.terrain.transform, usable=2)
    np.testing.assert_allclose(table["people"], [1_234, 2_345, 456], rtol=1e-5)
    assert table["households"].tolist() == [60, 80, 0]  # the seat's households count in Đông too
