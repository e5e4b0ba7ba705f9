"""Coverage at service levels (#13): margins, classes, ranges, village probabilities, tables."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

from netcover.config.calibration import Calibration
from netcover.config.scenario import Scenario, scenario_from_dict
from netcover.config.service import DEFAULT_SERVICE_LEVELS, ServiceLevel
from netcover.coverage.service import (
    RANGE_Z,
    margin_db,
    service_classes,
    service_probability,
)
from netcover.data.terrain import Terrain
from netcover.errors import ScenarioError
from netcover.radio.p2109 import building_entry_loss_db, building_entry_sd_db
from netcover.radio.variability import location_sd_db

Z90 = 1.2815515655446004
LEVELS = {lv.name: lv for lv in DEFAULT_SERVICE_LEVELS}


def _terrain(shape=(20, 30), clutter: float | None = None) -> Terrain:
    heights = np.zeros(shape, dtype=np.float32)
    layer = None if clutter is None else np.full(shape, clutter, dtype=np.float32)
    return Terrain(heights, Affine(30.0, 0, 500_000, 0, -30.0, 2_560_000), CRS.from_epsg(32648),
                   clutter_m=layer)


def _synthetic(shape=(20, 30), seed=3):
    """Two operators on 4G: levels spread over every class, one band each."""
    rng = np.random.default_rng(seed)
    levels = {("A", "4G"): rng.uniform(-125, -85, shape), ("B", "4G"): rng.uniform(-125, -85, shape)}
    levels[("A", "4G")][0, :3] = np.nan  # no server there
    best = {("A", "4G"): np.zeros(shape, dtype=np.int32), ("B", "4G"): np.ones(shape, dtype=np.int32)}
    best[("A", "4G")][0, :3] = -1
    cells = pd.DataFrame({"frequency_mhz": [900.0, 1800.0]})
    return levels, best, cells


def test_margins_per_level() -> None:
    f = np.array([900.0, 1800.0, np.nan])
    sigma = location_sd_db(f, rx_height_m=1.5, clutter_height_m=0.0, area_width_m=100.0)
    assert np.all(margin_db(LEVELS["outdoor_50"], f, sigma) == 0.0)
    assert margin_db(LEVELS["outdoor_90"], f, sigma)[:2] == pytest.approx(Z90 * sigma[:2])
    car = np.sqrt(sigma[:2] ** 2 + 5.0**2)
    assert margin_db(LEVELS["in_car_90"], f, sigma)[:2] == pytest.approx(9.0 + Z90 * car)
    bel50 = building_entry_loss_db(f[:2] / 1e3, 50.0)
    sb = building_entry_sd_db(f[:2] / 1e3, 90.0)
    assert margin_db(LEVELS["indoor_90"], f, sigma)[:2] == pytest.approx(
        bel50 + Z90 * np.sqrt(sigma[:2] ** 2 + sb**2))
    assert margin_db(LEVELS["indoor_90"], f, sigma)[2] == 0.0  # no server: no margin


def test_outdoor_50_is_the_median_classes_and_90_is_strictly_lower() -> None:
    levels, best, cells = _synthetic()
    sc = Scenario()
    out = service_classes(levels, best, cells, sc, _terrain())
    from netcover.coverage.service import level_classes

    median = {op: level_classes(levels[(op, "4G")], sc, "4G") for op in ("A", "B")}
    assert np.array_equal(out["outdoor_50"].classes["A"], median["A"])
    assert np.array_equal(out["outdoor_50"].classes["all"], np.maximum(median["A"], median["B"]))
    assert list(out["outdoor_50"].classes) == ["all", "A", "B"]  # per operator kept
    share = {k: float((s.classes["all"] >= 2).mean()) for k, s in out.items()}
    assert share["outdoor_90"] < share["outdoor_50"]
    assert share["indoor_90"] < share["in_car_90"] < share["outdoor_90"]
    for s in out.values():  # classes never rise with the margin; ranges bracket the figure
        for layer in s.classes:
            assert np.all(s.low[layer] <= s.classes[layer])
            assert np.all(s.classes[layer] <= s.high[layer])
    assert np.all(out["outdoor_90"].classes["all"] <= out["outdoor_50"].classes["all"])


def test_ranges_collapse_with_zero_spread() -> None:
    levels, best, cells = _synthetic()
    sc = dataclasses.replace(Scenario(), calibration={"4G": Calibration(residual_sd_db=0.0)})
    out = service_classes(levels, best, cells, sc, _terrain())
    for s in out.values():
        for layer in s.classes:
            assert np.array_equal(s.low[layer], s.classes[layer])
            assert np.array_equal(s.high[layer], s.classes[layer])
    # a calibrated spread is used as given: the range is +-z sigma_m around the figure
    sc3 = dataclasses.replace(sc, calibration={"4G": Calibration(residual_sd_db=3.0)})
    wide = service_classes(levels, best, cells, sc3, _terrain())["outdoor_50"]
    shifted = {("A", "4G"): levels[("A", "4G")] - RANGE_Z * 3.0,
               ("B", "4G"): levels[("B", "4G")] - RANGE_Z * 3.0}
    low = service_classes(shifted, best, cells, sc, _terrain())["outdoor_50"].classes["all"]
    assert np.array_equal(wide.low["all"], low)


def test_receiver_above_the_clutter_has_no_location_variability() -> None:
    levels, best, cells = _synthetic()
    raw = {"coverage": {"rx_height_m": 12.0}}
    out = service_classes(levels, best, cells, scenario_from_dict(raw), _terrain(clutter=0.0))
    assert np.array_equal(out["outdoor_90"].classes["all"], out["outdoor_50"].classes["all"])
    assert np.array_equal(out["outdoor_90"].high["all"], out["outdoor_90"].classes["all"])
    # the clutter layer is R: under 15 m of forest the same receiver varies again
    forest = service_classes(levels, best, cells, scenario_from_dict(raw), _terrain(clutter=15.0))
    assert (forest["outdoor_90"].classes["all"] >= 2).sum() < (
        forest["outdoor_50"].classes["all"] >= 2).sum()


def _one_village(level_dbm: float, rx_height_m: float = 1.5):
    shape = (4, 4)
    levels = {("A", "4G"): np.full(shape, level_dbm)}
    best = {("A", "4G"): np.zeros(shape, dtype=np.int32)}
    cells = pd.DataFrame({"frequency_mhz": [1800.0]})
    sc = scenario_from_dict({"coverage": {"rx_height_m": rx_height_m}})
    return levels, best, cells, sc, _terrain(shape), np.array([500_045.0]), np.array([2_559_955.0])


@pytest.mark.parametrize(("name", "median"), [("outdoor_90", 0.0), ("in_car_90", 9.0)])
def test_village_probability_is_half_at_the_threshold(name, median) -> None:
    fair = -105.0  # default usable class "fair", 4G
    levels, best, cells, sc, t, x, y = _one_village(fair + median)
    prob = service_probability(levels, best, cells, sc, t, LEVELS[name], x, y)
    assert prob["all"] == pytest.approx([0.5], abs=1e-12)
    assert prob["A"] == pytest.approx([0.5], abs=1e-12)
    up, *_ = _one_village(fair + median + 3.0)
    assert service_probability(up, best, cells, sc, t, LEVELS[name], x, y)["all"][0] > 0.5
    # off the grid: no service
    assert service_probability(levels, best, cells, sc, t, LEVELS[name], x - 1e4, y)["all"][0] == 0


def test_indoor_village_probability_follows_p2109() -> None:
    fair, bel50 = -105.0, float(building_entry_loss_db(1.8, 50.0))
    indoor = LEVELS["indoor_90"]
    # no location variability (handset 10 m above bare earth): exactly P.2109's median
    levels, best, cells, sc, t, x, y = _one_village(fair + bel50, rx_height_m=11.5)
    assert service_probability(levels, best, cells, sc, t, indoor, x, y)["all"][0] == 0.5
    # with it, close to a half, and never likelier indoors than outdoors
    levels, best, cells, sc, t, x, y = _one_village(fair + bel50)
    assert service_probability(levels, best, cells, sc, t, indoor, x, y)["all"][0] == pytest.approx(
        0.5, abs=0.03)
    for excess in (-30.0, -10.0, -3.0, 0.0, 5.0, 20.0, 40.0):
        levels, *_ = _one_village(fair + excess)
        p_in = service_probability(levels, best, cells, sc, t, indoor, x, y)["all"][0]
        p_out = service_probability(levels, best, cells, sc, t, LEVELS["outdoor_90"], x, y)["all"][0]
        assert p_in <= p_out + 1e-12, excess


def test_tables_keep_operators_and_give_ranges() -> None:
    import netcover as nc
    from netcover.data.examples import example_dem, example_population, example_sites

    cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2,
                              population=example_population())
    result = cov.result
    assert np.array_equal(result.service["outdoor_50"].classes["all"], result.classes)
    for op, cls in result.operator_classes.items():
        assert np.array_equal(result.service["outdoor_50"].classes[op], cls)
    halves = gpd.GeoDataFrame({"name": ["west", "east"]}, crs="EPSG:32648", geometry=[
        box(500_000, 2_557_000, 501_500, 2_560_000), box(501_500, 2_557_000, 503_000, 2_560_000)])
    table = cov.by_unit(halves)
    for layer in ("all", *result.operator_classes):
        for lv in ("outdoor_90", "indoor_90"):
            cols = [f"{layer}_share_covered_{lv}{x}" for x in ("_low", "", "_high")]
            values = table[cols].to_numpy()
            assert np.all(np.diff(values, axis=1) >= 0), (layer, lv)
    assert np.all(table["all_share_covered_outdoor_90"] < table["all_share_covered"])
    summary = cov.summary()
    assert summary["headline_service"] == "outdoor_90"
    assert summary["headline_label"] == "outdoor, 90% of locations"
    assert summary["indoor_service"] == "indoor_90"
    assert summary["headline_low"] <= summary["headline_share_people_covered"] <= summary[
        "headline_high"]
    assert summary["share_people_covered_outdoor_50"] == pytest.approx(
        summary["share_people_covered"], abs=1e-12)


def test_scenario_service_levels_parse_and_refuse_bad_values() -> None:
    sc = scenario_from_dict({"service_levels": [
        {"name": "outdoor_95", "location_probability": 95.0},
        {"name": "deep_indoor", "environment": "indoor", "location_probability": 80.0,
         "building": "thermally_efficient"}], "coverage": {"headline_service": "outdoor_95"}})
    assert sc.headline_level.location_probability == 95.0
    assert sc.indoor_level is not None and sc.indoor_level.name == "deep_indoor"
    assert sc.indoor_level.label() == "indoor (thermally efficient buildings), 80% of locations"
    assert scenario_from_dict({"coverage": {"indoor_service": "none"}}).indoor_level is None
    bad = [
        ({"service_levels": [{"name": "o", "location_probability": 40.0}],
          "coverage": {"headline_service": "o"}}, "service_levels[0]"),
        ({"service_levels": [{"name": "Outdoor 90"}]}, "service_levels[0]"),
        ({"service_levels": [{"name": "o", "environment": "roof"}],
          "coverage": {"headline_service": "o"}}, "service_levels[0].environment"),
        ({"coverage": {"headline_service": "outdoor_95"}}, "coverage.headline_service"),
        ({"coverage": {"indoor_service": "outdoor_90"}}, "coverage.indoor_service"),
        ({"service_levels": [{"name": "o"}, {"name": "o"}], "coverage": {"headline_service": "o"}},
         "service_levels"),
        ({"coverage": {"location_area_m": 5.0}}, "coverage.location_area_m"),
    ]
    for raw, field in bad:
        with pytest.raises(ScenarioError) as info:
            scenario_from_dict(raw)
        assert field in {p.field for p in info.value.problems}, raw  # type: ignore[attr-defined]


def test_service_level_labels_in_both_languages() -> None:
    lv = ServiceLevel("in_car_95", "in_car", 95.5)
    assert lv.label("en") == "in car, 95.5% of locations"
    assert lv.label("vi") == "trong ô tô, 95,5% vị trí"


def test_a_zero_clutter_layer_gives_the_bare_earth_classes() -> None:
    levels, best, cells = _synthetic()
    bare = service_classes(levels, best, cells, Scenario(), _terrain())
    zero = service_classes(levels, best, cells, Scenario(), _terrain(clutter=0.0))
    for name, s in bare.items():
        for layer in s.classes:
            for which in ("classes", "low", "high"):
                assert np.array_equal(getattr(s, which)[layer], getattr(zero[name], which)[layer])


def test_files_written_for_service_levels(tmp_path) -> None:
    import rasterio

    import netcover as nc
    from netcover.coverage.people import SERVICE_COLUMNS
    from netcover.data.examples import example_dem, example_population, example_sites

    cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2,
                              population=example_population())
    names = {p.name for p in cov.write(tmp_path)}
    assert {f"service_class_{lv.name}.tif" for lv in DEFAULT_SERVICE_LEVELS} <= names
    table = pd.read_csv(tmp_path / "coverage_by_service.csv", encoding="utf-8-sig")
    n = len(SERVICE_COLUMNS)
    assert tuple(table.columns[:n]) == SERVICE_COLUMNS  # then what the figures assume, no level
    assert all(c.startswith("assumed_") for c in table.columns[n:])
    assert "assumed_model" in table and "assumed_service_level" not in table
    district = table[(table["code"] == "district") & (table["layer"] == "all")]
    assert list(district["service"]) == [lv.name for lv in DEFAULT_SERVICE_LEVELS]
    with rasterio.open(tmp_path / "service_class_outdoor_90.tif") as src:
        assert np.array_equal(src.read(1), cov.result.service["outdoor_90"].classes["all"])
        assert src.descriptions[0] == "0 none, 1 weak, 2 fair, 3 good"


def test_indoor_probability_with_kept_entry_losses_is_the_scalar_one_to_the_bit() -> None:
    """The entry losses kept per (frequency, building) give the probabilities of P.2109's scalar
    calls, bit for bit, on a first call and on a second (from the kept table); the kept table is
    read-only."""
    from scipy.special import ndtr

    from netcover.coverage.service import BEL_QUANTILES, _bel_quantiles, _indoor_probability

    rng = np.random.default_rng(5)
    f = rng.choice([900.0, 1800.0, 2100.0, np.nan], 60)
    excess, sigma = rng.normal(10.0, 15.0, 60), rng.uniform(0.0, 8.0, 60)
    sigma[:5] = 0.0
    q = 100.0 * (np.arange(BEL_QUANTILES) + 0.5) / BEL_QUANTILES
    for building in ("traditional", "thermally_efficient"):
        expected = np.full(60, np.nan)
        for fr in (900.0, 1800.0, 2100.0):
            at = f == fr
            bel = np.array([float(building_entry_loss_db(fr / 1e3, p, building=building))
                            for p in q])
            x, s = excess[at][:, None] - bel[None, :], sigma[at][:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                expected[at] = np.where(s > 0, ndtr(x / s), (x >= 0).astype(float)).mean(axis=1)
        for _ in range(2):
            got = _indoor_probability(excess, f, sigma, building)
            np.testing.assert_array_equal(got, expected)
        assert not _bel_quantiles(900.0, building).flags.writeable
