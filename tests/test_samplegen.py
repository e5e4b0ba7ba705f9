"""Checks on the bundled synthetic Quản Bạ sample and on its generator."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from netcover.data.sites import SITE_COLUMNS
from netcover.errors import InputError
from netcover.samplegen import DATA_FILES, generate
from netcover.samplegen.facts import COMMUNES, commune_populations, largest_remainder
from netcover.samplegen.terrain import fill_pits

SAMPLE = Path(__file__).resolve().parents[1] / "gis_data" / "quan_ba"
FILES = DATA_FILES
UTM = "EPSG:32648"

needs_sample = pytest.mark.skipif(not all((SAMPLE / f).exists() for f in FILES),
                                  reason="gis_data/quan_ba is absent (run gis_data/generate.py)")


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "communes.gpkg", layer="communes")


@pytest.fixture(scope="module")
def settlements() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "settlements.gpkg", layer="settlements")


# --- pure helpers -------------------------------------------------------------------------------

def test_largest_remainder_sums_exactly() -> None:
    assert largest_remainder([1, 1, 1], 10) == [4, 3, 3]
    assert sum(commune_populations(57_200).values()) == 57_200


def test_fill_pits_fills_a_closed_depression_only() -> None:
    dem = np.full((7, 7), 100, dtype=np.int16)
    dem[0, 3] = 90  # outlet on the edge
    dem[2:5, 2:5] = 80  # a pit behind the 100 m rim
    dem[1:6, 3] = np.minimum(dem[1:6, 3], 100)
    filled = fill_pits(dem)
    assert filled[3, 3] == 100
    assert filled[0, 3] == 90
    assert dem[3, 3] == 80  # input untouched
    assert (filled >= dem).all()


# --- the committed files ------------------------------------------------------------------------

@needs_sample
def test_total_size_under_10_mb() -> None:
    total = sum(p.stat().st_size for p in SAMPLE.iterdir() if p.is_file())
    assert total < 10 * 1024 * 1024


@needs_sample
def test_crs_of_every_layer() -> None:
    for name in ("dem.tif", "population.tif"):
        with rasterio.open(SAMPLE / name) as src:
            assert src.crs.to_string() == UTM, name
    for name, layer in (("communes.gpkg", "communes"), ("settlements.gpkg", "settlements"),
                        ("roads.gpkg", "roads"), ("network.gpkg", "points"),
                        ("network.gpkg", "fibre_routes")):
        assert gpd.read_file(SAMPLE / name, layer=layer, rows=1).crs.to_string() == UTM, name


@needs_sample
def test_dem_range_and_no_nodata_inside(communes: gpd.GeoDataFrame) -> None:
    from rasterio import features

    with rasterio.open(SAMPLE / "dem.tif") as src:
        dem = src.read(1)
        inside = features.geometry_mask(list(communes.geometry), out_shape=dem.shape,
                                        transform=src.transform, invert=True)
        assert src.res == (30.0, 30.0)
        assert src.nodata == -32768
    assert (dem != -32768).all()
    assert 300 <= dem.min() and dem.max() <= 2000
    assert 900 <= dem[inside].mean() <= 1100


@needs_sample
def test_dem_drains_except_few_dolines() -> None:
    with rasterio.open(SAMPLE / "dem.tif") as src:
        dem = src.read(1)
    raised = fill_pits(dem) > dem
    assert raised.mean() < 0.02  # only the deliberate karst dolines are closed depressions


@needs_sample
def test_town_basin_and_pass_on_ql4c() -> None:
    from netcover.samplegen.facts import TOWN_LONLAT
    from netcover.samplegen.grid import to_utm

    roads = gpd.read_file(SAMPLE / "roads.gpkg", layer="roads")
    ql4c = roads[roads["class"] == "national"]
    points = [p for g in ql4c.geometry for p in shapely.segmentize(g, 30.0).coords]
    tx, ty = to_utm(*TOWN_LONLAT)
    with rasterio.open(SAMPLE / "dem.tif") as src:
        along = np.array([v[0] for v in src.sample(points)])
        (town,) = next(src.sample([(float(tx), float(ty))]))
    assert 1450 <= along.max() <= 1560  # the Quản Bạ pass
    assert 940 <= town <= 1060  # the Tam Sơn basin


@needs_sample
def test_communes_tile_the_district(communes: gpd.GeoDataFrame) -> None:
    assert len(communes) == 13
    assert sorted(communes["code"]) == sorted(c.code for c in COMMUNES)
    assert communes.is_valid.all()
    assert (communes.geom_type == "Polygon").all()
    geoms = list(communes.geometry)
    overlap = sum(geoms[i].intersection(geoms[j]).area
                  for i in range(13) for j in range(i + 1, 13))
    assert overlap < 1.0  # m2
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon"
    assert abs(union.area / 1e6 - 550.0) <= 55.0
    published = {c.code: c.area_km2 for c in COMMUNES}
    for code, area in zip(communes["code"], communes["area_km2"], strict=True):
        assert abs(area - published[code]) / published[code] < 0.05, code


@needs_sample
def test_population_totals(communes: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame) -> None:
    assert abs(communes["population"].sum() - 57_000) <= 0.03 * 57_000
    assert abs(settlements["population"].sum() - 57_000) <= 0.03 * 57_000
    assert abs(settlements["households"].sum() - 12_000) <= 0.03 * 12_000
    assert abs(settlements["fibre_households"].sum() - 7_300) <= 0.03 * 7_300
    assert (settlements["fibre_households"] <= settlements["households"]).all()
    per = settlements.groupby("commune_code")[["population", "households"]].sum()
    for row in communes.itertuples():
        assert per.loc[row.code, "population"] == row.population
        assert per.loc[row.code, "households"] == row.households
    assert settlements["settlement_id"].is_unique


@needs_sample
def test_population_raster_matches_settlements(communes: gpd.GeoDataFrame,
                                               settlements: gpd.GeoDataFrame) -> None:
    from rasterio import features

    with rasterio.open(SAMPLE / "population.tif") as src:
        pop = src.read(1)
        assert src.res == (100.0, 100.0)
        labels = features.rasterize([(g, k) for k, g in enumerate(communes.geometry)],
                                    out_shape=pop.shape, transform=src.transform, fill=-1)
    assert pop[pop >= 0].sum() == pytest.approx(settlements["population"].sum(), abs=5)
    for k, row in enumerate(communes.itertuples()):
        assert pop[labels == k].sum() == pytest.approx(row.population, abs=5), row.code


@needs_sample
def test_settlements_inside_their_commune(communes: gpd.GeoDataFrame,
                                          settlements: gpd.GeoDataFrame) -> None:
    polys = dict(zip(communes["code"], communes.geometry, strict=True))
    for code, point in zip(settlements["commune_code"], settlements.geometry, strict=True):
        assert polys[code].contains(point), code


@needs_sample
def test_sites_csv_layout() -> None:
    cells = pd.read_csv(SAMPLE / "sites.csv", dtype={"pattern_file": str})
    assert tuple(cells.columns) == SITE_COLUMNS
    assert cells["site_id"].nunique() == 47
    assert cells["cell_id"].is_unique
    assert set(cells["technology"]) <= {"4G", "3G"}
    assert cells["pattern_file"].isna().all()
    counts = cells.drop_duplicates("site_id")["operator"].value_counts()
    assert counts["Viettel"] > counts["VNPT"] > counts["MobiFone"]
    assert cells["height_m"].between(30, 45).all()
    assert cells["tx_power_dbm"].between(40, 46).all()
    assert cells["antenna_gain_dbi"].between(15, 18).all()
    assert cells["lon"].between(104.75, 105.2).all() and cells["lat"].between(22.9, 23.25).all()


@needs_sample
def test_network_points() -> None:
    points = gpd.read_file(SAMPLE / "network.gpkg", layer="points")
    fibre = gpd.read_file(SAMPLE / "network.gpkg", layer="fibre_routes")
    assert len(points) == 58 and points["point_id"].is_unique
    assert set(points["type"]) <= {"district_agency", "commune_office", "school",
                                   "health_station", "other"}
    assert set(points["connection"]) <= {"fibre", "lan", "none"}
    assert (points["type"] == "commune_office").sum() == 13
    assert (points["connection"] != "none").mean() > 0.9
    assert len(fibre) > 0 and set(fibre["owner"]) <= {"VNPT", "Viettel"}


@needs_sample
def test_roads_form_one_connected_component() -> None:
    roads = gpd.read_file(SAMPLE / "roads.gpkg", layer="roads")
    assert set(roads["class"]) == {"national", "provincial", "commune", "track"}
    assert roads["road_id"].is_unique
    assert (roads.geom_type == "LineString").all()
    ends = np.array([[g.coords[0], g.coords[-1]] for g in roads.geometry])  # (n, 2, 2)
    pts = ends.reshape(-1, 2)
    key = np.round(pts / 5.0).astype(np.int64)  # endpoints within a few metres meet
    _, node = np.unique(key, axis=0, return_inverse=True)
    graph = nx.Graph()
    graph.add_edges_from(node.reshape(-1, 2).tolist())
    assert nx.number_connected_components(graph) == 1


# --- the generator ------------------------------------------------------------------------------

def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=11, scale=5)
    generate(tmp_path / "b", seed=11, scale=5)
    assert {p.name for p in a} >= set(FILES) | {"README.md"}
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_generator_rejects_unknown_scale(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="scale"):
        generate(tmp_path, scale=3)
